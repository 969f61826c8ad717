#ifndef FINEPRINT_SERVICES_MONITORING_MONITORING_FLAGS_H_
#define FINEPRINT_SERVICES_MONITORING_MONITORING_FLAGS_H_

// The monitoring binary's own flags (or FINEPRINT_* environment), beside
// the kit's shared ones and --outbound_allow.

#include "services/monitoring/monitoring_app.h"

namespace fineprint::monitoring {

MonitoringDomainOptions MonitoringDomainOptionsFromFlags();

}  // namespace fineprint::monitoring

#endif  // FINEPRINT_SERVICES_MONITORING_MONITORING_FLAGS_H_
