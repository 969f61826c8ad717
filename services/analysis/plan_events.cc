#include "services/analysis/plan_events.h"

#include "absl/strings/match.h"
#include "fineprint/identity/events/v1/events.pb.h"
#include "services/analysis/model.h"
#include "services/runtime/log/log.h"
#include "services/runtime/status/status.h"

namespace fineprint::analysis {

namespace {

using ::fineprint::identity::events::v1::PlanChanged;

absl::Status ApplyPlanChange(const PlanChanged& changed, db::Tx& tx) {
  if (!absl::StartsWith(changed.organization(), "orgs/")) {
    return absl::InvalidArgumentError("PlanChanged without an organisation name");
  }
  const std::string org = changed.organization().substr(5);
  const std::string plan = ::fineprint::identity::v1::Plan_Name(changed.new_plan());
  FP_RETURN_IF_ERROR(
      tx.Execute("INSERT INTO org_plans (org_id, plan) VALUES ($1, $2)"
                 " ON CONFLICT (org_id) DO UPDATE"
                 " SET plan = excluded.plan, update_time = now()",
                 {org, plan})
          .status());
  FP_ASSIGN_OR_RETURN(
      db::Result r,
      tx.Execute("UPDATE jobs SET priority = $2, update_time = now()"
                 " WHERE org_id = $1 AND state = 'QUEUED' AND NOT low_priority",
                 {org, static_cast<int>(PriorityFor(plan, false))}));
  log::Info("plan changed", {{"organization", changed.organization()},
                             {"plan", plan},
                             {"requeued", std::to_string(r.affected_rows())}});
  return absl::OkStatus();
}

}  // namespace

absl::Status HandlePlanChanges(::fineprint::events::EventRouter& router) {
  return router.On<PlanChanged>(
      [](const PlanChanged& changed, const ::fineprint::events::Event&, db::Tx& tx) {
        return ApplyPlanChange(changed, tx);
      });
}

}  // namespace fineprint::analysis
