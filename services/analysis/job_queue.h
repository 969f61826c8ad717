#ifndef FINEPRINT_SERVICES_ANALYSIS_JOB_QUEUE_H_
#define FINEPRINT_SERVICES_ANALYSIS_JOB_QUEUE_H_

// Analysis on top of the runtime's job queue (//services/runtime/jobs, whose
// header describes claiming, ranking, leases and retries). The queue's
// table is `jobs`; the payload is the (document_id, version_id) key. What
// stays here is the domain: a claimed job comes with its document version,
// a completion stores the analysis (and result cache, document score) and
// appends AnalysisCompleted, a final failure appends AnalysisFailed, each in
// the transaction that changes the job's state.
//
// Ordering (priorities 1 LOW .. 3 HIGH): every aging_step waited is worth
// one priority level, so a job overtakes every job of priority p + k
// enqueued more than k * aging_step after it: a LOW job waits at most
// ~(2 * aging_step + the run time of the jobs ranked before it), and newer
// work can never starve it.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "events/outbox/outbox_writer.h"
#include "fineprint/analysis/v1/analysis.pb.h"
#include "services/analysis/model.h"
#include "services/runtime/db/pool.h"
#include "services/runtime/jobs/job.h"
#include "services/runtime/jobs/job_queue.h"

namespace fineprint::analysis {

inline constexpr char kJobsTable[] = "jobs";

struct QueueConfig {
  absl::Duration aging_step = absl::Seconds(30);
  absl::Duration lease = absl::Seconds(15);
  // Retry n waits retry_backoff * 2^(n-1), at most max_retry_backoff.
  absl::Duration retry_backoff = absl::Seconds(1);
  absl::Duration max_retry_backoff = absl::Minutes(5);
  absl::Duration result_cache_ttl = absl::Hours(24);
};

jobs::JobQueueOptions QueueOptions(const QueueConfig& config);

// The payload: which version of which document to analyse.
struct JobKey {
  static constexpr char kColumns[] = "document_id, version_id";
  std::string document_id;
  std::string version_id;

  static absl::StatusOr<JobKey> FromRow(const db::Row& row);
  std::vector<db::Param> ToParams() const { return {document_id, version_id}; }
};

// A claimed job with what the analyser needs.
struct ClaimedJob : jobs::Job {
  std::string document_id;
  std::string version_id;
  std::string text;
  std::string sha256;
  std::string title;
  std::string language;
  v1::DocumentKind kind = v1::DOCUMENT_KIND_UNSPECIFIED;
};

using LeaseState = jobs::LeaseState;

class JobQueue {
 public:
  JobQueue(db::Pool* pool, QueueConfig config);

  // The next job for `owner`, or nullopt when none is ready.
  absl::StatusOr<std::optional<ClaimedJob>> Claim(absl::string_view owner);

  // Adds the document version to a job the runtime queue claimed.
  absl::StatusOr<ClaimedJob> Load(const jobs::ClaimedJob<JobKey>& claimed);

  // Extends the lease and records progress. kLost once the job is no longer
  // this worker's (lease taken over, cancelled): the worker must stop.
  absl::StatusOr<LeaseState> Heartbeat(const ClaimedJob& job,
                                       absl::string_view owner, int percent,
                                       absl::string_view section);

  // Stores the result, marks the job SUCCEEDED and appends AnalysisCompleted,
  // in one transaction. FAILED_PRECONDITION (nothing written) if the lease
  // was lost. `analysis` carries score, grade, findings, analyzer_version
  // and degraded.
  absl::Status Complete(const ClaimedJob& job, absl::string_view owner,
                        v1::Analysis analysis);

  // A failed attempt: back to QUEUED after a backoff while attempts remain
  // and the error is retryable; otherwise DEAD (retries exhausted) or
  // FAILED, with an AnalysisFailed event. OK (nothing written) if the lease
  // was lost.
  absl::Status Fail(const ClaimedJob& job, absl::string_view owner,
                    const absl::Status& error, bool retryable);

  // The pieces Complete and Fail add to the runtime's transactions (the
  // worker pool finishes jobs through the runtime queue directly).
  jobs::TxFn ResultWriter(const ClaimedJob& job, v1::Analysis analysis) const;
  // `title` empty: read from the document.
  absl::Status RecordFailure(db::Tx& tx, const jobs::Job& job,
                             const JobKey& key, std::string title,
                             const absl::Status& error,
                             jobs::FailOutcome outcome) const;

  jobs::JobQueue& runtime() { return queue_; }
  const QueueConfig& config() const { return config_; }

 private:
  db::Pool* const pool_;
  const QueueConfig config_;
  jobs::JobQueue queue_;
  const ::fineprint::events::OutboxWriter outbox_{kService};
};

}  // namespace fineprint::analysis

#endif  // FINEPRINT_SERVICES_ANALYSIS_JOB_QUEUE_H_
