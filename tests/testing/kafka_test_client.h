#ifndef FINEPRINT_TESTS_TESTING_KAFKA_TEST_CLIENT_H_
#define FINEPRINT_TESTS_TESTING_KAFKA_TEST_CLIENT_H_

// Plain librdkafka producer/consumer helpers for tests that need to put
// records into a broker (real or mock) and read them back, without the
// production event bus in the way.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "events/kafka/rdkafka_util.h"

namespace fineprint::testing {

struct KafkaRecord {
  std::string key;
  std::string value;
  int32_t partition = -1;  // produce: -1 = by key
  int64_t offset = -1;     // set on consume

  friend bool operator==(const KafkaRecord&, const KafkaRecord&) = default;
};

// The producer settings ProduceRecords starts from: acks=all and
// enable.idempotence=true (what the outbox relay uses).
events::KafkaConfig DefaultTestProducerConfig();

// Produces `records` to `topic` and waits until every one is acknowledged.
// `extra` is applied after DefaultTestProducerConfig().
absl::Status ProduceRecords(absl::string_view bootstrap_servers,
                            absl::string_view topic,
                            const std::vector<KafkaRecord>& records,
                            const events::KafkaConfig& extra = {},
                            absl::Duration timeout = absl::Seconds(30));

// A consumer with manual commits, starting from the earliest offset when
// the group has none committed.
class TestConsumer {
 public:
  // A member of `group_id` subscribed to `topics`.
  static absl::StatusOr<std::unique_ptr<TestConsumer>> Create(
      absl::string_view bootstrap_servers, absl::string_view group_id,
      const std::vector<std::string>& topics,
      const events::KafkaConfig& extra = {});
  // Reads all `partitions` of `topic` by direct assignment, without joining
  // the group: no rebalance wait (librdkafka's mock cluster delays every
  // first join by 3 s). `group_id` still keys Commit/Committed.
  static absl::StatusOr<std::unique_ptr<TestConsumer>> CreateAssigned(
      absl::string_view bootstrap_servers, absl::string_view group_id,
      absl::string_view topic, int partitions,
      const events::KafkaConfig& extra = {});
  ~TestConsumer();
  TestConsumer(const TestConsumer&) = delete;
  TestConsumer& operator=(const TestConsumer&) = delete;

  // Polls until `count` records arrived; DEADLINE_EXCEEDED (naming how many
  // came) if fewer arrive within `timeout`.
  absl::StatusOr<std::vector<KafkaRecord>> Consume(size_t count,
                                                   absl::Duration timeout);
  // Everything that arrives within `duration` (to assert that nothing does).
  absl::StatusOr<std::vector<KafkaRecord>> ConsumeFor(absl::Duration duration);

  // Synchronously commits the offsets of everything consumed so far.
  absl::Status Commit();
  // The group's committed offset per partition of `topic` (absent: none).
  absl::StatusOr<std::map<int32_t, int64_t>> Committed(absl::string_view topic,
                                                       int partitions,
                                                       absl::Duration timeout);

  // Leaves the group. Also done by the destructor.
  absl::Status Close();

  rd_kafka_t* handle() { return rk_.get(); }

 private:
  explicit TestConsumer(events::KafkaHandle rk) : rk_(std::move(rk)) {}
  // One poll; appends a record if one came. Errors other than partition
  // EOF and transient transport errors are returned.
  absl::Status PollOnce(absl::Duration wait, std::vector<KafkaRecord>& out);

  events::KafkaHandle rk_;
  bool closed_ = false;
};

// Partition count of `topic` from cluster metadata (NOT_FOUND if absent).
// Asks for all topics so that no broker auto-creates `topic`.
absl::StatusOr<int> PartitionCount(absl::string_view bootstrap_servers,
                                   absl::string_view topic,
                                   absl::Duration timeout = absl::Seconds(10));

}  // namespace fineprint::testing

#endif  // FINEPRINT_TESTS_TESTING_KAFKA_TEST_CLIENT_H_
