#ifndef FINEPRINT_SERVICES_ANALYSIS_ANALYZER_SCORING_H_
#define FINEPRINT_SERVICES_ANALYSIS_ANALYZER_SCORING_H_

// Turns findings into the document score and grade.
//
// Each category present costs the penalty of its most severe finding
// (LOW 3, MEDIUM 7, HIGH 12, CRITICAL 20) plus 1 per further finding of that
// category, at most 3 extra: repeating a clause is worse than stating it
// once, but one bad idea should not sink a document on its own. The score is
// 100 minus the total, floored at 0. Grades follow the proto's bands:
// A 80-100, B 60-79, C 40-59, D 20-39, E 0-19.

#include <vector>

#include "services/analysis/analyzer/analysis_result.h"

namespace fineprint::analysis {

int SeverityPenalty(Severity severity);
int ScoreFindings(const std::vector<Finding>& findings);
Grade GradeForScore(int score);

// Moves `base` by +1 (aggravated) and -1 (mitigated), clamped LOW..CRITICAL.
Severity AdjustSeverity(Severity base, bool aggravated, bool mitigated);

}  // namespace fineprint::analysis

#endif  // FINEPRINT_SERVICES_ANALYSIS_ANALYZER_SCORING_H_
