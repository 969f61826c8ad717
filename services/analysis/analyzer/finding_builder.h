#ifndef FINEPRINT_SERVICES_ANALYSIS_ANALYZER_FINDING_BUILDER_H_
#define FINEPRINT_SERVICES_ANALYSIS_ANALYZER_FINDING_BUILDER_H_

// Pieces of a finding that do not involve matching: which modifiers move its
// severity, what to quote, and how to explain it. Internal to the analyser.

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/analysis/analyzer/segmenter.h"

namespace fineprint::analysis {

// A located, non-negated aggravator or mitigator, relative to the sentence.
struct ModifierSpan {
  size_t begin;
  size_t end;
  int category_index;  // -1: global
  bool aggravates;
};

// The modifier texts (deduplicated, in text order) that apply to a finding
// of `category_index` whose trigger matched [trigger_begin, trigger_end):
// the category's own modifiers anywhere, global ones outside the trigger
// (a trigger may itself say "without notice"). Of overlapping modifiers the
// longest wins ("without prior notice" beats "prior notice"); ties go to
// the mitigator.
void ResolveModifiers(absl::string_view sentence,
                      const std::vector<ModifierSpan>& spans,
                      int category_index, size_t trigger_begin,
                      size_t trigger_end, std::vector<std::string>& aggravators,
                      std::vector<std::string>& mitigators);

// What to quote for a trigger `match` inside `sentence` (offsets into
// `text`): the sentence if it fits in `max_bytes`, else a window of about
// `max_bytes` around the match, cut at whitespace and never inside a UTF-8
// character, trimmed.
TextRange QuoteRange(absl::string_view text, TextRange sentence,
                     TextRange match, size_t max_bytes);

// The taxonomy's explanation, plus why the severity moved.
std::string ExplainSeverity(const std::string& explanation,
                            const std::vector<std::string>& aggravators,
                            const std::vector<std::string>& mitigators);

}  // namespace fineprint::analysis

#endif  // FINEPRINT_SERVICES_ANALYSIS_ANALYZER_FINDING_BUILDER_H_
