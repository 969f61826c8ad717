#include "services/monitoring/diff.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace fineprint::monitoring {
namespace {

// Applies the hunks' added/context lines to rebuild the new text, and
// removed/context lines to rebuild the old one: any correct diff does.
std::string Side(const LineDiff& diff, absl::string_view base, bool new_side) {
  std::vector<absl::string_view> lines = SplitLines(base);
  std::string out;
  int next = 0;  // next base line not yet emitted
  for (const Hunk& h : diff.hunks) {
    const int start = h.base_lines == 0 ? h.base_start : h.base_start - 1;
    for (; next < start; ++next) absl::StrAppend(&out, lines[next], "\n");
    for (const DiffLine& l : h.diff_lines) {
      if (l.op == LineOp::kContext ||
          (new_side ? l.op == LineOp::kAdded : l.op == LineOp::kRemoved)) {
        absl::StrAppend(&out, l.text, "\n");
      }
    }
    next = start + h.base_lines;
  }
  for (; next < static_cast<int>(lines.size()); ++next) {
    absl::StrAppend(&out, lines[next], "\n");
  }
  return out;
}

TEST(DiffTest, EqualTextsHaveNoHunks) {
  LineDiff d = DiffLines("a\nb\n", "a\nb\n");
  EXPECT_TRUE(d.hunks.empty());
  EXPECT_EQ(UnifiedDiff(d, "x", "y"), "");
  EXPECT_EQ(DiffSummary(d), "no changes");
}

TEST(DiffTest, AddedLineWithContext) {
  LineDiff d = DiffLines("a\nb\nc\nd\ne\n", "a\nb\nc\nX\nd\ne\n", 1);
  ASSERT_EQ(d.hunks.size(), 1u);
  EXPECT_EQ(d.added, 1);
  EXPECT_EQ(d.removed, 0);
  EXPECT_EQ(UnifiedDiff(d, "old", "new"),
            "--- old\n+++ new\n@@ -3,2 +3,3 @@\n c\n+X\n d\n");
}

TEST(DiffTest, FromEmptyText) {
  LineDiff d = DiffLines("", "one\ntwo");
  EXPECT_EQ(d.added, 2);
  ASSERT_EQ(d.hunks.size(), 1u);
  EXPECT_EQ(d.hunks[0].base_start, 0);
  EXPECT_EQ(d.hunks[0].start, 1);
  EXPECT_EQ(UnifiedDiff(d, "a", "b"),
            "--- a\n+++ b\n@@ -0,0 +1,2 @@\n+one\n+two\n");
}

TEST(DiffTest, DistantChangesAreSeparateHunks) {
  std::string base, text;
  for (int i = 0; i < 40; ++i) {
    absl::StrAppend(&base, "line ", i, "\n");
    absl::StrAppend(&text,
                    i == 5    ? "changed 5"
                    : i == 30 ? "changed 30"
                              : absl::StrCat("line ", i),
                    "\n");
  }
  LineDiff d = DiffLines(base, text);
  EXPECT_EQ(d.hunks.size(), 2u);
  EXPECT_EQ(d.added, 2);
  EXPECT_EQ(d.removed, 2);
  EXPECT_EQ(DiffSummary(d), "2 lines added, 2 removed in 2 sections");
  EXPECT_EQ(Side(d, base, true), text);
  EXPECT_EQ(Side(d, base, false), base);
}

TEST(DiffTest, MinimalOnInterleavedEdits) {
  // The classic Myers example: ABCABBA -> CBABAC has distance 5.
  std::string a = "A\nB\nC\nA\nB\nB\nA\n", b = "C\nB\nA\nB\nA\nC\n";
  LineDiff d = DiffLines(a, b, 0);
  EXPECT_EQ(d.added + d.removed, 5);
  LineDiff full = DiffLines(a, b, 100);
  EXPECT_EQ(Side(full, a, true), b);
  EXPECT_EQ(Side(full, a, false), a);
}

TEST(DiffTest, FallsBackPastTheEditBudget) {
  std::string a, b;
  for (int i = 0; i < 50; ++i) {
    absl::StrAppend(&a, "a", i, "\n");
    absl::StrAppend(&b, "b", i, "\n");
  }
  LineDiff d = DiffLines(a, b, 3, /*max_edit_distance=*/10);
  EXPECT_EQ(d.added, 50);
  EXPECT_EQ(d.removed, 50);
  LineDiff full = DiffLines(a, b, 1000, 10);
  EXPECT_EQ(Side(full, a, true), b);
}

TEST(DiffTest, RandomEditsRoundTrip) {
  uint32_t seed = 12345;
  auto next = [&] {
    return seed = seed * 1103515245 + 12345, (seed >> 16) % 100;
  };
  for (int round = 0; round < 50; ++round) {
    std::string a, b;
    for (int i = 0; i < 60; ++i) {
      const int r = next();
      const std::string line = absl::StrCat("l", next() % 8);
      if (r < 70) {
        absl::StrAppend(&a, line, "\n");
        absl::StrAppend(&b, line, "\n");
      } else if (r < 85) {
        absl::StrAppend(&a, line, "\n");
      } else {
        absl::StrAppend(&b, line, "\n");
      }
    }
    LineDiff d = DiffLines(a, b, 1000);
    ASSERT_EQ(Side(d, a, true), b) << round;
    ASSERT_EQ(Side(d, a, false), a) << round;
  }
}

std::string Join(const std::vector<WordSpan>& spans) {
  std::string out;
  for (const WordSpan& s : spans) out += s.text;
  return out;
}

TEST(WordDiffTest, SplitsWordsSpacesAndPunctuation) {
  EXPECT_EQ(SplitWords("Any  dispute, café!"),
            (std::vector<absl::string_view>{"Any", "  ", "dispute", ",", " ",
                                            "café", "!"}));
  EXPECT_TRUE(SplitWords("").empty());
}

TEST(WordDiffTest, ChangedLinesPairWithTheirWordDiff) {
  LineDiff d = DiffLines(
      "Terms\nYou may cancel at any time.\nWe may change these terms.\n",
      "Terms\nYou may cancel within 30 days.\nWe may change these terms.\n");
  ASSERT_EQ(d.hunks.size(), 1u);
  const std::vector<DiffLine>& lines = d.hunks[0].diff_lines;
  ASSERT_EQ(lines.size(), 4u);
  const DiffLine& removed = lines[1];
  const DiffLine& added = lines[2];
  ASSERT_EQ(removed.op, LineOp::kRemoved);
  ASSERT_EQ(added.op, LineOp::kAdded);
  EXPECT_TRUE(lines[0].words.empty());  // context lines carry no words
  EXPECT_EQ(Join(removed.words), removed.text);
  EXPECT_EQ(Join(added.words), added.text);
  ASSERT_EQ(added.words.size(), 3u);
  EXPECT_EQ(added.words[0].op, LineOp::kContext);
  EXPECT_EQ(added.words[0].text, "You may cancel ");
  EXPECT_EQ(added.words[1].op, LineOp::kAdded);
  EXPECT_EQ(added.words[1].text, "within 30 days");
  EXPECT_EQ(added.words[2].op, LineOp::kContext);
  EXPECT_EQ(added.words[2].text, ".");
  ASSERT_EQ(removed.words.size(), 3u);
  EXPECT_EQ(removed.words[1].op, LineOp::kRemoved);
  EXPECT_EQ(removed.words[1].text, "at any time");
}

TEST(WordDiffTest, UnpairedLinesHaveNoWords) {
  LineDiff d = DiffLines("a\nb\n", "a\nb\nc d\n");
  ASSERT_EQ(d.hunks.size(), 1u);
  for (const DiffLine& l : d.hunks[0].diff_lines) EXPECT_TRUE(l.words.empty());
}

TEST(WordDiffTest, RewrittenLinesGiveUpOnWords) {
  std::string before, after;
  for (int i = 0; i < 300; ++i) {
    absl::StrAppend(&before, "a", i, " ");
    absl::StrAppend(&after, "b", i, " ");
  }
  std::vector<WordSpan> b, a;
  EXPECT_FALSE(DiffWords(before, after, b, a));
  EXPECT_TRUE(b.empty());
  EXPECT_TRUE(a.empty());
}

}  // namespace
}  // namespace fineprint::monitoring
