#ifndef FINEPRINT_SERVICES_MONITORING_DIFF_H_
#define FINEPRINT_SERVICES_MONITORING_DIFF_H_

// Line and word diff between two versions of a source (Myers' O(ND)
// algorithm), as unified text and as structured hunks.

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace fineprint::monitoring {

enum class LineOp { kContext, kAdded, kRemoved };

// A run of words of a changed line: common to both sides (kContext) or
// only on this line's side (kAdded on an added line, kRemoved on a removed
// one). Concatenated, a line's spans are its text.
struct WordSpan {
  LineOp op;
  std::string text;
};

struct DiffLine {
  LineOp op;
  std::string text;
  // Set on a changed line paired with its counterpart: within a change, the
  // n-th removed line with the n-th added line. Empty otherwise.
  std::vector<WordSpan> words;
};

struct Hunk {
  // 1-based first line in each text; 0 when the hunk's side is empty.
  int base_start = 0;
  int base_lines = 0;
  int start = 0;
  int lines = 0;
  std::vector<DiffLine> diff_lines;
};

struct LineDiff {
  int added = 0;
  int removed = 0;
  std::vector<Hunk> hunks;
};

// Splits on '\n'; a trailing newline does not make an extra empty line.
std::vector<absl::string_view> SplitLines(absl::string_view text);

// The shortest edit script from `base` to `text`, grouped into hunks with
// `context` lines around each change. Past `max_edit_distance` differing
// lines the middle is reported as replaced wholesale: still a correct diff,
// just not minimal, and memory stays bounded for unrelated texts.
LineDiff DiffLines(absl::string_view base, absl::string_view text,
                   int context = 3, int max_edit_distance = 4000);

// Words (runs of letters and digits, any non-ASCII byte counting as a
// letter), runs of whitespace and single punctuation characters.
std::vector<absl::string_view> SplitWords(absl::string_view line);

// The word diff of one changed line: spans of `before` (kContext and
// kRemoved) and of `after` (kContext and kAdded). False, with both empty,
// when the lines differ too much for a word diff to help.
bool DiffWords(absl::string_view before, absl::string_view after,
               std::vector<WordSpan>& before_spans,
               std::vector<WordSpan>& after_spans);

// "--- a\n+++ b\n@@ -1,3 +1,4 @@\n ..." ("" when equal).
std::string UnifiedDiff(const LineDiff& diff, absl::string_view base_label,
                        absl::string_view label);

// "12 lines added, 4 removed in 3 sections".
std::string DiffSummary(const LineDiff& diff);

}  // namespace fineprint::monitoring

#endif  // FINEPRINT_SERVICES_MONITORING_DIFF_H_
