#ifndef FINEPRINT_SERVICES_RUNTIME_JOBS_JOB_H_
#define FINEPRINT_SERVICES_RUNTIME_JOBS_JOB_H_

// What the job queue hands out and takes back. The queue is generic over a
// service's payload: a Payload type names the columns of the service's jobs
// table that carry it and converts them, e.g.
//
//   struct Delivery {
//     static constexpr char kColumns[] = "webhook_id, event_id";
//     std::string webhook_id, event_id;
//     static absl::StatusOr<Delivery> FromRow(const db::Row& row);
//     std::vector<db::Param> ToParams() const;  // in kColumns' order
//   };
//
// (A serialised proto in one `bytea`/`text` column is a Payload too.)

#include <concepts>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/runtime/db/param.h"
#include "services/runtime/db/result.h"
#include "services/runtime/db/transaction.h"

namespace fineprint::jobs {

// clang-format off
template <typename P>
concept Payload = requires(const P& payload, const db::Row& row) {
  // Trusted constant SQL: a comma-separated column list, never input.
  { P::kColumns } -> std::convertible_to<const char*>;
  { P::FromRow(row) } -> std::same_as<absl::StatusOr<P>>;
  { payload.ToParams() } -> std::same_as<std::vector<db::Param>>;
};
// clang-format on

// The queue's view of a claimed job: enough to heartbeat, complete or fail
// it. Writes are guarded by the lease owner passed alongside.
struct Job {
  std::string org_id;
  std::string id;
  // 1 on the first claim; re-claims after an expired lease count too.
  int attempt = 0;
  int max_attempts = 0;
  bool cancel_requested = false;
  // Since enqueue (or requeue), at the claim.
  absl::Duration queue_wait;
  // The trace context of whoever enqueued the job ("" if none): the worker
  // runs the job in a child span of it.
  std::string traceparent;
};

template <Payload P>
struct ClaimedJob : Job {
  P payload;
};

enum class LeaseState { kHeld, kLost };

// Where a failed attempt left the job.
enum class FailOutcome {
  kRetry,   // QUEUED again after a backoff
  kDead,    // retryable, but attempts exhausted: DEAD until requeued
  kFailed,  // not retryable: FAILED
};

// Writes a service's rows (results, outbox events) in the transaction that
// changes the job's state, so both commit or neither does.
using TxFn = std::function<absl::Status(db::Tx&)>;
using FailFn = std::function<absl::Status(db::Tx&, FailOutcome)>;

}  // namespace fineprint::jobs

#endif  // FINEPRINT_SERVICES_RUNTIME_JOBS_JOB_H_
