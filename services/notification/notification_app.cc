#include "services/notification/notification_app.h"

#include "infra/migrations/notification/notification_migrations.h"
#include "services/notification/schedule.h"
#include "services/runtime/service/job_workers.h"
#include "services/runtime/status/status.h"

namespace fineprint::notification {

namespace {

// The email channel: its queue, the planner the fan-out calls, the workers
// that send through SMTP.
absl::Status AssembleEmail(service::ServiceKit& kit,
                           NotificationDomainOptions& options,
                           NotificationDomain& domain) {
  if (options.email.unsubscribe_secret.empty()) {
    return absl::InvalidArgumentError(
        "email needs an unsubscribe secret (--email_unsubscribe_secret)");
  }
  FP_ASSIGN_OR_RETURN(std::unique_ptr<mail::SmtpSender> sender,
                      mail::SmtpSender::Create(options.email.smtp));
  domain.emails = kit.Own(std::make_unique<jobs::JobQueue>(
      &kit.pool(), EmailQueueOptions(options.email.lease)));
  const EmailPlanner* planner = kit.Own(std::make_unique<EmailPlanner>(
      domain.emails, options.email.clock, options.email.max_attempts));
  domain.fanout->set_email(planner);
  auto* runner = kit.Own(std::make_unique<EmailRunner>(
      &kit.pool(), std::move(sender), options.email));
  options.email_workers.metric_prefix = "fineprint_notification_emails";
  domain.email_workers = service::AddJobWorkers(kit, "emails", domain.emails,
                                                runner, options.email_workers);
  return absl::OkStatus();
}

}  // namespace

service::Declaration Declaration() {
  return {std::string(kService), {migrations::NotificationMigrations()}};
}

absl::StatusOr<NotificationDomain> Assemble(service::ServiceKit& kit,
                                            NotificationDomainOptions options) {
  NotificationDomain domain;
  // The unsubscribe RPC verifies links whichever instance mailed them.
  options.config.unsubscribe_secret = options.email.unsubscribe_secret;
  if (options.config.retry_schedule.empty()) {
    options.config.retry_schedule = DefaultRetrySchedule();
  }
  http::ClientOptions client_options;
  client_options.total_timeout = options.config.attempt_timeout;
  client_options.connect_timeout =
      std::min(options.config.attempt_timeout, absl::Seconds(10));
  // A webhook answers; it does not send us elsewhere.
  client_options.max_redirects = 0;
  client_options.max_response_bytes = 64 * 1024;
  client_options.allow = options.outbound_allow;
  client_options.resolver = options.resolver;
  FP_ASSIGN_OR_RETURN(std::unique_ptr<http::HttpClient> client,
                      http::HttpClient::Create(client_options));
  const http::HttpClient* http = kit.Own(std::move(client));

  domain.hub = kit.Own(std::make_unique<StreamHub>());
  domain.attempts = kit.Own(
      std::make_unique<jobs::JobQueue>(&kit.pool(), AttemptQueueOptions()));
  domain.fanout =
      kit.Own(std::make_unique<Fanout>(domain.hub, domain.attempts));
  if (!options.email.smtp.url.empty()) {
    FP_RETURN_IF_ERROR(AssembleEmail(kit, options, domain));
  }
  domain.service = kit.Own(std::make_unique<NotificationServiceImpl>(
      &kit.pool(), options.config,
      http::SsrfGuard(options.outbound_allow, options.resolver), domain.hub,
      domain.fanout));
  FP_RETURN_IF_ERROR(
      kit.Serve(domain.service, v1::NotificationService::service_full_name()));
  FP_RETURN_IF_ERROR(RegisterConsumers(kit.events(), domain.fanout));

  auto* runner = kit.Own(std::make_unique<AttemptRunner>(
      &kit.pool(), http, domain.fanout, options.config, options.jitter_unit));
  options.workers.metric_prefix = "fineprint_notification_webhook_attempts";
  domain.workers = service::AddJobWorkers(
      kit, "webhook attempts", domain.attempts, runner, options.workers);
  return domain;
}

absl::StatusOr<std::unique_ptr<NotificationApp>> NotificationApp::Start(
    NotificationAppOptions options) {
  if (options.identity_target.empty()) {
    return absl::InvalidArgumentError("identity_target is required");
  }
  FP_ASSIGN_OR_RETURN(std::unique_ptr<service::ServiceKit> kit,
                      service::ServiceKit::Open(Declaration(), options));
  FP_ASSIGN_OR_RETURN(
      NotificationDomain domain,
      Assemble(*kit, static_cast<NotificationDomainOptions&>(options)));
  FP_RETURN_IF_ERROR(kit->Start());
  return std::unique_ptr<NotificationApp>(
      new NotificationApp(std::move(kit), domain));
}

}  // namespace fineprint::notification
