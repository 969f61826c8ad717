#include "events/consumer/broadcast_subscriber.h"

#include <set>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "events/consumer/consumer_testing.h"
#include "gtest/gtest.h"
#include "services/runtime/trace/trace.h"
#include "tests/testing/kafka_broker.h"

namespace fineprint::events {
namespace {

// Collects the ce_ids a subscriber delivered.
class Seen {
 public:
  BroadcastSubscriber::Callback Callback() {
    return [this](const Event& e) {
      absl::MutexLock lock(&mu_);
      ids_.push_back(e.ce_id);
    };
  }
  // Waits until `want` were delivered (or `timeout`) and returns them.
  std::set<std::string> WaitFor(size_t want, absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (count() < want && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    absl::MutexLock lock(&mu_);
    return std::set<std::string>(ids_.begin(), ids_.end());
  }
  size_t count() {
    absl::MutexLock lock(&mu_);
    return ids_.size();
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> ids_ ABSL_GUARDED_BY(mu_);
};

class BroadcastSubscriberTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto kafka = fineprint::testing::SharedKafka();
    ASSERT_TRUE(kafka.ok()) << kafka.status();
    bootstrap_ = (*kafka)->bootstrap_servers();
    topic_ = testing::Unique("broadcast");
    ASSERT_TRUE(testing::CreateTopics(bootstrap_, {topic_}, 3).ok());
  }

  // Produces `n` CloudEvents with distinct keys; returns their ce_ids.
  std::set<std::string> ProduceEvents(int n) {
    std::vector<testing::TestRecord> records;
    std::set<std::string> ids;
    for (int i = 0; i < n; ++i) {
      const std::string key = testing::Unique("k");
      RecordHeaders headers = testing::CloudEventHeaders(trace::NewUuid(), key);
      ids.insert(*FindHeader(headers, "ce_id"));
      records.push_back({key, "payload", headers});
    }
    EXPECT_TRUE(testing::Produce(bootstrap_, topic_, records).ok());
    return ids;
  }

  BroadcastOptions Options(absl::Duration lookback = absl::ZeroDuration()) {
    BroadcastOptions options;
    options.bootstrap_servers = bootstrap_;
    options.topics = {topic_};
    options.name = "broadcast-test";
    options.lookback = lookback;
    return options;
  }

  std::string bootstrap_;
  std::string topic_;
};

TEST_F(BroadcastSubscriberTest, EverySubscriberSeesEveryRecord) {
  Seen a, b;
  auto sa = BroadcastSubscriber::Start(Options(), a.Callback());
  auto sb = BroadcastSubscriber::Start(Options(), b.Callback());
  ASSERT_TRUE(sa.ok()) << sa.status();
  ASSERT_TRUE(sb.ok()) << sb.status();
  EXPECT_NE((*sa)->group_id(), (*sb)->group_id());
  ASSERT_TRUE((*sa)->WaitUntilAssigned(absl::Seconds(30)));
  ASSERT_TRUE((*sb)->WaitUntilAssigned(absl::Seconds(30)));

  // A record that is not a CloudEvent is skipped, not fatal.
  ASSERT_TRUE(
      testing::Produce(bootstrap_, topic_, {{"junk", "junk", {}}}).ok());
  const std::set<std::string> ids = ProduceEvents(6);
  EXPECT_EQ(a.WaitFor(6, absl::Seconds(20)), ids);
  EXPECT_EQ(b.WaitFor(6, absl::Seconds(20)), ids);
  (*sa)->Stop();
  (*sb)->Stop();
  EXPECT_EQ(a.count(), 6u);
}

TEST_F(BroadcastSubscriberTest, LookbackReplaysRecentRecordsOnly) {
  const std::set<std::string> before = ProduceEvents(3);
  Seen replaying, fresh;
  auto sr = BroadcastSubscriber::Start(Options(absl::Minutes(5)),
                                       replaying.Callback());
  auto sf = BroadcastSubscriber::Start(Options(), fresh.Callback());
  ASSERT_TRUE(sr.ok()) << sr.status();
  ASSERT_TRUE(sf.ok()) << sf.status();
  ASSERT_TRUE((*sr)->WaitUntilAssigned(absl::Seconds(30)));
  ASSERT_TRUE((*sf)->WaitUntilAssigned(absl::Seconds(30)));
  const std::set<std::string> after = ProduceEvents(2);

  std::set<std::string> all = before;
  all.insert(after.begin(), after.end());
  EXPECT_EQ(replaying.WaitFor(5, absl::Seconds(20)), all);
  EXPECT_EQ(fresh.WaitFor(2, absl::Seconds(20)), after);
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(fresh.count(), 2u) << "a zero lookback starts at the end";
}

TEST(BroadcastSubscriberOptionsTest, RejectsIncompleteOptions) {
  EXPECT_FALSE(BroadcastSubscriber::Start({}, [](const Event&) {}).ok());
  BroadcastOptions options;
  options.bootstrap_servers = "127.0.0.1:1";
  options.topics = {"t"};
  EXPECT_FALSE(BroadcastSubscriber::Start(options, nullptr).ok());
}

}  // namespace
}  // namespace fineprint::events
