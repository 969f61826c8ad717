#ifndef FINEPRINT_SERVICES_ANALYSIS_WORKER_POOL_H_
#define FINEPRINT_SERVICES_ANALYSIS_WORKER_POOL_H_

// The runtime's worker pool (//services/runtime/jobs:worker_pool) running
// an AnalyzeFn on claimed analysis jobs. Heartbeats extend the lease and
// record progress every `heartbeat_interval` while the analyser runs; when
// the lease is gone (job cancelled or taken over) the progress callback
// stops the analysis.

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fineprint/analysis/v1/analysis.pb.h"
#include "services/analysis/job_queue.h"
#include "services/runtime/jobs/worker_pool.h"
#include "services/runtime/metrics/metrics.h"

namespace fineprint::analysis {

// Reports progress; returns false when the analysis must stop.
using ProgressFn = std::function<bool(int percent, absl::string_view section)>;

// What a worker runs on a claimed job: fills score, grade, findings,
// analyzer_version and degraded. CANCELLED when the progress callback
// stopped it; other errors fail the attempt (retryable unless
// INVALID_ARGUMENT or FAILED_PRECONDITION).
using AnalyzeFn = std::function<absl::StatusOr<v1::Analysis>(
    const ClaimedJob&, const ProgressFn&)>;

// The runtime pool's options, except that metric_prefix is always
// fineprint_analysis: the analysis dashboards do not follow a setting.
using WorkerOptions = jobs::WorkerOptions;

class WorkerPool {
 public:
  WorkerPool(JobQueue* queue, AnalyzeFn analyze, WorkerOptions options);

  void Start() { pool_.Start(); }
  // Lets running analyses stop at their next progress point; their jobs
  // keep their leases, which expire and are claimed again elsewhere.
  void Stop() { pool_.Stop(); }

  // Test hook: the worker abandons its job at the next progress point
  // without touching the row, as a killed process would.
  void SimulateCrashOnNextProgress() { pool_.SimulateCrashOnNextProgress(); }

  int64_t completed() const { return pool_.completed(); }

 private:
  class Handler : public jobs::JobHandler<JobKey> {
   public:
    Handler(JobQueue* queue, AnalyzeFn analyze)
        : queue_(queue), analyze_(std::move(analyze)) {}
    absl::StatusOr<jobs::TxFn> Run(const jobs::ClaimedJob<JobKey>& claimed,
                                   jobs::JobContext& context) override;
    absl::Status OnFailure(db::Tx& tx, const jobs::ClaimedJob<JobKey>& claimed,
                           const absl::Status& error,
                           jobs::FailOutcome outcome) override;

   private:
    JobQueue* const queue_;
    const AnalyzeFn analyze_;
  };

  static jobs::WorkerOptions RuntimeOptions(const WorkerOptions& options);

  Handler handler_;
  // Last: stopped (by its destructor) before the handler goes.
  jobs::WorkerPool pool_;
};

}  // namespace fineprint::analysis

#endif  // FINEPRINT_SERVICES_ANALYSIS_WORKER_POOL_H_
