#include "services/monitoring/normalize.h"

#include "gtest/gtest.h"

namespace fineprint::monitoring {
namespace {

TEST(NormalizeTest, CollapsesWhitespaceAndBlankLines) {
  EXPECT_EQ(Normalize("  Hello \t  world \r\n\n\n  second\xC2\xA0line  \n", {}),
            "Hello world\nsecond line");
}

TEST(NormalizeTest, ComposesToNfc) {
  // "é" as e + combining acute becomes the single code point U+00E9.
  EXPECT_EQ(Normalize("Caf\x65\xCC\x81", {}), "Caf\xC3\xA9");
}

TEST(NormalizeTest, DropsIgnoredLines) {
  auto rules = IgnoreRules::Compile({"^Last updated:", "\\d+ visitors"});
  ASSERT_TRUE(rules.ok());
  EXPECT_EQ(
      Normalize(
          "Terms\nLast updated: 1 May 2024\nWe have 12 visitors today\nEnd",
          *rules),
      "Terms\nEnd");
}

TEST(NormalizeTest, RejectsBadPatterns) {
  EXPECT_NE(IgnorePatternProblem("(unclosed"), "");
  EXPECT_NE(IgnorePatternProblem(""), "");
  EXPECT_NE(IgnorePatternProblem(std::string(600, 'a')), "");
  EXPECT_EQ(IgnorePatternProblem("^Last updated:.*$"), "");
  EXPECT_FALSE(IgnoreRules::Compile({"[z-a]"}).ok());
}

}  // namespace
}  // namespace fineprint::monitoring
