#include "services/action/reminders.h"

#include "absl/strings/str_cat.h"
#include "fineprint/action/events/v1/events.pb.h"
#include "services/action/lifecycle.h"
#include "services/action/store.h"
#include "services/runtime/api/resource_name.h"
#include "services/runtime/log/log.h"
#include "services/runtime/status/status.h"

namespace fineprint::action {
namespace {

namespace ev = ::fineprint::action::events::v1;

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(t));
  return ts;
}

}  // namespace

absl::StatusOr<ReminderJob> ReminderJob::FromRow(const db::Row& row) {
  ReminderJob j;
  FP_ASSIGN_OR_RETURN(j.action_id, row.GetString("action_id"));
  FP_ASSIGN_OR_RETURN(j.reminder_kind, row.GetString("reminder_kind"));
  FP_ASSIGN_OR_RETURN(j.lead_seconds, row.GetInt64("lead_seconds"));
  FP_ASSIGN_OR_RETURN(j.due_time, row.GetTime("due_time"));
  return j;
}

std::vector<db::Param> ReminderJob::ToParams() const {
  return {action_id, reminder_kind, lead_seconds, due_time};
}

jobs::JobQueueOptions ReminderQueueOptions() {
  jobs::JobQueueOptions options;
  options.table = "reminder_jobs";
  return options;
}

absl::StatusOr<jobs::TxFn> ReminderHandler::Run(
    const jobs::ClaimedJob<ReminderJob>& job, jobs::JobContext&) {
  FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                      pool_->Acquire(absl::Now() + absl::Seconds(10)));
  absl::StatusOr<store::ActionRecord> found =
      store::LoadAction(*conn, job.org_id, job.payload.action_id, false);
  if (absl::IsNotFound(found.status())) return jobs::TxFn();
  FP_RETURN_IF_ERROR(found.status());
  const store::ActionRecord a = *std::move(found);
  // Closed or re-dated since the reminder was scheduled: nothing to say.
  if (!IsOpen(a.status) || !a.due_time ||
      absl::ToUnixSeconds(*a.due_time) !=
          absl::ToUnixSeconds(job.payload.due_time)) {
    return jobs::TxFn();
  }
  const std::string org = absl::StrCat("orgs/", a.org_id);
  if (job.payload.reminder_kind == "DUE_SOON") {
    ev::ActionDueSoon e;
    e.set_action(a.Name());
    e.set_organization(org);
    e.set_kind(a.kind);
    e.set_title(a.title);
    *e.mutable_due_time() = ToTimestamp(*a.due_time);
    e.set_lead_seconds(job.payload.lead_seconds);
    e.set_status(a.status);
    return jobs::TxFn([this, e, id = a.id](db::Tx& tx) {
      return outbox_.Append(tx, id, e).status();
    });
  }
  ev::ActionOverdue e;
  e.set_action(a.Name());
  e.set_organization(org);
  e.set_kind(a.kind);
  e.set_title(a.title);
  *e.mutable_due_time() = ToTimestamp(*a.due_time);
  e.set_status(a.status);
  // A reminder that went unanswered escalates to the authority; anything
  // else gets a reminder first (datenanfragen's order).
  const bool complaint = a.kind == v1::REMINDER_LETTER;
  const LetterTemplate* next = catalog_->Variant(
      complaint ? "authority-complaint" : "reminder", a.language);
  if (next == nullptr) {
    next =
        catalog_->Variant(complaint ? "authority-complaint" : "reminder", "en");
  }
  if (next != nullptr) {
    e.set_next_escalation_template(next->proto().name());
    e.set_next_escalation_kind(next->kind());
  }
  return jobs::TxFn([this, e, id = a.id](db::Tx& tx) {
    return outbox_.Append(tx, id, e).status();
  });
}

absl::StatusOr<int> ReminderScheduler::Tick() {
  const absl::Time now = options_.clock();
  int enqueued = 0;
  FP_RETURN_IF_ERROR(
      db::RunInTransaction(*pool_, {}, [&](db::Tx& tx) -> absl::Status {
        enqueued = 0;
        FP_ASSIGN_OR_RETURN(
            db::Result due,
            tx.Execute("SELECT org_id, action_id, kind, lead_seconds,"
                       " due_time FROM reminders WHERE NOT fired AND"
                       " fire_at <= $1 ORDER BY fire_at LIMIT $2"
                       " FOR UPDATE SKIP LOCKED",
                       {now, options_.batch}));
        for (db::Row row : due) {
          ReminderJob job;
          FP_ASSIGN_OR_RETURN(std::string org, row.GetString("org_id"));
          FP_ASSIGN_OR_RETURN(job.action_id, row.GetString("action_id"));
          FP_ASSIGN_OR_RETURN(job.reminder_kind, row.GetString("kind"));
          FP_ASSIGN_OR_RETURN(job.lead_seconds, row.GetInt64("lead_seconds"));
          FP_ASSIGN_OR_RETURN(job.due_time, row.GetTime("due_time"));
          jobs::NewJob new_job;
          new_job.org_id = org;
          new_job.id = api::NewResourceId();
          FP_RETURN_IF_ERROR(queue_->Enqueue(tx, new_job, job));
          FP_RETURN_IF_ERROR(
              tx.Execute(
                    "UPDATE reminders SET fired = true WHERE org_id = $1"
                    " AND action_id = $2 AND kind = $3 AND"
                    " lead_seconds = $4",
                    {org, job.action_id, job.reminder_kind, job.lead_seconds})
                  .status());
          ++enqueued;
        }
        return absl::OkStatus();
      }));
  return enqueued;
}

void ReminderScheduler::Start() {
  thread_ = std::thread([this] {
    while (!stop_.WaitForNotificationWithTimeout(options_.poll)) {
      absl::StatusOr<int> n = Tick();
      if (!n.ok()) {
        log::Warning("reminder scheduler tick failed",
                     {{"error", n.status().ToString()}});
      }
    }
  });
}

void ReminderScheduler::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

}  // namespace fineprint::action
