#include "tests/faults/event_bus_harness.h"

#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <random>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "events/outbox/outbox_writer.h"
#include "events/topics/declared_topics.h"
#include "events/topics/topic_admin.h"
#include "google/protobuf/wrappers.pb.h"
#include "infra/migrations/outbox_migrations.h"
#include "services/runtime/db/migrator.h"
#include "services/runtime/db/pg_pool.h"
#include "services/runtime/db/transaction.h"
#include "services/runtime/status/status.h"

namespace fineprint::faults {
namespace {

constexpr char kSchema[] = "faults";
constexpr char kTopic[] = "fineprint.identity.user.v1";
constexpr int kAggregates = 200;

absl::Status Deliberate() {
  return absl::FailedPreconditionError("deliberate rollback");
}

std::string RelayBinary() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  if (srcdir == nullptr) return "bazel-bin/events/relay/outbox_relay_server";
  return absl::StrCat(srcdir, "/", workspace ? workspace : "fineprint",
                      "/events/relay/outbox_relay_server");
}

}  // namespace

std::string Counts::ToString() const {
  return absl::StrCat("committed=", committed, " rolled_back=", rolled_back,
                      " published=", published, " consumed=", consumed,
                      " lost=", lost, " invented=", invented,
                      " duplicates=", duplicates,
                      " order_violations=", order_violations);
}

absl::StatusOr<std::unique_ptr<EventBusHarness>> EventBusHarness::Create() {
  std::unique_ptr<EventBusHarness> h(new EventBusHarness());
  // Durable commits: a restart (even an immediate one) must not lose a
  // transaction the writer saw commit. The shared test fixture trades
  // that away for speed; this harness must not.
  testing::PostgresServerOptions pg;
  pg.settings = {"fsync=on", "synchronous_commit=on", "full_page_writes=on"};
  FP_ASSIGN_OR_RETURN(h->postgres_, testing::PostgresServer::Start(pg));
  FP_ASSIGN_OR_RETURN(h->dsn_, h->postgres_->CreateDatabase("faults"));
  h->broker_ = std::make_unique<testing::KafkaBroker>();
  FP_ASSIGN_OR_RETURN(std::string bootstrap, h->broker_->Start());
  FP_ASSIGN_OR_RETURN(auto topics, events::LoadDeclaredTopics());
  FP_RETURN_IF_ERROR(
      events::EnsureTopics(bootstrap, topics, absl::Seconds(30)));

  db::PoolOptions options;
  options.dsn = h->dsn_;
  options.max_connections = 4;
  options.search_path = kSchema;
  options.acquire_timeout = absl::Seconds(2);
  FP_ASSIGN_OR_RETURN(h->pool_, db::NewPgPool(options));
  FP_RETURN_IF_ERROR(
      db::Migrate(*h->pool_, kSchema, migrations::OutboxMigrations()));
  h->relay_binary_ = RelayBinary();
  h->consumer_ = std::thread([p = h.get()] { p->ConsumerLoop(); });
  return h;
}

EventBusHarness::~EventBusHarness() {
  StopWriter();
  for (size_t i = 0; i < relays_.size(); ++i) KillRelay(static_cast<int>(i));
  stop_consumer_ = true;
  if (consumer_.joinable()) consumer_.join();
}

void EventBusHarness::StartWriter(int events_per_second) {
  stop_writer_ = false;
  writer_ =
      std::thread([this, events_per_second] { WriterLoop(events_per_second); });
}

void EventBusHarness::StopWriter() {
  stop_writer_ = true;
  if (writer_.joinable()) writer_.join();
}

int64_t EventBusHarness::committed_so_far() {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(committed_.size());
}

std::map<std::string, std::string> EventBusHarness::CommittedEvents() {
  absl::MutexLock lock(&mu_);
  return committed_;
}

void EventBusHarness::WriterLoop(int events_per_second) {
  events::OutboxWriter writer("identity");
  std::mt19937 rng(42);
  const absl::Duration per_event = absl::Seconds(1) / events_per_second;
  absl::Time next = absl::Now();
  while (!stop_writer_) {
    const int n = 1 + static_cast<int>(rng() % 3);
    const bool rollback = rng() % 10 == 0;
    std::vector<std::pair<std::string, std::string>> written;
    absl::Status s =
        db::RunInTransaction(*pool_, {}, [&](db::Tx& tx) -> absl::Status {
          written.clear();
          for (int i = 0; i < n; ++i) {
            const std::string aggregate =
                absl::StrCat("agg-", rng() % kAggregates);
            google::protobuf::StringValue payload;
            payload.set_value(aggregate);
            FP_ASSIGN_OR_RETURN(
                std::string id,
                writer.AppendToAggregate(tx, "user", aggregate, payload));
            written.emplace_back(id, aggregate);
          }
          return rollback ? Deliberate() : absl::OkStatus();
        });
    {
      absl::MutexLock lock(&mu_);
      for (auto& [id, aggregate] : written) {
        if (s.ok()) {
          committed_[id] = aggregate;
        } else if (rollback && s.message() == "deliberate rollback") {
          rolled_back_.insert(id);
        } else {
          uncertain_[id] = aggregate;
        }
      }
    }
    if (!s.ok() && !rollback)
      absl::SleepFor(absl::Milliseconds(50));  // e.g. PG down
    next += per_event * n;
    const absl::Time now = absl::Now();
    if (next > now) {
      absl::SleepFor(next - now);
    } else if (now - next > absl::Seconds(1)) {
      next = now;  // do not burst after an outage
    }
  }
}

void EventBusHarness::ConsumerLoop() {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers",
                    broker_->bootstrap_servers().c_str(), err, sizeof(err));
  rd_kafka_conf_set(conf, "group.id", "fault-verifier", err, sizeof(err));
  rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", err, sizeof(err));
  rd_kafka_conf_set(conf, "isolation.level", "read_committed", err,
                    sizeof(err));
  // Broker outages are the point of these tests: keep librdkafka quiet.
  rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
  rd_kafka_conf_set_error_cb(conf, [](rd_kafka_t*, int, const char*, void*) {});
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  if (rk == nullptr) return;
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, kTopic, RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  while (!stop_consumer_) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::string key(static_cast<const char*>(m->key), m->key_len);
      std::string id;
      int64_t seq = -1;
      rd_kafka_headers_t* hdrs = nullptr;
      if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const void* v;
        size_t size;
        if (rd_kafka_header_get_last(hdrs, "ce_id", &v, &size) ==
            RD_KAFKA_RESP_ERR_NO_ERROR) {
          id.assign(static_cast<const char*>(v), size);
        }
        if (rd_kafka_header_get_last(hdrs, "ce_fpseq", &v, &size) ==
            RD_KAFKA_RESP_ERR_NO_ERROR) {
          (void)absl::SimpleAtoi(std::string(static_cast<const char*>(v), size),
                                 &seq);
        }
      }
      absl::MutexLock lock(&mu_);
      ++consumed_;
      const bool first = seen_[id]++ == 0;
      int64_t& max = max_seq_[key];
      // A new event must be the next in its aggregate; a repeat may be old.
      if (first && seq != max + 1) ++order_violations_;
      if (seq > max) max = seq;
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
}

absl::StatusOr<int> EventBusHarness::StartRelay() {
  const std::string log_path =
      absl::StrCat(postgres_->dir(), "/relay-", relays_.size(), ".log");
  const std::string dsn_flag = absl::StrCat("--pg_dsn=", dsn_);
  const std::string kafka_flag =
      absl::StrCat("--kafka_bootstrap_servers=", broker_->bootstrap_servers());
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    // The test process blocks no signals the relay needs, but its sigwait
    // needs SIGTERM blocked: InitRuntime does that itself.
    execl(relay_binary_.c_str(), relay_binary_.c_str(), dsn_flag.c_str(),
          "--schema=faults", kafka_flag.c_str(), "--relay_admin_port=-1",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  relays_.push_back(pid);
  return static_cast<int>(relays_.size() - 1);
}

void EventBusHarness::KillRelay(int index) {
  pid_t& pid = relays_[index];
  if (pid <= 0) return;
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  pid = 0;
}

void EventBusHarness::StopRelay(int index) {
  pid_t& pid = relays_[index];
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  pid = 0;
}

bool EventBusHarness::RelayAlive(int index) {
  return relays_[index] > 0 && waitpid(relays_[index], nullptr, WNOHANG) == 0;
}

absl::Status EventBusHarness::ResolveUncertain() {
  std::map<std::string, std::string> uncertain;
  {
    absl::MutexLock lock(&mu_);
    uncertain.swap(uncertain_);
  }
  if (uncertain.empty()) return absl::OkStatus();
  std::vector<std::string> ids;
  for (const auto& [id, aggregate] : uncertain) ids.push_back(id);
  std::set<std::string> found;
  FP_RETURN_IF_ERROR(
      db::RunInTransaction(*pool_, {}, [&](db::Tx& tx) -> absl::Status {
        FP_ASSIGN_OR_RETURN(
            db::Result r,
            tx.Execute("SELECT event_id::text FROM outbox WHERE event_id = "
                       "ANY($1::uuid[])",
                       {absl::StrCat("{", absl::StrJoin(ids, ","), "}")}));
        for (db::Row row : r) found.insert(std::string(row.Value(0)));
        return absl::OkStatus();
      }));
  absl::MutexLock lock(&mu_);
  for (const auto& [id, aggregate] : uncertain) {
    if (found.count(id)) {
      committed_[id] = aggregate;
    } else {
      rolled_back_.insert(id);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Counts> EventBusHarness::Reconcile(absl::Duration timeout) {
  StopWriter();
  // The database may just have been restarted: retry until it answers.
  absl::Status resolved;
  for (int i = 0; i < 50; ++i) {
    resolved = ResolveUncertain();
    if (resolved.ok()) break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  FP_RETURN_IF_ERROR(resolved);
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    {
      absl::MutexLock lock(&mu_);
      bool all = true;
      for (const auto& [id, aggregate] : committed_) {
        if (seen_.count(id) == 0) {
          all = false;
          break;
        }
      }
      if (all) break;
    }
    absl::SleepFor(absl::Milliseconds(200));
  }
  absl::SleepFor(absl::Milliseconds(500));  // late duplicates, if any
  absl::MutexLock lock(&mu_);
  Counts c;
  c.committed = static_cast<int64_t>(committed_.size());
  c.rolled_back = static_cast<int64_t>(rolled_back_.size());
  c.consumed = consumed_;
  c.order_violations = order_violations_;
  for (const auto& [id, aggregate] : committed_) {
    if (seen_.count(id)) {
      ++c.published;
    } else {
      ++c.lost;
    }
  }
  for (const auto& [id, n] : seen_) {
    if (committed_.count(id) == 0) ++c.invented;
    if (n > 1) c.duplicates += n - 1;
  }
  return c;
}

}  // namespace fineprint::faults
