#include "services/analysis/delta.h"

#include "gtest/gtest.h"

namespace fineprint::analysis {
namespace {

v1::Finding MakeFinding(v1::FindingCategory category, v1::Severity severity,
                        const std::string& quote) {
  v1::Finding f;
  f.set_category(category);
  f.set_severity(severity);
  f.set_quote(quote);
  return f;
}

v1::Analysis MakeAnalysis(int score, std::vector<v1::Finding> findings) {
  v1::Analysis a;
  a.set_name("orgs/o/jobs/j/analysis");
  a.set_version("orgs/o/documents/d/versions/v");
  a.set_score(score);
  for (auto& f : findings) *a.add_findings() = f;
  return a;
}

TEST(DeltaTest, NamesTheAddedClause) {
  const v1::Finding renewal = MakeFinding(
      v1::AUTOMATIC_RENEWAL, v1::SEVERITY_MEDIUM, "Your plan renews.");
  const v1::Finding arbitration =
      MakeFinding(v1::BINDING_ARBITRATION, v1::SEVERITY_HIGH,
                  "Disputes go to binding arbitration.");
  v1::AnalysisDelta d = ComputeDelta(MakeAnalysis(80, {renewal}),
                                     MakeAnalysis(55, {arbitration, renewal}));
  ASSERT_EQ(d.added_size(), 1);
  EXPECT_EQ(d.added(0).category(), v1::BINDING_ARBITRATION);
  EXPECT_EQ(d.removed_size(), 0);
  EXPECT_EQ(d.severity_changed_size(), 0);
  EXPECT_EQ(d.score_before(), 80);
  EXPECT_EQ(d.score_after(), 55);
  EXPECT_EQ(d.previous_analysis(), "orgs/o/jobs/j/analysis");
  EXPECT_EQ(d.headline(), "A binding arbitration clause was added.");
}

TEST(DeltaTest, MovedClauseKeepsItsIdentityRewordedOneIsReplaced) {
  const v1::Finding a = MakeFinding(v1::NO_REFUNDS, v1::SEVERITY_MEDIUM,
                                    "All payments are\nnon-refundable.");
  const v1::Finding moved = MakeFinding(v1::NO_REFUNDS, v1::SEVERITY_MEDIUM,
                                        "All payments are non-refundable.");
  const v1::Finding old_wording = MakeFinding(
      v1::UNILATERAL_CHANGES, v1::SEVERITY_MEDIUM, "We may change terms.");
  const v1::Finding new_wording =
      MakeFinding(v1::UNILATERAL_CHANGES, v1::SEVERITY_MEDIUM,
                  "We may change these terms at any time.");
  v1::AnalysisDelta d = ComputeDelta(MakeAnalysis(60, {a, old_wording}),
                                     MakeAnalysis(60, {moved, new_wording}));
  ASSERT_EQ(d.added_size(), 1);
  EXPECT_EQ(d.added(0).quote(), new_wording.quote());
  ASSERT_EQ(d.removed_size(), 1);
  EXPECT_EQ(d.removed(0).quote(), old_wording.quote());
}

TEST(DeltaTest, SeverityChangeAndRemoval) {
  v1::Finding before = MakeFinding(v1::DATA_SALE_OR_SHARING,
                                   v1::SEVERITY_MEDIUM, "We share data.");
  v1::Finding after = before;
  after.set_severity(v1::SEVERITY_CRITICAL);
  const v1::Finding gone = MakeFinding(v1::AUTOMATIC_RENEWAL, v1::SEVERITY_LOW,
                                       "Renews automatically.");
  v1::AnalysisDelta d =
      ComputeDelta(MakeAnalysis(50, {before, gone}), MakeAnalysis(40, {after}));
  ASSERT_EQ(d.severity_changed_size(), 1);
  EXPECT_EQ(d.severity_changed(0).old_severity(), v1::SEVERITY_MEDIUM);
  EXPECT_EQ(d.severity_changed(0).finding().severity(), v1::SEVERITY_CRITICAL);
  ASSERT_EQ(d.removed_size(), 1);
  EXPECT_EQ(d.headline(), "An automatic renewal clause was removed.");
  d.clear_removed();
  EXPECT_EQ(Headline(d), "The data sale or sharing clause became more severe.");
}

TEST(DeltaTest, SeveralAddedAndNothingChanged) {
  const v1::Finding x =
      MakeFinding(v1::BINDING_ARBITRATION, v1::SEVERITY_HIGH, "Arbitration.");
  const v1::Finding y =
      MakeFinding(v1::CLASS_ACTION_WAIVER, v1::SEVERITY_HIGH, "No class.");
  const v1::Finding z = MakeFinding(v1::NO_REFUNDS, v1::SEVERITY_LOW, "No.");
  EXPECT_EQ(ComputeDelta(MakeAnalysis(90, {}), MakeAnalysis(40, {x, y, z}))
                .headline(),
            "A binding arbitration clause and 2 other clauses were added.");
  EXPECT_EQ(
      ComputeDelta(MakeAnalysis(40, {x}), MakeAnalysis(40, {x})).headline(),
      "No clause changed.");
  EXPECT_EQ(
      ComputeDelta(MakeAnalysis(41, {x}), MakeAnalysis(40, {x})).headline(),
      "The score changed from 41 to 40.");
}

}  // namespace
}  // namespace fineprint::analysis
