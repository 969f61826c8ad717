#ifndef FINEPRINT_SERVICES_ANALYSIS_PLAN_EVENTS_H_
#define FINEPRINT_SERVICES_ANALYSIS_PLAN_EVENTS_H_

// Consumes identity's organisation events (topic
// fineprint.identity.organization.v1): a PlanChanged records the org's plan
// and re-prioritises its QUEUED jobs (those not submitted as low_priority).
// Runs inside the consumer's inbox transaction: exactly once per event.

#include "events/consumer/handler.h"

namespace fineprint::analysis {

inline constexpr char kOrganizationTopic[] = "fineprint.identity.organization.v1";

class PlanEventHandler : public ::fineprint::events::EventHandler {
 public:
  absl::Status Handle(const ::fineprint::events::Event& event, db::Tx& tx) override;
};

}  // namespace fineprint::analysis

#endif  // FINEPRINT_SERVICES_ANALYSIS_PLAN_EVENTS_H_
