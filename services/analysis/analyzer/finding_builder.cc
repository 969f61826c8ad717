#include "services/analysis/analyzer/finding_builder.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace fineprint::analysis {
namespace {

bool Overlaps(size_t b1, size_t e1, size_t b2, size_t e2) {
  return b1 < e2 && b2 < e1;
}
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsContinuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

std::string QuoteList(const std::vector<std::string>& texts) {
  std::string out;
  for (const std::string& t : texts) {
    absl::StrAppend(&out, out.empty() ? "" : ", ", "\"", t, "\"");
  }
  return out;
}

}  // namespace

void ResolveModifiers(absl::string_view sentence,
                      const std::vector<ModifierSpan>& spans,
                      int category_index, size_t trigger_begin,
                      size_t trigger_end, std::vector<std::string>& aggravators,
                      std::vector<std::string>& mitigators) {
  std::vector<const ModifierSpan*> applicable;
  for (const ModifierSpan& span : spans) {
    if (span.category_index == -1) {
      if (Overlaps(span.begin, span.end, trigger_begin, trigger_end)) continue;
    } else if (span.category_index != category_index) {
      continue;
    }
    applicable.push_back(&span);
  }
  std::sort(applicable.begin(), applicable.end(),
            [](const ModifierSpan* a, const ModifierSpan* b) {
              return a->begin != b->begin ? a->begin < b->begin
                                          : a->end < b->end;
            });
  for (const ModifierSpan* span : applicable) {
    bool beaten = false;
    for (const ModifierSpan* other : applicable) {
      if (other == span ||
          !Overlaps(span->begin, span->end, other->begin, other->end)) {
        continue;
      }
      size_t len = span->end - span->begin;
      size_t other_len = other->end - other->begin;
      beaten = beaten || other_len > len ||
               (other_len == len && !other->aggravates && span->aggravates);
    }
    if (beaten) continue;
    std::string text(sentence.substr(span->begin, span->end - span->begin));
    std::vector<std::string>& list =
        span->aggravates ? aggravators : mitigators;
    if (std::find(list.begin(), list.end(), text) == list.end()) {
      list.push_back(std::move(text));
    }
  }
}

TextRange QuoteRange(absl::string_view text, TextRange sentence,
                     TextRange match, size_t max_bytes) {
  if (sentence.size() <= max_bytes) return sentence;
  if (match.size() >= max_bytes) return match;
  const size_t sb = sentence.begin, se = sentence.end;
  const size_t mb = match.begin, me = match.end;
  // A third of the spare room before the match, the rest after it: the
  // consequence usually follows the trigger.
  size_t lead = (max_bytes - match.size()) / 3;
  size_t qb = mb - sb > lead ? mb - lead : sb;
  size_t qe = std::min(se, std::max(me, qb + max_bytes));
  while (qb > sb && qb < mb && !IsSpace(text[qb - 1])) ++qb;
  while (qe < se && qe > me && !IsSpace(text[qe])) --qe;
  while (qb > sb && IsContinuation(text[qb])) --qb;
  while (qe < se && IsContinuation(text[qe])) ++qe;
  while (qb < mb && IsSpace(text[qb])) ++qb;
  while (qe > me && IsSpace(text[qe - 1])) --qe;
  return {qb, qe};
}

std::string ExplainSeverity(const std::string& explanation,
                            const std::vector<std::string>& aggravators,
                            const std::vector<std::string>& mitigators) {
  std::string out = explanation;
  if (!aggravators.empty()) {
    absl::StrAppend(&out, " Severity raised by ", QuoteList(aggravators), ".");
  }
  if (!mitigators.empty()) {
    absl::StrAppend(&out, " Severity lowered by ", QuoteList(mitigators), ".");
  }
  return out;
}

}  // namespace fineprint::analysis
