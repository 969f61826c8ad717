#include "services/analysis/analyzer/finding_builder.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace fineprint::analysis {
namespace {

TEST(QuoteRangeTest, ShortSentenceIsQuotedWhole) {
  std::string text = "Intro. All fees are non-refundable. Outro.";
  TextRange sentence{7, 35};
  TextRange q = QuoteRange(text, sentence, {20, 34}, 100);
  EXPECT_EQ(q.begin, sentence.begin);
  EXPECT_EQ(q.end, sentence.end);
}

TEST(QuoteRangeTest, LongSentenceIsAWindowAtWordBoundaries) {
  std::string text;
  for (int i = 0; i < 50; ++i) text += "wörd ";
  size_t mb = text.size();
  text += "TRIGGER";
  size_t me = text.size();
  for (int i = 0; i < 50; ++i) text += " wörd";
  TextRange q = QuoteRange(text, {0, text.size()}, {mb, me}, 60);
  EXPECT_LE(q.size(), 60u);
  EXPECT_LE(q.begin, mb);
  EXPECT_GE(q.end, me);
  EXPECT_NE(text[q.begin], ' ');
  EXPECT_NE(text[q.end - 1], ' ');
  EXPECT_TRUE(q.begin == 0 || text[q.begin - 1] == ' ');
  EXPECT_TRUE(q.end == text.size() || text[q.end] == ' ');
}

TEST(QuoteRangeTest, HugeMatchIsQuotedAsIs) {
  std::string text(500, 'x');
  TextRange q = QuoteRange(text, {0, 500}, {10, 400}, 100);
  EXPECT_EQ(q.begin, 10u);
  EXPECT_EQ(q.end, 400u);
}

TEST(ResolveModifiersTest, ScopeOverlapAndDeduplication) {
  //                   0         1         2         3         4         5
  //                   0123456789012345678901234567890123456789012345678901234
  std::string sentence =
      "terminate without notice, at any time, at any time ok";
  std::vector<ModifierSpan> spans = {
      {10, 24, -1, true},  // "without notice" inside the trigger: ignored
      {26, 37, -1, true},  // "at any time"
      {39, 50, -1, true},  // "at any time" again: deduplicated
      {0, 9, 7, false},    // another category's mitigator: ignored
  };
  std::vector<std::string> aggravators, mitigators;
  ResolveModifiers(sentence, spans, 3, 0, 24, aggravators, mitigators);
  EXPECT_EQ(aggravators, std::vector<std::string>{"at any time"});
  EXPECT_TRUE(mitigators.empty());
}

TEST(ResolveModifiersTest, CategoryModifiersCountInsideTheTrigger) {
  std::string sentence = "a perpetual licence";
  std::vector<ModifierSpan> spans = {{2, 11, 4, true}};
  std::vector<std::string> aggravators, mitigators;
  ResolveModifiers(sentence, spans, 4, 0, sentence.size(), aggravators,
                   mitigators);
  EXPECT_EQ(aggravators, std::vector<std::string>{"perpetual"});
}

TEST(ResolveModifiersTest, LongestOverlappingWinsTiesToMitigator) {
  std::string sentence = "change it without prior notice";
  std::vector<ModifierSpan> spans = {{10, 30, -1, true}, {18, 30, -1, false}};
  std::vector<std::string> aggravators, mitigators;
  ResolveModifiers(sentence, spans, 0, 0, 9, aggravators, mitigators);
  EXPECT_EQ(aggravators, std::vector<std::string>{"without prior notice"});
  EXPECT_TRUE(mitigators.empty());

  spans = {{10, 15, -1, true}, {10, 15, -1, false}};
  aggravators.clear();
  ResolveModifiers(sentence, spans, 0, 0, 9, aggravators, mitigators);
  EXPECT_TRUE(aggravators.empty());
  EXPECT_EQ(mitigators.size(), 1u);
}

TEST(ExplainSeverityTest, AppendsReasons) {
  EXPECT_EQ(ExplainSeverity("Base.", {}, {}), "Base.");
  EXPECT_EQ(
      ExplainSeverity("Base.", {"at any time", "sole discretion"}, {"opt out"}),
      "Base. Severity raised by \"at any time\", \"sole discretion\". "
      "Severity lowered by \"opt out\".");
}

}  // namespace
}  // namespace fineprint::analysis
