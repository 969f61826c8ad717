#include "events/consumer/event_router.h"

#include "fineprint/identity/events/v1/events.pb.h"
#include "gtest/gtest.h"
#include "services/runtime/db/test_util.h"

namespace fineprint::events {
namespace {

namespace idev = ::fineprint::identity::events::v1;

class EventRouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pool = db::testing::NewTestPool();
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
  }

  absl::Status Deliver(const google::protobuf::Message& message,
                       std::string type = "") {
    Event event;
    event.topic = "fineprint.identity.organization.v1";
    event.ce_type = type.empty() ? message.GetDescriptor()->full_name() : type;
    event.payload = message.SerializeAsString();
    return db::RunInTransaction(
        *pool_, {}, [&](db::Tx& tx) { return router_.Handle(event, tx); });
  }

  metrics::Registry metrics_;
  EventRouter router_{&metrics_};
  std::unique_ptr<db::Pool> pool_;
};

TEST_F(EventRouterTest, DispatchesByTypeAndListsTopics) {
  std::string plan_of;
  std::string revoked;
  ASSERT_TRUE(router_
                  .On<idev::PlanChanged>([&](const idev::PlanChanged& changed,
                                             const Event&, db::Tx&) {
                    plan_of = changed.organization();
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_TRUE(router_
                  .On<idev::ApiKeyRevoked>([&](const idev::ApiKeyRevoked& key,
                                               const Event&, db::Tx&) {
                    revoked = key.api_key();
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(router_.Topics(),
            (std::vector<std::string>{"fineprint.identity.apikey.v1",
                                      "fineprint.identity.organization.v1"}));

  idev::PlanChanged changed;
  changed.set_organization("orgs/o1");
  ASSERT_TRUE(Deliver(changed).ok());
  EXPECT_EQ(plan_of, "orgs/o1");
  EXPECT_EQ(revoked, "");

  idev::ApiKeyRevoked key;
  key.set_api_key("orgs/o1/apiKeys/k1");
  ASSERT_TRUE(Deliver(key).ok());
  EXPECT_EQ(revoked, "orgs/o1/apiKeys/k1");
}

TEST_F(EventRouterTest, SkipsUnknownTypesAndCountsThem) {
  ASSERT_TRUE(router_
                  .On<idev::PlanChanged>(
                      [](const idev::PlanChanged&, const Event&, db::Tx&) {
                        return absl::InternalError("must not run");
                      })
                  .ok());
  idev::OrganizationCreated created;
  EXPECT_TRUE(Deliver(created).ok());
  EXPECT_NE(
      metrics_.Expose().find("fineprint_consumer_skipped_events_total{topic="
                             "\"fineprint.identity.organization.v1\"} 1"),
      std::string::npos)
      << metrics_.Expose();
}

TEST_F(EventRouterTest, UnparsablePayloadIsInvalidArgument) {
  ASSERT_TRUE(
      router_
          .On<idev::PlanChanged>([](const idev::PlanChanged&, const Event&,
                                    db::Tx&) { return absl::OkStatus(); })
          .ok());
  Event event;
  event.ce_type = "fineprint.identity.events.v1.PlanChanged";
  event.payload = "\xff\xff\xff";
  absl::Status s = db::RunInTransaction(
      *pool_, {}, [&](db::Tx& tx) { return router_.Handle(event, tx); });
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
}

TEST_F(EventRouterTest, RefusesNonEventsAndDuplicateHandlers) {
  auto ok = [](const idev::PlanChanged&, const Event&, db::Tx&) {
    return absl::OkStatus();
  };
  ASSERT_TRUE(router_.On<idev::PlanChanged>(ok).ok());
  EXPECT_EQ(router_.On<idev::PlanChanged>(ok).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      router_
          .On<identity::v1::User>([](const identity::v1::User&, const Event&,
                                     db::Tx&) { return absl::OkStatus(); })
          .code(),
      absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace fineprint::events
