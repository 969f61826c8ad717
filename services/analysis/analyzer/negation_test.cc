#include "services/analysis/analyzer/negation.h"

#include <string>

#include "gtest/gtest.h"

namespace fineprint::analysis {
namespace {

NegationDetector Detector() {
  NegationRules rules;
  rules.cues = {"not", "never", "no", "nothing", "cannot"};
  rules.exemptions = {{"not", "limited"}, {"no", "later"}};
  rules.clause_breaks = {"but", "however", "unless"};
  rules.window = 5;
  return NegationDetector(rules);
}

// Whether `trigger` (which must occur in `sentence`) reads as negated.
bool Negated(const std::string& sentence, const std::string& trigger) {
  size_t b = sentence.find(trigger);
  EXPECT_NE(b, std::string::npos) << trigger;
  return Detector().IsNegated(sentence, b, b + trigger.size());
}

TEST(NegationTest, CuesShortlyBeforeTheTrigger) {
  EXPECT_TRUE(Negated("We do not sell your personal data.", "sell"));
  EXPECT_TRUE(Negated("We will never share your data.", "share"));
  EXPECT_TRUE(
      Negated("There is no binding arbitration.", "binding arbitration"));
  EXPECT_TRUE(
      Negated("You are not required to arbitrate.", "required to arbitrate"));
  EXPECT_TRUE(
      Negated("Nothing in these terms limits our liability.", "limits"));
  EXPECT_FALSE(Negated("We sell your personal data.", "sell"));
}

TEST(NegationTest, ContractionsWithEitherApostrophe) {
  EXPECT_TRUE(Negated("We don't sell your data.", "sell"));
  EXPECT_TRUE(Negated("We don\xE2\x80\x99t sell your data.", "sell"));
  EXPECT_TRUE(Negated("We won’t share it.", "share"));
}

TEST(NegationTest, WindowIsLimited) {
  EXPECT_TRUE(
      Negated("We will not, under any circumstances, sell it.", "sell"));
  EXPECT_FALSE(
      Negated("We do not guarantee that the service is always "
              "available and we sell data.",
              "sell"));
}

TEST(NegationTest, ClauseBreaksStopTheScope) {
  EXPECT_FALSE(
      Negated("We do not sell data, but we share it with partners.", "share"));
  EXPECT_FALSE(Negated("We do not sell data; we share it.", "share"));
  EXPECT_FALSE(
      Negated("If you do not cancel (before the end), it renews.", "renews"));
}

TEST(NegationTest, ExemptPhrasesDoNotNegate) {
  EXPECT_FALSE(Negated("Uses include, but are not limited to, targeted ads.",
                       "targeted ads"));
  EXPECT_FALSE(
      Negated("Including not limited to targeted ads.", "targeted ads"));
  EXPECT_FALSE(Negated("Pay no later than the renewal date.", "renewal"));
}

TEST(NegationTest, CueAmongTheFirstWordsOfTheMatch) {
  EXPECT_TRUE(
      Negated("We will not terminate your account.", "We will not terminate"));
  EXPECT_FALSE(Negated("We may terminate accounts that do not comply.",
                       "We may terminate accounts that do not comply"));
}

TEST(NegationTest, ClauseEnd) {
  NegationDetector d = Detector();
  std::string s =
      "We never share data with advertisers or brokers, but we sell it; ok";
  EXPECT_EQ(d.ClauseEnd(s, 10), s.find("but"));
  EXPECT_EQ(d.ClauseEnd(s, s.find("sell")), s.find(';'));
  EXPECT_EQ(d.ClauseEnd(s, s.size()), s.size());
}

}  // namespace
}  // namespace fineprint::analysis
