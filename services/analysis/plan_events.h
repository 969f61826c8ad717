#ifndef FINEPRINT_SERVICES_ANALYSIS_PLAN_EVENTS_H_
#define FINEPRINT_SERVICES_ANALYSIS_PLAN_EVENTS_H_

// Identity's PlanChanged records the organisation's plan and re-prioritises
// its QUEUED jobs (those not submitted as low_priority). Runs inside the
// consumer's inbox transaction: exactly once per event.

#include "events/consumer/event_router.h"

namespace fineprint::analysis {

// Registers the PlanChanged handler with `router`.
absl::Status HandlePlanChanges(::fineprint::events::EventRouter& router);

}  // namespace fineprint::analysis

#endif  // FINEPRINT_SERVICES_ANALYSIS_PLAN_EVENTS_H_
