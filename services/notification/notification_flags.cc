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
ABSL_FLAG(std::string, smtp_url, "",
          "SMTP relay of the email channel, smtp://host:port (STARTTLS when "
          "offered) or smtps://host:port; empty: no email.");
ABSL_FLAG(std::string, smtp_username, "", "SMTP AUTH user; empty: no AUTH.");
ABSL_FLAG(std::string, smtp_password, "",
          "SMTP AUTH password (prefer the FINEPRINT_SMTP_PASSWORD "
          "environment variable).");
ABSL_FLAG(bool, smtp_require_tls, false,
          "Refuse to send unless STARTTLS succeeds.");
ABSL_FLAG(std::string, smtp_ca_file, "",
          "CA bundle verifying the SMTP relay; empty: the system's.");
ABSL_FLAG(std::string, email_from, "notifications@fineprint.localhost",
          "Sender address of notification email.");
ABSL_FLAG(std::string, email_from_name, "Fineprint",
          "Sender display name of notification email.");
ABSL_FLAG(std::string, email_link_base_url, "http://localhost:8080",
          "Public base URL of the edge, for links in email.");
ABSL_FLAG(std::string, email_unsubscribe_secret, "",
          "Key signing one-click unsubscribe links (prefer the "
          "FINEPRINT_EMAIL_UNSUBSCRIBE_SECRET environment variable); "
          "required with --smtp_url.");
ABSL_FLAG(int, email_workers, 2, "Emails sent at once.");

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
  options.email.smtp.url = absl::GetFlag(FLAGS_smtp_url);
  options.email.smtp.username = absl::GetFlag(FLAGS_smtp_username);
  options.email.smtp.password = absl::GetFlag(FLAGS_smtp_password);
  options.email.smtp.require_tls = absl::GetFlag(FLAGS_smtp_require_tls);
  options.email.smtp.ca_file = absl::GetFlag(FLAGS_smtp_ca_file);
  options.email.from = {absl::GetFlag(FLAGS_email_from_name),
                        absl::GetFlag(FLAGS_email_from)};
  options.email.link_base_url = absl::GetFlag(FLAGS_email_link_base_url);
  options.email.unsubscribe_secret =
      absl::GetFlag(FLAGS_email_unsubscribe_secret);
  options.email_workers.workers = absl::GetFlag(FLAGS_email_workers);
  return options;
}

}  // namespace fineprint::notification
