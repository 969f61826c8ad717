#include "services/analysis/worker_pool.h"

namespace fineprint::analysis {

WorkerPool::WorkerPool(JobQueue* queue, AnalyzeFn analyze,
                       WorkerOptions options)
    : handler_(queue, std::move(analyze)),
      pool_(&queue->runtime(), &handler_, RuntimeOptions(options)) {}

jobs::WorkerOptions WorkerPool::RuntimeOptions(const WorkerOptions& options) {
  jobs::WorkerOptions runtime = options;
  runtime.metric_prefix = "fineprint_analysis";
  return runtime;
}

absl::StatusOr<jobs::TxFn> WorkerPool::Handler::Run(
    const jobs::ClaimedJob<JobKey>& claimed, jobs::JobContext& context) {
  absl::StatusOr<ClaimedJob> job = queue_->Load(claimed);
  if (!job.ok()) return job.status();
  absl::StatusOr<v1::Analysis> result =
      analyze_(*job, [&context](int percent, absl::string_view section) {
        return context.Progress(percent, section);
      });
  if (!result.ok()) return result.status();
  return queue_->ResultWriter(*job, *std::move(result));
}

absl::Status WorkerPool::Handler::OnFailure(
    db::Tx& tx, const jobs::ClaimedJob<JobKey>& claimed,
    const absl::Status& error, jobs::FailOutcome outcome) {
  return queue_->RecordFailure(tx, claimed, claimed.payload, /*title=*/"",
                               error, outcome);
}

}  // namespace fineprint::analysis
