#include "events/consumer/consumer_testing.h"

#include <unistd.h>

#include <atomic>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "events/consumer/record_producer.h"
#include "events/topics/topic_admin.h"
#include "infra/migrations/inbox_migrations.h"
#include "services/runtime/db/migrator.h"
#include "services/runtime/db/pg_pool.h"
#include "services/runtime/db/transaction.h"
#include "services/runtime/trace/trace.h"
#include "tests/testing/kafka_broker.h"
#include "tests/testing/kafka_test_client.h"
#include "tests/testing/shared_postgres.h"

namespace fineprint::events::testing {

absl::StatusOr<Env> NewEnv() {
  absl::StatusOr<fineprint::testing::KafkaBroker*> kafka =
      fineprint::testing::SharedKafka();
  if (!kafka.ok()) return kafka.status();
  absl::StatusOr<std::string> dsn = fineprint::testing::NewTestDatabase("cons");
  if (!dsn.ok()) return dsn.status();
  db::PoolOptions pool_options;
  pool_options.dsn = *dsn;
  pool_options.search_path = kSchema;
  pool_options.max_connections = 4;
  absl::StatusOr<std::unique_ptr<db::Pool>> pool = db::NewPgPool(pool_options);
  if (!pool.ok()) return pool.status();
  std::vector<db::Migration> migrations =
      fineprint::migrations::InboxMigrations();
  migrations.push_back(
      {"test/0001_effects.sql",
       "CREATE TABLE effects (event_id uuid NOT NULL,"
       " key text NOT NULL,"
       " at timestamptz NOT NULL DEFAULT clock_timestamp());"});
  if (absl::Status s = db::Migrate(**pool, kSchema, migrations); !s.ok()) {
    return s;
  }
  Env env;
  env.bootstrap = (*kafka)->bootstrap_servers();
  env.pool = *std::move(pool);
  return env;
}

std::string Unique(absl::string_view prefix) {
  static std::atomic<int> counter{0};
  return absl::StrCat(prefix, "-", getpid(), "-", counter.fetch_add(1), "-",
                      absl::ToUnixMicros(absl::Now()) % 1000000);
}

absl::Status CreateTopics(const std::string& bootstrap,
                          const std::vector<std::string>& names,
                          int partitions) {
  std::vector<TopicSpec> specs;
  for (const std::string& name : names) {
    TopicSpec spec;
    spec.name = name;
    spec.partitions = partitions;
    specs.push_back(spec);
  }
  return EnsureTopics(bootstrap, specs, absl::Seconds(30));
}

RecordHeaders CloudEventHeaders(const std::string& ce_id,
                                const std::string& key, const std::string& type,
                                const std::string& traceparent) {
  RecordHeaders headers = {
      {"ce_specversion", "1.0"},
      {"ce_id", ce_id},
      {"ce_source", "/fineprint/test"},
      {"ce_type", type},
      {"ce_time",
       absl::FormatTime(absl::RFC3339_full, absl::Now(), absl::UTCTimeZone())},
      {"ce_subject", key},
      {"content-type", "application/protobuf"},
      {"ce_fpseq", "1"},
  };
  if (!traceparent.empty()) headers.emplace_back("traceparent", traceparent);
  return headers;
}

absl::Status Produce(const std::string& bootstrap, const std::string& topic,
                     const std::vector<TestRecord>& records) {
  absl::StatusOr<std::unique_ptr<RecordProducer>> producer =
      RecordProducer::Create(bootstrap, "consumer-test-producer");
  if (!producer.ok()) return producer.status();
  for (const TestRecord& r : records) {
    absl::StatusOr<ProducedAt> at = (*producer)->Produce(
        topic, r.key, r.value, r.headers, absl::Now() + absl::Seconds(30));
    if (!at.ok()) return at.status();
  }
  return absl::OkStatus();
}

absl::StatusOr<int> EffectCount(db::Pool& pool, const std::string& event_id) {
  int count = 0;
  absl::Status status =
      db::RunInTransaction(pool, {}, [&](db::Tx& tx) -> absl::Status {
        absl::StatusOr<db::Result> r =
            tx.Execute("SELECT count(*) FROM effects WHERE event_id = $1::uuid",
                       {event_id});
        if (!r.ok()) return r.status();
        absl::StatusOr<int64_t> n = r->row(0).GetInt64(0);
        if (!n.ok()) return n.status();
        count = static_cast<int>(*n);
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return count;
}

absl::StatusOr<int64_t> CommittedOffset(const std::string& bootstrap,
                                        const std::string& group,
                                        const std::string& topic,
                                        int32_t partition) {
  // Assigned, not subscribed: asks the coordinator without joining, so
  // the group under test is not rebalanced.
  auto reader = fineprint::testing::TestConsumer::CreateAssigned(
      bootstrap, group, topic, partition + 1);
  if (!reader.ok()) return reader.status();
  auto committed =
      (*reader)->Committed(topic, partition + 1, absl::Seconds(10));
  if (!committed.ok()) return committed.status();
  auto it = committed->find(partition);
  return it == committed->end() ? -1 : it->second;
}

absl::Status RecordingHandler::Handle(const Event& event, db::Tx& tx) {
  int call = 0;
  {
    absl::MutexLock lock(&mu_);
    call = ++calls_[event.ce_id];
  }
  absl::StatusOr<db::Result> r =
      tx.Execute("INSERT INTO effects (event_id, key) VALUES ($1::uuid, $2)",
                 {event.ce_id, event.key});
  if (!r.ok()) return r.status();
  return script_ ? script_(event, call) : absl::OkStatus();
}

int RecordingHandler::Calls(const std::string& ce_id) const {
  absl::MutexLock lock(&mu_);
  auto it = calls_.find(ce_id);
  return it == calls_.end() ? 0 : it->second;
}

int RecordingHandler::TotalCalls() const {
  absl::MutexLock lock(&mu_);
  int total = 0;
  for (const auto& [id, n] : calls_) total += n;
  return total;
}

ConsumerOptions TestOptions(const Env& env, const std::string& group,
                            const std::vector<std::string>& topics,
                            const std::string& dead_letter_topic) {
  ConsumerOptions options;
  options.bootstrap_servers = env.bootstrap;
  options.group_id = group;
  options.topics = topics;
  options.pool = env.pool.get();
  options.schema = kSchema;
  options.backoff.base = absl::Milliseconds(10);
  options.backoff.max = absl::Milliseconds(50);
  options.poll_timeout = absl::Milliseconds(50);
  options.dead_letter_topic = dead_letter_topic;
  options.dead_letter_timeout = absl::Seconds(20);
  options.consumer_config = {{"session.timeout.ms", "6000"},
                             {"heartbeat.interval.ms", "500"},
                             {"topic.metadata.refresh.interval.ms", "1000"}};
  return options;
}

}  // namespace fineprint::events::testing
