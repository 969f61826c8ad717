#ifndef FINEPRINT_EVENTS_RELAY_KAFKA_PUBLISHER_H_
#define FINEPRINT_EVENTS_RELAY_KAFKA_PUBLISHER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "events/kafka/rdkafka_util.h"
#include "events/relay/event_publisher.h"

namespace fineprint::events {

// An idempotent librdkafka producer (acks=all, gap-less): per partition the
// broker accepts records only in order and exactly once per producer
// session, so a timed-out record is never overtaken by a later one of the
// same key. A gap turns into a fatal error, after which the relay builds a
// new publisher and republishes from the outbox.
class KafkaPublisher : public EventPublisher {
 public:
  // `extra` overrides or adds librdkafka settings.
  static absl::StatusOr<std::unique_ptr<KafkaPublisher>> Create(
      absl::string_view bootstrap_servers, absl::string_view client_id,
      const KafkaConfig& extra = {});
  ~KafkaPublisher() override;

  absl::StatusOr<std::vector<bool>> Publish(
      const std::vector<OutboxRecord>& records, absl::Time deadline) override;

 private:
  explicit KafkaPublisher(KafkaHandle producer)
      : producer_(std::move(producer)) {}
  KafkaHandle producer_;
};

// For each key, clears every acknowledgement after the key's first failure,
// so what is marked published is always a per-key prefix.
void KeepPerKeyPrefix(const std::vector<OutboxRecord>& records,
                      std::vector<bool>& delivered);

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_RELAY_KAFKA_PUBLISHER_H_
