#include "services/identity/plan_mirror.h"

#include "absl/strings/match.h"
#include "services/runtime/status/status.h"

namespace fineprint::identity {

absl::StatusOr<OrgPlan> MirrorPlanChange(const events::v1::PlanChanged& changed,
                                         db::Tx& tx) {
  constexpr absl::string_view kOrgPrefix = "orgs/";
  if (!absl::StartsWith(changed.organization(), kOrgPrefix)) {
    return absl::InvalidArgumentError(
        "PlanChanged without an organisation name");
  }
  OrgPlan recorded{changed.organization().substr(kOrgPrefix.size()),
                   v1::Plan_Name(changed.new_plan())};
  FP_RETURN_IF_ERROR(
      tx.Execute("INSERT INTO org_plans (org_id, plan) VALUES ($1, $2)"
                 " ON CONFLICT (org_id) DO UPDATE"
                 " SET plan = excluded.plan, update_time = now()",
                 {recorded.org, recorded.plan})
          .status());
  return recorded;
}

}  // namespace fineprint::identity
