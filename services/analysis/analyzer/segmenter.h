#ifndef FINEPRINT_SERVICES_ANALYSIS_ANALYZER_SEGMENTER_H_
#define FINEPRINT_SERVICES_ANALYSIS_ANALYZER_SEGMENTER_H_

// Splits a legal text into sections (by headings) and sentences, keeping
// byte offsets into the original text so findings can quote it verbatim.

#include <cstddef>
#include <vector>

#include "absl/strings/string_view.h"

namespace fineprint::analysis {

// Half-open byte range [begin, end) into the segmented text.
struct TextRange {
  size_t begin = 0;
  size_t end = 0;
  size_t size() const { return end - begin; }
};

struct Section {
  // The heading without its markup ("#", trailing ":"), a view into the
  // text; empty for text before the first heading.
  absl::string_view title;
  // The whole section, heading line included, up to the next heading.
  TextRange range;
  // Sentences of the body (headings are never sentences); trimmed of
  // surrounding whitespace, in text order, never empty.
  std::vector<TextRange> sentences;
};

// Sentences longer than this are cut (at a ";" or whitespace) so that the
// cost of matching stays linear in the input.
inline constexpr size_t kMaxSentenceBytes = 4096;

// Every byte of `text` belongs to exactly one section's range; sections are
// in text order. Text with no heading yields one untitled section; empty or
// all-whitespace text yields none.
std::vector<Section> SegmentText(absl::string_view text);

// Exposed for tests: whether one line (without its newline) is a heading,
// and if so its title.
bool IsHeadingLine(absl::string_view line, absl::string_view* title);

// A numbered line starting with a short title-case run-in heading, as in
// contracts: "1. Membership Term. This Agreement starts ...". `title` is
// "1. Membership Term"; the body starts after its period.
bool IsRunInHeading(absl::string_view line, absl::string_view* title);

}  // namespace fineprint::analysis

#endif  // FINEPRINT_SERVICES_ANALYSIS_ANALYZER_SEGMENTER_H_
