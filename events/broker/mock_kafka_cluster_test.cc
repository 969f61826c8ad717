#include "events/broker/mock_kafka_cluster.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "events/topics/declared_topics.h"
#include "events/topics/topic_admin.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/kafka_test_client.h"

namespace fineprint::events {
namespace {

using ::fineprint::testing::KafkaRecord;
using ::fineprint::testing::PartitionCount;
using ::fineprint::testing::ProduceRecords;
using ::fineprint::testing::TestConsumer;

constexpr absl::Duration kTimeout = absl::Seconds(30);
constexpr char kTopic[] = "fineprint.analysis.job.v1";

std::vector<KafkaRecord> Records(absl::string_view prefix, int n) {
  std::vector<KafkaRecord> records;
  for (int i = 0; i < n; ++i) {
    records.push_back({absl::StrCat(prefix, "-key-", i % 7),
                       absl::StrCat(prefix, "-value-", i)});
  }
  return records;
}

std::set<std::pair<std::string, std::string>> KeyValues(
    const std::vector<KafkaRecord>& records) {
  std::set<std::pair<std::string, std::string>> out;
  for (const KafkaRecord& r : records) out.emplace(r.key, r.value);
  return out;
}

std::unique_ptr<MockKafkaCluster> StartWithDeclaredTopics(int brokers = 1) {
  absl::StatusOr<std::vector<TopicSpec>> topics = LoadDeclaredTopics();
  EXPECT_TRUE(topics.ok()) << topics.status();
  MockKafkaOptions options;
  options.brokers = brokers;
  options.topics = *topics;
  auto cluster = MockKafkaCluster::Start(options);
  EXPECT_TRUE(cluster.ok()) << cluster.status();
  return cluster.ok() ? *std::move(cluster) : nullptr;
}

TEST(MockKafkaClusterTest, CreatesDeclaredTopicsWithTheirPartitionCounts) {
  const absl::Time t0 = absl::Now();
  auto cluster = StartWithDeclaredTopics();
  ASSERT_NE(cluster, nullptr);
  std::printf("mock cluster start: %s\n",
              absl::FormatDuration(absl::Now() - t0).c_str());
  EXPECT_TRUE(absl::StartsWith(cluster->bootstrap_servers(), "127.0.0.1:"));
  const std::vector<TopicSpec> declared = *LoadDeclaredTopics();
  for (const TopicSpec& spec : declared) {
    absl::StatusOr<int> partitions =
        PartitionCount(cluster->bootstrap_servers(), spec.name);
    ASSERT_TRUE(partitions.ok()) << spec.name << ": " << partitions.status();
    EXPECT_EQ(*partitions, spec.partitions) << spec.name;
  }
  // Creating again is fine (and keeps the existing topic).
  EXPECT_TRUE(cluster->CreateTopic(kTopic, 2).ok());
  EXPECT_EQ(*PartitionCount(cluster->bootstrap_servers(), kTopic), 6);
  EXPECT_EQ(cluster->CreateTopic("bad/name", 1).code(),
            absl::StatusCode::kInvalidArgument);
}

// Subscribing members: each first join of a group waits 3 s in the mock
// (its fixed initial rebalance delay), so this test takes ~7 s.
TEST(MockKafkaClusterTest, IdempotentProducerAndConsumerGroup) {
  auto cluster = StartWithDeclaredTopics();
  ASSERT_NE(cluster, nullptr);
  const std::string bootstrap = cluster->bootstrap_servers();
  const std::vector<KafkaRecord> first = Records("a", 20);
  // acks=all + enable.idempotence (ProduceRecords' defaults).
  absl::Status produced = ProduceRecords(bootstrap, kTopic, first);
  ASSERT_TRUE(produced.ok()) << produced;

  std::map<int32_t, int64_t> committed;
  {
    auto consumer = TestConsumer::Create(bootstrap, "relay", {kTopic});
    ASSERT_TRUE(consumer.ok()) << consumer.status();
    auto got = (*consumer)->Consume(first.size(), kTimeout);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(KeyValues(*got), KeyValues(first));
    ASSERT_TRUE((*consumer)->Commit().ok());
    auto offsets = (*consumer)->Committed(kTopic, 6, kTimeout);
    ASSERT_TRUE(offsets.ok()) << offsets.status();
    committed = *offsets;
    int64_t total = 0;
    for (const auto& [partition, offset] : committed) total += offset;
    EXPECT_EQ(total, 20);
    ASSERT_TRUE((*consumer)->Close().ok());
  }

  const std::vector<KafkaRecord> second = Records("b", 5);
  ASSERT_TRUE(ProduceRecords(bootstrap, kTopic, second).ok());
  // The same group resumes from its committed offsets: only new records.
  auto consumer = TestConsumer::Create(bootstrap, "relay", {kTopic});
  ASSERT_TRUE(consumer.ok()) << consumer.status();
  auto offsets = (*consumer)->Committed(kTopic, 6, kTimeout);
  ASSERT_TRUE(offsets.ok()) << offsets.status();
  EXPECT_EQ(*offsets, committed);
  auto got = (*consumer)->Consume(second.size(), kTimeout);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(KeyValues(*got), KeyValues(second));
  auto more = (*consumer)->ConsumeFor(absl::Milliseconds(500));
  ASSERT_TRUE(more.ok());
  EXPECT_TRUE(more->empty());
}

TEST(MockKafkaClusterTest, TransactionsAndReadCommitted) {
  auto cluster = StartWithDeclaredTopics();
  ASSERT_NE(cluster, nullptr);
  const std::string bootstrap = cluster->bootstrap_servers();
  auto producer = NewKafkaHandle(RD_KAFKA_PRODUCER,
                                 {{"bootstrap.servers", bootstrap},
                                  {"transactional.id", "mock-txn-test"}});
  ASSERT_TRUE(producer.ok()) << producer.status();
  rd_kafka_t* rk = producer->get();
  ASSERT_TRUE(KafkaError(rd_kafka_init_transactions(rk, 10000), "init").ok());

  auto produce_in_txn = [&](absl::string_view value, bool commit) {
    absl::Status s = KafkaError(rd_kafka_begin_transaction(rk), "begin");
    if (!s.ok()) return s;
    const std::string v(value);
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(kTopic), RD_KAFKA_V_KEY("k", 1),
        RD_KAFKA_V_VALUE(const_cast<char*>(v.data()), v.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    if (err) return KafkaError(err, "produce");
    return KafkaError(commit ? rd_kafka_commit_transaction(rk, 10000)
                             : rd_kafka_abort_transaction(rk, 10000),
                      commit ? "commit" : "abort");
  };
  ASSERT_TRUE(produce_in_txn("aborted", false).ok());
  ASSERT_TRUE(produce_in_txn("committed", true).ok());

  auto consumer =
      TestConsumer::CreateAssigned(bootstrap, "txn-reader", kTopic, 6,
                                   {{"isolation.level", "read_committed"}});
  ASSERT_TRUE(consumer.ok()) << consumer.status();
  auto got = (*consumer)->Consume(1, kTimeout);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ((*got)[0].value, "committed");
  auto more = (*consumer)->ConsumeFor(absl::Milliseconds(500));
  ASSERT_TRUE(more.ok()) << more.status();
  EXPECT_TRUE(more->empty()) << (*more)[0].value;
}

TEST(MockKafkaClusterTest, SeveralBrokersAndBrokerOutage) {
  auto cluster = StartWithDeclaredTopics(/*brokers=*/3);
  ASSERT_NE(cluster, nullptr);
  const std::vector<std::string> addresses =
      absl::StrSplit(cluster->bootstrap_servers(), ',');
  EXPECT_EQ(addresses.size(), 3u);
  const std::vector<KafkaRecord> records = Records("m", 12);
  ASSERT_TRUE(
      ProduceRecords(cluster->bootstrap_servers(), kTopic, records).ok());
  ASSERT_TRUE(cluster->SetBrokerUp(2, false).ok());
  ASSERT_TRUE(cluster->SetBrokerUp(2, true).ok());
  auto consumer = TestConsumer::CreateAssigned(cluster->bootstrap_servers(),
                                               "multi", kTopic, 6);
  ASSERT_TRUE(consumer.ok());
  auto got = (*consumer)->Consume(records.size(), kTimeout);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(KeyValues(*got), KeyValues(records));
}

// Pins librdkafka 2.0.2 mock limitations documented in the header, so that
// an upgrade that lifts them is noticed.
TEST(MockKafkaClusterTest, LimitationsOfTheMock) {
  auto cluster = StartWithDeclaredTopics();
  ASSERT_NE(cluster, nullptr);
  const std::string bootstrap = cluster->bootstrap_servers();
  // No Admin API: the mock never names a controller.
  absl::Status ensured =
      EnsureTopics(bootstrap, *LoadDeclaredTopics(), absl::Seconds(2));
  EXPECT_EQ(ensured.code(), absl::StatusCode::kDeadlineExceeded) << ensured;
  // Producers auto-create unknown topics.
  ASSERT_TRUE(ProduceRecords(bootstrap, "not.declared.v1", {{"k", "v"}}).ok());
  EXPECT_EQ(*PartitionCount(bootstrap, "not.declared.v1"), 4);
}

TEST(MockKafkaClusterTest, StopClosesTheListeners) {
  auto cluster = MockKafkaCluster::Start();
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  const std::string bootstrap = (*cluster)->bootstrap_servers();
  ASSERT_TRUE((*cluster)->CreateTopic("t.v1", 1).ok());
  EXPECT_TRUE(PartitionCount(bootstrap, "t.v1").ok());
  (*cluster)->Stop();
  (*cluster)->Stop();  // idempotent
  EXPECT_FALSE((*cluster)->running());
  EXPECT_EQ((*cluster)
                ->Call(
                    [](rd_kafka_mock_cluster_t*) {
                      return RD_KAFKA_RESP_ERR_NO_ERROR;
                    },
                    "noop")
                .code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*cluster)->CreateTopic("u.v1", 1).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(PartitionCount(bootstrap, "t.v1", absl::Seconds(1)).ok());
}

// librdkafka 2.0.2 stalls ~20% of mock control calls for 1 s unless its
// thread is kept awake (WakeupKicker); ten topics would cost 0-4 s a start.
// Stop can still take up to 1 s (see MockKafkaCluster::Stop).
TEST(MockKafkaClusterTest, StartIsFast) {
  for (int i = 0; i < 5; ++i) {
    const absl::Time t0 = absl::Now();
    auto cluster = StartWithDeclaredTopics();
    ASSERT_NE(cluster, nullptr);
    EXPECT_LT(absl::Now() - t0, absl::Milliseconds(500));
    const absl::Time t1 = absl::Now();
    cluster->Stop();
    EXPECT_LT(absl::Now() - t1, absl::Seconds(3));
  }
}

TEST(MockKafkaClusterTest, InjectedRetriableErrorsAreRetried) {
  auto cluster = StartWithDeclaredTopics();
  ASSERT_NE(cluster, nullptr);
  ASSERT_TRUE(cluster
                  ->Call(
                      [](rd_kafka_mock_cluster_t* mock) {
                        rd_kafka_mock_push_request_errors(
                            mock, /*ApiKey=Produce*/ 0, 2,
                            RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
                            RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT);
                        return RD_KAFKA_RESP_ERR_NO_ERROR;
                      },
                      "push produce errors")
                  .ok());
  const std::vector<KafkaRecord> records = Records("r", 3);
  ASSERT_TRUE(
      ProduceRecords(cluster->bootstrap_servers(), kTopic, records).ok());
  auto consumer = TestConsumer::CreateAssigned(cluster->bootstrap_servers(),
                                               "retry", kTopic, 6);
  ASSERT_TRUE(consumer.ok());
  auto got = (*consumer)->Consume(records.size(), kTimeout);
  ASSERT_TRUE(got.ok()) << got.status();
  // Idempotence: retries did not duplicate anything.
  auto more = (*consumer)->ConsumeFor(absl::Milliseconds(300));
  ASSERT_TRUE(more.ok());
  EXPECT_TRUE(more->empty());
  EXPECT_EQ(KeyValues(*got), KeyValues(records));
}

TEST(MockKafkaClusterTest, RejectsBadOptions) {
  MockKafkaOptions options;
  options.brokers = 0;
  EXPECT_EQ(MockKafkaCluster::Start(options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fineprint::events
