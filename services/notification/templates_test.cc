#include "services/notification/templates.h"

#include "fineprint/analysis/events/v1/events.pb.h"
#include "gtest/gtest.h"

namespace fineprint::notification {
namespace {

using ::fineprint::analysis::events::v1::AnalysisCompleted;

AnalysisCompleted Completed() {
  AnalysisCompleted e;
  e.set_title("Acme ToS");
  e.set_score(42);
  e.set_grade(analysis::v1::Grade::GRADE_D);
  e.set_degraded(true);
  return e;
}

TEST(Render, FillsFieldsByName) {
  auto text = Render("{title}: {score}/100, grade {grade}, degraded {degraded}",
                     Completed());
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "Acme ToS: 42/100, grade GRADE_D, degraded true");
}

TEST(Render, NestedFieldsAndUnsetMessages) {
  AnalysisCompleted e = Completed();
  auto without = Render("Score {score}. {delta.headline}", e);
  ASSERT_TRUE(without.ok());
  EXPECT_EQ(*without, "Score 42.");  // unset delta: empty, trimmed
  e.mutable_delta()->set_headline("A binding arbitration clause was added.");
  auto with = Render("Score {score}. {delta.headline}", e);
  ASSERT_TRUE(with.ok());
  EXPECT_EQ(*with, "Score 42. A binding arbitration clause was added.");
}

TEST(Render, LiteralBraceAndErrors) {
  auto literal = Render("{{not a field}", Completed());
  ASSERT_TRUE(literal.ok());
  EXPECT_EQ(*literal, "{not a field}");
  EXPECT_TRUE(absl::IsNotFound(Render("{nope}", Completed()).status()));
  EXPECT_TRUE(
      absl::IsInvalidArgument(Render("{top_findings}", Completed()).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(Render("{delta}", Completed()).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(Render("{title", Completed()).status()));
}

}  // namespace
}  // namespace fineprint::notification
