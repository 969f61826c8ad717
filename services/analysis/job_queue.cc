#include "services/analysis/job_queue.h"

#include "absl/strings/escaping.h"
#include "services/analysis/delta.h"
#include "services/runtime/db/transaction.h"
#include "services/runtime/log/log.h"
#include "services/runtime/status/status.h"

namespace fineprint::analysis {

jobs::JobQueueOptions QueueOptions(const QueueConfig& config) {
  jobs::JobQueueOptions options;
  options.table = kJobsTable;
  options.aging_step = config.aging_step;
  options.lease = config.lease;
  options.retry_backoff = config.retry_backoff;
  options.max_retry_backoff = config.max_retry_backoff;
  options.track_progress = true;
  return options;
}

absl::StatusOr<JobKey> JobKey::FromRow(const db::Row& row) {
  JobKey key;
  FP_ASSIGN_OR_RETURN(key.document_id, row.GetString("document_id"));
  FP_ASSIGN_OR_RETURN(key.version_id, row.GetString("version_id"));
  return key;
}

JobQueue::JobQueue(db::Pool* pool, QueueConfig config)
    : pool_(pool), config_(config), queue_(pool, QueueOptions(config)) {}

absl::StatusOr<std::optional<ClaimedJob>> JobQueue::Claim(
    absl::string_view owner) {
  FP_ASSIGN_OR_RETURN(std::optional<jobs::ClaimedJob<JobKey>> claimed,
                      queue_.Claim<JobKey>(owner));
  if (!claimed.has_value()) return std::nullopt;
  return Load(*claimed);
}

absl::StatusOr<ClaimedJob> JobQueue::Load(
    const jobs::ClaimedJob<JobKey>& claimed) {
  ClaimedJob job;
  static_cast<jobs::Job&>(job) = claimed;
  job.document_id = claimed.payload.document_id;
  job.version_id = claimed.payload.version_id;
  FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                      pool_->Acquire(absl::Now() + config_.lease));
  FP_ASSIGN_OR_RETURN(
      db::Result v,
      conn->Execute("SELECT v.text, v.sha256, d.title, d.kind, d.language"
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
  return job;
}

absl::StatusOr<LeaseState> JobQueue::Heartbeat(const ClaimedJob& job,
                                               absl::string_view owner,
                                               int percent,
                                               absl::string_view section) {
  return queue_.Heartbeat(job, owner,
                          jobs::Progress{percent, std::string(section)});
}

jobs::TxFn JobQueue::ResultWriter(const ClaimedJob& job,
                                  v1::Analysis analysis) const {
  analysis.set_name(AnalysisName(job.org_id, job.id));
  analysis.set_document(DocumentName(job.org_id, job.document_id));
  analysis.set_version(
      VersionName(job.org_id, job.document_id, job.version_id));
  return [this, job,
          analysis = std::move(analysis)](db::Tx& tx) mutable -> absl::Status {
    FP_RETURN_IF_ERROR(
        tx.Execute("UPDATE jobs SET analyzer_version = $3"
                   " WHERE org_id = $1 AND id = $2",
                   {job.org_id, job.id, analysis.analyzer_version()})
            .status());
    *analysis.mutable_create_time() = ToTimestamp(absl::Now());
    // In this transaction, so the result and its event agree on what the
    // previous analysis was.
    FP_RETURN_IF_ERROR(AttachDelta(tx, job.org_id, job.document_id,
                                   job.version_id, &analysis));
    std::string blob;
    analysis.SerializeToString(&blob);
    FP_RETURN_IF_ERROR(
        tx.Execute("INSERT INTO analyses (org_id, job_id, result, degraded,"
                   " analyzer_version) VALUES ($1, $2, $3, $4, $5)",
                   {job.org_id, job.id, absl::Base64Escape(blob),
                    analysis.degraded(), analysis.analyzer_version()})
            .status());
    if (!analysis.degraded()) {
      FP_RETURN_IF_ERROR(
          tx.Execute(
                "INSERT INTO result_cache (org_id, sha256, analyzer_version,"
                "   job_id, expire_time)"
                " VALUES ($1, $2, $3, $4, now() + $5::float8 * interval '1 "
                "second')"
                " ON CONFLICT (org_id, sha256, analyzer_version) DO UPDATE"
                " SET job_id = excluded.job_id, expire_time = "
                "excluded.expire_time",
                {job.org_id, job.sha256, analysis.analyzer_version(), job.id,
                 absl::ToDoubleSeconds(config_.result_cache_ttl)})
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
        .Append(
            tx, job.id,
            CompletedEvent(analysis, OrgName(job.org_id), job.kind, job.title,
                           /*cached=*/false))
        .status();
  };
}

absl::Status JobQueue::Complete(const ClaimedJob& job, absl::string_view owner,
                                v1::Analysis analysis) {
  return queue_.Complete(job, owner, ResultWriter(job, std::move(analysis)));
}

absl::Status JobQueue::RecordFailure(db::Tx& tx, const jobs::Job& job,
                                     const JobKey& key, std::string title,
                                     const absl::Status& error,
                                     jobs::FailOutcome outcome) const {
  if (outcome == jobs::FailOutcome::kRetry) return absl::OkStatus();
  if (title.empty()) {
    FP_ASSIGN_OR_RETURN(
        db::Result d,
        tx.Execute("SELECT title FROM documents WHERE org_id = $1 AND id = $2",
                   {job.org_id, key.document_id}));
    if (!d.empty()) {
      FP_ASSIGN_OR_RETURN(title, d[0].GetString("title"));
    }
  }
  const bool dead = outcome == jobs::FailOutcome::kDead;
  events::v1::AnalysisFailed event;
  event.set_job(JobName(job.org_id, job.id));
  event.set_document(DocumentName(job.org_id, key.document_id));
  event.set_version(VersionName(job.org_id, key.document_id, key.version_id));
  event.set_organization(OrgName(job.org_id));
  event.set_state(dead ? v1::DEAD : v1::FAILED);
  event.set_attempt(job.attempt);
  event.set_error_code(static_cast<int32_t>(error.code()));
  event.set_error_message(std::string(error.message()));
  event.set_title(title);
  log::Warning("analysis job failed permanently",
               {{"job", event.job()},
                {"state", dead ? "DEAD" : "FAILED"},
                {"error", error}});
  return outbox_.Append(tx, job.id, event).status();
}

absl::Status JobQueue::Fail(const ClaimedJob& job, absl::string_view owner,
                            const absl::Status& error, bool retryable) {
  const JobKey key{job.document_id, job.version_id};
  absl::Status s = queue_.Fail(
      job, owner, error, retryable, [&](db::Tx& tx, jobs::FailOutcome outcome) {
        return RecordFailure(tx, job, key, job.title, error, outcome);
      });
  // A lost lease means the row is someone else's: not this worker's error.
  if (absl::IsFailedPrecondition(s)) return absl::OkStatus();
  return s;
}

}  // namespace fineprint::analysis
