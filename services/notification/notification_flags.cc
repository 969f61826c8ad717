#include "services/notification/notification_flags.h"

#include "absl/flags/flag.h"
#include "services/notification/schedule.h"
#include "services/runtime/http/outbound_allow_flag.h"

ABSL_FLAG(std::string, webhook_retry_schedule,
          "5s,5m,30m,2h,5h,10h,14h,20h,24h",
          "Delays before each webhook retry (Standard Webhooks' schedule).");
ABSL_FLAG(double, webhook_retry_jitter, 0.2,
          "Each retry delay is scaled by a random factor in 1 +- this.");
ABSL_FLAG(absl::Duration, webhook_timeout, absl::Seconds(15),
          "Time an endpoint has to answer one attempt.");
ABSL_FLAG(absl::Duration, webhook_disable_after, absl::Hours(24 * 5),
          "A webhook failing for this long is disabled.");
ABSL_FLAG(bool, allow_http_webhooks, false,
          "Development only: accept http:// webhook URLs.");
ABSL_FLAG(int, webhook_workers, 8, "Webhook attempts run at once.");

namespace fineprint::notification {

absl::StatusOr<NotificationDomainOptions> NotificationDomainOptionsFromFlags() {
  NotificationDomainOptions options;
  absl::StatusOr<std::vector<absl::Duration>> schedule =
      ParseRetrySchedule(absl::GetFlag(FLAGS_webhook_retry_schedule));
  if (!schedule.ok()) return schedule.status();
  options.config.retry_schedule = *std::move(schedule);
  options.config.retry_jitter = absl::GetFlag(FLAGS_webhook_retry_jitter);
  if (options.config.retry_jitter < 0 || options.config.retry_jitter >= 1) {
    return absl::InvalidArgumentError(
        "--webhook_retry_jitter must be in [0, 1)");
  }
  options.config.attempt_timeout = absl::GetFlag(FLAGS_webhook_timeout);
  options.config.disable_after = absl::GetFlag(FLAGS_webhook_disable_after);
  options.config.allow_http_webhooks = absl::GetFlag(FLAGS_allow_http_webhooks);
  options.workers.workers = absl::GetFlag(FLAGS_webhook_workers);
  options.outbound_allow = http::OutboundAllowFromFlag();
  return options;
}

}  // namespace fineprint::notification
