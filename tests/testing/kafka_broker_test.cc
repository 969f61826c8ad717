#include "tests/testing/kafka_broker.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "events/topics/declared_topics.h"
#include "events/topics/topic_admin.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/kafka_test_client.h"

namespace fineprint::testing {
namespace {

using ::testing::HasSubstr;

constexpr absl::Duration kTimeout = absl::Seconds(60);

std::vector<KafkaRecord> Records(absl::string_view prefix, int n) {
  std::vector<KafkaRecord> records;
  for (int i = 0; i < n; ++i) {
    // Ten aggregates, several events each: keys repeat, as in the outbox.
    records.push_back({absl::StrCat(prefix, "-aggregate-", i % 10),
                       absl::StrCat(prefix, "-event-", i)});
  }
  return records;
}

std::set<std::pair<std::string, std::string>> KeyValues(
    const std::vector<KafkaRecord>& records) {
  std::set<std::pair<std::string, std::string>> out;
  for (const KafkaRecord& r : records) out.emplace(r.key, r.value);
  return out;
}

TEST(KafkaBrokerTest, TopicsProduceConsumeAndDataSurvivesRestart) {
  KafkaBroker broker;
  absl::StatusOr<std::string> bootstrap = broker.Start();
  ASSERT_TRUE(bootstrap.ok()) << bootstrap.status();
  std::printf("fixture start (fresh dir): %s\n",
              absl::FormatDuration(broker.last_start_duration()).c_str());
  EXPECT_TRUE(broker.running());
  EXPECT_EQ(*bootstrap, absl::StrCat("127.0.0.1:", broker.port()));

  absl::StatusOr<std::vector<events::TopicSpec>> topics =
      events::LoadDeclaredTopics();
  ASSERT_TRUE(topics.ok()) << topics.status();
  events::EnsureTopicsResult result;
  absl::Time t0 = absl::Now();
  ASSERT_TRUE(
      events::EnsureTopics(*bootstrap, *topics, kTimeout, {}, &result).ok());
  std::printf("EnsureTopics (create %zu): %s\n", topics->size(),
              absl::FormatDuration(absl::Now() - t0).c_str());
  EXPECT_EQ(result.created.size(), topics->size());
  // Idempotent: the second run finds everything in place.
  t0 = absl::Now();
  absl::Status again =
      events::EnsureTopics(*bootstrap, *topics, kTimeout, {}, &result);
  ASSERT_TRUE(again.ok()) << again;
  std::printf("EnsureTopics (all exist): %s\n",
              absl::FormatDuration(absl::Now() - t0).c_str());
  EXPECT_TRUE(result.created.empty());
  EXPECT_TRUE(result.reconfigured.empty());

  const std::string topic = "fineprint.analysis.job.v1";
  absl::StatusOr<int> partitions = PartitionCount(*bootstrap, topic);
  ASSERT_TRUE(partitions.ok()) << partitions.status();
  EXPECT_EQ(*partitions, 6);

  // acks=all + idempotence are ProduceRecords' defaults.
  const std::vector<KafkaRecord> first = Records("a", 30);
  ASSERT_TRUE(ProduceRecords(*bootstrap, topic, first).ok());

  std::map<int32_t, int64_t> committed;
  {
    auto consumer = TestConsumer::Create(*bootstrap, "group-1", {topic});
    ASSERT_TRUE(consumer.ok()) << consumer.status();
    auto got = (*consumer)->Consume(first.size(), kTimeout);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(KeyValues(*got), KeyValues(first));
    // One aggregate, one partition: per-key ordering holds.
    std::map<std::string, int32_t> partition_of;
    for (const KafkaRecord& r : *got) {
      auto [it, inserted] = partition_of.emplace(r.key, r.partition);
      EXPECT_EQ(it->second, r.partition) << r.key;
    }
    ASSERT_TRUE((*consumer)->Commit().ok());
    auto offsets = (*consumer)->Committed(topic, 6, kTimeout);
    ASSERT_TRUE(offsets.ok()) << offsets.status();
    committed = *offsets;
    int64_t total = 0;
    for (const auto& [p, offset] : committed) total += offset;
    EXPECT_EQ(total, static_cast<int64_t>(first.size()));
    ASSERT_TRUE((*consumer)->Close().ok());
  }

  const std::string before = *bootstrap;
  ASSERT_TRUE(broker.Restart().ok());
  std::printf("fixture restart: %s\n",
              absl::FormatDuration(broker.last_start_duration()).c_str());
  EXPECT_EQ(broker.bootstrap_servers(), before);

  // The records survived...
  {
    auto consumer = TestConsumer::Create(before, "group-2", {topic});
    ASSERT_TRUE(consumer.ok()) << consumer.status();
    auto got = (*consumer)->Consume(first.size(), kTimeout);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(KeyValues(*got), KeyValues(first));
  }
  // ...and so did group-1's offsets: it sees only what is new.
  {
    auto consumer = TestConsumer::Create(before, "group-1", {topic});
    ASSERT_TRUE(consumer.ok()) << consumer.status();
    auto offsets = (*consumer)->Committed(topic, 6, kTimeout);
    ASSERT_TRUE(offsets.ok()) << offsets.status();
    EXPECT_EQ(*offsets, committed);
    const std::vector<KafkaRecord> second = Records("b", 3);
    ASSERT_TRUE(ProduceRecords(before, topic, second).ok());
    auto got = (*consumer)->Consume(second.size(), kTimeout);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(KeyValues(*got), KeyValues(second));
    auto extra = (*consumer)->ConsumeFor(absl::Seconds(1));
    ASSERT_TRUE(extra.ok());
    EXPECT_TRUE(extra->empty());
  }
  // Topics (and their configs) survived too.
  ASSERT_TRUE(
      events::EnsureTopics(before, *topics, kTimeout, {}, &result).ok());
  EXPECT_TRUE(result.created.empty());
  EXPECT_TRUE(result.reconfigured.empty());
}

TEST(KafkaBrokerTest, KillThenStartKeepsAcknowledgedRecords) {
  KafkaBroker broker;
  absl::StatusOr<std::string> bootstrap = broker.Start();
  ASSERT_TRUE(bootstrap.ok()) << bootstrap.status();
  const std::string topic = "kill.test.v1";
  ASSERT_TRUE(events::EnsureTopics(
                  *bootstrap, {{topic, 1, -1, events::CleanupPolicy::kDelete}},
                  kTimeout)
                  .ok());
  const std::vector<KafkaRecord> records = Records("k", 10);
  ASSERT_TRUE(ProduceRecords(*bootstrap, topic, records).ok());

  const pid_t old_pid = broker.pid();
  ASSERT_TRUE(broker.Kill().ok());
  EXPECT_FALSE(broker.running());
  absl::StatusOr<std::string> restarted = broker.Start();
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  std::printf("fixture start after SIGKILL: %s\n",
              absl::FormatDuration(broker.last_start_duration()).c_str());
  EXPECT_EQ(*restarted, *bootstrap);
  EXPECT_NE(broker.pid(), old_pid);

  auto consumer = TestConsumer::Create(*restarted, "after-kill", {topic});
  ASSERT_TRUE(consumer.ok()) << consumer.status();
  auto got = (*consumer)->Consume(records.size(), kTimeout);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(KeyValues(*got), KeyValues(records));
  consumer->reset();
  ASSERT_TRUE(broker.Stop().ok());
  EXPECT_TRUE(broker.Stop().ok());  // idempotent
}

TEST(KafkaBrokerTest, SharedKafkaStartsOneBroker) {
  absl::StatusOr<KafkaBroker*> a = SharedKafka();
  ASSERT_TRUE(a.ok()) << a.status();
  absl::StatusOr<KafkaBroker*> b = SharedKafka();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_TRUE((*a)->running());
  const std::string topic = "shared.test.v1";
  ASSERT_TRUE(events::EnsureTopics(
                  (*a)->bootstrap_servers(),
                  {{topic, 2, -1, events::CleanupPolicy::kDelete}}, kTimeout)
                  .ok());
  EXPECT_EQ(*PartitionCount((*a)->bootstrap_servers(), topic), 2);
}

// A test process that dies without cleaning up must not leak its JVM.
TEST(KafkaBrokerDeathTest, WatchdogKillsTheBrokerOfACrashedProcess) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const std::string pid_file = absl::StrCat(
      std::getenv("TEST_TMPDIR") != nullptr ? std::getenv("TEST_TMPDIR")
                                            : "/tmp",
      "/crashed_broker.pid");
  EXPECT_EXIT(
      {
        auto* broker = new KafkaBroker();  // never destroyed
        if (!broker->Start().ok()) _exit(1);
        std::ofstream(pid_file) << broker->pid() << " " << broker->dir();
        _exit(0);  // no destructors, like a crash
      },
      ::testing::ExitedWithCode(0), "");
  std::ifstream in(pid_file);
  pid_t pid = 0;
  std::string dir;
  ASSERT_TRUE(in >> pid >> dir) << "the child did not start a broker";
  const absl::Time deadline = absl::Now() + absl::Seconds(15);
  while (kill(pid, 0) == 0 && absl::Now() < deadline) {
    // A zombie waiting to be reaped is dead enough.
    std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    if (text.find(") Z") != std::string::npos) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string text((std::istreambuf_iterator<char>(stat)), {});
  EXPECT_TRUE(text.empty() || text.find(") Z") != std::string::npos)
      << "broker pid " << pid << " survived its test process";
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);  // the child could not
}

TEST(KafkaClusterTest, ThreeNodesKeepAcknowledgedRecordsThroughABrokerKill) {
  KafkaCluster cluster;
  absl::Time t0 = absl::Now();
  absl::StatusOr<std::string> bootstrap = cluster.Start();
  ASSERT_TRUE(bootstrap.ok()) << bootstrap.status();
  std::printf("cluster start: %s\n",
              absl::FormatDuration(absl::Now() - t0).c_str());
  ASSERT_EQ(cluster.size(), 3);
  for (int i = 0; i < cluster.size(); ++i) {
    EXPECT_TRUE(cluster.broker(i).running());
    EXPECT_THAT(*bootstrap, HasSubstr(cluster.broker(i).bootstrap_servers()));
  }
  absl::StatusOr<std::vector<events::TopicSpec>> topics =
      events::LoadDeclaredTopics();
  ASSERT_TRUE(topics.ok()) << topics.status();
  // Replication factor -1: the cluster's default (3).
  t0 = absl::Now();
  absl::Status ensured = events::EnsureTopics(*bootstrap, *topics, kTimeout);
  ASSERT_TRUE(ensured.ok()) << ensured;
  std::printf("EnsureTopics: %s\n",
              absl::FormatDuration(absl::Now() - t0).c_str());
  const std::string topic = "fineprint.analysis.job.v1";
  const std::vector<KafkaRecord> before = Records("before", 60);
  t0 = absl::Now();
  ASSERT_TRUE(ProduceRecords(*bootstrap, topic, before).ok());
  std::printf("produce: %s\n", absl::FormatDuration(absl::Now() - t0).c_str());

  // Two of three replicas stay in sync: acks=all still succeeds
  // (min.insync.replicas=2), whichever node led the partitions.
  ASSERT_TRUE(cluster.broker(1).Kill().ok());
  const std::vector<KafkaRecord> during = Records("during", 60);
  t0 = absl::Now();
  absl::Status produced = ProduceRecords(*bootstrap, topic, during);
  ASSERT_TRUE(produced.ok()) << produced;
  std::printf("produce with a node down: %s\n",
              absl::FormatDuration(absl::Now() - t0).c_str());
  absl::StatusOr<std::string> restarted = cluster.broker(1).Start();
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  std::printf(
      "node 2 start after SIGKILL: %s\n",
      absl::FormatDuration(cluster.broker(1).last_start_duration()).c_str());

  t0 = absl::Now();
  auto consumer = TestConsumer::Create(*bootstrap, "cluster-group", {topic});
  ASSERT_TRUE(consumer.ok()) << consumer.status();
  auto got = (*consumer)->Consume(before.size() + during.size(), kTimeout);
  ASSERT_TRUE(got.ok()) << got.status();
  std::printf("consume all: %s\n",
              absl::FormatDuration(absl::Now() - t0).c_str());
  std::vector<KafkaRecord> all = before;
  all.insert(all.end(), during.begin(), during.end());
  EXPECT_EQ(KeyValues(*got), KeyValues(all));
}

TEST(KafkaBrokerTest, MissingJarsFailWithInstructions) {
  KafkaBrokerOptions options;
  options.kafka_libs = absl::StrCat(std::getenv("TEST_TMPDIR") != nullptr
                                        ? std::getenv("TEST_TMPDIR")
                                        : "/tmp",
                                    "/no-kafka-here");
  KafkaBroker broker(options);
  absl::StatusOr<std::string> bootstrap = broker.Start();
  ASSERT_FALSE(bootstrap.ok());
  EXPECT_EQ(bootstrap.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(bootstrap.status().message(), HasSubstr("install.sh"));
  EXPECT_FALSE(broker.running());
}

}  // namespace
}  // namespace fineprint::testing
