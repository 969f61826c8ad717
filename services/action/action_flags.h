#ifndef FINEPRINT_SERVICES_ACTION_ACTION_FLAGS_H_
#define FINEPRINT_SERVICES_ACTION_ACTION_FLAGS_H_

// The action binary's own flags (or FINEPRINT_* environment), beside the
// kit's shared ones.

#include "absl/status/statusor.h"
#include "services/action/action_app.h"

namespace fineprint::action {

absl::StatusOr<ActionDomainOptions> ActionDomainOptionsFromFlags();

}  // namespace fineprint::action

#endif  // FINEPRINT_SERVICES_ACTION_ACTION_FLAGS_H_
