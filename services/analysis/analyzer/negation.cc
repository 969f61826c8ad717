#include "services/analysis/analyzer/negation.h"

#include <algorithm>

#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace fineprint::analysis {
namespace {

// Apostrophes inside words: ASCII and U+2019 (3 bytes in UTF-8).
size_t ApostropheAt(absl::string_view s, size_t i) {
  if (s[i] == '\'') return 1;
  if (absl::StartsWith(s.substr(i), "\xE2\x80\x99")) return 3;
  return 0;
}

bool IsWordByte(char c) {
  return absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '-';
}

bool IsClausePunct(char c) {
  return c == ';' || c == ':' || c == '(' || c == ')' || c == '[' || c == ']';
}

}  // namespace

NegationDetector::NegationDetector(const NegationRules& rules)
    : cues_(rules.cues.begin(), rules.cues.end()),
      breaks_(rules.clause_breaks.begin(), rules.clause_breaks.end()),
      exemptions_(rules.exemptions),
      window_(rules.window) {}

std::string NegationDetector::Normalize(absl::string_view word) {
  std::string out;
  out.reserve(word.size());
  for (size_t i = 0; i < word.size(); ++i) {
    size_t apostrophe = ApostropheAt(word, i);
    if (apostrophe > 0) {
      out.push_back('\'');
      i += apostrophe - 1;
    } else {
      out.push_back(absl::ascii_tolower(static_cast<unsigned char>(word[i])));
    }
  }
  return out;
}

bool NegationDetector::IsCue(const std::string& word) const {
  return cues_.contains(word) || absl::EndsWith(word, "n't");
}

bool NegationDetector::StartsExemption(absl::string_view sentence,
                                       absl::Span<const Word> words,
                                       size_t index) const {
  for (const std::vector<std::string>& phrase : exemptions_) {
    if (index + phrase.size() > words.size()) continue;
    bool match = true;
    for (size_t k = 0; k < phrase.size() && match; ++k) {
      const Word& w = words[index + k];
      match = Normalize(sentence.substr(w.begin, w.end - w.begin)) == phrase[k];
    }
    if (match) return true;
  }
  return false;
}

bool NegationDetector::IsNegated(absl::string_view sentence, size_t match_begin,
                                 size_t match_end) const {
  constexpr int kWordsInsideMatch = 3;
  const size_t kLookBehindBytes = 24 * static_cast<size_t>(window_) + 64;
  match_end = std::min(match_end, sentence.size());
  match_begin = std::min(match_begin, match_end);
  // Words of the sentence up to a little past the match (exemptions such as
  // "not limited to" may run into it); clause punctuation resets the list.
  absl::InlinedVector<Word, 64> words;
  size_t limit = std::min(sentence.size(), match_end + 40);
  size_t words_before_match = 0;
  // Only the last few words before the match matter, so skip the start of
  // long sentences (resuming at a word boundary).
  size_t i =
      match_begin > kLookBehindBytes ? match_begin - kLookBehindBytes : 0;
  if (i > 0) {
    while (i < match_begin && IsWordByte(sentence[i])) ++i;
  }
  while (i < limit) {
    char c = sentence[i];
    if (IsClausePunct(c) && i < match_begin) {
      words.clear();
      words_before_match = 0;
      ++i;
      continue;
    }
    if (!IsWordByte(c)) {
      ++i;
      continue;
    }
    size_t b = i;
    while (i < sentence.size()) {
      if (IsWordByte(sentence[i])) {
        ++i;
      } else if (size_t a = ApostropheAt(sentence, i);
                 a > 0 && i + a < sentence.size() &&
                 IsWordByte(sentence[i + a])) {
        i += a;
      } else {
        break;
      }
    }
    words.push_back({b, i});
    if (b < match_begin) words_before_match = words.size();
  }
  int inside = 0;
  for (size_t k = words_before_match;
       k < words.size() && inside < kWordsInsideMatch; ++k, ++inside) {
    const Word& w = words[k];
    if (w.begin >= match_end) break;
    std::string word = Normalize(sentence.substr(w.begin, w.end - w.begin));
    if (IsCue(word) && !StartsExemption(sentence, words, k)) return true;
  }
  int seen = 0;
  for (size_t k = words_before_match; k > 0 && seen < window_; --k, ++seen) {
    const Word& w = words[k - 1];
    if (w.end > match_begin) continue;  // the match's own first word
    std::string word = Normalize(sentence.substr(w.begin, w.end - w.begin));
    if (breaks_.contains(word)) return false;
    if (IsCue(word) && !StartsExemption(sentence, words, k - 1)) return true;
  }
  return false;
}

size_t NegationDetector::ClauseEnd(absl::string_view sentence,
                                   size_t pos) const {
  size_t i = std::min(pos, sentence.size());
  while (i < sentence.size()) {
    char c = sentence[i];
    if (IsClausePunct(c)) return i;
    if (!absl::ascii_isalpha(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    size_t b = i;
    while (i < sentence.size() && IsWordByte(sentence[i])) ++i;
    if (breaks_.contains(Normalize(sentence.substr(b, i - b)))) return b;
  }
  return sentence.size();
}

}  // namespace fineprint::analysis
