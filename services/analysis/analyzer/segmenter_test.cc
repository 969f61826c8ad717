#include "services/analysis/analyzer/segmenter.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace fineprint::analysis {
namespace {

std::vector<std::string> Sentences(absl::string_view text) {
  std::vector<std::string> out;
  for (const Section& s : SegmentText(text)) {
    for (const TextRange& r : s.sentences) {
      out.emplace_back(text.substr(r.begin, r.size()));
    }
  }
  return out;
}

TEST(SegmenterTest, EmptyAndBlankTextHaveNoSections) {
  EXPECT_TRUE(SegmentText("").empty());
  EXPECT_TRUE(SegmentText(" \n\n\t ").empty());
}

TEST(SegmenterTest, RecognisesHeadingStyles) {
  absl::string_view title;
  EXPECT_TRUE(IsHeadingLine("## 2. Your data ##", &title));
  EXPECT_EQ(title, "2. Your data");
  EXPECT_TRUE(IsHeadingLine("1. Acceptance of Terms", &title));
  EXPECT_EQ(title, "1. Acceptance of Terms");
  EXPECT_TRUE(IsHeadingLine("  12.3 Fees and Payment:  ", &title));
  EXPECT_EQ(title, "12.3 Fees and Payment");
  EXPECT_TRUE(IsHeadingLine("Section 2 - Rent", &title));
  EXPECT_TRUE(IsHeadingLine("ARTICLE IV. DISPUTES", &title));
  EXPECT_TRUE(IsHeadingLine("LIMITATION OF LIABILITY", &title));
  EXPECT_EQ(title, "LIMITATION OF LIABILITY");
  EXPECT_TRUE(IsHeadingLine("IV. Governing Law", &title));

  EXPECT_FALSE(IsHeadingLine("1. You must be 18 years old to use this service.",
                             &title));
  EXPECT_FALSE(IsHeadingLine("ALL SALES ARE FINAL.", &title));
  EXPECT_FALSE(IsHeadingLine(
      "NOTICE: THIS AGREEMENT CONTAINS AN ARBITRATION CLAUSE", &title));
  EXPECT_FALSE(
      IsHeadingLine("TO THE MAXIMUM EXTENT PERMITTED BY LAW WE ARE NOT LIABLE "
                    "FOR ANYTHING AT ALL",
                    &title));
  EXPECT_FALSE(IsHeadingLine(
      "Section 3 applies to every user of the service who signs up.", &title));
  EXPECT_FALSE(IsHeadingLine("#hashtag", &title));
  EXPECT_FALSE(IsHeadingLine("2024", &title));
  EXPECT_FALSE(IsHeadingLine("Welcome to the service", &title));
}

TEST(SegmenterTest, SectionsTileTheTextAndCarryTitles) {
  std::string text =
      "Intro line.\n\n# Fees\nWe charge money. Often.\n\n2. Refunds\nNone at "
      "all.\n";
  std::vector<Section> sections = SegmentText(text);
  ASSERT_EQ(sections.size(), 3u);
  EXPECT_EQ(sections[0].title, "");
  EXPECT_EQ(sections[1].title, "Fees");
  EXPECT_EQ(sections[2].title, "2. Refunds");
  EXPECT_EQ(sections[0].range.begin, 0u);
  for (size_t i = 1; i < sections.size(); ++i) {
    EXPECT_EQ(sections[i].range.begin, sections[i - 1].range.end);
  }
  EXPECT_EQ(sections.back().range.end, text.size());
  ASSERT_EQ(sections[1].sentences.size(), 2u);
  const TextRange& r = sections[1].sentences[1];
  EXPECT_EQ(text.substr(r.begin, r.size()), "Often.");
}

TEST(SegmenterTest, LeadingBlankTextJoinsFirstSection) {
  std::vector<Section> sections = SegmentText("\n\n# Title\nBody.");
  ASSERT_EQ(sections.size(), 1u);
  EXPECT_EQ(sections[0].range.begin, 0u);
  EXPECT_EQ(sections[0].title, "Title");
}

TEST(SegmenterTest, AbbreviationsAndDecimalsDoNotEndSentences) {
  EXPECT_EQ(
      Sentences("We sell widgets, e.g. the Model 3.5 at $19.99 in the U.S. and "
                "Canada. Acme Inc. ships them, i.e. quickly. Dr. J. Smith "
                "approves. Done!"),
      (std::vector<std::string>{"We sell widgets, e.g. the Model 3.5 at $19.99 "
                                "in the U.S. and Canada.",
                                "Acme Inc. ships them, i.e. quickly.",
                                "Dr. J. Smith approves.", "Done!"}));
}

TEST(SegmenterTest, QuotesBracketsParagraphsAndLists) {
  EXPECT_EQ(Sentences("He said \"stop.\" Then left (quietly.) Next one?\n"
                      "wrapped line continues.\n\nNew paragraph\n"
                      "- item one\n- item two\n(a) item three"),
            (std::vector<std::string>{
                "He said \"stop.\"", "Then left (quietly.)",
                "Next one?\nwrapped line continues.", "New paragraph",
                "- item one", "- item two", "(a) item three"}));
}

TEST(SegmenterTest, LowercaseContinuationIsNotABoundary) {
  EXPECT_EQ(Sentences("Pay approx. ten dollars. Fine."),
            (std::vector<std::string>{"Pay approx. ten dollars.", "Fine."}));
}

TEST(SegmenterTest, HandlesUtf8AndCurlyQuotes) {
  std::string text = "Café “Étoile” is open.\xE2\x80\x9D Next: naïve sentence.";
  std::vector<std::string> s = Sentences(text);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0], "Café “Étoile” is open.\xE2\x80\x9D");
}

TEST(SegmenterTest, SentenceOffsetsAreTrimmedAndOrdered) {
  std::string text = "  A b.   C d!\n\n  E f?  \n# H\n G h. ";
  size_t last_end = 0;
  for (const Section& s : SegmentText(text)) {
    for (const TextRange& r : s.sentences) {
      EXPECT_GE(r.begin, last_end);
      EXPECT_LT(r.begin, r.end);
      EXPECT_NE(text[r.begin], ' ');
      EXPECT_NE(text[r.end - 1], ' ');
      EXPECT_GE(r.begin, s.range.begin);
      EXPECT_LE(r.end, s.range.end);
      last_end = r.end;
    }
  }
}

}  // namespace
}  // namespace fineprint::analysis

namespace fineprint::analysis {
namespace {

TEST(SegmenterTest, RunOnTextIsCutIntoBoundedPieces) {
  std::string text;
  while (text.size() < 50000) text += "lorem ipsum dolor sit amet consectetur ";
  text += "é";
  std::string blob(10000, 'x');
  text += blob;
  size_t covered = 0;
  for (const Section& s : SegmentText(text)) {
    for (const TextRange& r : s.sentences) {
      EXPECT_LE(r.size(), kMaxSentenceBytes);
      EXPECT_GE(r.begin, covered);
      covered = r.end;
    }
  }
  EXPECT_EQ(covered, text.size());
}

}  // namespace
}  // namespace fineprint::analysis

namespace fineprint::analysis {
namespace {

TEST(SegmenterTest, RunInHeadings) {
  absl::string_view title;
  EXPECT_TRUE(IsRunInHeading("1. Membership Term. This Agreement starts today.",
                             &title));
  EXPECT_EQ(title, "1. Membership Term");
  EXPECT_TRUE(IsRunInHeading(
      "  8. Assumption of Risk and Release. Exercise is risky.", &title));
  EXPECT_EQ(title, "8. Assumption of Risk and Release");
  EXPECT_FALSE(IsRunInHeading("1. You must be at least 18. Really.", &title));
  EXPECT_FALSE(IsRunInHeading("1. Fees.", &title));
  EXPECT_FALSE(IsRunInHeading("Fees. You pay.", &title));

  std::string text =
      "1. Dues and Fees. You pay $5.00 monthly. Fees rise.\n"
      "2. Cancellation. Write to us.\n";
  std::vector<Section> sections = SegmentText(text);
  ASSERT_EQ(sections.size(), 2u);
  EXPECT_EQ(sections[0].title, "1. Dues and Fees");
  ASSERT_EQ(sections[0].sentences.size(), 2u);
  const TextRange& r = sections[0].sentences[0];
  EXPECT_EQ(text.substr(r.begin, r.size()), "You pay $5.00 monthly.");
  EXPECT_EQ(sections[1].title, "2. Cancellation");
  EXPECT_EQ(sections[1].range.begin, text.find("2. Cancellation"));
}

}  // namespace
}  // namespace fineprint::analysis
