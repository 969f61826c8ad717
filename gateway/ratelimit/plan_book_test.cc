#include "gateway/ratelimit/plan_book.h"

#include "fineprint/identity/events/v1/events.pb.h"
#include "gtest/gtest.h"

namespace fineprint::gateway::ratelimit {
namespace {

namespace ev = ::fineprint::identity::events::v1;

events::Event PlanChanged(const std::string& org, identity::v1::Plan plan,
                          absl::Time at) {
  ev::PlanChanged changed;
  changed.set_organization(org);
  changed.set_new_plan(plan);
  events::Event e;
  e.ce_type = ev::PlanChanged::descriptor()->full_name();
  e.ce_id = "1";
  e.ce_time = at;
  e.payload = changed.SerializeAsString();
  return e;
}

TEST(PlanBookTest, LatestChangeWinsOverTheCredentials) {
  PlanBook book;
  metrics::Registry registry;
  PlanChangeListener listener(&book, &registry);
  const absl::Time t0 = absl::Now();
  EXPECT_EQ(book.PlanOf("orgs/a", "FREE"), "FREE");
  listener.Apply(PlanChanged("orgs/a", identity::v1::ENTERPRISE, t0));
  EXPECT_EQ(book.PlanOf("orgs/a", "FREE"), "ENTERPRISE");
  // A replayed older change does not undo a newer one.
  listener.Apply(
      PlanChanged("orgs/a", identity::v1::PREMIUM, t0 - absl::Seconds(1)));
  EXPECT_EQ(book.PlanOf("orgs/a", "FREE"), "ENTERPRISE");
  listener.Apply(
      PlanChanged("orgs/a", identity::v1::FREE, t0 + absl::Seconds(1)));
  EXPECT_EQ(book.PlanOf("orgs/a", "ENTERPRISE"), "FREE");
  // Other organisations and other events are untouched.
  EXPECT_EQ(book.PlanOf("orgs/b", "PREMIUM"), "PREMIUM");
  events::Event other = PlanChanged("orgs/b", identity::v1::FREE, t0);
  other.ce_type = "fineprint.identity.events.v1.UserDeleted";
  listener.Apply(other);
  events::Event unreadable = PlanChanged("orgs/b", identity::v1::FREE, t0);
  unreadable.payload = "\xff\xff";
  listener.Apply(unreadable);
  EXPECT_EQ(book.PlanOf("orgs/b", "PREMIUM"), "PREMIUM");
  EXPECT_EQ(
      registry.GetCounter("fineprint_edge_plan_changes_total", "").Value(), 3);
}

}  // namespace
}  // namespace fineprint::gateway::ratelimit
