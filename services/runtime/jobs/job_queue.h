#ifndef FINEPRINT_SERVICES_RUNTIME_JOBS_JOB_QUEUE_H_
#define FINEPRINT_SERVICES_RUNTIME_JOBS_JOB_QUEUE_H_

// A prioritised job queue in a PostgreSQL table of the service's schema.
//
// The table (named by the service; testdata/jobs/0001_jobs.sql is the
// reference) has the queue's columns plus the service's payload columns:
//
//   org_id, id (primary key), state (QUEUED RUNNING SUCCEEDED FAILED
//   CANCELLED DEAD), priority, enqueue_time, available_at, rank_time,
//   attempt, max_attempts, lease_owner, lease_expires_at, cancel_requested,
//   error_code, error_message, traceparent, start_time, end_time,
//   update_time; with track_progress also progress_percent and
//   current_section;
//
// and two partial indexes the claim walks:
//
//   (rank_time, id) WHERE state = 'QUEUED'
//   (lease_expires_at) WHERE state = 'RUNNING'
//
// Order. A job's rank is rank_time = enqueue_time - priority * aging_step
// and the claim takes the smallest. That is the order of
// `priority + wait / aging_step` descending, i.e. every aging_step waited
// is worth one priority level, but it does not depend on now(), so an
// index holds it and a claim reads one index entry instead of sorting
// every eligible row. A job overtakes every job of priority p + k enqueued
// more than k * aging_step after it. (The earlier analysis queue compared
// floor(wait / aging_step) at claim time; the continuous rank differs only
// inside one aging step and orders ties by rank, then id.)
//
// Writers that change priority or enqueue_time without knowing the ageing
// step (an RPC handler re-prioritising, a requeue) set rank_time to NULL,
// directly or through a trigger; the next claim ranks such rows first
// (index-driven too: rank_time IS NULL on the same index).
//
// Claiming: one index probe for a RUNNING job whose lease expired (its
// worker died; it is re-run first, attempt + 1), else the first QUEUED job
// in rank order whose available_at (retry backoff) has passed, each with
// FOR UPDATE SKIP LOCKED so concurrent claimers never wait on each other.
// Jobs in backoff stay QUEUED in the index and are stepped over.
//
// Leases: a claim sets lease_owner and lease_expires_at; heartbeats extend
// the lease. Every write of a worker is guarded by `lease_owner = me AND
// state = 'RUNNING'`, so a worker that lost its lease (or whose job was
// cancelled) changes nothing, and a job completes exactly once.
//
// Failures: retryable errors go back to QUEUED after retry_backoff *
// 2^(attempt-1) (at most max_retry_backoff), keeping their rank, until
// max_attempts; then DEAD. Non-retryable errors are FAILED at once. Requeue
// brings DEAD and FAILED jobs back.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/runtime/db/pool.h"
#include "services/runtime/db/transaction.h"
#include "services/runtime/jobs/job.h"

namespace fineprint::jobs {

struct JobQueueOptions {
  // The jobs table in the pool's schema: a trusted constant, never input.
  std::string table;
  absl::Duration aging_step = absl::Seconds(30);
  absl::Duration lease = absl::Seconds(15);
  // Retry n waits retry_backoff * 2^(n-1), at most max_retry_backoff.
  absl::Duration retry_backoff = absl::Seconds(1);
  absl::Duration max_retry_backoff = absl::Minutes(5);
  // The table has progress_percent and current_section.
  bool track_progress = false;
};

struct NewJob {
  std::string org_id;
  std::string id;
  int priority = 0;
  int max_attempts = 3;
  // Not claimable before now + delay (e.g. a reminder's due time).
  absl::Duration delay = absl::ZeroDuration();
};

struct Progress {
  int percent = 0;
  std::string section;
};

class JobQueue {
 public:
  JobQueue(db::Pool* pool, JobQueueOptions options)
      : pool_(pool), options_(std::move(options)) {}

  // Inserts a QUEUED job in the caller's transaction, with the thread's
  // trace context (trace::CurrentTraceparent) as its traceparent.
  template <Payload P>
  absl::Status Enqueue(db::Tx& tx, const NewJob& job, const P& payload) const {
    return EnqueueRaw(tx, job, P::kColumns, payload.ToParams());
  }

  // The next job for `owner` (unique per claim), or nullopt when none is
  // ready.
  template <Payload P>
  absl::StatusOr<std::optional<ClaimedJob<P>>> Claim(absl::string_view owner) {
    std::optional<ClaimedJob<P>> claimed;
    absl::StatusOr<std::optional<Job>> job =
        ClaimRaw(owner, P::kColumns, [&](const db::Row& row) -> absl::Status {
          absl::StatusOr<P> payload = P::FromRow(row);
          if (!payload.ok()) return payload.status();
          claimed.emplace();
          claimed->payload = *std::move(payload);
          return absl::OkStatus();
        });
    if (!job.ok()) return job.status();
    if (!job->has_value()) return std::nullopt;
    static_cast<Job&>(*claimed) = **std::move(job);
    return claimed;
  }

  // Extends the lease (and records `progress` with track_progress). kLost
  // once the job is no longer this owner's (lease taken over, cancelled):
  // the worker must stop.
  absl::StatusOr<LeaseState> Heartbeat(
      const Job& job, absl::string_view owner,
      const std::optional<Progress>& progress = {});

  // Marks the job SUCCEEDED and runs `write_result` in the same
  // transaction. FAILED_PRECONDITION (reason LEASE_LOST, nothing written)
  // when the lease was lost.
  absl::Status Complete(const Job& job, absl::string_view owner,
                        const TxFn& write_result);

  // What Fail does with an attempt that failed with `retryable`.
  static FailOutcome OutcomeOf(const Job& job, bool retryable);

  // Records a failed attempt (see OutcomeOf) and runs `record` with the
  // outcome in the same transaction. FAILED_PRECONDITION (LEASE_LOST) when
  // the lease was lost.
  absl::Status Fail(const Job& job, absl::string_view owner,
                    const absl::Status& error, bool retryable,
                    const FailFn& record = {});

  // In the caller's transaction: QUEUED or RUNNING -> CANCELLED (a running
  // worker finds its lease gone at its next heartbeat). False when the job
  // was in another state (or does not exist).
  absl::StatusOr<bool> Cancel(db::Tx& tx, absl::string_view org_id,
                              absl::string_view id) const;

  // In the caller's transaction: DEAD or FAILED -> QUEUED with attempt 0,
  // ageing from now. False when the job was in another state. The rank is
  // left to the next claim, so a handler without the queue's configuration
  // can requeue.
  absl::StatusOr<bool> Requeue(db::Tx& tx, absl::string_view org_id,
                               absl::string_view id) const;

  // The statement that claims the next QUEUED job ($1 owner, $2 lease
  // seconds), for EXPLAIN in tests and benchmarks.
  std::string ClaimQueuedSql(absl::string_view payload_columns) const;

  const JobQueueOptions& options() const { return options_; }

 private:
  absl::Status EnqueueRaw(db::Tx& tx, const NewJob& job,
                          absl::string_view columns,
                          std::vector<db::Param> payload) const;
  absl::StatusOr<std::optional<Job>> ClaimRaw(
      absl::string_view owner, absl::string_view payload_columns,
      absl::FunctionRef<absl::Status(const db::Row&)> read_payload);
  std::string ClaimSql(absl::string_view eligible,
                       absl::string_view payload_columns) const;

  db::Pool* const pool_;
  const JobQueueOptions options_;
};

}  // namespace fineprint::jobs

#endif  // FINEPRINT_SERVICES_RUNTIME_JOBS_JOB_QUEUE_H_
