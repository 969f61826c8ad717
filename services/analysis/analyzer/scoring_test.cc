#include "services/analysis/analyzer/scoring.h"

#include <vector>

#include "gtest/gtest.h"

namespace fineprint::analysis {
namespace {

Finding Make(Category c, Severity s) {
  Finding f;
  f.category = c;
  f.severity = s;
  return f;
}

TEST(ScoringTest, GradeBandsFollowTheProto) {
  EXPECT_EQ(GradeForScore(100), Grade::kA);
  EXPECT_EQ(GradeForScore(80), Grade::kA);
  EXPECT_EQ(GradeForScore(79), Grade::kB);
  EXPECT_EQ(GradeForScore(60), Grade::kB);
  EXPECT_EQ(GradeForScore(59), Grade::kC);
  EXPECT_EQ(GradeForScore(40), Grade::kC);
  EXPECT_EQ(GradeForScore(39), Grade::kD);
  EXPECT_EQ(GradeForScore(20), Grade::kD);
  EXPECT_EQ(GradeForScore(19), Grade::kE);
  EXPECT_EQ(GradeForScore(0), Grade::kE);
}

TEST(ScoringTest, NoFindingsIsPerfect) { EXPECT_EQ(ScoreFindings({}), 100); }

TEST(ScoringTest, WorstSeverityPerCategoryPlusCappedRepeats) {
  EXPECT_EQ(ScoreFindings({Make(Category::kNoRefunds, Severity::kMedium)}), 93);
  EXPECT_EQ(ScoreFindings({Make(Category::kNoRefunds, Severity::kLow),
                           Make(Category::kNoRefunds, Severity::kHigh)}),
            100 - 12 - 1);
  std::vector<Finding> many(10, Make(Category::kNoRefunds, Severity::kLow));
  EXPECT_EQ(ScoreFindings(many), 100 - 3 - 3);
  EXPECT_EQ(
      ScoreFindings({Make(Category::kNoRefunds, Severity::kCritical),
                     Make(Category::kBindingArbitration, Severity::kHigh)}),
      100 - 20 - 12);
}

TEST(ScoringTest, FloorsAtZero) {
  std::vector<Finding> findings;
  for (int c = 1; c <= kMaxCategory; ++c) {
    findings.push_back(Make(static_cast<Category>(c), Severity::kCritical));
  }
  EXPECT_EQ(ScoreFindings(findings), 0);
}

TEST(ScoringTest, AdjustSeverityMovesOneStepAndClamps) {
  EXPECT_EQ(AdjustSeverity(Severity::kMedium, true, false), Severity::kHigh);
  EXPECT_EQ(AdjustSeverity(Severity::kMedium, false, true), Severity::kLow);
  EXPECT_EQ(AdjustSeverity(Severity::kMedium, true, true), Severity::kMedium);
  EXPECT_EQ(AdjustSeverity(Severity::kCritical, true, false),
            Severity::kCritical);
  EXPECT_EQ(AdjustSeverity(Severity::kLow, false, true), Severity::kLow);
  EXPECT_EQ(SeverityPenalty(Severity::kUnspecified), 0);
}

}  // namespace
}  // namespace fineprint::analysis
