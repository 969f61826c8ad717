#ifndef FINEPRINT_SERVICES_RUNTIME_SERVICE_JOB_WORKERS_H_
#define FINEPRINT_SERVICES_RUNTIME_SERVICE_JOB_WORKERS_H_

// Job workers as one of the kit's workers. Apart from service_kit.h so that
// services without a job queue (identity, the edge) do not link the jobs
// runtime.

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "services/runtime/jobs/worker_pool.h"
#include "services/runtime/service/service_kit.h"

namespace fineprint::service {

// Workers of a job queue (`args` are jobs::WorkerPool's), owned by `kit`,
// started with its other workers and stopped at shutdown (running jobs are
// abandoned to their leases); returns them.
template <typename... Args>
jobs::WorkerPool* AddJobWorkers(ServiceKit& kit, std::string name,
                                Args&&... args) {
  jobs::WorkerPool* pool =
      kit.Own(std::make_unique<jobs::WorkerPool>(std::forward<Args>(args)...));
  kit.AddWorker(
      std::move(name),
      [pool] {
        pool->Start();
        return absl::OkStatus();
      },
      [pool] { pool->Stop(); });
  return pool;
}

}  // namespace fineprint::service

#endif  // FINEPRINT_SERVICES_RUNTIME_SERVICE_JOB_WORKERS_H_
