#include "services/notification/model.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "fineprint/action/events/v1/events.pb.h"
#include "fineprint/analysis/events/v1/events.pb.h"
#include "fineprint/monitoring/events/v1/events.pb.h"
#include "google/protobuf/util/time_util.h"
#include "services/runtime/status/status.h"

namespace fineprint::notification {

google::protobuf::Timestamp ToProto(absl::Time t) {
  return google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
      absl::ToUnixMicros(t));
}

std::string UserName(absl::string_view org, absl::string_view user) {
  return absl::StrCat("orgs/", org, "/users/", user);
}

std::string WebhookName(absl::string_view org, absl::string_view id) {
  return absl::StrCat("orgs/", org, "/webhooks/", id);
}

std::string DeliveryName(absl::string_view org, absl::string_view webhook,
                         absl::string_view id) {
  return absl::StrCat(WebhookName(org, webhook), "/deliveries/", id);
}

const std::vector<std::string>& WebhookEventTypes() {
  static const auto* types = [] {
    auto* t = new std::vector<std::string>{
        analysis::events::v1::AnalysisCompleted::descriptor()->full_name(),
        analysis::events::v1::AnalysisFailed::descriptor()->full_name(),
        monitoring::events::v1::SourceChanged::descriptor()->full_name(),
        monitoring::events::v1::SourceCheckFailed::descriptor()->full_name(),
        action::events::v1::ActionSuggested::descriptor()->full_name(),
        action::events::v1::ActionStatusChanged::descriptor()->full_name(),
        action::events::v1::ActionDueSoon::descriptor()->full_name(),
        action::events::v1::ActionOverdue::descriptor()->full_name(),
    };
    std::sort(t->begin(), t->end());
    return t;
  }();
  return *types;
}

int SeverityRank(v1::Severity s) {
  return s == v1::SEVERITY_UNSPECIFIED ? 1 : static_cast<int>(s);
}

bool IsCritical(v1::NotificationKind kind) {
  return kind == v1::SECURITY || kind == v1::ACTION_OVERDUE;
}

absl::StatusOr<v1::Notification> NotificationFromRow(const db::Row& row) {
  v1::Notification n;
  n.set_name(absl::StrCat(UserName(row.Value("org_id"), row.Value("user_id")),
                          "/notifications/", row.Value("id")));
  n.set_title(std::string(row.Value("title")));
  n.set_body(std::string(row.Value("body")));
  v1::NotificationKind kind;
  if (v1::NotificationKind_Parse(std::string(row.Value("kind")), &kind)) {
    n.set_kind(kind);
  }
  v1::Severity severity;
  if (v1::Severity_Parse(std::string(row.Value("severity")), &severity)) {
    n.set_severity(severity);
  }
  n.set_link(std::string(row.Value("link")));
  FP_ASSIGN_OR_RETURN(bool read, row.GetBool("read"));
  n.set_read(read);
  FP_ASSIGN_OR_RETURN(absl::Time created, row.GetTime("create_time"));
  *n.mutable_create_time() = ToProto(created);
  FP_ASSIGN_OR_RETURN(int64_t seq, row.GetInt64("seq"));
  n.set_sequence(seq);
  return n;
}

absl::StatusOr<v1::Webhook> WebhookFromRow(const db::Row& row) {
  v1::Webhook w;
  w.set_name(WebhookName(row.Value("org_id"), row.Value("id")));
  w.set_url(std::string(row.Value("url")));
  w.set_display_name(std::string(row.Value("display_name")));
  for (absl::string_view t :
       absl::StrSplit(row.Value("types"), ' ', absl::SkipEmpty())) {
    w.add_event_types(std::string(t));
  }
  FP_ASSIGN_OR_RETURN(bool active, row.GetBool("active"));
  w.set_active(active);
  w.set_disabled_reason(std::string(row.Value("disabled_reason")));
  w.set_etag(absl::StrCat("W/\"", row.Value("version"), "\""));
  FP_ASSIGN_OR_RETURN(absl::Time created, row.GetTime("create_time"));
  FP_ASSIGN_OR_RETURN(absl::Time updated, row.GetTime("update_time"));
  *w.mutable_create_time() = ToProto(created);
  *w.mutable_update_time() = ToProto(updated);
  return w;
}

absl::StatusOr<v1::Delivery> DeliveryFromRow(const db::Row& row) {
  v1::Delivery d;
  d.set_name(DeliveryName(row.Value("org_id"), row.Value("webhook_id"),
                          row.Value("id")));
  d.set_event_id(std::string(row.Value("event_id")));
  d.set_event_type(std::string(row.Value("event_type")));
  v1::DeliveryStatus status;
  if (v1::DeliveryStatus_Parse(std::string(row.Value("status")), &status)) {
    d.set_status(status);
  }
  FP_ASSIGN_OR_RETURN(int64_t attempts, row.GetInt64("attempts"));
  d.set_attempts(static_cast<int32_t>(attempts));
  FP_ASSIGN_OR_RETURN(int64_t http, row.GetInt64("last_http_status"));
  d.set_last_http_status(static_cast<int32_t>(http));
  d.set_last_error(std::string(row.Value("last_error")));
  if (!row.IsNull("next_attempt_time")) {
    FP_ASSIGN_OR_RETURN(absl::Time t, row.GetTime("next_attempt_time"));
    *d.mutable_next_attempt_time() = ToProto(t);
  }
  if (!row.IsNull("last_attempt_time")) {
    FP_ASSIGN_OR_RETURN(absl::Time t, row.GetTime("last_attempt_time"));
    *d.mutable_last_attempt_time() = ToProto(t);
  }
  FP_ASSIGN_OR_RETURN(absl::Time created, row.GetTime("create_time"));
  *d.mutable_create_time() = ToProto(created);
  return d;
}

}  // namespace fineprint::notification
