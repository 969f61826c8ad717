#ifndef FINEPRINT_SERVICES_NOTIFICATION_MODEL_H_
#define FINEPRINT_SERVICES_NOTIFICATION_MODEL_H_

// Names, row readers and settings shared by the handlers, the event fan-out
// and the delivery worker.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "fineprint/notification/v1/notification.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "services/runtime/db/result.h"

namespace fineprint::notification {

namespace v1 = ::fineprint::notification::v1;

inline constexpr char kService[] = "notification";

inline constexpr char kUserPattern[] = "orgs/{org}/users/{user}";
inline constexpr char kPreferencesPattern[] =
    "orgs/{org}/users/{user}/notificationPreferences";
inline constexpr char kNotificationPattern[] =
    "orgs/{org}/users/{user}/notifications/{notification}";
inline constexpr char kWebhookPattern[] = "orgs/{org}/webhooks/{webhook}";
inline constexpr char kDeliveryPattern[] =
    "orgs/{org}/webhooks/{webhook}/deliveries/{delivery}";

struct NotificationConfig {
  // Delays before the 2nd, 3rd, ... attempt; its length + 1 is the number
  // of attempts.
  std::vector<absl::Duration> retry_schedule;
  double retry_jitter = 0.2;
  absl::Duration attempt_timeout = absl::Seconds(15);
  // A webhook whose deliveries kept failing this long is disabled.
  absl::Duration disable_after = absl::Hours(24 * 5);
  // Development only: http:// webhook URLs.
  bool allow_http_webhooks = false;
  // How often a stream looks for notifications written by other instances
  // (those of this process wake it at once).
  absl::Duration stream_poll = absl::Seconds(1);
  size_t max_url_bytes = 2048;
  int max_event_types = 64;
  // Signs the email unsubscribe links UnsubscribeEmail accepts (email.h).
  // Never logged.
  std::string unsubscribe_secret;
};

google::protobuf::Timestamp ToProto(absl::Time t);

std::string UserName(absl::string_view org, absl::string_view user);
std::string WebhookName(absl::string_view org, absl::string_view id);
std::string DeliveryName(absl::string_view org, absl::string_view webhook,
                         absl::string_view id);

// Event types a webhook may subscribe to: those the service consumes and
// forwards, sorted.
const std::vector<std::string>& WebhookEventTypes();

// Severity rank for comparisons in SQL and C++ (INFO 1 .. CRITICAL 3).
int SeverityRank(v1::Severity s);
// Categories that bypass digests, quiet hours and the in-app switch.
bool IsCritical(v1::NotificationKind kind);

inline constexpr char kNotificationColumns[] =
    "org_id, user_id, seq, id, kind, severity, title, body, link, read,"
    " create_time";
absl::StatusOr<v1::Notification> NotificationFromRow(const db::Row& row);

inline constexpr char kWebhookColumns[] =
    "org_id, id, url, display_name, array_to_string(event_types, ' ') AS"
    " types, active, disabled_reason, version, create_time, update_time";
absl::StatusOr<v1::Webhook> WebhookFromRow(const db::Row& row);

inline constexpr char kDeliveryColumns[] =
    "org_id, webhook_id, id, event_id, event_type, status, attempts,"
    " last_http_status, last_error, next_attempt_time, last_attempt_time,"
    " create_time";
absl::StatusOr<v1::Delivery> DeliveryFromRow(const db::Row& row);

}  // namespace fineprint::notification

#endif  // FINEPRINT_SERVICES_NOTIFICATION_MODEL_H_
