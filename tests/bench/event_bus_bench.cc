// Event-bus benchmark, in one run on the same broker and database:
//   - baseline 1: raw outbox INSERT rate (one event per transaction, the
//     same OutboxWriter path, no relay);
//   - baseline 2: raw librdkafka producer rate (idempotent, acks=all, same
//     payload size, same topic);
//   - sustained throughput outbox -> relay -> broker (writers at full
//     speed, relay in-process, until every event is acknowledged);
//   - commit-to-consume latency p50/p99 at a paced 1,000 events/s.
// PostgreSQL runs with durable commits (fsync, synchronous_commit on).
//
//   bazel run -c opt //tests/bench:event_bus_bench -- --seconds=10

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "events/outbox/outbox_writer.h"
#include "events/relay/kafka_publisher.h"
#include "events/relay/kafka_relay.h"
#include "events/topics/declared_topics.h"
#include "events/topics/topic_admin.h"
#include "google/protobuf/wrappers.pb.h"
#include "infra/migrations/outbox_migrations.h"
#include "services/runtime/db/migrator.h"
#include "services/runtime/db/pg_pool.h"
#include "services/runtime/db/transaction.h"
#include "services/runtime/log/log.h"
#include "tests/testing/kafka_broker.h"
#include "tests/testing/postgres_server.h"

ABSL_FLAG(int, seconds, 10, "Duration of each throughput phase.");
ABSL_FLAG(int, writers, 4, "Concurrent writer threads.");
ABSL_FLAG(int, latency_rate, 1000, "Events per second in the latency phase.");

namespace fineprint {
namespace {

constexpr char kTopic[] = "fineprint.identity.user.v1";

google::protobuf::StringValue Payload(int64_t i) {
  google::protobuf::StringValue v;
  v.set_value(
      absl::StrCat("benchmark event payload #", i, std::string(120, 'x')));
  return v;
}

// Appends one event per transaction on `writers` threads for `duration`
// (or paced at `rate` events/s when rate > 0). Calls `on_commit(id)`.
template <typename OnCommit>
int64_t Write(db::Pool& pool, int writers, absl::Duration duration, int rate,
              OnCommit on_commit) {
  std::atomic<int64_t> n{0};
  const absl::Time end = absl::Now() + duration;
  std::vector<std::thread> threads;
  for (int t = 0; t < writers; ++t) {
    threads.emplace_back([&, t] {
      events::OutboxWriter writer("identity");
      const absl::Duration gap =
          rate > 0 ? absl::Seconds(1) * writers / rate : absl::ZeroDuration();
      absl::Time next = absl::Now();
      for (int64_t i = 0; absl::Now() < end; ++i) {
        std::string id;
        absl::Status s =
            db::RunInTransaction(pool, {}, [&](db::Tx& tx) -> absl::Status {
              auto appended = writer.AppendToAggregate(
                  tx, "user", absl::StrCat("agg-", t, "-", i % 50), Payload(i));
              if (!appended.ok()) return appended.status();
              id = *appended;
              return absl::OkStatus();
            });
        if (s.ok()) {
          ++n;
          on_commit(id);
        }
        if (rate > 0) {
          next += gap;
          if (next > absl::Now()) absl::SleepFor(next - absl::Now());
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  return n;
}

absl::StatusOr<int64_t> Count(db::Pool& pool, absl::string_view sql) {
  int64_t v = 0;
  absl::Status s =
      db::RunInTransaction(pool, {}, [&](db::Tx& tx) -> absl::Status {
        auto r = tx.Execute(sql);
        if (!r.ok()) return r.status();
        auto x = (*r)[0].GetInt64(0);
        if (!x.ok()) return x.status();
        v = *x;
        return absl::OkStatus();
      });
  if (!s.ok()) return s;
  return v;
}

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * (v.size() - 1))];
}

int Main() {
  log::SetMinLevel(log::Level::kWarning);
  const absl::Duration phase = absl::Seconds(absl::GetFlag(FLAGS_seconds));
  const int writers = absl::GetFlag(FLAGS_writers);

  testing::PostgresServerOptions pg_options;
  pg_options.settings = {"fsync=on", "synchronous_commit=on",
                         "full_page_writes=on"};
  auto pg = testing::PostgresServer::Start(pg_options);
  if (!pg.ok())
    return std::fprintf(stderr, "%s\n", pg.status().ToString().c_str()), 1;
  testing::KafkaBroker broker;
  auto bootstrap = broker.Start();
  if (!bootstrap.ok())
    return std::fprintf(stderr, "%s\n", bootstrap.status().ToString().c_str()),
           1;
  auto topics = events::LoadDeclaredTopics();
  if (!events::EnsureTopics(*bootstrap, *topics, absl::Seconds(30)).ok())
    return 1;

  db::PoolOptions options;
  options.dsn = *(*pg)->CreateDatabase("bench");
  options.max_connections = writers + 4;
  options.search_path = "bench";
  auto pool = db::NewPgPool(options);
  if (!pool.ok() ||
      !db::Migrate(**pool, "bench", migrations::OutboxMigrations()).ok())
    return 1;

  std::printf(
      "event bus benchmark: %d writers, %d s phases, durable PostgreSQL, 1 "
      "broker\n",
      writers, absl::GetFlag(FLAGS_seconds));

  // Baseline 1: outbox INSERT rate, nobody publishing.
  absl::Time t0 = absl::Now();
  const int64_t inserted =
      Write(**pool, writers, phase, 0, [](const std::string&) {});
  const double insert_rate = inserted / absl::ToDoubleSeconds(absl::Now() - t0);
  std::printf("baseline outbox INSERT        %9.0f events/s\n", insert_rate);
  (void)Count(
      **pool,
      "WITH d AS (DELETE FROM outbox RETURNING 1) SELECT count(*) FROM d");

  // Baseline 2: raw producer rate.
  auto publisher = events::KafkaPublisher::Create(*bootstrap, "bench-raw");
  std::vector<events::OutboxRecord> batch;
  for (int i = 0; i < 500; ++i) {
    events::OutboxRecord r;
    r.topic = kTopic;
    r.aggregate_id = absl::StrCat("agg-", i % 200);
    r.payload = Payload(i).SerializeAsString();
    r.event_id = "00000000-0000-4000-8000-000000000000";
    r.event_type = "google.protobuf.StringValue";
    r.source = "bench";
    r.occurred_at = absl::Now();
    batch.push_back(r);
  }
  int64_t produced = 0;
  t0 = absl::Now();
  while (absl::Now() - t0 < phase) {
    auto ok = (*publisher)->Publish(batch, absl::Now() + absl::Seconds(30));
    if (!ok.ok()) return 1;
    for (bool b : *ok) produced += b;
  }
  const double produce_rate =
      produced / absl::ToDoubleSeconds(absl::Now() - t0);
  std::printf(
      "baseline librdkafka produce   %9.0f events/s  (batches of 500, "
      "acks=all)\n",
      produce_rate);
  publisher->reset();

  // Throughput: writers at full speed, relay in-process, until drained.
  events::RelayOptions relay_options;
  relay_options.service = "bench";
  auto relay = events::StartKafkaRelay(pool->get(), *bootstrap, relay_options);
  if (!relay.ok()) return 1;
  t0 = absl::Now();
  const int64_t written =
      Write(**pool, writers, phase, 0, [](const std::string&) {});
  while (*Count(**pool,
                "SELECT count(*) FROM outbox WHERE published_at IS NULL") > 0) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  const double through = written / absl::ToDoubleSeconds(absl::Now() - t0);
  const double lower = std::min(insert_rate, produce_rate);
  std::printf(
      "outbox -> relay -> broker     %9.0f events/s  (%lld events, until all "
      "acknowledged)\n",
      through, static_cast<long long>(written));

  // Latency at a paced rate: commit returned -> record consumed.
  absl::Mutex mu;
  std::map<std::string, absl::Time> committed_at;
  std::vector<double> latencies_ms;
  std::atomic<bool> stop{false};
  std::thread consumer([&] {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap->c_str(), err,
                      sizeof(err));
    rd_kafka_conf_set(conf, "group.id", "bench-latency", err, sizeof(err));
    rd_kafka_conf_set(conf, "auto.offset.reset", "latest", err, sizeof(err));
    rd_kafka_conf_set(conf, "fetch.wait.max.ms", "5", err, sizeof(err));
    rd_kafka_conf_set(conf, "fetch.error.backoff.ms", "5", err, sizeof(err));
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t* list =
        rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, kTopic, RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    while (!stop) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 50);
      if (m == nullptr) continue;
      const absl::Time now = absl::Now();
      rd_kafka_headers_t* hdrs = nullptr;
      const void* v;
      size_t size;
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR &&
          rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR &&
          rd_kafka_header_get_last(hdrs, "ce_id", &v, &size) ==
              RD_KAFKA_RESP_ERR_NO_ERROR) {
        std::string id(static_cast<const char*>(v), size);
        absl::MutexLock lock(&mu);
        auto it = committed_at.find(id);
        if (it != committed_at.end()) {
          latencies_ms.push_back(absl::ToDoubleMilliseconds(now - it->second));
          committed_at.erase(it);
        }
      }
      rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  });
  absl::SleepFor(absl::Seconds(5));  // group join and partition assignment
  const int rate = absl::GetFlag(FLAGS_latency_rate);
  const int64_t paced =
      Write(**pool, writers, phase, rate, [&](const std::string& id) {
        absl::MutexLock lock(&mu);
        committed_at[id] = absl::Now();
      });
  absl::SleepFor(absl::Seconds(2));
  stop = true;
  consumer.join();
  (*relay)->Stop();
  double p50, p99;
  size_t measured;
  {
    absl::MutexLock lock(&mu);
    measured = latencies_ms.size();
    p50 = Percentile(latencies_ms, 0.5);
    p99 = Percentile(latencies_ms, 0.99);
  }
  std::printf(
      "commit-to-consume at %d/s     p50 %.2f ms  p99 %.2f ms  (%zu of %lld "
      "events measured)\n",
      rate, p50, p99, measured, static_cast<long long>(paced));
  std::printf("ratio throughput / lower baseline  %.2f  (target >= 0.50)\n",
              through / lower);
  std::printf("ratio throughput / INSERT baseline %.2f\n",
              through / insert_rate);
  std::printf("ratio throughput / produce baseline %.2f\n",
              through / produce_rate);
  std::printf("p99 commit-to-consume %.2f ms  (target <= 20 ms)\n", p99);
  return 0;
}

}  // namespace
}  // namespace fineprint

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return fineprint::Main();
}
