#include "services/analysis/worker_pool.h"

#include "absl/strings/str_cat.h"
#include "services/runtime/log/log.h"

namespace fineprint::analysis {

WorkerPool::WorkerPool(JobQueue* queue, AnalyzeFn analyze, WorkerOptions options)
    : queue_(queue),
      analyze_(std::move(analyze)),
      options_(std::move(options)),
      registry_(options_.metrics ? *options_.metrics : metrics::Registry::Default()),
      queue_wait_(registry_.GetHistogram(
          "fineprint_analysis_queue_wait_seconds",
          "Time from enqueue (or requeue) to the claim of each attempt.")),
      run_time_(registry_.GetHistogram("fineprint_analysis_run_seconds",
                                       "Duration of each analysis attempt.")) {}

void WorkerPool::Count(absl::string_view outcome) {
  registry_
      .GetCounter("fineprint_analysis_attempts_total",
                  "Finished analysis attempts by outcome.",
                  {{"outcome", std::string(outcome)}})
      .Increment();
}

WorkerPool::~WorkerPool() { Stop(); }

void WorkerPool::Start() {
  for (int i = 0; i < options_.workers; ++i) {
    threads_.emplace_back([this, i] { Run(i); });
  }
}

void WorkerPool::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void WorkerPool::Run(int index) {
  absl::Duration backoff = options_.idle_poll;
  for (int64_t claim = 0; !stop_.HasBeenNotified(); ++claim) {
    // One owner per claim: a stalled attempt of this thread could never be
    // mistaken for a later one.
    const std::string owner = absl::StrCat(options_.instance_id, "/", index, "/", claim);
    absl::StatusOr<std::optional<ClaimedJob>> job = queue_->Claim(owner);
    if (!job.ok()) {
      log::Warning("claiming a job failed", {{"error", job.status()}});
      stop_.WaitForNotificationWithTimeout(backoff);
      backoff = std::min(backoff * 2, absl::Seconds(5));
      continue;
    }
    backoff = options_.idle_poll;
    if (!job->has_value()) {
      stop_.WaitForNotificationWithTimeout(options_.idle_poll);
      continue;
    }
    RunJob(**job, owner);
  }
}

void WorkerPool::RunJob(const ClaimedJob& job, const std::string& owner) {
  if (job.attempt > job.max_attempts) {
    // Its workers kept dying (or losing leases) mid-run: stop retrying.
    absl::Status s = queue_->Fail(
        job, owner, absl::AbortedError("the job's workers were lost on every attempt"),
        /*retryable=*/true);
    if (!s.ok()) log::Warning("failing a job failed", {{"error", s}});
    return;
  }
  bool crashed = false;
  absl::Time last_beat = absl::InfinitePast();
  ProgressFn progress = [&](int percent, absl::string_view section) -> bool {
    if (crash_.exchange(false)) {
      crashed = true;
      return false;
    }
    if (stop_.HasBeenNotified()) return false;
    // The end needs no beat: Complete follows at once, guarded the same way.
    if (percent >= 100) return true;
    const absl::Time now = absl::Now();
    if (now - last_beat < options_.heartbeat_interval) return true;
    last_beat = now;
    absl::StatusOr<LeaseState> lease = queue_->Heartbeat(job, owner, percent, section);
    // A failed heartbeat is not fatal: the lease outlives several intervals.
    return !lease.ok() || *lease == LeaseState::kHeld;
  };
  queue_wait_.Observe(absl::ToDoubleSeconds(job.queue_wait));
  const absl::Time start = absl::Now();
  absl::StatusOr<v1::Analysis> result = analyze_(job, progress);
  run_time_.Observe(absl::ToDoubleSeconds(absl::Now() - start));
  if (crashed || stop_.HasBeenNotified()) {
    Count("abandoned");
    return;  // the lease will expire
  }
  absl::Status s;
  if (result.ok()) {
    s = queue_->Complete(job, owner, *std::move(result));
    if (s.ok()) completed_.fetch_add(1);
    Count(s.ok() ? "succeeded" : "lease_lost");
  } else if (absl::IsCancelled(result.status())) {
    Count("stopped");
    return;  // cancelled or lease lost: the row is someone else's now
  } else {
    const bool retryable = !absl::IsInvalidArgument(result.status()) &&
                           !absl::IsFailedPrecondition(result.status());
    s = queue_->Fail(job, owner, result.status(), retryable);
    Count(!retryable ? "failed" : job.attempt < job.max_attempts ? "retried" : "dead");
  }
  if (!s.ok() && !absl::IsFailedPrecondition(s)) {
    log::Warning("finishing a job failed", {{"job", job.id}, {"error", s}});
  }
}

}  // namespace fineprint::analysis
