#ifndef FINEPRINT_EVENTS_CONSUMER_CONSUMER_TESTING_H_
#define FINEPRINT_EVENTS_CONSUMER_CONSUMER_TESTING_H_

// Fixtures for consumer tests against a real broker (SharedKafka) and a
// real PostgreSQL (NewTestDatabase): topics, CloudEvents records, and a
// handler that records its effects in a table without any uniqueness, so
// a doubly applied event would show up as two rows.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "events/consumer/consumer.h"
#include "events/consumer/handler.h"
#include "events/consumer/record.h"
#include "services/runtime/db/pool.h"

namespace fineprint::events::testing {

inline constexpr char kSchema[] = "svc";

struct Env {
  std::string bootstrap;
  std::unique_ptr<db::Pool> pool;  // search_path = kSchema
};

// Broker + fresh database with the inbox migrations and an `effects`
// table (event_id uuid, key text, no constraints) in kSchema.
absl::StatusOr<Env> NewEnv();

// `prefix` plus a process-unique suffix (topics, groups).
std::string Unique(absl::string_view prefix);

absl::Status CreateTopics(const std::string& bootstrap,
                          const std::vector<std::string>& names,
                          int partitions);

// The headers the relay writes, for a fresh or given ce_id.
RecordHeaders CloudEventHeaders(const std::string& ce_id,
                                const std::string& key,
                                const std::string& type = "test.Event",
                                const std::string& traceparent = "");

struct TestRecord {
  std::string key;
  std::string value;
  RecordHeaders headers;
};

// Produces `records` in order and waits for the acknowledgements.
absl::Status Produce(const std::string& bootstrap, const std::string& topic,
                     const std::vector<TestRecord>& records);

// Rows in effects for `event_id`.
absl::StatusOr<int> EffectCount(db::Pool& pool, const std::string& event_id);

// The group's committed offset of `topic`/`partition` (-1: none).
absl::StatusOr<int64_t> CommittedOffset(const std::string& bootstrap,
                                        const std::string& group,
                                        const std::string& topic,
                                        int32_t partition);

// Inserts an effects row per call, then returns what `script` says (OK if
// unset), so a failing call's row must be rolled back with it.
class RecordingHandler : public EventHandler {
 public:
  using Script = std::function<absl::Status(const Event&, int call)>;
  explicit RecordingHandler(Script script = nullptr)
      : script_(std::move(script)) {}

  absl::Status Handle(const Event& event, db::Tx& tx) override;

  // Calls for `ce_id` so far (all of them, failed ones included).
  int Calls(const std::string& ce_id) const;
  int TotalCalls() const;

 private:
  Script script_;
  mutable absl::Mutex mu_;
  std::map<std::string, int> calls_ ABSL_GUARDED_BY(mu_);
};

// Test defaults: fast polls and backoff, short session timeout.
ConsumerOptions TestOptions(const Env& env, const std::string& group,
                            const std::vector<std::string>& topics,
                            const std::string& dead_letter_topic);

}  // namespace fineprint::events::testing

#endif  // FINEPRINT_EVENTS_CONSUMER_CONSUMER_TESTING_H_
