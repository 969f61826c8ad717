#ifndef FINEPRINT_EVENTS_CONSUMER_RECORD_PRODUCER_H_
#define FINEPRINT_EVENTS_CONSUMER_RECORD_PRODUCER_H_

// Produces one record at a time and waits for the broker's acknowledgement:
// the dead-letter path stores a consumed offset only after its DLQ copy is
// durable, and the CLI's replay reports what was really written. Idempotent
// (enable.idempotence, acks=all), so librdkafka's internal retries neither
// duplicate nor reorder records.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "events/consumer/record.h"
#include "events/kafka/rdkafka_util.h"

namespace fineprint::events {

struct ProducedAt {
  int32_t partition = -1;
  int64_t offset = -1;
};

class RecordProducer {
 public:
  // `extra` is applied after the defaults (TLS, SASL, tuning).
  static absl::StatusOr<std::unique_ptr<RecordProducer>> Create(
      absl::string_view bootstrap_servers, absl::string_view client_id,
      const KafkaConfig& extra = {});
  ~RecordProducer();
  RecordProducer(const RecordProducer&) = delete;
  RecordProducer& operator=(const RecordProducer&) = delete;

  // Produces to `topic` (partitioned by key with the relay's murmur2
  // partitioner) and waits until it is acknowledged or `deadline` passes.
  // On DEADLINE_EXCEEDED the record may still be written later.
  // Thread-compatible: one call at a time.
  absl::StatusOr<ProducedAt> Produce(absl::string_view topic,
                                     const std::optional<std::string>& key,
                                     const std::optional<std::string>& value,
                                     const RecordHeaders& headers,
                                     absl::Time deadline);

 private:
  explicit RecordProducer(KafkaHandle rk) : rk_(std::move(rk)) {}

  KafkaHandle rk_;
};

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_CONSUMER_RECORD_PRODUCER_H_
