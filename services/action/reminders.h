#ifndef FINEPRINT_SERVICES_ACTION_REMINDERS_H_
#define FINEPRINT_SERVICES_ACTION_REMINDERS_H_

// Deadline reminders on the runtime job queue.
//
// A deadline writes `reminders` rows (store::ScheduleReminders): DUE_SOON
// per lead, OVERDUE at the due time. The ReminderScheduler reads the
// service clock (so tests move time) and, in one transaction, turns every
// row that is due into a `reminder_jobs` job and marks it fired. The
// ReminderHandler, run by a jobs::WorkerPool, re-reads the action and, if
// it is still open with the same due time, writes ActionDueSoon or
// ActionOverdue (with the next escalation) in the transaction that
// completes the job. A reminder whose action was closed or re-dated in the
// meantime completes without an event.

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "events/outbox/outbox_writer.h"
#include "services/action/templates.h"
#include "services/runtime/db/pool.h"
#include "services/runtime/jobs/job_queue.h"
#include "services/runtime/jobs/worker_pool.h"

namespace fineprint::action {

struct ReminderJob {
  static constexpr char kColumns[] =
      "action_id, reminder_kind, lead_seconds, due_time";
  std::string action_id;
  std::string reminder_kind;  // DUE_SOON | OVERDUE
  int64_t lead_seconds = 0;
  absl::Time due_time;
  static absl::StatusOr<ReminderJob> FromRow(const db::Row& row);
  std::vector<db::Param> ToParams() const;
};

jobs::JobQueueOptions ReminderQueueOptions();

class ReminderHandler : public jobs::JobHandler<ReminderJob> {
 public:
  ReminderHandler(db::Pool* pool,
                  std::shared_ptr<const TemplateCatalog> catalog)
      : pool_(pool), catalog_(std::move(catalog)) {}
  absl::StatusOr<jobs::TxFn> Run(const jobs::ClaimedJob<ReminderJob>& job,
                                 jobs::JobContext& context) override;

 private:
  db::Pool* const pool_;
  const std::shared_ptr<const TemplateCatalog> catalog_;
  const ::fineprint::events::OutboxWriter outbox_{"action"};
};

struct ReminderSchedulerOptions {
  std::function<absl::Time()> clock = [] { return absl::Now(); };
  absl::Duration poll = absl::Seconds(5);
  int batch = 100;
};

class ReminderScheduler {
 public:
  ReminderScheduler(db::Pool* pool, const jobs::JobQueue* queue,
                    ReminderSchedulerOptions options)
      : pool_(pool), queue_(queue), options_(std::move(options)) {}
  ~ReminderScheduler() { Stop(); }

  void Start();
  void Stop();
  // One pass: enqueues what is due at the clock's now. Returns how many.
  absl::StatusOr<int> Tick();

 private:
  db::Pool* const pool_;
  const jobs::JobQueue* const queue_;
  const ReminderSchedulerOptions options_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace fineprint::action

#endif  // FINEPRINT_SERVICES_ACTION_REMINDERS_H_
