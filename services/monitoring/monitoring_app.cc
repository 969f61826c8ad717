#include "services/monitoring/monitoring_app.h"

#include "infra/migrations/monitoring_migrations.h"
#include "services/monitoring/domain_slots.h"
#include "services/runtime/service/job_workers.h"
#include "services/runtime/status/status.h"

namespace fineprint::monitoring {

service::Declaration Declaration() {
  return {std::string(kService), {migrations::MonitoringMigrations()}};
}

absl::StatusOr<MonitoringDomain> Assemble(service::ServiceKit& kit,
                                          MonitoringDomainOptions options) {
  MonitoringDomain domain;
  // Create-time URL checks use the fetcher's guard settings, so what the
  // API admits is what the fetcher may reach.
  http::SsrfGuard guard(options.fetcher.allow, options.fetcher.resolver);
  if (options.fetcher.shared_slots == nullptr) {
    options.fetcher.shared_slots =
        kit.Own(std::make_unique<PgDomainSlots>(&kit.pool()));
  }
  FP_ASSIGN_OR_RETURN(std::unique_ptr<Fetcher> fetcher,
                      Fetcher::Create(options.fetcher));
  domain.fetcher = kit.Own(std::move(fetcher));
  domain.service = kit.Own(std::make_unique<MonitoringServiceImpl>(
      &kit.pool(), options.config, std::move(guard)));
  FP_RETURN_IF_ERROR(
      kit.Serve(domain.service, v1::MonitoringService::service_full_name()));
  FP_RETURN_IF_ERROR(HandlePlanChanges(kit.events(), options.config));
  FP_RETURN_IF_ERROR(HandleDocumentLinks(kit.events()));

  domain.queue = kit.Own(
      std::make_unique<jobs::JobQueue>(&kit.pool(), CheckQueueOptions()));
  auto* checker = kit.Own(
      std::make_unique<Checker>(&kit.pool(), domain.fetcher, options.config));
  options.workers.metric_prefix = "fineprint_monitoring_checks";
  domain.workers = service::AddJobWorkers(
      kit, "monitoring checkers", domain.queue, checker, options.workers);
  Scheduler* scheduler = domain.scheduler =
      kit.Own(std::make_unique<Scheduler>(&kit.pool(), options.scheduler));
  kit.AddWorker(
      "monitoring scheduler",
      [scheduler] {
        scheduler->Start();
        return absl::OkStatus();
      },
      [scheduler] { scheduler->Stop(); });
  return domain;
}

absl::StatusOr<std::unique_ptr<MonitoringApp>> MonitoringApp::Start(
    MonitoringAppOptions options) {
  if (options.identity_target.empty()) {
    return absl::InvalidArgumentError("identity_target is required");
  }
  FP_ASSIGN_OR_RETURN(std::unique_ptr<service::ServiceKit> kit,
                      service::ServiceKit::Open(Declaration(), options));
  FP_ASSIGN_OR_RETURN(
      MonitoringDomain domain,
      Assemble(*kit, static_cast<MonitoringDomainOptions&>(options)));
  FP_RETURN_IF_ERROR(kit->Start());
  return std::unique_ptr<MonitoringApp>(
      new MonitoringApp(std::move(kit), domain));
}

}  // namespace fineprint::monitoring
