#include "services/analysis/analyzer/segmenter.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace fineprint::analysis {
namespace {

// Caps on heading length: real headings are short, and long all-caps lines
// are usually the shouted liability paragraphs we must analyse.
constexpr size_t kMaxHeadingBytes = 100;
constexpr int kMaxCapsHeadingWords = 7;
constexpr int kMaxNumberedHeadingWords = 9;
constexpr int kMaxSectionHeadingWords = 12;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsAsciiLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsAsciiUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsAsciiAlnum(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c));
}

int CountWords(absl::string_view s) {
  int words = 0;
  bool in_word = false;
  for (char c : s) {
    if (IsSpace(c)) {
      in_word = false;
    } else if (!in_word) {
      in_word = true;
      ++words;
    }
  }
  return words;
}

absl::string_view StripTrailingColon(absl::string_view s) {
  while (!s.empty() && (s.back() == ':' || IsSpace(s.back())))
    s.remove_suffix(1);
  return s;
}

// "1.", "2.3", "12.4.1", "IV." followed by whitespace; returns the length of
// the number (0 if none).
size_t NumberPrefix(absl::string_view s) {
  size_t i = 0;
  while (i < s.size() && absl::ascii_isdigit(static_cast<unsigned char>(s[i])))
    ++i;
  if (i > 0 && i <= 3) {
    while (i < s.size() && s[i] == '.') {
      size_t j = i + 1;
      while (j < s.size() &&
             absl::ascii_isdigit(static_cast<unsigned char>(s[j])))
        ++j;
      bool more_digits = j > i + 1;
      i = j;
      if (!more_digits) break;
    }
  } else if (i == 0) {
    while (i < s.size() && (s[i] == 'I' || s[i] == 'V' || s[i] == 'X')) ++i;
    if (i == 0 || i >= s.size() || s[i] != '.') return 0;
    ++i;
  } else {
    return 0;
  }
  if (i >= s.size() || !IsSpace(s[i])) return 0;
  return i;
}

bool IsListItemStart(absl::string_view s) {
  if (s.size() < 2) return false;
  if ((s[0] == '-' || s[0] == '*') && s[1] == ' ') return true;
  if (absl::StartsWith(s, "\xE2\x80\xA2")) return true;  // U+2022 bullet
  size_t i = s[0] == '(' ? 1 : 0;
  size_t j = i;
  while (j < s.size() && j - i < 4 && IsAsciiAlnum(s[j])) ++j;
  if (j == i || j >= s.size()) return false;
  if (s[j] == ')') return true;
  bool digits = true;
  for (size_t k = i; k < j; ++k) {
    digits = digits && absl::ascii_isdigit(static_cast<unsigned char>(s[k]));
  }
  return i == 0 && digits && s[j] == '.' && j + 1 < s.size() && s[j + 1] == ' ';
}

// Whether the '.' at `dot` ends an abbreviation ("e.g.", "U.S.", "Inc.",
// initials) rather than a sentence.
bool EndsAbbreviation(absl::string_view text, size_t start, size_t dot) {
  size_t b = dot;
  while (b > start &&
         (absl::ascii_isalpha(static_cast<unsigned char>(text[b - 1])) ||
          text[b - 1] == '.')) {
    --b;
  }
  std::string token = absl::AsciiStrToLower(text.substr(b, dot - b));
  if (token.empty()) return false;
  if (token.size() == 1) return true;
  if (token.find('.') != std::string::npos && token.size() <= 6) return true;
  static constexpr absl::string_view kAbbreviations[] = {
      "inc", "ltd",  "co",  "corp",   "vs",  "mr",  "mrs",  "ms", "dr",
      "st",  "jr",   "sr",  "approx", "art", "sec", "para", "cf", "fig",
      "pp",  "dept", "est", "incl",   "ref", "nos", "e.g",  "i.e"};
  for (absl::string_view a : kAbbreviations) {
    if (token == a) return true;
  }
  return false;
}

// Length of a closing quote/bracket at s[0], or 0.
size_t CloserLength(absl::string_view s) {
  if (s.empty()) return 0;
  if (s[0] == ')' || s[0] == ']' || s[0] == '"' || s[0] == '\'') return 1;
  if (absl::StartsWith(s, "\xE2\x80\x9D") ||
      absl::StartsWith(s, "\xE2\x80\x99")) {
    return 3;  // U+201D, U+2019
  }
  return 0;
}

void Emit(absl::string_view text, size_t b, size_t e,
          std::vector<TextRange>& out) {
  while (true) {
    while (b < e && IsSpace(text[b])) ++b;
    while (e > b && IsSpace(text[e - 1])) --e;
    if (e <= b) return;
    if (e - b <= kMaxSentenceBytes) {
      out.push_back({b, e});
      return;
    }
    // Run-on text (a minified blob, a table flattened to one line): cut at
    // the last clause break or whitespace that fits, so matching cost stays
    // linear in the input.
    size_t cut = b + kMaxSentenceBytes;
    size_t best = 0;
    for (size_t i = cut; i > b + kMaxSentenceBytes / 2 && best == 0; --i) {
      if (text[i - 1] == ';') best = i;
    }
    for (size_t i = cut; i > b && best == 0; --i) {
      if (IsSpace(text[i - 1])) best = i;
    }
    if (best == 0) {
      best = cut;  // no whitespace at all: cut on a UTF-8 character boundary
      while (best > b + 1 &&
             (static_cast<unsigned char>(text[best]) & 0xC0) == 0x80) {
        --best;
      }
    }
    size_t piece_end = best;
    while (piece_end > b && IsSpace(text[piece_end - 1])) --piece_end;
    out.push_back({b, piece_end});
    b = best;
  }
}

void SplitSentences(absl::string_view text, size_t begin, size_t end,
                    std::vector<TextRange>& out) {
  size_t start = begin;
  for (size_t i = begin; i < end; ++i) {
    char c = text[i];
    if (c == '\n') {
      size_t j = i + 1;
      while (j < end && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r'))
        ++j;
      if (j >= end) continue;
      // Blank lines end paragraphs; list items start new sentences. Single
      // newlines inside a paragraph are just hard wrapping.
      if (text[j] == '\n' || IsListItemStart(text.substr(j, end - j))) {
        Emit(text, start, i, out);
        start = i + 1;
      }
      continue;
    }
    if (c != '.' && c != '!' && c != '?') continue;
    size_t k = i + 1;
    while (k < end) {
      size_t n = CloserLength(text.substr(k, end - k));
      if (n == 0) break;
      k += n;
    }
    if (k < end && !IsSpace(text[k])) continue;  // "9.99", "example.com"
    if (k < end) {
      if (c == '.' && EndsAbbreviation(text, start, i)) continue;
      size_t n = k;
      while (n < end && IsSpace(text[n])) ++n;
      if (n < end && IsAsciiLower(text[n])) continue;
    }
    Emit(text, start, k, out);
    start = k;
    i = k - 1;
  }
  Emit(text, start, end, out);
}

}  // namespace

bool IsHeadingLine(absl::string_view line, absl::string_view* title) {
  absl::string_view s = absl::StripAsciiWhitespace(line);
  if (s.empty() || s.size() > kMaxHeadingBytes) return false;
  if (s[0] == '#') {
    size_t hashes = 0;
    while (hashes < s.size() && s[hashes] == '#') ++hashes;
    if (hashes > 6 || hashes >= s.size() || s[hashes] != ' ') return false;
    absl::string_view rest = absl::StripAsciiWhitespace(s.substr(hashes));
    while (!rest.empty() && (rest.back() == '#' || IsSpace(rest.back()))) {
      rest.remove_suffix(1);
    }
    if (rest.empty()) return false;
    *title = StripTrailingColon(rest);
    return true;
  }
  char last = s.back();
  if (last == ',' || last == ';') return false;
  bool sentence_end = last == '.' || last == '!' || last == '?';
  int words = CountWords(s);

  std::string lower = absl::AsciiStrToLower(s.substr(0, 10));
  for (absl::string_view kw :
       {"section ", "article ", "clause ", "part ", "schedule "}) {
    if (!absl::StartsWith(lower, kw) || s.size() <= kw.size()) continue;
    char d = s[kw.size()];
    if (!absl::ascii_isdigit(static_cast<unsigned char>(d)) && d != 'I' &&
        d != 'V' && d != 'X') {
      continue;
    }
    if (words > kMaxSectionHeadingWords || (sentence_end && words > 5))
      return false;
    *title = StripTrailingColon(s);
    return true;
  }

  size_t number = NumberPrefix(s);
  if (number > 0) {
    absl::string_view rest = absl::StripAsciiWhitespace(s.substr(number));
    if (rest.empty() || !IsAsciiUpper(rest[0])) return false;
    if (sentence_end || CountWords(rest) > kMaxNumberedHeadingWords)
      return false;
    *title = StripTrailingColon(s);
    return true;
  }

  int upper = 0;
  for (char c : s) {
    if (IsAsciiLower(c)) return false;
    if (IsAsciiUpper(c)) ++upper;
  }
  if (upper < 3 || sentence_end || words > kMaxCapsHeadingWords) return false;
  // "NOTICE: THIS AGREEMENT CONTAINS ..." is a shouted sentence, not a title.
  size_t colon = s.find(':');
  if (colon != absl::string_view::npos && colon + 1 < s.size()) return false;
  *title = StripTrailingColon(s);
  return true;
}

bool IsRunInHeading(absl::string_view line, absl::string_view* title) {
  constexpr int kMaxRunInWords = 6;
  constexpr size_t kMaxRunInBytes = 80;
  static constexpr absl::string_view kMinorWords[] = {
      "a",  "an", "and", "by",  "for", "in",
      "of", "on", "or",  "the", "to",  "with"};
  size_t lead = 0;
  while (lead < line.size() && IsSpace(line[lead])) ++lead;
  absl::string_view s = line.substr(lead);
  size_t number = NumberPrefix(s);
  if (number == 0) return false;
  size_t start = number;
  while (start < s.size() && IsSpace(s[start])) ++start;
  size_t dot = s.find(". ", start);
  if (dot == absl::string_view::npos || dot - start > kMaxRunInBytes)
    return false;
  if (absl::StripAsciiWhitespace(s.substr(dot + 1)).empty()) return false;
  absl::string_view name = s.substr(start, dot - start);
  if (name.empty() || !IsAsciiUpper(name[0])) return false;
  int words = 0;
  for (absl::string_view word : absl::StrSplit(name, ' ', absl::SkipEmpty())) {
    if (++words > kMaxRunInWords) return false;
    for (char c : word) {
      if (!absl::ascii_isalpha(static_cast<unsigned char>(c)) && c != '-' &&
          c != '&' && c != ',' && c != '\'') {
        return false;
      }
    }
    bool minor = false;
    for (absl::string_view m : kMinorWords) minor = minor || word == m;
    if (!minor && !IsAsciiUpper(word[0]) && word != "&") return false;
  }
  *title = s.substr(0, dot);
  return true;
}

std::vector<Section> SegmentText(absl::string_view text) {
  std::vector<Section> sections;
  Section current;
  size_t body_begin = 0;
  auto finish = [&](size_t end) {
    current.range.end = end;
    SplitSentences(text, body_begin, end, current.sentences);
    bool keep = !current.title.empty() || !current.sentences.empty();
    if (keep) sections.push_back(std::move(current));
    return keep;
  };
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    size_t line_end = nl == absl::string_view::npos ? text.size() : nl;
    size_t next = nl == absl::string_view::npos ? text.size() : nl + 1;
    absl::string_view line = text.substr(pos, line_end - pos);
    absl::string_view title;
    bool heading = IsHeadingLine(line, &title);
    // "1. Fees. You agree to pay ..." opens a section whose body starts on
    // the same line, right after the run-in title.
    bool run_in = !heading && IsRunInHeading(line, &title);
    if (heading || run_in) {
      size_t begin = current.range.begin;
      bool kept = finish(pos);
      current = Section();
      // Leading blank text joins the first section so ranges tile the text.
      current.range.begin = kept ? pos : begin;
      current.title = title;
      body_begin = run_in ? static_cast<size_t>(title.data() + title.size() +
                                                1 - text.data())
                          : next;
    }
    pos = next;
  }
  finish(text.size());
  return sections;
}

}  // namespace fineprint::analysis
