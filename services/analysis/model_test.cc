#include "services/analysis/model.h"

#include "gtest/gtest.h"

namespace fineprint::analysis {
namespace {

TEST(PriorityFor, FollowsThePlanUnlessLowPriorityIsAsked) {
  EXPECT_EQ(PriorityFor("ENTERPRISE", false), v1::PRIORITY_HIGH);
  EXPECT_EQ(PriorityFor("PREMIUM", false), v1::PRIORITY_HIGH);
  EXPECT_EQ(PriorityFor("FREE", false), v1::PRIORITY_NORMAL);
  EXPECT_EQ(PriorityFor("", false), v1::PRIORITY_NORMAL);
  EXPECT_EQ(PriorityFor("ENTERPRISE", true), v1::PRIORITY_LOW);
}

TEST(CompletedEvent, CountsCategoriesAndKeepsTheTopFive) {
  v1::Analysis a;
  a.set_name("orgs/o/jobs/j/analysis");
  a.set_score(42);
  for (int i = 0; i < 7; ++i) {
    v1::Finding* f = a.add_findings();
    f->set_category(i < 4 ? v1::BINDING_ARBITRATION : v1::NO_REFUNDS);
    f->set_start_offset(i);
  }
  events::v1::AnalysisCompleted e =
      CompletedEvent(a, "orgs/o", v1::EULA, "T", true);
  EXPECT_EQ(e.job(), "orgs/o/jobs/j");
  EXPECT_EQ(e.finding_count(), 7);
  EXPECT_EQ(e.top_findings_size(), 5);
  EXPECT_EQ(e.top_findings(0).start_offset(), 0);
  EXPECT_EQ(e.counts_per_category().at("BINDING_ARBITRATION"), 4);
  EXPECT_EQ(e.counts_per_category().at("NO_REFUNDS"), 3);
  EXPECT_TRUE(e.cached());
}

}  // namespace
}  // namespace fineprint::analysis
