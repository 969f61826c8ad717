#ifndef FINEPRINT_SERVICES_NOTIFICATION_NOTIFICATION_FLAGS_H_
#define FINEPRINT_SERVICES_NOTIFICATION_NOTIFICATION_FLAGS_H_

#include "absl/status/statusor.h"
#include "services/notification/notification_app.h"

namespace fineprint::notification {

// The domain options from notification's flags; INVALID_ARGUMENT for a
// malformed --webhook_retry_schedule.
absl::StatusOr<NotificationDomainOptions> NotificationDomainOptionsFromFlags();

}  // namespace fineprint::notification

#endif  // FINEPRINT_SERVICES_NOTIFICATION_NOTIFICATION_FLAGS_H_
