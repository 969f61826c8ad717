// The consuming side under faults, end to end: writer -> outbox -> relay ->
// real broker -> the project's consumer library writing an effect per
// event into PostgreSQL. A consumer dies between its effects and its
// offset commit, a poison record arrives, and the handler fails
// transiently; every committed event's effect must exist exactly once, in
// aggregate order.

#include <cstdio>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "events/consumer/consumer.h"
#include "gtest/gtest.h"
#include "infra/migrations/inbox_migrations.h"
#include "services/runtime/db/migrator.h"
#include "services/runtime/db/pg_pool.h"
#include "services/runtime/db/transaction.h"
#include "tests/faults/event_bus_harness.h"
#include "tests/testing/kafka_test_client.h"

namespace fineprint::faults {
namespace {

constexpr char kSchema[] = "effects";

// Records one effect row per handled event; fails the first attempt of
// every tenth event (transiently) to exercise retries.
class EffectHandler : public events::EventHandler {
 public:
  absl::Status Handle(const events::Event& e, db::Tx& tx) override {
    if (e.seq % 10 == 3) {
      absl::MutexLock lock(&mu_);
      if (failed_once_.insert(e.ce_id).second) {
        ++transient_failures_;
        return absl::UnavailableError("transient failure (injected)");
      }
    }
    return tx
        .Execute(
            "INSERT INTO effects (event_id, aggregate_id, seq) VALUES ($1, $2, "
            "$3)",
            {e.ce_id, e.key, e.seq})
        .status();
  }
  int transient_failures() {
    absl::MutexLock lock(&mu_);
    return transient_failures_;
  }

 private:
  absl::Mutex mu_;
  std::set<std::string> failed_once_ ABSL_GUARDED_BY(mu_);
  int transient_failures_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST(ConsumerFaultsTest, CrashBeforeCommitPoisonAndTransientFailures) {
  auto h = EventBusHarness::Create();
  ASSERT_TRUE(h.ok()) << h.status();
  db::PoolOptions options;
  options.dsn = (*h)->dsn();
  options.max_connections = 4;
  options.search_path = kSchema;
  auto pool = db::NewPgPool(options);
  ASSERT_TRUE(pool.ok());
  ASSERT_TRUE(db::Migrate(**pool, kSchema, migrations::InboxMigrations()).ok());
  ASSERT_TRUE(
      db::RunInTransaction(**pool, {}, [](db::Tx& tx) {
        return tx
            .Execute(
                "CREATE TABLE IF NOT EXISTS effects (event_id uuid,"
                " aggregate_id text, seq bigint, id bigserial PRIMARY KEY)")
            .status();
      }).ok());

  (*h)->StartWriter(800);
  ASSERT_TRUE((*h)->StartRelay().ok());
  const std::string bootstrap = (*h)->broker().bootstrap_servers();
  EffectHandler handler;
  metrics::Registry registry;
  events::ConsumerOptions copts;
  copts.bootstrap_servers = bootstrap;
  copts.group_id = "effects";
  copts.topics = {"fineprint.identity.user.v1"};
  copts.pool = pool->get();
  copts.schema = kSchema;
  copts.backoff.base = absl::Milliseconds(20);
  copts.backoff.max = absl::Milliseconds(200);
  copts.commit_interval = absl::InfiniteDuration();  // only the crash decides
  copts.metrics = &registry;

  // Consumer A processes a few hundred records and "crashes": effects are
  // committed in PostgreSQL, the offsets never reach Kafka.
  auto a = events::Consumer::Create(copts, &handler);
  ASSERT_TRUE(a.ok()) << a.status();
  auto first = (*a)->PollUntil(300, absl::Seconds(60));
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE((*a)->CloseWithoutCommit().ok());
  a->reset();

  // A poison record in the middle of the stream.
  ASSERT_TRUE(testing::ProduceRecords(bootstrap, "fineprint.identity.user.v1",
                                      {{"agg-poison", "not a cloud event"}})
                  .ok());

  // Consumer B takes over the group and runs to the end.
  copts.commit_interval = absl::Seconds(1);
  auto b = events::Consumer::Create(copts, &handler);
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_TRUE((*b)->Start().ok());
  auto counts = (*h)->Reconcile(absl::Seconds(60));
  ASSERT_TRUE(counts.ok()) << counts.status();
  const auto committed = (*h)->CommittedEvents();

  // Wait for the effects of every committed event.
  int64_t applied = 0, duplicated = 0, order_violations = 0;
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (true) {
    std::map<std::string, int> per_event;
    std::map<std::string, int64_t> last_seq;
    order_violations = 0;
    ASSERT_TRUE(
        db::RunInTransaction(**pool, {}, [&](db::Tx& tx) -> absl::Status {
          auto r = tx.Execute(
              "SELECT event_id::text, aggregate_id, seq FROM effects ORDER BY "
              "id");
          if (!r.ok()) return r.status();
          for (db::Row row : *r) {
            const std::string id(row.Value(0));
            const int64_t seq = *row.GetInt64(2);
            if (++per_event[id] == 1) {
              int64_t& last = last_seq[std::string(row.Value(1))];
              if (seq != last + 1) ++order_violations;
              last = seq;
            }
          }
          return absl::OkStatus();
        }).ok());
    applied = 0;
    duplicated = 0;
    for (const auto& [id, n] : per_event) {
      if (committed.count(id)) ++applied;
      duplicated += n - 1;
    }
    if (applied == static_cast<int64_t>(committed.size()) ||
        absl::Now() > deadline)
      break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  ASSERT_TRUE((*b)->Stop().ok());
  const events::ConsumerStats stats = (*b)->stats();
  std::printf(
      "[consumer crash+poison+transient] committed=%lld published=%lld "
      "consumed=%lld "
      "effects_applied=%lld lost=%lld duplicated_effects=%lld "
      "order_violations=%lld "
      "transient_failures=%d dead_lettered=%lld\n",
      static_cast<long long>(counts->committed),
      static_cast<long long>(counts->published),
      static_cast<long long>(counts->consumed), static_cast<long long>(applied),
      static_cast<long long>(static_cast<int64_t>(committed.size()) - applied),
      static_cast<long long>(duplicated),
      static_cast<long long>(order_violations), handler.transient_failures(),
      static_cast<long long>(stats.dead_lettered));
  std::fflush(stdout);
  EXPECT_EQ(counts->lost, 0);
  EXPECT_EQ(applied, static_cast<int64_t>(committed.size()));
  EXPECT_EQ(duplicated, 0);
  EXPECT_EQ(order_violations, 0);
  EXPECT_GT(handler.transient_failures(), 0);
  EXPECT_EQ(stats.dead_lettered, 1) << "the poison record";
}

}  // namespace
}  // namespace fineprint::faults
