#include "services/runtime/jobs/job_queue.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "services/runtime/status/status.h"
#include "services/runtime/trace/trace_context.h"

namespace fineprint::jobs {
namespace {

double Seconds(absl::Duration d) { return absl::ToDoubleSeconds(d); }

absl::Status LeaseLost() {
  return status::WithReason(absl::FailedPreconditionError(
                                "the job is no longer leased by this worker"),
                            "LEASE_LOST");
}

}  // namespace

absl::Status JobQueue::EnqueueRaw(db::Tx& tx, const NewJob& job,
                                  absl::string_view columns,
                                  std::vector<db::Param> payload) const {
  std::vector<db::Param> params = {
      job.org_id,
      job.id,
      job.priority,
      job.max_attempts,
      Seconds(job.delay),
      Seconds(options_.aging_step),
      trace::CurrentTraceparent().empty()
          ? db::Param()
          : db::Param(trace::CurrentTraceparent())};
  std::string placeholders;
  for (size_t i = 0; i < payload.size(); ++i) {
    absl::StrAppend(&placeholders, ", $", params.size() + 1);
    params.push_back(std::move(payload[i]));
  }
  return tx
      .Execute(
          absl::StrCat(
              "INSERT INTO ", options_.table,
              " (org_id, id, state, priority, max_attempts, enqueue_time,"
              "  available_at, rank_time, traceparent",
              columns.empty() ? "" : ", ", columns,
              ") VALUES ($1, $2, 'QUEUED', $3::integer, $4, now(),"
              "  now() + $5::float8 * interval '1 second',"
              "  now() - $3::integer * ($6::float8 * interval '1 second'), $7",
              placeholders, ")"),
          params)
      .status();
}

std::string JobQueue::ClaimSql(absl::string_view eligible,
                               absl::string_view payload_columns) const {
  return absl::StrCat(
      "UPDATE ", options_.table,
      " j SET state = 'RUNNING', attempt = j.attempt + 1, lease_owner = $1,"
      "   lease_expires_at = now() + $2::float8 * interval '1 second',",
      options_.track_progress ? " progress_percent = 0, current_section = '',"
                              : "",
      "   start_time = now(), update_time = now()"
      " FROM (SELECT org_id, id FROM ",
      options_.table, " WHERE ", eligible,
      " LIMIT 1 FOR UPDATE SKIP LOCKED) next"
      " WHERE j.org_id = next.org_id AND j.id = next.id"
      " RETURNING j.org_id, j.id, j.attempt, j.max_attempts, "
      "j.cancel_requested,"
      "   j.traceparent, extract(epoch FROM now() - j.enqueue_time)::float8 AS "
      "queue_wait",
      payload_columns.empty() ? "" : ", ", payload_columns);
}

std::string JobQueue::ClaimQueuedSql(absl::string_view payload_columns) const {
  // Backoff is a filter on the index walk, not part of the key: jobs in
  // backoff are few (failures within max_retry_backoff), and keeping them in
  // rank order means a retry keeps its place once its backoff ends.
  return ClaimSql(
      "state = 'QUEUED' AND available_at <= now() ORDER BY rank_time, id",
      payload_columns);
}

absl::StatusOr<std::optional<Job>> JobQueue::ClaimRaw(
    absl::string_view owner, absl::string_view payload_columns,
    absl::FunctionRef<absl::Status(const db::Row&)> read_payload) {
  // Autocommitted statements, each atomic on its own: no transaction holds
  // locks across round trips.
  FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                      pool_->Acquire(absl::Now() + options_.lease));
  // Rows re-prioritised or requeued by writers that do not know the ageing
  // step; usually none, and then this is one probe of the claim index.
  FP_RETURN_IF_ERROR(
      conn->Execute(
              absl::StrCat("UPDATE ", options_.table,
                           " SET rank_time = enqueue_time - priority *"
                           "   ($1::float8 * interval '1 second')"
                           " WHERE (org_id, id) IN (SELECT org_id, id FROM ",
                           options_.table,
                           " WHERE state = 'QUEUED' AND rank_time IS NULL"
                           " FOR UPDATE SKIP LOCKED)"),
              {Seconds(options_.aging_step)})
          .status());
  const std::vector<db::Param> params = {owner, Seconds(options_.lease)};
  FP_ASSIGN_OR_RETURN(
      db::Result r,
      conn->Execute(ClaimSql("state = 'RUNNING' AND lease_expires_at < now()"
                             " ORDER BY lease_expires_at",
                             payload_columns),
                    params));
  if (r.empty()) {
    FP_ASSIGN_OR_RETURN(r,
                        conn->Execute(ClaimQueuedSql(payload_columns), params));
  }
  if (r.empty()) return std::nullopt;
  Job job;
  FP_ASSIGN_OR_RETURN(job.org_id, r[0].GetString("org_id"));
  FP_ASSIGN_OR_RETURN(job.id, r[0].GetString("id"));
  FP_ASSIGN_OR_RETURN(int64_t attempt, r[0].GetInt64("attempt"));
  FP_ASSIGN_OR_RETURN(int64_t max_attempts, r[0].GetInt64("max_attempts"));
  FP_ASSIGN_OR_RETURN(job.cancel_requested, r[0].GetBool("cancel_requested"));
  FP_ASSIGN_OR_RETURN(double wait, r[0].GetDouble("queue_wait"));
  if (!r[0].IsNull("traceparent")) {
    FP_ASSIGN_OR_RETURN(job.traceparent, r[0].GetString("traceparent"));
  }
  job.attempt = static_cast<int>(attempt);
  job.max_attempts = static_cast<int>(max_attempts);
  job.queue_wait = absl::Seconds(wait);
  // The claim committed: a payload that cannot be read fails this claim,
  // and the job comes back when its lease expires.
  FP_RETURN_IF_ERROR(read_payload(r[0]));
  return job;
}

absl::StatusOr<LeaseState> JobQueue::Heartbeat(
    const Job& job, absl::string_view owner,
    const std::optional<Progress>& progress) {
  FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                      pool_->Acquire(absl::Now() + options_.lease));
  const bool with_progress = options_.track_progress && progress.has_value();
  std::vector<db::Param> params = {job.org_id, job.id, owner,
                                   Seconds(options_.lease)};
  if (with_progress) {
    params.push_back(progress->percent);
    params.push_back(progress->section);
  }
  FP_ASSIGN_OR_RETURN(
      db::Result r,
      conn->Execute(
          absl::StrCat("UPDATE ", options_.table,
                       " SET lease_expires_at = now() + $4::float8 * interval "
                       "'1 second',",
                       with_progress
                           ? " progress_percent = $5, current_section = $6,"
                           : "",
                       "   update_time = now()"
                       " WHERE org_id = $1 AND id = $2 AND lease_owner = $3"
                       "   AND state = 'RUNNING' AND NOT cancel_requested"),
          params));
  return r.affected_rows() == 1 ? LeaseState::kHeld : LeaseState::kLost;
}

absl::Status JobQueue::Complete(const Job& job, absl::string_view owner,
                                const TxFn& write_result) {
  return db::RunInTransaction(*pool_, {}, [&](db::Tx& tx) -> absl::Status {
    FP_ASSIGN_OR_RETURN(
        db::Result r,
        tx.Execute(
            absl::StrCat(
                "UPDATE ", options_.table, " SET state = 'SUCCEEDED',",
                options_.track_progress
                    ? " progress_percent = 100, current_section = '',"
                    : "",
                "   end_time = now(), update_time = now(), lease_owner = NULL,"
                "   lease_expires_at = NULL, error_code = 0, error_message = ''"
                " WHERE org_id = $1 AND id = $2 AND lease_owner = $3"
                "   AND state = 'RUNNING'"),
            {job.org_id, job.id, owner}));
    if (r.affected_rows() == 0) return LeaseLost();
    return write_result ? write_result(tx) : absl::OkStatus();
  });
}

FailOutcome JobQueue::OutcomeOf(const Job& job, bool retryable) {
  if (!retryable) return FailOutcome::kFailed;
  return job.attempt < job.max_attempts ? FailOutcome::kRetry
                                        : FailOutcome::kDead;
}

absl::Status JobQueue::Fail(const Job& job, absl::string_view owner,
                            const absl::Status& error, bool retryable,
                            const FailFn& record) {
  const FailOutcome outcome = OutcomeOf(job, retryable);
  const absl::Duration backoff = std::min(
      options_.max_retry_backoff,
      options_.retry_backoff * std::pow(2.0, std::max(0, job.attempt - 1)));
  const std::string message(error.message());
  const std::string progress_reset =
      options_.track_progress ? " progress_percent = 0, current_section = '',"
                              : "";
  return db::RunInTransaction(*pool_, {}, [&](db::Tx& tx) -> absl::Status {
    absl::StatusOr<db::Result> r;
    if (outcome == FailOutcome::kRetry) {
      // The rank stays: the job keeps its place (and its age) once the
      // backoff has passed.
      r = tx.Execute(
          absl::StrCat(
              "UPDATE ", options_.table,
              " SET state = 'QUEUED', lease_owner = NULL,"
              "   lease_expires_at = NULL,",
              progress_reset,
              "   error_code = $4, error_message = $5,"
              "   available_at = now() + $6::float8 * interval '1 second',"
              "   update_time = now()"
              " WHERE org_id = $1 AND id = $2 AND lease_owner = $3"
              "   AND state = 'RUNNING'"),
          {job.org_id, job.id, owner, static_cast<int>(error.code()), message,
           Seconds(backoff)});
    } else {
      r = tx.Execute(
          absl::StrCat(
              "UPDATE ", options_.table,
              " SET state = $4, lease_owner = NULL, lease_expires_at = NULL,",
              options_.track_progress ? " current_section = ''," : "",
              "   error_code = $5, error_message = $6, end_time = now(),"
              "   update_time = now()"
              " WHERE org_id = $1 AND id = $2 AND lease_owner = $3"
              "   AND state = 'RUNNING'"),
          {job.org_id, job.id, owner,
           outcome == FailOutcome::kDead ? "DEAD" : "FAILED",
           static_cast<int>(error.code()), message});
    }
    if (!r.ok()) return r.status();
    if (r->affected_rows() == 0) return LeaseLost();
    return record ? record(tx, outcome) : absl::OkStatus();
  });
}

absl::StatusOr<bool> JobQueue::Cancel(db::Tx& tx, absl::string_view org_id,
                                      absl::string_view id) const {
  FP_ASSIGN_OR_RETURN(
      db::Result r,
      tx.Execute(
          absl::StrCat("UPDATE ", options_.table,
                       " SET state = 'CANCELLED', cancel_requested = true,",
                       options_.track_progress ? " current_section = ''," : "",
                       "   end_time = now(), update_time = now()"
                       " WHERE org_id = $1 AND id = $2"
                       "   AND state IN ('QUEUED', 'RUNNING')"),
          {org_id, id}));
  return r.affected_rows() == 1;
}

absl::StatusOr<bool> JobQueue::Requeue(db::Tx& tx, absl::string_view org_id,
                                       absl::string_view id) const {
  FP_ASSIGN_OR_RETURN(
      db::Result r,
      tx.Execute(
          absl::StrCat(
              "UPDATE ", options_.table,
              " SET state = 'QUEUED', attempt = 0, error_code = 0,"
              "   error_message = '',",
              options_.track_progress
                  ? " progress_percent = 0, current_section = '',"
                  : "",
              "   lease_owner = NULL, lease_expires_at = NULL,"
              "   cancel_requested = false, enqueue_time = now(),"
              "   available_at = now(), rank_time = NULL,"
              "   start_time = NULL, end_time = NULL, update_time = now()"
              " WHERE org_id = $1 AND id = $2"
              "   AND state IN ('DEAD', 'FAILED')"),
          {org_id, id}));
  return r.affected_rows() == 1;
}

}  // namespace fineprint::jobs
