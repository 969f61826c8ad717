#include "services/analysis/analyzer/scoring.h"

#include <algorithm>
#include <array>

namespace fineprint::analysis {

int SeverityPenalty(Severity severity) {
  switch (severity) {
    case Severity::kLow:
      return 3;
    case Severity::kMedium:
      return 7;
    case Severity::kHigh:
      return 12;
    case Severity::kCritical:
      return 20;
    case Severity::kUnspecified:
      break;
  }
  return 0;
}

int ScoreFindings(const std::vector<Finding>& findings) {
  constexpr int kMaxExtraPerCategory = 3;
  std::array<int, kMaxCategory + 1> worst{};
  std::array<int, kMaxCategory + 1> count{};
  for (const Finding& f : findings) {
    int c = static_cast<int>(f.category);
    if (c <= 0 || c > kMaxCategory) continue;
    worst[c] = std::max(worst[c], SeverityPenalty(f.severity));
    ++count[c];
  }
  int penalty = 0;
  for (int c = 1; c <= kMaxCategory; ++c) {
    if (count[c] == 0) continue;
    penalty += worst[c] + std::min(count[c] - 1, kMaxExtraPerCategory);
  }
  return std::max(0, 100 - penalty);
}

Grade GradeForScore(int score) {
  if (score >= 80) return Grade::kA;
  if (score >= 60) return Grade::kB;
  if (score >= 40) return Grade::kC;
  if (score >= 20) return Grade::kD;
  return Grade::kE;
}

Severity AdjustSeverity(Severity base, bool aggravated, bool mitigated) {
  int value =
      static_cast<int>(base) + (aggravated ? 1 : 0) - (mitigated ? 1 : 0);
  value = std::clamp(value, static_cast<int>(Severity::kLow),
                     static_cast<int>(Severity::kCritical));
  return static_cast<Severity>(value);
}

}  // namespace fineprint::analysis
