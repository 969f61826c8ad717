#include "services/action/action_app.h"

#include "infra/migrations/action/action_migrations.h"
#include "services/action/suggestions.h"
#include "services/runtime/service/job_workers.h"
#include "services/runtime/status/status.h"

namespace fineprint::action {

service::Declaration Declaration() {
  return {std::string(kService), {migrations::ActionMigrations()}};
}

absl::StatusOr<ActionDomain> Assemble(service::ServiceKit& kit,
                                      ActionDomainOptions options) {
  FP_ASSIGN_OR_RETURN(std::shared_ptr<const TemplateCatalog> catalog,
                      TemplateCatalog::Embedded());
  ActionDomain domain;
  domain.service = kit.Own(std::make_unique<ActionServiceImpl>(
      &kit.pool(), catalog, options.config));
  FP_RETURN_IF_ERROR(
      kit.Serve(domain.service, v1::ActionService::service_full_name()));
  FP_RETURN_IF_ERROR(HandleAnalysisCompleted(kit.events(), catalog,
                                             options.suggestion_language));

  domain.queue = kit.Own(
      std::make_unique<jobs::JobQueue>(&kit.pool(), ReminderQueueOptions()));
  auto* handler =
      kit.Own(std::make_unique<ReminderHandler>(&kit.pool(), catalog));
  options.workers.metric_prefix = "fineprint_action_reminders";
  domain.workers = service::AddJobWorkers(
      kit, "action reminder workers", domain.queue, handler, options.workers);
  ReminderSchedulerOptions scheduler_options;
  scheduler_options.clock = options.config.clock;
  scheduler_options.poll = options.reminder_poll;
  ReminderScheduler* scheduler = domain.scheduler =
      kit.Own(std::make_unique<ReminderScheduler>(&kit.pool(), domain.queue,
                                                  scheduler_options));
  kit.AddWorker(
      "action reminder scheduler",
      [scheduler] {
        scheduler->Start();
        return absl::OkStatus();
      },
      [scheduler] { scheduler->Stop(); });
  return domain;
}

absl::StatusOr<std::unique_ptr<ActionApp>> ActionApp::Start(
    ActionAppOptions options) {
  if (options.identity_target.empty()) {
    return absl::InvalidArgumentError("identity_target is required");
  }
  FP_ASSIGN_OR_RETURN(std::unique_ptr<service::ServiceKit> kit,
                      service::ServiceKit::Open(Declaration(), options));
  FP_ASSIGN_OR_RETURN(
      ActionDomain domain,
      Assemble(*kit, static_cast<ActionDomainOptions&>(options)));
  FP_RETURN_IF_ERROR(kit->Start());
  return std::unique_ptr<ActionApp>(new ActionApp(std::move(kit), domain));
}

}  // namespace fineprint::action
