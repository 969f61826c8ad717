#ifndef FINEPRINT_SERVICES_ACTION_LIFECYCLE_H_
#define FINEPRINT_SERVICES_ACTION_LIFECYCLE_H_

// The action lifecycle, pure:
//
//   DRAFT -> SENT | WITHDRAWN
//   SENT -> ACKNOWLEDGED | EXTENDED | FULFILLED | DENIED | WITHDRAWN
//   ACKNOWLEDGED -> EXTENDED | FULFILLED | DENIED | WITHDRAWN
//   EXTENDED -> FULFILLED | DENIED | WITHDRAWN
//
// EXTENDED exists only for extendable deadline rules (GDPR, CCPA) and can
// be entered once, since nothing leads back before it. OVERDUE is not a
// state: it is derived from the due time (IsOverdue).

#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "fineprint/action/v1/action.pb.h"
#include "services/action/deadlines.h"

namespace fineprint::action {

// Statuses `from` may move to under `rule`, in enum order.
std::vector<v1::ActionStatus> AllowedTransitions(v1::ActionStatus from,
                                                 const DeadlineRule& rule);

// OK when `from` -> `to` is allowed; FAILED_PRECONDITION (reason
// INVALID_TRANSITION) with a google.rpc.PreconditionFailure listing every
// allowed transition otherwise. `from` == `to` is not a transition (the
// caller treats it as a no-op).
absl::Status CheckTransition(v1::ActionStatus from, v1::ActionStatus to,
                             const DeadlineRule& rule);

// SENT, ACKNOWLEDGED and EXTENDED wait for the recipient.
bool IsOpen(v1::ActionStatus status);
bool IsFinal(v1::ActionStatus status);

// Open, with a due time, and past it at `now`.
bool IsOverdue(v1::ActionStatus status, std::optional<absl::Time> due,
               absl::Time now);

}  // namespace fineprint::action

#endif  // FINEPRINT_SERVICES_ACTION_LIFECYCLE_H_
