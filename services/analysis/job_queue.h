#ifndef FINEPRINT_SERVICES_ANALYSIS_JOB_QUEUE_H_
#define FINEPRINT_SERVICES_ANALYSIS_JOB_QUEUE_H_

// The worker side of the job queue in PostgreSQL.
//
// Claiming: one UPDATE over `SELECT ... FOR UPDATE SKIP LOCKED` takes the
// QUEUED job (available_at passed) or expired-lease RUNNING job with the
// highest effective priority
//
//   priority + floor(seconds waited since enqueue_time / aging_step)
//
// then the oldest. Priorities are 1 (LOW) .. 3 (HIGH), so a job that has
// waited 2 * aging_step outranks every job enqueued after it, whatever their
// priority: a LOW job waits at most ~(2 * aging_step + the run time of the
// jobs enqueued before it) — newer work can never starve it.
//
// Leases: a claim sets lease_owner and lease_expires_at; heartbeats extend
// the lease while the analyser runs. A worker that dies stops extending it,
// and once it expires another worker claims the job again (attempt + 1).
// Every write of a worker is guarded by `lease_owner = me AND state =
// 'RUNNING'`, so a worker that lost its lease (or whose job was cancelled)
// can change nothing, and a job completes exactly once.

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "events/outbox/outbox_writer.h"
#include "fineprint/analysis/v1/analysis.pb.h"
#include "services/analysis/model.h"
#include "services/runtime/db/pool.h"

namespace fineprint::analysis {

struct QueueConfig {
  absl::Duration aging_step = absl::Seconds(30);
  absl::Duration lease = absl::Seconds(15);
  // Retry n waits retry_backoff * 2^(n-1), at most max_retry_backoff.
  absl::Duration retry_backoff = absl::Seconds(1);
  absl::Duration max_retry_backoff = absl::Minutes(5);
  absl::Duration result_cache_ttl = absl::Hours(24);
};

struct ClaimedJob {
  std::string org_id;
  std::string id;
  std::string document_id;
  std::string version_id;
  int attempt = 0;
  int max_attempts = 0;
  bool cancel_requested = false;
  // Since enqueue (or requeue), at the claim.
  absl::Duration queue_wait;
  std::string text;
  std::string sha256;
  std::string title;
  std::string language;
  v1::DocumentKind kind = v1::DOCUMENT_KIND_UNSPECIFIED;
};

enum class LeaseState { kHeld, kLost };

class JobQueue {
 public:
  JobQueue(db::Pool* pool, QueueConfig config) : pool_(pool), config_(config) {}

  // The next job for `owner`, or nullopt when none is ready.
  absl::StatusOr<std::optional<ClaimedJob>> Claim(absl::string_view owner);

  // Extends the lease and records progress. kLost once the job is no longer
  // this worker's (lease taken over, cancelled): the worker must stop.
  absl::StatusOr<LeaseState> Heartbeat(const ClaimedJob& job, absl::string_view owner,
                                       int percent, absl::string_view section);

  // Stores the result, marks the job SUCCEEDED and appends AnalysisCompleted,
  // in one transaction. FAILED_PRECONDITION (nothing written) if the lease
  // was lost. `analysis` carries score, grade, findings, analyzer_version
  // and degraded.
  absl::Status Complete(const ClaimedJob& job, absl::string_view owner,
                        v1::Analysis analysis);

  // A failed attempt: back to QUEUED after a backoff while attempts remain
  // and the error is retryable; otherwise DEAD (retries exhausted) or
  // FAILED, with an AnalysisFailed event.
  absl::Status Fail(const ClaimedJob& job, absl::string_view owner,
                    const absl::Status& error, bool retryable);

  const QueueConfig& config() const { return config_; }

 private:
  db::Pool* const pool_;
  const QueueConfig config_;
  const ::fineprint::events::OutboxWriter outbox_{kService};
};

}  // namespace fineprint::analysis

#endif  // FINEPRINT_SERVICES_ANALYSIS_JOB_QUEUE_H_
