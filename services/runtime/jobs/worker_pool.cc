#include "services/runtime/jobs/worker_pool.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "services/runtime/log/log.h"
#include "services/runtime/trace/trace.h"

namespace fineprint::jobs {

bool JobContext::Progress(int percent, absl::string_view section) {
  if (pool_->crash_.exchange(false)) crashed_.store(true);
  {
    absl::MutexLock lock(&mu_);
    progress_ = jobs::Progress{percent, std::string(section)};
  }
  return !ShouldStop();
}

bool JobContext::ShouldStop() const {
  return lost_.load() || crashed_.load() || pool_->stopping();
}

namespace {

WorkerOptions WithInstanceId(WorkerOptions options) {
  if (options.instance_id.empty()) options.instance_id = trace::RandomHex(8);
  return options;
}

}  // namespace

WorkerPool::WorkerPool(JobQueue* queue, WorkerOptions options)
    : queue_(queue),
      options_(WithInstanceId(std::move(options))),
      registry_(options_.metrics ? *options_.metrics
                                 : metrics::Registry::Default()),
      queue_wait_(registry_.GetHistogram(
          absl::StrCat(options_.metric_prefix, "_queue_wait_seconds"),
          "Time from enqueue (or requeue) to the claim of each attempt.")),
      run_time_(registry_.GetHistogram(
          absl::StrCat(options_.metric_prefix, "_run_seconds"),
          "Duration of each attempt.")) {}

WorkerPool::~WorkerPool() { Stop(); }

void WorkerPool::Count(absl::string_view outcome) {
  registry_
      .GetCounter(absl::StrCat(options_.metric_prefix, "_attempts_total"),
                  "Finished attempts by outcome.",
                  {{"outcome", std::string(outcome)}})
      .Increment();
}

void WorkerPool::Start() {
  {
    absl::MutexLock lock(&mu_);
    working_threads_ = options_.workers;
  }
  for (int i = 0; i < options_.workers; ++i) {
    threads_.emplace_back([this, i] { Work(i); });
  }
  heartbeat_ = std::thread([this] { Beat(); });
}

void WorkerPool::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
  if (heartbeat_.joinable()) heartbeat_.join();
}

void WorkerPool::Drain(absl::Duration timeout) {
  draining_.store(true);
  {
    absl::MutexLock lock(&mu_);
    auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return working_threads_ == 0;
    };
    mu_.AwaitWithTimeout(absl::Condition(&idle), timeout);
  }
  Stop();
}

void WorkerPool::Work(int index) {
  absl::Duration backoff = options_.idle_poll;
  for (int64_t claim = 0; !stopping() && !draining_.load(); ++claim) {
    // One owner per claim: a stalled attempt of this thread could never be
    // mistaken for a later one.
    const std::string owner =
        absl::StrCat(options_.instance_id, "/", index, "/", claim);
    absl::StatusOr<bool> ran = claim_and_run_(owner);
    if (!ran.ok()) {
      log::Warning("claiming a job failed", {{"error", ran.status()}});
      stop_.WaitForNotificationWithTimeout(backoff);
      backoff = std::min(backoff * 2, absl::Seconds(5));
      continue;
    }
    backoff = options_.idle_poll;
    if (!*ran) stop_.WaitForNotificationWithTimeout(options_.idle_poll);
  }
  absl::MutexLock lock(&mu_);
  --working_threads_;
}

void WorkerPool::Beat() {
  while (!stop_.WaitForNotificationWithTimeout(options_.heartbeat_interval)) {
    std::vector<std::shared_ptr<JobContext>> running;
    {
      absl::MutexLock lock(&mu_);
      for (const auto& [owner, context] : running_) running.push_back(context);
    }
    for (const std::shared_ptr<JobContext>& context : running) {
      // A crashed worker sends nothing more, so its lease runs out.
      if (context->lost_.load() || context->crashed_.load()) continue;
      std::optional<jobs::Progress> progress;
      {
        absl::MutexLock lock(&context->mu_);
        progress = context->progress_;
      }
      absl::StatusOr<LeaseState> lease =
          queue_->Heartbeat(context->job_, context->owner_, progress);
      // A failed heartbeat is not fatal: the lease outlives several beats.
      if (!lease.ok()) {
        log::Warning("a heartbeat failed",
                     {{"job", context->job_.id}, {"error", lease.status()}});
      } else if (*lease == LeaseState::kLost) {
        context->lost_.store(true);
      }
    }
  }
}

void WorkerPool::RunJob(const Job& job, const std::string& owner,
                        const RunFn& run, const OnFailureFn& on_failure) {
  trace::ScopedTraceContext span(trace::ChildSpanOf(job.traceparent));
  auto fail = [&](const absl::Status& error, bool retryable) {
    return queue_->Fail(job, owner, error, retryable,
                        [&](db::Tx& tx, FailOutcome outcome) {
                          return on_failure(tx, error, outcome);
                        });
  };
  absl::Status s;
  if (job.attempt > job.max_attempts) {
    // Its workers kept dying (or losing leases) mid-run: stop retrying.
    s = fail(absl::AbortedError("the job's workers were lost on every attempt"),
             /*retryable=*/true);
    if (!s.ok() && !absl::IsFailedPrecondition(s)) {
      log::Warning("failing a job failed", {{"job", job.id}, {"error", s}});
    }
    return;
  }
  std::shared_ptr<JobContext> context(new JobContext(this, job, owner));
  {
    absl::MutexLock lock(&mu_);
    running_[owner] = context;
  }
  queue_wait_.Observe(absl::ToDoubleSeconds(job.queue_wait));
  const absl::Time start = absl::Now();
  absl::StatusOr<TxFn> result = run(*context);
  run_time_.Observe(absl::ToDoubleSeconds(absl::Now() - start));
  // From here the worker writes the row itself; the end of the lease is
  // its business alone.
  {
    absl::MutexLock lock(&mu_);
    running_.erase(owner);
  }
  if (context->crashed_.load() || stopping()) {
    Count("abandoned");
    return;  // the lease will expire
  }
  if (result.ok()) {
    s = queue_->Complete(job, owner, *result);
    if (s.ok()) completed_.fetch_add(1);
    Count(s.ok() ? "succeeded" : "lease_lost");
  } else if (absl::IsCancelled(result.status())) {
    Count("stopped");
    return;  // cancelled or lease lost: the row is someone else's now
  } else {
    const bool retryable = !absl::IsInvalidArgument(result.status()) &&
                           !absl::IsFailedPrecondition(result.status());
    s = fail(result.status(), retryable);
    switch (JobQueue::OutcomeOf(job, retryable)) {
      case FailOutcome::kRetry:
        Count("retried");
        break;
      case FailOutcome::kDead:
        Count("dead");
        break;
      case FailOutcome::kFailed:
        Count("failed");
        break;
    }
  }
  if (!s.ok() && !absl::IsFailedPrecondition(s)) {
    log::Warning("finishing a job failed", {{"job", job.id}, {"error", s}});
  }
}

}  // namespace fineprint::jobs
