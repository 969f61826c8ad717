#ifndef FINEPRINT_SERVICES_ANALYSIS_RULE_ENGINE_H_
#define FINEPRINT_SERVICES_ANALYSIS_RULE_ENGINE_H_

// The built-in clause analyser (//services/analysis/analyzer) as a worker's
// AnalyzeFn.

#include "services/analysis/analyzer/analyzer.h"
#include "services/analysis/worker_pool.h"

namespace fineprint::analysis {

// `analyzer` is borrowed and must outlive the function.
AnalyzeFn RuleEngineAnalyzeFn(const Analyzer* analyzer);

}  // namespace fineprint::analysis

#endif  // FINEPRINT_SERVICES_ANALYSIS_RULE_ENGINE_H_
