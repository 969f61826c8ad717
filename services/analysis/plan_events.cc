#include "services/analysis/plan_events.h"

#include "absl/strings/str_cat.h"
#include "events/outbox/outbox_writer.h"
#include "fineprint/analysis/events/v1/events.pb.h"
#include "fineprint/identity/events/v1/events.pb.h"
#include "services/analysis/model.h"
#include "services/identity/plan_mirror.h"
#include "services/runtime/log/log.h"
#include "services/runtime/status/status.h"

namespace fineprint::analysis {

namespace {

using ::fineprint::identity::events::v1::PlanChanged;

absl::Status ApplyPlanChange(const PlanChanged& changed, db::Tx& tx) {
  FP_ASSIGN_OR_RETURN(const ::fineprint::identity::OrgPlan recorded,
                      ::fineprint::identity::MirrorPlanChange(changed, tx));
  const std::string& org = recorded.org;
  const std::string& plan = recorded.plan;
  const int priority = static_cast<int>(PriorityFor(plan, false));
  FP_ASSIGN_OR_RETURN(
      db::Result r,
      tx.Execute(
          "WITH old AS ("
          "  SELECT id, priority FROM jobs"
          "  WHERE org_id = $1 AND state = 'QUEUED' AND NOT low_priority"
          "    AND priority <> $2 FOR UPDATE)"
          " UPDATE jobs j SET priority = $2, update_time = now() FROM old"
          " WHERE j.org_id = $1 AND j.id = old.id"
          " RETURNING j.id, old.priority AS old_priority",
          {org, priority}));
  // One event per job, keyed by it: consumers of job events see its new
  // priority in order with its other events.
  static const ::fineprint::events::OutboxWriter outbox(kService);
  for (int i = 0; i < r.num_rows(); ++i) {
    FP_ASSIGN_OR_RETURN(std::string id, r[i].GetString("id"));
    FP_ASSIGN_OR_RETURN(int64_t old_priority, r[i].GetInt64("old_priority"));
    ::fineprint::analysis::events::v1::JobReprioritized event;
    event.set_job(JobName(org, id));
    event.set_organization(changed.organization());
    event.set_old_priority(static_cast<v1::Priority>(old_priority));
    event.set_new_priority(static_cast<v1::Priority>(priority));
    event.set_plan(plan);
    FP_RETURN_IF_ERROR(outbox.Append(tx, id, event).status());
  }
  log::Info("plan changed", {{"organization", changed.organization()},
                             {"plan", plan},
                             {"requeued", r.num_rows()}});
  return absl::OkStatus();
}

}  // namespace

absl::Status HandlePlanChanges(::fineprint::events::EventRouter& router) {
  return router.On<PlanChanged>(
      [](const PlanChanged& changed, const ::fineprint::events::Event&,
         db::Tx& tx) { return ApplyPlanChange(changed, tx); });
}

}  // namespace fineprint::analysis
