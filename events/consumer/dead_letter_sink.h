#ifndef FINEPRINT_EVENTS_CONSUMER_DEAD_LETTER_SINK_H_
#define FINEPRINT_EVENTS_CONSUMER_DEAD_LETTER_SINK_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "events/consumer/dead_letter.h"
#include "events/consumer/record.h"
#include "events/consumer/record_producer.h"

namespace fineprint::events {

// Where records the consumer gives up on go.
class DeadLetterSink {
 public:
  virtual ~DeadLetterSink() = default;
  // Returns OK only once the record is durably stored: the caller then
  // moves past it for good.
  virtual absl::Status Send(const RawRecord& record,
                            const DeadLetterInfo& info) = 0;
};

// Writes to a Kafka topic (see dead_letter.h for the format) with the same
// key, so a key's dead letters keep their order.
class KafkaDeadLetterSink : public DeadLetterSink {
 public:
  KafkaDeadLetterSink(std::unique_ptr<RecordProducer> producer,
                      std::string topic, absl::Duration timeout)
      : producer_(std::move(producer)),
        topic_(std::move(topic)),
        timeout_(timeout) {}

  absl::Status Send(const RawRecord& record,
                    const DeadLetterInfo& info) override;

 private:
  std::unique_ptr<RecordProducer> producer_;
  const std::string topic_;
  const absl::Duration timeout_;
};

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_CONSUMER_DEAD_LETTER_SINK_H_
