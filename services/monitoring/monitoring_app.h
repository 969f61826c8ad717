#ifndef FINEPRINT_SERVICES_MONITORING_MONITORING_APP_H_
#define FINEPRINT_SERVICES_MONITORING_MONITORING_APP_H_

// Monitoring's domain, handed to the service kit: the fetcher (on the
// runtime's SSRF-guarded HttpClient), the service, the check queue with
// its workers and scheduler, and the PlanChanged handler. main() and the
// tests assemble exactly the same thing.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/monitoring/checker.h"
#include "services/monitoring/fetcher.h"
#include "services/monitoring/monitoring_service.h"
#include "services/runtime/jobs/job_queue.h"
#include "services/runtime/jobs/worker_pool.h"
#include "services/runtime/service/service_kit.h"

namespace fineprint::monitoring {

service::Declaration Declaration();

struct MonitoringDomainOptions {
  MonitoringConfig config;
  FetcherOptions fetcher;
  jobs::WorkerOptions workers;
  SchedulerOptions scheduler;
};

// The parts of the domain tests reach into; owned by the kit.
struct MonitoringDomain {
  MonitoringServiceImpl* service = nullptr;
  Fetcher* fetcher = nullptr;
  jobs::JobQueue* queue = nullptr;
  jobs::WorkerPool* workers = nullptr;
  Scheduler* scheduler = nullptr;
};

// Registers monitoring's domain with `kit`.
absl::StatusOr<MonitoringDomain> Assemble(service::ServiceKit& kit,
                                          MonitoringDomainOptions options);

struct MonitoringAppOptions : service::KitOptions, MonitoringDomainOptions {};

// The assembled and started service, for tests and benchmarks.
class MonitoringApp {
 public:
  static absl::StatusOr<std::unique_ptr<MonitoringApp>> Start(
      MonitoringAppOptions options);

  std::string grpc_target() const { return kit_->host().grpc_target(); }
  db::Pool& pool() { return kit_->pool(); }
  server::ServiceHost& host() { return kit_->host(); }
  MonitoringServiceImpl& service() { return *domain_.service; }
  Fetcher& fetcher() { return *domain_.fetcher; }
  jobs::JobQueue& queue() { return *domain_.queue; }
  jobs::WorkerPool& workers() { return *domain_.workers; }
  Scheduler& scheduler() { return *domain_.scheduler; }
  void Shutdown() { kit_->Shutdown(); }

 private:
  MonitoringApp(std::unique_ptr<service::ServiceKit> kit,
                MonitoringDomain domain)
      : kit_(std::move(kit)), domain_(domain) {}

  std::unique_ptr<service::ServiceKit> kit_;
  MonitoringDomain domain_;
};

}  // namespace fineprint::monitoring

#endif  // FINEPRINT_SERVICES_MONITORING_MONITORING_APP_H_
