#ifndef FINEPRINT_SERVICES_ANALYSIS_ANALYZER_NEGATION_H_
#define FINEPRINT_SERVICES_ANALYSIS_ANALYZER_NEGATION_H_

// Decides whether a pattern match is negated by a cue shortly before it in
// the same clause: "we do not sell your data", "we will never share",
// "you are not required to arbitrate".

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace fineprint::analysis {

struct NegationRules {
  std::vector<std::string> cues;                     // lowercase words
  std::vector<std::vector<std::string>> exemptions;  // "not limited", ...
  std::vector<std::string> clause_breaks;            // "but", "however", ...
  int window = 5;                                    // words
};

class NegationDetector {
 public:
  explicit NegationDetector(const NegationRules& rules);

  // True if one of the `window` words before the match [match_begin,
  // match_end) of `sentence` is a cue (or ends in "n't"), with no clause
  // break (";", ":", brackets, a break word) in between, and the cue does
  // not start an exemption ("not limited to"). Cues among the match's first
  // three words count too: patterns that include their subject ("we ...
  // terminate") would otherwise miss "we will not terminate".
  bool IsNegated(absl::string_view sentence, size_t match_begin,
                 size_t match_end) const;

  // End of the clause containing `pos`: the next ";", ":", bracket or break
  // word at or after `pos`, else the end of the sentence.
  size_t ClauseEnd(absl::string_view sentence, size_t pos) const;

 private:
  struct Word {
    size_t begin;
    size_t end;
  };
  static std::string Normalize(absl::string_view word);
  bool IsCue(const std::string& word) const;
  bool StartsExemption(absl::string_view sentence, absl::Span<const Word> words,
                       size_t index) const;

  absl::flat_hash_set<std::string> cues_;
  absl::flat_hash_set<std::string> breaks_;
  std::vector<std::vector<std::string>> exemptions_;
  int window_;
};

}  // namespace fineprint::analysis

#endif  // FINEPRINT_SERVICES_ANALYSIS_ANALYZER_NEGATION_H_
