#ifndef FINEPRINT_SERVICES_ACTION_ACTION_APP_H_
#define FINEPRINT_SERVICES_ACTION_ACTION_APP_H_

// Action's domain, handed to the service kit: the service, the
// AnalysisCompleted handler, the reminder scheduler and its job workers.
// main() and the tests assemble exactly the same thing.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/action/action_service.h"
#include "services/action/reminders.h"
#include "services/runtime/jobs/job_queue.h"
#include "services/runtime/jobs/worker_pool.h"
#include "services/runtime/service/service_kit.h"

namespace fineprint::action {

service::Declaration Declaration();

struct ActionDomainOptions {
  ActionConfig config;
  // Language of the templates suggestions recommend.
  std::string suggestion_language = "en";
  absl::Duration reminder_poll = absl::Seconds(5);
  jobs::WorkerOptions workers;
};

struct ActionDomain {
  ActionServiceImpl* service = nullptr;
  jobs::JobQueue* queue = nullptr;
  ReminderScheduler* scheduler = nullptr;
  jobs::WorkerPool* workers = nullptr;
};

absl::StatusOr<ActionDomain> Assemble(service::ServiceKit& kit,
                                      ActionDomainOptions options);

struct ActionAppOptions : service::KitOptions, ActionDomainOptions {};

// The assembled and started service, for tests and benchmarks.
class ActionApp {
 public:
  static absl::StatusOr<std::unique_ptr<ActionApp>> Start(
      ActionAppOptions options);

  std::string grpc_target() const { return kit_->host().grpc_target(); }
  db::Pool& pool() { return kit_->pool(); }
  ReminderScheduler& scheduler() { return *domain_.scheduler; }
  void Shutdown() { kit_->Shutdown(); }

 private:
  ActionApp(std::unique_ptr<service::ServiceKit> kit, ActionDomain domain)
      : kit_(std::move(kit)), domain_(domain) {}

  std::unique_ptr<service::ServiceKit> kit_;
  ActionDomain domain_;
};

}  // namespace fineprint::action

#endif  // FINEPRINT_SERVICES_ACTION_ACTION_APP_H_
