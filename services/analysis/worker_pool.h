#ifndef FINEPRINT_SERVICES_ANALYSIS_WORKER_POOL_H_
#define FINEPRINT_SERVICES_ANALYSIS_WORKER_POOL_H_

// Threads that claim jobs from the JobQueue and run the analyser on them.
// While the analyser runs, its progress callback reports progress and
// extends the lease at most every `heartbeat_interval`; when the lease is
// gone (job cancelled or taken over) the callback stops the analysis.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "fineprint/analysis/v1/analysis.pb.h"
#include "services/analysis/job_queue.h"
#include "services/runtime/metrics/metrics.h"

namespace fineprint::analysis {

// Reports progress; returns false when the analysis must stop.
using ProgressFn = std::function<bool(int percent, absl::string_view section)>;

// What a worker runs on a claimed job: fills score, grade, findings,
// analyzer_version and degraded. CANCELLED when the progress callback
// stopped it; other errors fail the attempt (retryable unless
// INVALID_ARGUMENT or FAILED_PRECONDITION).
using AnalyzeFn =
    std::function<absl::StatusOr<v1::Analysis>(const ClaimedJob&, const ProgressFn&)>;

struct WorkerOptions {
  int workers = 2;
  std::string instance_id;  // lease owner prefix; unique per process
  absl::Duration heartbeat_interval = absl::Milliseconds(200);
  // Sleep when the queue is empty.
  absl::Duration idle_poll = absl::Milliseconds(50);
  metrics::Registry* metrics = nullptr;  // default: Registry::Default()
};

class WorkerPool {
 public:
  WorkerPool(JobQueue* queue, AnalyzeFn analyze, WorkerOptions options);
  ~WorkerPool();  // Stop()

  void Start();
  // Lets running analyses stop at their next progress point; their jobs
  // keep their leases, which expire and are claimed again elsewhere.
  void Stop();

  // Test hook: the worker abandons its job at the next progress point
  // without touching the row, as a killed process would.
  void SimulateCrashOnNextProgress() { crash_.store(true); }

  int64_t completed() const { return completed_.load(); }

 private:
  void Run(int index);
  void RunJob(const ClaimedJob& job, const std::string& owner);
  void Count(absl::string_view outcome);

  JobQueue* const queue_;
  const AnalyzeFn analyze_;
  const WorkerOptions options_;
  absl::Notification stop_;
  std::vector<std::thread> threads_;
  std::atomic<bool> crash_{false};
  std::atomic<int64_t> completed_{0};
  metrics::Registry& registry_;
  metrics::Histogram& queue_wait_;
  metrics::Histogram& run_time_;
};

}  // namespace fineprint::analysis

#endif  // FINEPRINT_SERVICES_ANALYSIS_WORKER_POOL_H_
