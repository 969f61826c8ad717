#ifndef FINEPRINT_SERVICES_ANALYSIS_ANALYSIS_FLAGS_H_
#define FINEPRINT_SERVICES_ANALYSIS_ANALYSIS_FLAGS_H_

// The analysis binary's own flags (or FINEPRINT_* environment), beside the
// kit's shared ones.

#include "services/analysis/analysis_app.h"

namespace fineprint::analysis {

AnalysisDomainOptions AnalysisDomainOptionsFromFlags();

}  // namespace fineprint::analysis

#endif  // FINEPRINT_SERVICES_ANALYSIS_ANALYSIS_FLAGS_H_
