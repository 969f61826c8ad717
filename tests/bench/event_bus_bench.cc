// Event-bus benchmark, in one run on the same broker and database:
//   - baseline 1: raw outbox INSERT rate (one event per transaction, the
//     same OutboxWriter path, no relay);
//   - baseline 2: raw librdkafka producer rate (idempotent, acks=all, same
//     payload size, same topic);
// then with one relay and again with two relays (both in this process on
// the same schema: one leads, the other waits on the advisory lock):
//   - sustained throughput outbox -> relay -> broker (writers at full
//     speed, until every event is acknowledged), and its ratio to baseline 1;
//   - commit-to-consume latency p50/p99 at a paced 1,000 events/s, broken
//     down into commit -> relay pickup -> broker ack -> consumer;
//   - the same at half the measured INSERT capacity with twice the writers
//     (group commit).
// PostgreSQL runs with durable commits (fsync, synchronous_commit on).
//
//   bazel run -c opt //tests/bench:event_bus_bench -- --seconds=10
//   ... -- --relay_wake=false    # the same with polling alone (before/after)

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <thread>
#include <vector>

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

ABSL_FLAG(int, seconds, 10, "Duration of each throughput and latency phase.");
ABSL_FLAG(int, writers, 4, "Concurrent writer threads.");
ABSL_FLAG(int, latency_rate, 1000, "Events per second in the latency phase.");
ABSL_FLAG(int, max_relays, 2, "Run the relay phases with 1..max_relays.");
ABSL_FLAG(bool, relay_wake, true,
          "Wake the relay after each commit (OutboxSignal); false measures "
          "polling alone, the relay before the signal existed.");

namespace fineprint {
namespace {

constexpr char kTopic[] = "fineprint.identity.user.v1";

google::protobuf::StringValue Payload(int64_t i) {
  google::protobuf::StringValue v;
  v.set_value(
      absl::StrCat("benchmark event payload #", i, std::string(120, 'x')));
  return v;
}

// When one event passed each stage; InfinitePast until it did.
struct Trace {
  absl::Time committed = absl::InfinitePast();
  absl::Time picked = absl::InfinitePast();
  absl::Time acked = absl::InfinitePast();
  absl::Time consumed = absl::InfinitePast();
};

// The traces of the events written while a latency phase records, fed by
// the writers, the relay's on_published hook and the consumer thread.
class Tracer {
 public:
  void Begin() {
    absl::MutexLock lock(&mu_);
    traces_.clear();
    recording_ = true;
  }
  void End() {
    absl::MutexLock lock(&mu_);
    recording_ = false;
  }
  void Committed(const std::string& id, absl::Time t) {
    absl::MutexLock lock(&mu_);
    if (recording_) traces_[id].committed = t;
  }
  void Published(const std::vector<events::OutboxRecord>& records,
                 absl::Time picked, absl::Time acked) {
    absl::MutexLock lock(&mu_);
    for (const auto& r : records) {
      auto it = traces_.find(r.event_id);
      if (it == traces_.end()) continue;
      it->second.picked = picked;
      it->second.acked = acked;
    }
  }
  void Consumed(const std::string& id, absl::Time t) {
    absl::MutexLock lock(&mu_);
    auto it = traces_.find(id);
    if (it != traces_.end()) it->second.consumed = t;
  }
  std::vector<Trace> Complete() {
    absl::MutexLock lock(&mu_);
    std::vector<Trace> out;
    for (const auto& [id, t] : traces_) {
      if (t.committed != absl::InfinitePast() &&
          t.picked != absl::InfinitePast() &&
          t.consumed != absl::InfinitePast()) {
        out.push_back(t);
      }
    }
    return out;
  }
  size_t size() {
    absl::MutexLock lock(&mu_);
    return traces_.size();
  }

 private:
  absl::Mutex mu_;
  bool recording_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, Trace> traces_ ABSL_GUARDED_BY(mu_);
};

// Appends one event per transaction on `writers` threads for `duration`
// (or paced at `rate` events/s when rate > 0). `tracer` (optional) gets the
// moment each COMMIT returned.
int64_t Write(db::Pool& pool, int writers, absl::Duration duration, int rate,
              Tracer* tracer) {
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
              // Registered before the append's own hook, so the commit is
              // stamped before the relay is woken.
              if (tracer != nullptr) {
                tx.AfterCommit([&] { tracer->Committed(id, absl::Now()); });
              }
              auto appended = writer.AppendToAggregate(
                  tx, "user", absl::StrCat("agg-", t, "-", i % 50), Payload(i));
              if (!appended.ok()) return appended.status();
              id = *appended;
              return absl::OkStatus();
            });
        if (s.ok()) ++n;
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

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * (v.size() - 1))];
}

struct LatencyResult {
  double p50 = 0, p99 = 0;
};

// Paced writes while the consumer runs; prints the end-to-end percentiles
// and the stages'.
LatencyResult MeasureLatency(db::Pool& pool, Tracer& tracer, int writers,
                             int rate, absl::Duration phase,
                             absl::string_view label) {
  tracer.Begin();
  const absl::Time t0 = absl::Now();
  const int64_t written = Write(pool, writers, phase, rate, &tracer);
  const double achieved = written / absl::ToDoubleSeconds(absl::Now() - t0);
  absl::SleepFor(absl::Seconds(2));  // the tail reaches the consumer
  tracer.End();
  std::vector<double> total, pickup, ack, consume;
  for (const Trace& t : tracer.Complete()) {
    total.push_back(absl::ToDoubleMilliseconds(t.consumed - t.committed));
    pickup.push_back(absl::ToDoubleMilliseconds(t.picked - t.committed));
    ack.push_back(absl::ToDoubleMilliseconds(t.acked - t.picked));
    consume.push_back(absl::ToDoubleMilliseconds(t.consumed - t.acked));
  }
  LatencyResult r{Percentile(total, 0.5), Percentile(total, 0.99)};
  std::printf(
      "  %-22s %5.0f/s achieved, %d writers: commit->consume p50 %6.2f ms  "
      "p99 %6.2f ms  (%zu of %lld measured)\n",
      std::string(label).c_str(), achieved, writers, r.p50, r.p99, total.size(),
      static_cast<long long>(written));
  std::printf(
      "    breakdown p50/p99 ms: commit->pickup %.2f/%.2f  pickup->broker ack "
      "%.2f/%.2f  ack->consumer %.2f/%.2f\n",
      Percentile(pickup, 0.5), Percentile(pickup, 0.99), Percentile(ack, 0.5),
      Percentile(ack, 0.99), Percentile(consume, 0.5),
      Percentile(consume, 0.99));
  return r;
}

// Reads kTopic from the latest offset and reports each record's ce_id.
class Consumer {
 public:
  Consumer(const std::string& bootstrap, Tracer* tracer)
      : thread_([this, bootstrap, tracer] { Run(bootstrap, tracer); }) {}
  ~Consumer() {
    stop_ = true;
    thread_.join();
  }

 private:
  void Run(const std::string& bootstrap, Tracer* tracer) {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err,
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
    while (!stop_) {
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
        tracer->Consumed(std::string(static_cast<const char*>(v), size), now);
      }
      rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  }

  std::atomic<bool> stop_{false};
  std::thread thread_;
};

int Main() {
  log::SetMinLevel(log::Level::kError);
  const absl::Duration phase = absl::Seconds(absl::GetFlag(FLAGS_seconds));
  const int writers = absl::GetFlag(FLAGS_writers);
  const int rate = absl::GetFlag(FLAGS_latency_rate);

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
  options.max_connections = 2 * writers + 6;
  options.search_path = "bench";
  auto pool = db::NewPgPool(options);
  if (!pool.ok() ||
      !db::Migrate(**pool, "bench", migrations::OutboxMigrations()).ok())
    return 1;

  std::printf(
      "event bus benchmark: %d writers, %d s phases, durable PostgreSQL, 1 "
      "broker, relay %s\n",
      writers, absl::GetFlag(FLAGS_seconds),
      absl::GetFlag(FLAGS_relay_wake) ? "woken after each commit"
                                      : "polling only");

  // Baseline 1: outbox INSERT rate, nobody publishing.
  absl::Time t0 = absl::Now();
  const int64_t inserted = Write(**pool, writers, phase, 0, nullptr);
  const double insert_rate = inserted / absl::ToDoubleSeconds(absl::Now() - t0);
  std::printf("baseline outbox INSERT        %9.0f events/s\n", insert_rate);
  (void)Count(
      **pool,
      "WITH d AS (DELETE FROM outbox RETURNING 1) SELECT count(*) FROM d");

  // Baseline 2: raw producer rate.
  auto publisher = events::KafkaPublisher::Create(*bootstrap, "bench-raw");
  if (!publisher.ok()) return 1;
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

  Tracer tracer;
  Consumer consumer(*bootstrap, &tracer);
  absl::SleepFor(absl::Seconds(5));  // group join and partition assignment

  struct Summary {
    int relays;
    double through;
    LatencyResult at_rate, at_half;
  };
  std::vector<Summary> summaries;
  for (int relays = 1; relays <= absl::GetFlag(FLAGS_max_relays); ++relays) {
    std::printf("with %d relay%s:\n", relays, relays > 1 ? "s" : "");
    std::vector<std::unique_ptr<events::OutboxRelay>> running;
    for (int i = 0; i < relays; ++i) {
      events::RelayOptions relay_options;
      relay_options.service = "bench";
      if (!absl::GetFlag(FLAGS_relay_wake)) relay_options.signal = nullptr;
      relay_options.on_published =
          [&tracer](const std::vector<events::OutboxRecord>& records,
                    absl::Time picked, absl::Time acked) {
            tracer.Published(records, picked, acked);
          };
      auto relay =
          events::StartKafkaRelay(pool->get(), *bootstrap, relay_options);
      if (!relay.ok()) return 1;
      running.push_back(*std::move(relay));
    }
    Summary summary{relays, 0, {}, {}};

    // Throughput: writers at full speed, until drained.
    t0 = absl::Now();
    const int64_t written = Write(**pool, writers, phase, 0, nullptr);
    while (*Count(**pool,
                  "SELECT count(*) FROM outbox WHERE published_at IS NULL") >
           0) {
      absl::SleepFor(absl::Milliseconds(1));
    }
    summary.through = written / absl::ToDoubleSeconds(absl::Now() - t0);
    std::printf(
        "  outbox -> relay -> broker  %9.0f events/s  (%lld events, until "
        "all acknowledged; %.2f of INSERT)\n",
        summary.through, static_cast<long long>(written),
        summary.through / insert_rate);

    summary.at_rate = MeasureLatency(**pool, tracer, writers, rate, phase,
                                     absl::StrCat("paced ", rate, "/s"));
    const int half = static_cast<int>(insert_rate / 2);
    summary.at_half =
        MeasureLatency(**pool, tracer, 2 * writers, half, phase,
                       absl::StrCat("half capacity ", half, "/s"));
    for (auto& r : running) r->Stop();
    summaries.push_back(summary);
  }

  std::printf(
      "summary (targets: p99 <= 5 ms at %d/s, p99 <= 20 ms at half "
      "capacity, throughput >= 0.90 of INSERT):\n",
      rate);
  for (const Summary& s : summaries) {
    std::printf(
        "  %d relay%s: p50/p99 at %d/s %.2f/%.2f ms; at half capacity "
        "%.2f/%.2f ms; throughput %.0f/s = %.2f of INSERT, %.2f of produce\n",
        s.relays, s.relays > 1 ? "s" : " ", rate, s.at_rate.p50, s.at_rate.p99,
        s.at_half.p50, s.at_half.p99, s.through, s.through / insert_rate,
        s.through / produce_rate);
  }
  return 0;
}

}  // namespace
}  // namespace fineprint

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return fineprint::Main();
}
