// The relay against a real PostgreSQL, with a scripted publisher: what it
// reads, what it marks, who leads.

#include "events/relay/outbox_relay.h"

#include <map>
#include <set>

#include "absl/synchronization/mutex.h"
#include "events/outbox/outbox_writer.h"
#include "events/relay/cloudevents.h"
#include "events/relay/kafka_publisher.h"
#include "google/protobuf/wrappers.pb.h"
#include "gtest/gtest.h"
#include "infra/migrations/outbox_migrations.h"
#include "services/runtime/db/migrator.h"
#include "services/runtime/db/pg_pool.h"
#include "services/runtime/db/transaction.h"
#include "tests/testing/shared_postgres.h"

namespace fineprint::events {
namespace {

// Records what it was asked to publish; fails the records `fail` selects.
class ScriptedPublisher : public EventPublisher {
 public:
  explicit ScriptedPublisher(std::function<bool(const OutboxRecord&)> fail)
      : fail_(std::move(fail)) {}
  absl::StatusOr<std::vector<bool>> Publish(
      const std::vector<OutboxRecord>& records, absl::Time) override {
    std::vector<bool> ok;
    for (const auto& r : records) {
      ok.push_back(!fail_(r));
      if (ok.back()) sent.push_back(r);
    }
    KeepPerKeyPrefix(records, ok);
    return ok;
  }
  std::vector<OutboxRecord> sent;

 private:
  std::function<bool(const OutboxRecord&)> fail_;
};

class OutboxRelayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dsn = testing::NewTestDatabase("relay");
    ASSERT_TRUE(dsn.ok()) << dsn.status();
    db::PoolOptions options;
    options.dsn = *dsn;
    options.max_connections = 6;
    options.search_path = "svc";
    auto pool = db::NewPgPool(options);
    ASSERT_TRUE(pool.ok());
    pool_ = *std::move(pool);
    ASSERT_TRUE(
        db::Migrate(*pool_, "svc", migrations::OutboxMigrations()).ok());
  }

  // Appends one event per aggregate in `aggregates`, in one transaction.
  absl::Status Write(const std::vector<std::string>& aggregates,
                     bool commit = true) {
    OutboxWriter writer("svc");
    return db::RunInTransaction(*pool_, {}, [&](db::Tx& tx) -> absl::Status {
      for (const auto& a : aggregates) {
        google::protobuf::StringValue v;
        v.set_value(a);
        auto id = writer.AppendToAggregate(tx, "thing", a, v);
        if (!id.ok()) return id.status();
      }
      return commit ? absl::OkStatus() : absl::CancelledError("rollback");
    });
  }

  int64_t Unpublished() {
    int64_t n = -1;
    EXPECT_TRUE(
        db::RunInTransaction(*pool_, {}, [&](db::Tx& tx) -> absl::Status {
          auto r = tx.Execute(
              "SELECT count(*) FROM outbox WHERE published_at IS NULL");
          if (!r.ok()) return r.status();
          n = *(*r)[0].GetInt64(0);
          return absl::OkStatus();
        }).ok());
    return n;
  }

  static RelayOptions TestOptions() {
    RelayOptions options;
    options.service = "svc";
    options.leader_retry_interval = absl::ZeroDuration();
    return options;
  }

  std::unique_ptr<OutboxRelay> Relay(
      ScriptedPublisher** out,
      std::function<bool(const OutboxRecord&)> fail =
          [](const OutboxRecord&) { return false; },
      RelayOptions options = TestOptions()) {
    return std::make_unique<OutboxRelay>(
        pool_.get(),
        [out, fail]() -> absl::StatusOr<std::unique_ptr<EventPublisher>> {
          auto p = std::make_unique<ScriptedPublisher>(fail);
          *out = p.get();
          return std::unique_ptr<EventPublisher>(std::move(p));
        },
        options, &registry_);
  }

  metrics::Registry registry_;
  std::unique_ptr<db::Pool> pool_;
};

TEST_F(OutboxRelayTest, PublishesCommittedEventsInAggregateOrder) {
  ASSERT_TRUE(Write({"a", "b"}).ok());
  ASSERT_TRUE(Write({"a"}).ok());
  ASSERT_FALSE(Write({"a", "c"}, /*commit=*/false).ok());
  ASSERT_TRUE(Write({"a", "c"}).ok());
  ScriptedPublisher* publisher = nullptr;
  auto relay = Relay(&publisher);
  auto n = relay->RunOnce();
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 5);
  EXPECT_EQ(Unpublished(), 0);
  std::map<std::string, std::vector<int64_t>> seqs;
  for (const auto& r : publisher->sent) {
    seqs[r.aggregate_id].push_back(r.seq);
    EXPECT_EQ(r.topic, "fineprint.svc.thing.v1");
    EXPECT_EQ(r.event_type, "google.protobuf.StringValue");
  }
  // The rolled-back transaction used no sequence numbers.
  EXPECT_EQ(seqs["a"], (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(seqs["c"], (std::vector<int64_t>{1}));
  EXPECT_EQ(seqs["b"], (std::vector<int64_t>{1}));
  EXPECT_EQ(*relay->RunOnce(), 0);
}

TEST_F(OutboxRelayTest, MarksOnlyAcknowledgedPrefixPerAggregate) {
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(Write({"k", "other"}).ok());
  ScriptedPublisher* publisher = nullptr;
  bool fail_once = true;
  auto relay = Relay(&publisher, [&](const OutboxRecord& r) {
    if (r.aggregate_id == "k" && r.seq == 2 && fail_once) return true;
    return false;
  });
  auto n = relay->RunOnce();
  EXPECT_EQ(n.status().code(), absl::StatusCode::kUnavailable);
  // k: seq 1 marked; 2 failed; 3, 4 held back behind it. other: all 4.
  EXPECT_EQ(Unpublished(), 3);
  fail_once = false;
  ASSERT_TRUE(relay->RunOnce().ok());
  EXPECT_EQ(Unpublished(), 0);
  std::vector<int64_t> k;
  for (const auto& r : publisher->sent) {
    if (r.aggregate_id == "k") k.push_back(r.seq);
  }
  // Held-back records were sent again in order after the failed one.
  std::vector<int64_t> tail(k.end() - 3, k.end());
  EXPECT_EQ(tail, (std::vector<int64_t>{2, 3, 4}));
}

TEST_F(OutboxRelayTest, OneLeaderAtATimeAndTakeover) {
  ASSERT_TRUE(Write({"x"}).ok());
  ScriptedPublisher* p1 = nullptr;
  ScriptedPublisher* p2 = nullptr;
  auto first = Relay(&p1);
  auto second = Relay(&p2);
  ASSERT_TRUE(first->RunOnce().ok());
  EXPECT_TRUE(first->is_leader());
  EXPECT_FALSE(second->RunOnce().ok());
  EXPECT_FALSE(second->is_leader());
  first.reset();  // releases the lock
  ASSERT_TRUE(Write({"y"}).ok());
  auto n = second->RunOnce();
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_TRUE(second->is_leader());
  EXPECT_EQ(*n, 1);
}

TEST_F(OutboxRelayTest, ExposesBacklogMetrics) {
  ASSERT_TRUE(Write({"m1", "m2", "m3"}).ok());
  ScriptedPublisher* publisher = nullptr;
  auto relay = Relay(&publisher);
  ASSERT_TRUE(relay->RunOnce().ok());
  const std::string text = registry_.Expose();
  EXPECT_NE(text.find("fineprint_outbox_published_total{service=\"svc\"} 3"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("fineprint_outbox_backlog{service=\"svc\"} 3"),
            std::string::npos)
      << "backlog is measured before the batch";
  EXPECT_NE(text.find("fineprint_outbox_relay_leader{service=\"svc\"} 1"),
            std::string::npos);
}

// With polling slowed to 30 s, only the after-commit signal can make the
// running relay publish a new event within seconds.
TEST_F(OutboxRelayTest, CommitWakesTheRunningRelay) {
  absl::Mutex mu;
  std::vector<std::string> published;
  absl::Time picked, acked;
  RelayOptions options = TestOptions();
  options.min_poll_interval = absl::Seconds(30);
  options.max_poll_interval = absl::Seconds(30);
  options.on_published = [&](const std::vector<OutboxRecord>& records,
                             absl::Time picked_at, absl::Time acked_at) {
    absl::MutexLock lock(&mu);
    for (const auto& r : records) published.push_back(r.aggregate_id);
    picked = picked_at;
    acked = acked_at;
  };
  ScriptedPublisher* publisher = nullptr;
  auto relay = Relay(
      &publisher, [](const OutboxRecord&) { return false; }, options);
  relay->Start();
  // The first cycle finds nothing; the loop then waits out its 30 s poll.
  for (int i = 0; i < 200 && !relay->is_leader(); ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_TRUE(relay->is_leader());
  absl::SleepFor(absl::Milliseconds(100));

  const absl::Time committed = absl::Now();
  ASSERT_TRUE(Write({"woken"}).ok());
  auto published_one = [&] { return !published.empty(); };
  {
    absl::MutexLock lock(&mu);
    ASSERT_TRUE(
        mu.AwaitWithTimeout(absl::Condition(&published_one), absl::Seconds(5)))
        << "the relay slept through the commit";
    EXPECT_EQ(published, std::vector<std::string>{"woken"});
    EXPECT_GE(picked, committed);
    EXPECT_GE(acked, picked);
  }
  relay->Stop();
  EXPECT_EQ(Unpublished(), 0);
}

TEST_F(OutboxRelayTest, WithoutTheSignalTheRelayOnlyPolls) {
  RelayOptions options = TestOptions();
  options.min_poll_interval = absl::Seconds(30);
  options.max_poll_interval = absl::Seconds(30);
  options.signal = nullptr;
  ScriptedPublisher* publisher = nullptr;
  auto relay = Relay(
      &publisher, [](const OutboxRecord&) { return false; }, options);
  relay->Start();
  for (int i = 0; i < 200 && !relay->is_leader(); ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_TRUE(relay->is_leader());
  absl::SleepFor(absl::Milliseconds(100));
  ASSERT_TRUE(Write({"unheard"}).ok());
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_EQ(Unpublished(), 1);
}

TEST(CloudEventsTest, HeadersFollowTheKafkaBinding) {
  OutboxRecord r;
  r.event_id = "6f1c1e5e-2d5a-4b7e-9f0a-1234567890ab";
  r.source = "identity";
  r.event_type = "fineprint.identity.events.v1.UserDeleted";
  r.aggregate_id = "u1";
  r.seq = 7;
  r.occurred_at = absl::FromUnixSeconds(1700000000);
  r.traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  std::map<std::string, std::string> h;
  for (auto& [k, v] : CloudEventHeaders(r)) h[k] = v;
  EXPECT_EQ(h["ce_specversion"], "1.0");
  EXPECT_EQ(h["ce_id"], r.event_id);
  EXPECT_EQ(h["ce_source"], "/fineprint/identity");
  EXPECT_EQ(h["ce_type"], r.event_type);
  EXPECT_EQ(h["ce_time"], "2023-11-14T22:13:20.000000Z");
  EXPECT_EQ(h["ce_subject"], "u1");
  EXPECT_EQ(h["ce_fpseq"], "7");
  EXPECT_EQ(h["content-type"], "application/protobuf");
  EXPECT_EQ(h["traceparent"], r.traceparent);
  EXPECT_EQ(h.count("tracestate"), 0u);
}

TEST(KeepPerKeyPrefixTest, ClearsEverythingAfterAFailurePerKey) {
  std::vector<OutboxRecord> records(5);
  const char* keys[] = {"a", "b", "a", "a", "b"};
  for (int i = 0; i < 5; ++i) {
    records[i].topic = "t";
    records[i].aggregate_id = keys[i];
  }
  std::vector<bool> ok = {false, true, true, true, true};
  KeepPerKeyPrefix(records, ok);
  EXPECT_EQ(ok, (std::vector<bool>{false, true, false, false, true}));
}

}  // namespace
}  // namespace fineprint::events
