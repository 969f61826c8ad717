#ifndef FINEPRINT_TESTS_FAULTS_EVENT_BUS_HARNESS_H_
#define FINEPRINT_TESTS_FAULTS_EVENT_BUS_HARNESS_H_

// Runs the event bus for real while faults are injected: its own PostgreSQL
// and Kafka broker, a writer committing events across many aggregates (and
// rolling some back), outbox_relay_server processes that can be killed, and
// a plain librdkafka verifier consuming everything. Then it reconciles what
// was committed with what reached the broker.

#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/runtime/db/pool.h"
#include "tests/testing/kafka_broker.h"
#include "tests/testing/postgres_server.h"

namespace fineprint::faults {

struct Counts {
  int64_t committed = 0;         // events whose transaction committed
  int64_t rolled_back = 0;       // events written then rolled back
  int64_t published = 0;         // distinct committed events seen on the broker
  int64_t consumed = 0;          // records read (duplicates included)
  int64_t lost = 0;              // committed, never seen (must be 0)
  int64_t invented = 0;          // seen, never committed (must be 0)
  int64_t duplicates = 0;        // records read more than once (allowed)
  int64_t order_violations = 0;  // per-aggregate order broken (must be 0)
  std::string ToString() const;
};

class EventBusHarness {
 public:
  static absl::StatusOr<std::unique_ptr<EventBusHarness>> Create();
  ~EventBusHarness();

  // Starts the writer (until StopWriter) at roughly `events_per_second`.
  void StartWriter(int events_per_second);
  void StopWriter();

  // Relay processes: returns an index for Kill/Stop.
  absl::StatusOr<int> StartRelay();
  void KillRelay(int index);  // SIGKILL
  void StopRelay(int index);  // SIGTERM and wait
  bool RelayAlive(int index);

  testing::KafkaBroker& broker() { return *broker_; }
  testing::PostgresServer& postgres() { return *postgres_; }

  // Waits until every committed event was seen (or `timeout`), then counts.
  absl::StatusOr<Counts> Reconcile(absl::Duration timeout);

  int64_t committed_so_far();
  const std::string& dsn() const { return dsn_; }
  // Committed event ids -> aggregate (after Reconcile).
  std::map<std::string, std::string> CommittedEvents();

 private:
  EventBusHarness() = default;
  void WriterLoop(int events_per_second);
  void ConsumerLoop();
  absl::Status ResolveUncertain();

  std::unique_ptr<testing::PostgresServer> postgres_;
  std::unique_ptr<testing::KafkaBroker> broker_;
  std::string dsn_;
  std::unique_ptr<db::Pool> pool_;
  std::string relay_binary_;
  std::vector<pid_t> relays_;

  std::thread writer_;
  std::thread consumer_;
  std::atomic<bool> stop_writer_{false};
  std::atomic<bool> stop_consumer_{false};

  absl::Mutex mu_;
  // event id -> aggregate id, for committed and rolled back events.
  std::map<std::string, std::string> committed_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> rolled_back_ ABSL_GUARDED_BY(mu_);
  // Commit outcome unknown (connection lost during COMMIT): resolved
  // against the table at the end.
  std::map<std::string, std::string> uncertain_ ABSL_GUARDED_BY(mu_);
  // What the verifier saw.
  std::map<std::string, int> seen_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t> max_seq_ ABSL_GUARDED_BY(mu_);
  int64_t consumed_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t order_violations_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace fineprint::faults

#endif  // FINEPRINT_TESTS_FAULTS_EVENT_BUS_HARNESS_H_
