#include "services/analysis/job_queue.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/escaping.h"
#include "services/runtime/db/transaction.h"
#include "services/runtime/log/log.h"
#include "services/runtime/status/status.h"

namespace fineprint::analysis {
namespace {

double Seconds(absl::Duration d) { return absl::ToDoubleSeconds(d); }

}  // namespace

absl::StatusOr<std::optional<ClaimedJob>> JobQueue::Claim(absl::string_view owner) {
  std::optional<ClaimedJob> claimed;
  absl::Status s = db::RunInTransaction(*pool_, {}, [&](db::Tx& tx) -> absl::Status {
    claimed.reset();
    FP_ASSIGN_OR_RETURN(
        db::Result r,
        tx.Execute(
            "WITH next AS ("
            "  SELECT org_id, id FROM jobs"
            "  WHERE (state = 'QUEUED' AND available_at <= now())"
            "     OR (state = 'RUNNING' AND lease_expires_at < now())"
            "  ORDER BY priority + floor(extract(epoch FROM now() - enqueue_time)"
            "                            / $2::float8) DESC,"
            "           enqueue_time, id"
            "  LIMIT 1 FOR UPDATE SKIP LOCKED)"
            " UPDATE jobs j SET state = 'RUNNING', attempt = j.attempt + 1,"
            "   lease_owner = $1,"
            "   lease_expires_at = now() + $3::float8 * interval '1 second',"
            "   progress_percent = 0, current_section = '', start_time = now(),"
            "   update_time = now()"
            " FROM next WHERE j.org_id = next.org_id AND j.id = next.id"
            " RETURNING j.org_id, j.id, j.document_id, j.version_id, j.attempt,"
            "   j.max_attempts, j.cancel_requested,"
            "   extract(epoch FROM now() - j.enqueue_time)::float8 AS wait",
            {owner, Seconds(config_.aging_step), Seconds(config_.lease)}));
    if (r.empty()) return absl::OkStatus();
    ClaimedJob job;
    FP_ASSIGN_OR_RETURN(job.org_id, r[0].GetString("org_id"));
    FP_ASSIGN_OR_RETURN(job.id, r[0].GetString("id"));
    FP_ASSIGN_OR_RETURN(job.document_id, r[0].GetString("document_id"));
    FP_ASSIGN_OR_RETURN(job.version_id, r[0].GetString("version_id"));
    FP_ASSIGN_OR_RETURN(int64_t attempt, r[0].GetInt64("attempt"));
    FP_ASSIGN_OR_RETURN(int64_t max_attempts, r[0].GetInt64("max_attempts"));
    FP_ASSIGN_OR_RETURN(job.cancel_requested, r[0].GetBool("cancel_requested"));
    FP_ASSIGN_OR_RETURN(double wait, r[0].GetDouble("wait"));
    job.queue_wait = absl::Seconds(wait);
    job.attempt = static_cast<int>(attempt);
    job.max_attempts = static_cast<int>(max_attempts);
    FP_ASSIGN_OR_RETURN(
        db::Result v,
        tx.Execute("SELECT v.text, v.sha256, d.title, d.kind, d.language"
                   " FROM document_versions v JOIN documents d"
                   "   ON d.org_id = v.org_id AND d.id = v.document_id"
                   " WHERE v.org_id = $1 AND v.document_id = $2 AND v.id = $3",
                   {job.org_id, job.document_id, job.version_id}));
    if (v.empty()) return absl::InternalError("job without its document version");
    FP_ASSIGN_OR_RETURN(job.text, v[0].GetString("text"));
    FP_ASSIGN_OR_RETURN(job.sha256, v[0].GetString("sha256"));
    FP_ASSIGN_OR_RETURN(job.title, v[0].GetString("title"));
    FP_ASSIGN_OR_RETURN(job.language, v[0].GetString("language"));
    FP_ASSIGN_OR_RETURN(std::string kind, v[0].GetString("kind"));
    v1::DocumentKind_Parse(kind, &job.kind);
    claimed = std::move(job);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return claimed;
}

absl::StatusOr<LeaseState> JobQueue::Heartbeat(const ClaimedJob& job,
                                               absl::string_view owner, int percent,
                                               absl::string_view section) {
  FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                      pool_->Acquire(absl::Now() + config_.lease));
  FP_ASSIGN_OR_RETURN(
      db::Result r,
      conn->Execute("UPDATE jobs SET"
                    "   lease_expires_at = now() + $4::float8 * interval '1 second',"
                    "   progress_percent = $5, current_section = $6, update_time = now()"
                    " WHERE org_id = $1 AND id = $2 AND lease_owner = $3"
                    "   AND state = 'RUNNING' AND NOT cancel_requested",
                    {job.org_id, job.id, owner, Seconds(config_.lease), percent,
                     section}));
  return r.affected_rows() == 1 ? LeaseState::kHeld : LeaseState::kLost;
}

absl::Status JobQueue::Complete(const ClaimedJob& job, absl::string_view owner,
                                v1::Analysis analysis) {
  analysis.set_name(AnalysisName(job.org_id, job.id));
  analysis.set_document(DocumentName(job.org_id, job.document_id));
  analysis.set_version(VersionName(job.org_id, job.document_id, job.version_id));
  return db::RunInTransaction(*pool_, {}, [&](db::Tx& tx) -> absl::Status {
    FP_ASSIGN_OR_RETURN(
        db::Result r,
        tx.Execute("UPDATE jobs SET state = 'SUCCEEDED', progress_percent = 100,"
                   "   current_section = '', end_time = now(), update_time = now(),"
                   "   lease_owner = NULL, lease_expires_at = NULL,"
                   "   analyzer_version = $4, error_code = 0, error_message = ''"
                   " WHERE org_id = $1 AND id = $2 AND lease_owner = $3"
                   "   AND state = 'RUNNING'"
                   " RETURNING create_time",
                   {job.org_id, job.id, owner, analysis.analyzer_version()}));
    if (r.empty()) {
      return status::WithReason(
          absl::FailedPreconditionError("the job is no longer leased by this worker"),
          "LEASE_LOST");
    }
    *analysis.mutable_create_time() = ToTimestamp(absl::Now());
    std::string blob;
    analysis.SerializeToString(&blob);
    FP_RETURN_IF_ERROR(
        tx.Execute("INSERT INTO analyses (org_id, job_id, result, degraded,"
                   " analyzer_version) VALUES ($1, $2, $3, $4, $5)",
                   {job.org_id, job.id, absl::Base64Escape(blob), analysis.degraded(),
                    analysis.analyzer_version()})
            .status());
    if (!analysis.degraded()) {
      FP_RETURN_IF_ERROR(
          tx.Execute("INSERT INTO result_cache (org_id, sha256, analyzer_version,"
                     "   job_id, expire_time)"
                     " VALUES ($1, $2, $3, $4, now() + $5::float8 * interval '1 second')"
                     " ON CONFLICT (org_id, sha256, analyzer_version) DO UPDATE"
                     " SET job_id = excluded.job_id, expire_time = excluded.expire_time",
                     {job.org_id, job.sha256, analysis.analyzer_version(), job.id,
                      Seconds(config_.result_cache_ttl)})
              .status());
    }
    FP_RETURN_IF_ERROR(
        // update_time stays: it orders listings, and results arriving must
        // not reshuffle pages a client is walking through.
        tx.Execute("UPDATE documents SET score = $3, grade = $4"
                   " WHERE org_id = $1 AND id = $2 AND latest_job_id = $5",
                   {job.org_id, job.document_id, analysis.score(),
                    static_cast<int>(analysis.grade()), job.id})
            .status());
    return outbox_
        .Append(tx, "job", job.id,
                CompletedEvent(analysis, OrgName(job.org_id), job.kind, job.title,
                               /*cached=*/false))
        .status();
  });
}

absl::Status JobQueue::Fail(const ClaimedJob& job, absl::string_view owner,
                            const absl::Status& error, bool retryable) {
  const bool retry = retryable && job.attempt < job.max_attempts;
  const absl::Duration backoff =
      std::min(config_.max_retry_backoff,
               config_.retry_backoff * std::pow(2.0, std::max(0, job.attempt - 1)));
  const std::string message(error.message());
  return db::RunInTransaction(*pool_, {}, [&](db::Tx& tx) -> absl::Status {
    if (retry) {
      FP_ASSIGN_OR_RETURN(
          db::Result r,
          tx.Execute("UPDATE jobs SET state = 'QUEUED', lease_owner = NULL,"
                     "   lease_expires_at = NULL, progress_percent = 0,"
                     "   current_section = '', error_code = $4, error_message = $5,"
                     "   available_at = now() + $6::float8 * interval '1 second',"
                     "   update_time = now()"
                     " WHERE org_id = $1 AND id = $2 AND lease_owner = $3"
                     "   AND state = 'RUNNING'",
                     {job.org_id, job.id, owner, static_cast<int>(error.code()), message,
                      Seconds(backoff)}));
      return absl::OkStatus();
    }
    const std::string state = retryable ? "DEAD" : "FAILED";
    FP_ASSIGN_OR_RETURN(
        db::Result r,
        tx.Execute("UPDATE jobs SET state = $4, lease_owner = NULL,"
                   "   lease_expires_at = NULL, current_section = '',"
                   "   error_code = $5, error_message = $6, end_time = now(),"
                   "   update_time = now()"
                   " WHERE org_id = $1 AND id = $2 AND lease_owner = $3"
                   "   AND state = 'RUNNING'",
                   {job.org_id, job.id, owner, state, static_cast<int>(error.code()),
                    message}));
    if (r.affected_rows() == 0) return absl::OkStatus();  // lease lost: not ours
    events::v1::AnalysisFailed event;
    event.set_job(JobName(job.org_id, job.id));
    event.set_document(DocumentName(job.org_id, job.document_id));
    event.set_version(VersionName(job.org_id, job.document_id, job.version_id));
    event.set_organization(OrgName(job.org_id));
    event.set_state(retryable ? v1::DEAD : v1::FAILED);
    event.set_attempt(job.attempt);
    event.set_error_code(static_cast<int32_t>(error.code()));
    event.set_error_message(message);
    event.set_title(job.title);
    log::Warning("analysis job failed permanently",
              {{"job", event.job()}, {"state", state}, {"error", error}});
    return outbox_.Append(tx, "job", job.id, event).status();
  });
}

}  // namespace fineprint::analysis
