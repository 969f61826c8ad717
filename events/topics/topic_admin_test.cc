#include "events/topics/topic_admin.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "events/topics/admin_client.h"
#include "events/topics/declared_topics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/kafka_broker.h"

namespace fineprint::events {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr absl::Duration kTimeout = absl::Seconds(60);

std::string Bootstrap() {
  absl::StatusOr<testing::KafkaBroker*> broker = testing::SharedKafka();
  EXPECT_TRUE(broker.ok()) << broker.status();
  return broker.ok() ? (*broker)->bootstrap_servers() : "127.0.0.1:1";
}

TopicDescription Describe(const std::string& name) {
  auto described = DescribeTopics(Bootstrap(), {name}, kTimeout);
  EXPECT_TRUE(described.ok()) << described.status();
  return described.ok() ? (*described)[0] : TopicDescription{};
}

TEST(EnsureTopicsTest, CreatesDeclaredTopicsWithTheirConfigs) {
  const std::vector<TopicSpec> topics = *LoadDeclaredTopics();
  EnsureTopicsResult result;
  ASSERT_TRUE(EnsureTopics(Bootstrap(), topics, kTimeout, {}, &result).ok());
  EXPECT_EQ(result.created.size(), topics.size());
  for (const TopicSpec& spec : topics) {
    TopicDescription d = Describe(spec.name);
    EXPECT_EQ(d.partitions, spec.partitions) << spec.name;
    EXPECT_EQ(d.configs["cleanup.policy"].value,
              CleanupPolicyName(spec.cleanup_policy))
        << spec.name;
    EXPECT_TRUE(d.configs["cleanup.policy"].topic_override);
    EXPECT_EQ(d.configs["retention.ms"].value, "604800000") << spec.name;
  }
  EXPECT_EQ(Describe("fineprint.identity.organization.v1")
                .configs["cleanup.policy"]
                .value,
            "compact");
  ASSERT_TRUE(EnsureTopics(Bootstrap(), topics, kTimeout, {}, &result).ok());
  EXPECT_THAT(result.created, IsEmpty());
  EXPECT_THAT(result.reconfigured, IsEmpty());
}

TEST(EnsureTopicsTest, ResetsDriftedConfigsAndKeepsOtherOverrides) {
  TopicSpec spec{"drift.v1", 2, 604800000, CleanupPolicy::kDelete};
  ASSERT_TRUE(EnsureTopics(Bootstrap(), {spec}, kTimeout).ok());
  // An operator changed retention and set an unrelated override.
  {
    auto admin =
        internal::AdminClient::Connect(Bootstrap(), {}, absl::Now() + kTimeout);
    ASSERT_TRUE(admin.ok()) << admin.status();
    ASSERT_TRUE(
        admin
            ->AlterConfigs("drift.v1", {{"retention.ms", "1000"},
                                        {"cleanup.policy", "delete"},
                                        {"max.message.bytes", "2000000"}})
            .ok());
  }
  EXPECT_EQ(Describe("drift.v1").configs["retention.ms"].value, "1000");

  EnsureTopicsResult result;
  ASSERT_TRUE(EnsureTopics(Bootstrap(), {spec}, kTimeout, {}, &result).ok());
  EXPECT_THAT(result.reconfigured, ElementsAre("drift.v1"));
  TopicDescription d = Describe("drift.v1");
  EXPECT_EQ(d.configs["retention.ms"].value, "604800000");
  EXPECT_EQ(d.configs["max.message.bytes"].value, "2000000");
  EXPECT_TRUE(d.configs["max.message.bytes"].topic_override);

  // A changed declaration is applied the same way.
  spec.cleanup_policy = CleanupPolicy::kCompact;
  ASSERT_TRUE(EnsureTopics(Bootstrap(), {spec}, kTimeout, {}, &result).ok());
  EXPECT_THAT(result.reconfigured, ElementsAre("drift.v1"));
  EXPECT_EQ(Describe("drift.v1").configs["cleanup.policy"].value, "compact");
}

TEST(EnsureTopicsTest, PartitionsGrowOnlyWhenAllowed) {
  TopicSpec spec{"grow.v1", 2, 604800000, CleanupPolicy::kDelete};
  ASSERT_TRUE(EnsureTopics(Bootstrap(), {spec}, kTimeout).ok());
  spec.partitions = 4;
  absl::Status refused = EnsureTopics(Bootstrap(), {spec}, kTimeout);
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.message(), HasSubstr("grow_partitions"));
  EXPECT_EQ(Describe("grow.v1").partitions, 2);

  EnsureTopicsOptions options;
  options.grow_partitions = true;
  EnsureTopicsResult result;
  ASSERT_TRUE(
      EnsureTopics(Bootstrap(), {spec}, kTimeout, options, &result).ok());
  EXPECT_THAT(result.grown, ElementsAre("grow.v1"));
  EXPECT_EQ(Describe("grow.v1").partitions, 4);

  // More partitions than declared: accepted, left alone.
  spec.partitions = 1;
  ASSERT_TRUE(EnsureTopics(Bootstrap(), {spec}, kTimeout).ok());
  EXPECT_EQ(Describe("grow.v1").partitions, 4);
}

TEST(EnsureTopicsTest, ConcurrentCallersBothSucceed) {
  std::vector<TopicSpec> topics;
  for (int i = 0; i < 5; ++i) {
    topics.push_back({absl::StrCat("race.", i, ".v1"), 3, 604800000,
                      CleanupPolicy::kDelete});
  }
  const std::string bootstrap = Bootstrap();
  absl::Status a, b;
  std::thread t1([&] { a = EnsureTopics(bootstrap, topics, kTimeout); });
  std::thread t2([&] { b = EnsureTopics(bootstrap, topics, kTimeout); });
  t1.join();
  t2.join();
  EXPECT_TRUE(a.ok()) << a;
  EXPECT_TRUE(b.ok()) << b;
  for (const TopicSpec& spec : topics) {
    EXPECT_EQ(Describe(spec.name).partitions, 3);
  }
}

TEST(EnsureTopicsTest, ReportsRejectedSpecs) {
  // Caught by librdkafka before sending.
  absl::Status client_side = EnsureTopics(
      Bootstrap(), {{"zero.partitions.v1", 0, 1000, CleanupPolicy::kDelete}},
      kTimeout);
  EXPECT_EQ(client_side.code(), absl::StatusCode::kInvalidArgument)
      << client_side;
  EXPECT_THAT(client_side.message(), HasSubstr("zero.partitions.v1"));
  // Caught by the broker (TopicSpec built by hand, not by the parser).
  absl::Status broker_side = EnsureTopics(
      Bootstrap(), {{"bad.retention.v1", 1, -5, CleanupPolicy::kDelete}},
      kTimeout);
  EXPECT_EQ(broker_side.code(), absl::StatusCode::kInvalidArgument)
      << broker_side;
  EXPECT_THAT(broker_side.message(), HasSubstr("bad.retention.v1"));
  EXPECT_EQ(DescribeTopics(Bootstrap(), {"bad.retention.v1"}, kTimeout)
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST(EnsureTopicsTest, UnreachableBrokerFailsWithinTheTimeout) {
  const absl::Time start = absl::Now();
  absl::Status status =
      EnsureTopics("127.0.0.1:1", {{"x.v1", 1, 1000, CleanupPolicy::kDelete}},
                   absl::Seconds(2));
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_THAT(status.message(), HasSubstr("127.0.0.1:1"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(DescribeTopicsTest, MissingTopicIsNotFound) {
  auto described = DescribeTopics(Bootstrap(), {"no.such.topic.v1"}, kTimeout);
  EXPECT_EQ(described.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(described.status().message(), HasSubstr("no.such.topic.v1"));
}

TEST(EnsureTopicsTest, EmptyListIsANoOp) {
  EXPECT_TRUE(EnsureTopics("127.0.0.1:1", {}, absl::Seconds(1)).ok());
}

}  // namespace
}  // namespace fineprint::events
