#include "services/monitoring/diff.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace fineprint::monitoring {
namespace {

using Lines = std::vector<absl::string_view>;

// One step of the edit script over the whole texts.
struct Edit {
  LineOp op;
  int base_index;  // into base (context, removed)
  int index;       // into text (context, added)
};

// Myers' greedy forward algorithm on a[0..n) and b[0..m), keeping each
// round's V so the path can be traced back. Returns false when the
// distance exceeds `max_d`.
bool Myers(const Lines& a, int a0, int n, const Lines& b, int b0, int m,
           int max_d, std::vector<Edit>& out) {
  const int max = n + m;
  const int offset = max + 1;
  std::vector<int> v(2 * max + 3, 0);
  std::vector<std::vector<int>> trace;
  int found_d = -1;
  for (int d = 0; d <= std::min(max, max_d); ++d) {
    trace.push_back(v);
    for (int k = -d; k <= d; k += 2) {
      int x;
      if (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1])) {
        x = v[offset + k + 1];  // down: insertion from b
      } else {
        x = v[offset + k - 1] + 1;  // right: deletion from a
      }
      int y = x - k;
      while (x < n && y < m && a[a0 + x] == b[b0 + y]) {
        ++x;
        ++y;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found_d = d;
        break;
      }
    }
    if (found_d >= 0) break;
  }
  if (found_d < 0) return false;
  // Walk back from (n, m) through the saved rounds.
  std::vector<Edit> reversed;
  int x = n, y = m;
  for (int d = found_d; d >= 0; --d) {
    const std::vector<int>& pv = trace[d];
    const int k = x - y;
    int prev_k;
    if (d == 0) {
      prev_k = 0;
    } else if (k == -d || (k != d && pv[offset + k - 1] < pv[offset + k + 1])) {
      prev_k = k + 1;
    } else {
      prev_k = k - 1;
    }
    const int prev_x = d == 0 ? 0 : pv[offset + prev_k];
    const int prev_y = prev_x - prev_k;
    while (x > prev_x && y > prev_y) {
      --x;
      --y;
      reversed.push_back({LineOp::kContext, a0 + x, b0 + y});
    }
    if (d > 0) {
      if (x == prev_x) {
        reversed.push_back({LineOp::kAdded, a0 + x, b0 + prev_y});
      } else {
        reversed.push_back({LineOp::kRemoved, a0 + prev_x, b0 + y});
      }
    }
    x = prev_x;
    y = prev_y;
  }
  out.insert(out.end(), reversed.rbegin(), reversed.rend());
  return true;
}

std::vector<Edit> EditScript(const Lines& a, const Lines& b, int max_d) {
  std::vector<Edit> edits;
  // Common prefix and suffix first: typical page changes are small, and
  // this keeps Myers' rounds (and their saved V arrays) to the middle.
  int pre = 0;
  const int n = static_cast<int>(a.size()), m = static_cast<int>(b.size());
  while (pre < n && pre < m && a[pre] == b[pre]) ++pre;
  int suf = 0;
  while (suf < n - pre && suf < m - pre && a[n - 1 - suf] == b[m - 1 - suf])
    ++suf;
  for (int i = 0; i < pre; ++i) edits.push_back({LineOp::kContext, i, i});
  const int mid_a = n - pre - suf, mid_b = m - pre - suf;
  if (!Myers(a, pre, mid_a, b, pre, mid_b, max_d, edits)) {
    for (int i = 0; i < mid_a; ++i)
      edits.push_back({LineOp::kRemoved, pre + i, pre});
    for (int j = 0; j < mid_b; ++j)
      edits.push_back({LineOp::kAdded, n - suf, pre + j});
  }
  for (int i = 0; i < suf; ++i) {
    edits.push_back({LineOp::kContext, n - suf + i, m - suf + i});
  }
  return edits;
}

// Past this many differing words a line was rewritten, not edited: a word
// diff would be noise.
constexpr int kMaxWordEdits = 200;

void AppendSpan(std::vector<WordSpan>& spans, LineOp op,
                absl::string_view text) {
  if (!spans.empty() && spans.back().op == op) {
    spans.back().text.append(text.data(), text.size());
  } else {
    spans.push_back({op, std::string(text)});
  }
}

// Pairs each change's removed lines with its added lines, in order, and
// gives each pair its word diff.
void AttachWordDiffs(Hunk& hunk) {
  std::vector<DiffLine>& lines = hunk.diff_lines;
  size_t i = 0;
  while (i < lines.size()) {
    if (lines[i].op != LineOp::kRemoved) {
      ++i;
      continue;
    }
    size_t removed_end = i;
    while (removed_end < lines.size() &&
           lines[removed_end].op == LineOp::kRemoved) {
      ++removed_end;
    }
    size_t added_end = removed_end;
    while (added_end < lines.size() && lines[added_end].op == LineOp::kAdded) {
      ++added_end;
    }
    const size_t pairs = std::min(removed_end - i, added_end - removed_end);
    for (size_t p = 0; p < pairs; ++p) {
      DiffLine& before = lines[i + p];
      DiffLine& after = lines[removed_end + p];
      DiffWords(before.text, after.text, before.words, after.words);
    }
    i = added_end;
  }
}

bool IsWordByte(unsigned char c) {
  return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
         (c >= 'A' && c <= 'Z');
}

bool IsSpace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

std::vector<absl::string_view> SplitWords(absl::string_view line) {
  std::vector<absl::string_view> words;
  size_t i = 0;
  while (i < line.size()) {
    const unsigned char c = line[i];
    size_t end = i + 1;
    if (IsWordByte(c)) {
      while (end < line.size() && IsWordByte(line[end])) ++end;
    } else if (IsSpace(c)) {
      while (end < line.size() && IsSpace(line[end])) ++end;
    }
    words.push_back(line.substr(i, end - i));
    i = end;
  }
  return words;
}

bool DiffWords(absl::string_view before, absl::string_view after,
               std::vector<WordSpan>& before_spans,
               std::vector<WordSpan>& after_spans) {
  before_spans.clear();
  after_spans.clear();
  const Lines a = SplitWords(before), b = SplitWords(after);
  std::vector<Edit> edits;
  if (!Myers(a, 0, static_cast<int>(a.size()), b, 0, static_cast<int>(b.size()),
             kMaxWordEdits, edits)) {
    return false;
  }
  for (size_t k = 0; k < edits.size(); ++k) {
    const Edit& e = edits[k];
    // Spaces common to two changes would split "at any time" -> "within 30
    // days" into five spans; they are reported as part of the change.
    if (e.op == LineOp::kContext && k > 0 && k + 1 < edits.size() &&
        edits[k - 1].op != LineOp::kContext &&
        edits[k + 1].op != LineOp::kContext && IsSpace(a[e.base_index][0])) {
      AppendSpan(before_spans, LineOp::kRemoved, a[e.base_index]);
      AppendSpan(after_spans, LineOp::kAdded, b[e.index]);
      continue;
    }
    switch (e.op) {
      case LineOp::kContext:
        AppendSpan(before_spans, LineOp::kContext, a[e.base_index]);
        AppendSpan(after_spans, LineOp::kContext, b[e.index]);
        break;
      case LineOp::kRemoved:
        AppendSpan(before_spans, LineOp::kRemoved, a[e.base_index]);
        break;
      case LineOp::kAdded:
        AppendSpan(after_spans, LineOp::kAdded, b[e.index]);
        break;
    }
  }
  return true;
}

std::vector<absl::string_view> SplitLines(absl::string_view text) {
  std::vector<absl::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == absl::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

LineDiff DiffLines(absl::string_view base, absl::string_view text, int context,
                   int max_edit_distance) {
  const Lines a = SplitLines(base), b = SplitLines(text);
  const std::vector<Edit> edits = EditScript(a, b, max_edit_distance);
  LineDiff diff;
  const int total = static_cast<int>(edits.size());
  int i = 0;
  while (i < total) {
    if (edits[i].op == LineOp::kContext) {
      ++i;
      continue;
    }
    // A hunk: `context` lines before the first change, then changes joined
    // while they are at most 2 * context apart, then `context` after.
    int begin = std::max(0, i - context);
    int end = i;
    while (end < total) {
      if (edits[end].op != LineOp::kContext) {
        ++end;
        continue;
      }
      int run = end;
      while (run < total && edits[run].op == LineOp::kContext) ++run;
      if (run < total && run - end <= 2 * context) {
        end = run;
      } else {
        end = std::min(run, end + context);
        break;
      }
    }
    Hunk hunk;
    hunk.base_start = edits[begin].base_index + 1;
    hunk.start = edits[begin].index + 1;
    for (int e = begin; e < end; ++e) {
      const Edit& edit = edits[e];
      switch (edit.op) {
        case LineOp::kContext:
          hunk.diff_lines.push_back(
              {edit.op, std::string(a[edit.base_index]), {}});
          ++hunk.base_lines;
          ++hunk.lines;
          break;
        case LineOp::kRemoved:
          hunk.diff_lines.push_back(
              {edit.op, std::string(a[edit.base_index]), {}});
          ++hunk.base_lines;
          ++diff.removed;
          break;
        case LineOp::kAdded:
          hunk.diff_lines.push_back({edit.op, std::string(b[edit.index]), {}});
          ++hunk.lines;
          ++diff.added;
          break;
      }
    }
    // Unified diff convention: an empty side starts at the line before.
    if (hunk.base_lines == 0) --hunk.base_start;
    if (hunk.lines == 0) --hunk.start;
    AttachWordDiffs(hunk);
    diff.hunks.push_back(std::move(hunk));
    i = end;
  }
  return diff;
}

std::string UnifiedDiff(const LineDiff& diff, absl::string_view base_label,
                        absl::string_view label) {
  if (diff.hunks.empty()) return "";
  std::string out = absl::StrCat("--- ", base_label, "\n+++ ", label, "\n");
  for (const Hunk& hunk : diff.hunks) {
    absl::StrAppend(&out, "@@ -", hunk.base_start, ",", hunk.base_lines, " +",
                    hunk.start, ",", hunk.lines, " @@\n");
    for (const DiffLine& line : hunk.diff_lines) {
      const char* mark = line.op == LineOp::kAdded     ? "+"
                         : line.op == LineOp::kRemoved ? "-"
                                                       : " ";
      absl::StrAppend(&out, mark, line.text, "\n");
    }
  }
  return out;
}

std::string DiffSummary(const LineDiff& diff) {
  if (diff.hunks.empty()) return "no changes";
  return absl::StrCat(diff.added, diff.added == 1 ? " line" : " lines",
                      " added, ", diff.removed, " removed in ",
                      diff.hunks.size(),
                      diff.hunks.size() == 1 ? " section" : " sections");
}

}  // namespace fineprint::monitoring
