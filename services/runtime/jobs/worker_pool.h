#ifndef FINEPRINT_SERVICES_RUNTIME_JOBS_WORKER_POOL_H_
#define FINEPRINT_SERVICES_RUNTIME_JOBS_WORKER_POOL_H_

// Threads that claim jobs from a JobQueue and run a JobHandler on them.
//
// - Each worker thread claims (one lease owner per claim), runs the handler,
//   then completes or fails the job; an empty queue is polled every
//   idle_poll, a failing database with backoff up to 5 s.
// - One heartbeat thread extends the lease of every running job each
//   heartbeat_interval (with its latest progress), independently of the
//   handler, so a long step cannot lose the lease. When a heartbeat finds
//   the lease gone (cancelled, taken over), the job's JobContext says stop.
// - Each job runs in a child span of the trace context it was enqueued
//   under, so the events its handler writes continue the creator's trace.
// - Stop() abandons running jobs at their next progress point (their leases
//   expire and another process re-runs them); Drain() first lets them
//   finish.
//
// Outcomes: the handler's OK completes the job (with its TxFn in the same
// transaction); CANCELLED means it stopped on request (nothing written);
// INVALID_ARGUMENT and FAILED_PRECONDITION fail it for good; anything else
// is retried until max_attempts (then DEAD). A job claimed more than
// max_attempts times (its workers kept dying) goes DEAD without running.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "services/runtime/jobs/job.h"
#include "services/runtime/jobs/job_queue.h"
#include "services/runtime/metrics/metrics.h"
#include "services/runtime/trace/trace_context.h"

namespace fineprint::jobs {

class WorkerPool;

// A running job as its handler sees it. Thread-safe.
class JobContext {
 public:
  // Records progress (written with the next heartbeat when the queue tracks
  // progress). False when the handler must stop: lease lost, job cancelled,
  // pool stopping.
  bool Progress(int percent, absl::string_view section);
  bool ShouldStop() const;

 private:
  friend class WorkerPool;
  JobContext(WorkerPool* pool, Job job, std::string owner)
      : pool_(pool), job_(std::move(job)), owner_(std::move(owner)) {}

  WorkerPool* const pool_;
  const Job job_;
  const std::string owner_;
  std::atomic<bool> lost_{false};
  std::atomic<bool> crashed_{false};
  mutable absl::Mutex mu_;
  std::optional<jobs::Progress> progress_ ABSL_GUARDED_BY(mu_);
};

template <Payload P>
class JobHandler {
 public:
  virtual ~JobHandler() = default;

  // Does the work. OK: the returned function (may be empty) writes the
  // results in the transaction that marks the job SUCCEEDED.
  virtual absl::StatusOr<TxFn> Run(const ClaimedJob<P>& job,
                                   JobContext& context) = 0;

  // Writes what a failed attempt means to the service (e.g. a failure event
  // for kDead/kFailed) in the transaction that records it.
  virtual absl::Status OnFailure(db::Tx& tx, const ClaimedJob<P>& job,
                                 const absl::Status& error,
                                 FailOutcome outcome) {
    return absl::OkStatus();
  }
};

struct WorkerOptions {
  int workers = 2;
  // Lease owner prefix, unique per process; default: random.
  std::string instance_id;
  absl::Duration heartbeat_interval = absl::Milliseconds(200);
  // Sleep when the queue is empty.
  absl::Duration idle_poll = absl::Milliseconds(50);
  metrics::Registry* metrics = nullptr;  // default: Registry::Default()
  // <prefix>_queue_wait_seconds, <prefix>_run_seconds,
  // <prefix>_attempts_total{outcome}.
  std::string metric_prefix = "fineprint_jobs";
};

class WorkerPool {
 public:
  // `queue` and `handler` are borrowed and must outlive the pool.
  template <Payload P>
  WorkerPool(JobQueue* queue, JobHandler<P>* handler, WorkerOptions options)
      : WorkerPool(queue, std::move(options)) {
    claim_and_run_ = [this, queue, handler](
                         const std::string& owner) -> absl::StatusOr<bool> {
      absl::StatusOr<std::optional<ClaimedJob<P>>> job = queue->Claim<P>(owner);
      if (!job.ok()) return job.status();
      if (!job->has_value()) return false;
      const ClaimedJob<P>& claimed = **job;
      RunJob(
          claimed, owner,
          [&](JobContext& context) { return handler->Run(claimed, context); },
          [&](db::Tx& tx, const absl::Status& error, FailOutcome outcome) {
            return handler->OnFailure(tx, claimed, error, outcome);
          });
      return true;
    };
  }
  ~WorkerPool();  // Stop()

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Start();
  // Stops claiming and abandons running jobs at their next progress point;
  // their leases expire and they are claimed again elsewhere.
  void Stop();
  // Stops claiming and waits up to `timeout` for running jobs to finish,
  // then Stop().
  void Drain(absl::Duration timeout);

  // Test hook: the next job to report progress is abandoned without
  // touching its row (and without heartbeats), as a killed process would.
  void SimulateCrashOnNextProgress() { crash_.store(true); }

  int64_t completed() const { return completed_.load(); }

 private:
  friend class JobContext;
  using RunFn = std::function<absl::StatusOr<TxFn>(JobContext&)>;
  using OnFailureFn =
      std::function<absl::Status(db::Tx&, const absl::Status&, FailOutcome)>;

  WorkerPool(JobQueue* queue, WorkerOptions options);

  void Work(int index);
  void Beat();
  void RunJob(const Job& job, const std::string& owner, const RunFn& run,
              const OnFailureFn& on_failure);
  void Count(absl::string_view outcome);
  bool stopping() const { return stop_.HasBeenNotified(); }

  JobQueue* const queue_;
  const WorkerOptions options_;
  std::function<absl::StatusOr<bool>(const std::string& owner)> claim_and_run_;
  absl::Notification stop_;
  std::atomic<bool> draining_{false};
  std::vector<std::thread> threads_;
  std::thread heartbeat_;
  std::atomic<bool> crash_{false};
  std::atomic<int64_t> completed_{0};
  absl::Mutex mu_;
  // Running jobs by lease owner, for the heartbeat thread.
  absl::flat_hash_map<std::string, std::shared_ptr<JobContext>> running_
      ABSL_GUARDED_BY(mu_);
  int working_threads_ ABSL_GUARDED_BY(mu_) = 0;
  metrics::Registry& registry_;
  metrics::Histogram& queue_wait_;
  metrics::Histogram& run_time_;
};

}  // namespace fineprint::jobs

#endif  // FINEPRINT_SERVICES_RUNTIME_JOBS_WORKER_POOL_H_
