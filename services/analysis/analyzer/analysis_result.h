#ifndef FINEPRINT_SERVICES_ANALYSIS_ANALYZER_ANALYSIS_RESULT_H_
#define FINEPRINT_SERVICES_ANALYSIS_ANALYZER_ANALYSIS_RESULT_H_

// Plain result types of the analyser (the engine does not depend on protos;
// see proto_convert.h for fineprint.analysis.v1.Analysis).

#include <cstddef>
#include <string>
#include <vector>

#include "services/analysis/analyzer/taxonomy.h"

namespace fineprint::analysis {

// Values equal fineprint.analysis.v1.Grade.
enum class Grade : int {
  kUnspecified = 0,
  kA = 1,  // score 80-100
  kB = 2,  // 60-79
  kC = 3,  // 40-59
  kD = 4,  // 20-39
  kE = 5,  // 0-19
};

struct Finding {
  Category category = Category::kUnspecified;
  // Final severity: base_severity, one step up if any aggravator matched,
  // one step down if any mitigator matched, clamped to LOW..CRITICAL.
  Severity severity = Severity::kUnspecified;
  Severity base_severity = Severity::kUnspecified;
  // The quoted clause: text.substr(start, end - start) == quote. Usually the
  // whole sentence; a window around the trigger if the sentence is long.
  size_t start = 0;
  size_t end = 0;
  std::string quote;
  // What the trigger pattern matched (inside [start, end)), for highlighting.
  size_t match_start = 0;
  size_t match_end = 0;
  // Heading of the enclosing section; empty before the first heading.
  std::string section;
  // The taxonomy's explanation, plus why the severity moved, if it did.
  std::string explanation;
  // Verbatim texts of the modifiers that moved the severity.
  std::vector<std::string> aggravators;
  std::vector<std::string> mitigators;
};

struct AnalysisResult {
  std::string analyzer_version;
  // 0 (hostile) .. 100 (fair); see scoring.h.
  int score = 100;
  Grade grade = Grade::kA;
  // Most severe first, then by position, then by category.
  std::vector<Finding> findings;
  size_t section_count = 0;
  size_t sentence_count = 0;
};

}  // namespace fineprint::analysis

#endif  // FINEPRINT_SERVICES_ANALYSIS_ANALYZER_ANALYSIS_RESULT_H_
