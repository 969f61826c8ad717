#include "events/consumer/dead_letter_sink.h"

#include "absl/time/clock.h"

namespace fineprint::events {

absl::Status KafkaDeadLetterSink::Send(const RawRecord& record,
                                       const DeadLetterInfo& info) {
  absl::StatusOr<ProducedAt> at = producer_->Produce(
      topic_, record.key, record.value, DeadLetterHeaders(record.headers, info),
      absl::Now() + timeout_);
  return at.status();
}

}  // namespace fineprint::events
