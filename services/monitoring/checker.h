#ifndef FINEPRINT_SERVICES_MONITORING_CHECKER_H_
#define FINEPRINT_SERVICES_MONITORING_CHECKER_H_

// Checks of watched sources. The `checks` table is a runtime job queue
// with one row per watch (see infra/migrations/monitoring/0001_init.sql):
//
//   SCHEDULED --(Scheduler: due)--> QUEUED --(WorkerPool claim)--> RUNNING
//       ^                                                              |
//       +------ Checker: result + next check time, one transaction ----+
//
// A check fetches (Fetcher), extracts and normalises the text, and stores a
// new version only when the normalised text's SHA-256 changed, with its
// diff and a SourceChanged event in the same transaction that reschedules
// the row. Failures are the watch's state (reason, consecutive failures,
// exponential backoff), not job retries: a failing site is re-checked with
// backoff forever, never parked DEAD.

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "events/consumer/event_router.h"
#include "events/outbox/outbox_writer.h"
#include "services/monitoring/fetcher.h"
#include "services/monitoring/model.h"
#include "services/runtime/db/pool.h"
#include "services/runtime/jobs/job_queue.h"
#include "services/runtime/jobs/worker_pool.h"

namespace fineprint::monitoring {

// The checks table's payload column (unused: a check reads its watch).
struct CheckPayload {
  static constexpr char kColumns[] = "payload";
  std::string payload;
  static absl::StatusOr<CheckPayload> FromRow(const db::Row& row);
  std::vector<db::Param> ToParams() const { return {payload}; }
};

jobs::JobQueueOptions CheckQueueOptions();

class Checker final : public jobs::JobHandler<CheckPayload> {
 public:
  Checker(db::Pool* pool, Fetcher* fetcher, MonitoringConfig config)
      : pool_(pool), fetcher_(fetcher), config_(std::move(config)) {}

  absl::StatusOr<jobs::TxFn> Run(const jobs::ClaimedJob<CheckPayload>& job,
                                 jobs::JobContext& context) override;

  // Infrastructure failures (the database) exhausted the job's attempts:
  // the watch is rescheduled at its interval instead of parked.
  absl::Status OnFailure(db::Tx& tx, const jobs::ClaimedJob<CheckPayload>& job,
                         const absl::Status& error,
                         jobs::FailOutcome outcome) override;

 private:
  db::Pool* const pool_;
  Fetcher* const fetcher_;
  const MonitoringConfig config_;
  const ::fineprint::events::OutboxWriter outbox_{kService};
};

struct SchedulerOptions {
  absl::Duration poll = absl::Milliseconds(500);
  // Rows moved per statement.
  int batch = 500;
};

// Moves due SCHEDULED checks to QUEUED, oldest due first, through the
// partial index on available_at. Several replicas may run one each.
class Scheduler {
 public:
  Scheduler(db::Pool* pool, SchedulerOptions options)
      : pool_(pool), options_(options) {}
  ~Scheduler() { Stop(); }

  // One pass; the number of checks made due.
  absl::StatusOr<int> PromoteDue();

  void Start();
  void Stop();

 private:
  db::Pool* const pool_;
  const SchedulerOptions options_;
  absl::Notification stop_;
  std::thread thread_;
};

// PlanChanged: the org's plan (minimum interval, retention) and its
// watches' intervals raised to the new minimum.
absl::Status HandlePlanChanges(::fineprint::events::EventRouter& router,
                               const MonitoringConfig& config);

// Analysis's DocumentSubmitted for a watch: the watch's `document` and the
// source version's `document_version` links. Later SourceChanged events
// then name the document.
absl::Status HandleDocumentLinks(::fineprint::events::EventRouter& router);

// The largest new text a SourceChanged carries: a record stays under
// Kafka's default 1 MB limit with room for the envelope.
inline constexpr size_t kMaxEventText = 512 * 1024;

}  // namespace fineprint::monitoring

#endif  // FINEPRINT_SERVICES_MONITORING_CHECKER_H_
