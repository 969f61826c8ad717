#ifndef FINEPRINT_SERVICES_IDENTITY_PLAN_MIRROR_H_
#define FINEPRINT_SERVICES_IDENTITY_PLAN_MIRROR_H_

// Services that price their work by plan cannot read identity's database, so
// each keeps an org_plans table (org_id, plan, update_time) fed by identity's
// PlanChanged events. This is the one way those copies are written.

#include <string>

#include "absl/status/statusor.h"
#include "fineprint/identity/events/v1/events.pb.h"
#include "services/runtime/db/transaction.h"

namespace fineprint::identity {

struct OrgPlan {
  std::string org;   // The organisation's id: its name without "orgs/".
  std::string plan;  // The Plan's enum name, e.g. "PREMIUM".
};

// Records `changed` in the consumer's org_plans within `tx` and returns what
// it recorded, for the consumer's own follow-up (re-prioritising, limits).
absl::StatusOr<OrgPlan> MirrorPlanChange(const events::v1::PlanChanged& changed,
                                         db::Tx& tx);

}  // namespace fineprint::identity

#endif  // FINEPRINT_SERVICES_IDENTITY_PLAN_MIRROR_H_
