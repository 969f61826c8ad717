#ifndef FINEPRINT_EVENTS_RELAY_EVENT_PUBLISHER_H_
#define FINEPRINT_EVENTS_RELAY_EVENT_PUBLISHER_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "events/relay/outbox_record.h"

namespace fineprint::events {

// Publishes outbox records to the broker.
class EventPublisher {
 public:
  virtual ~EventPublisher() = default;

  // Sends `records` in order and waits for their delivery reports until
  // `deadline`. Returns, per record, whether the broker acknowledged it.
  // For each key the acknowledged records form a prefix of that key's
  // records in `records`: a record that failed is never followed by an
  // acknowledged later one of the same key. An error means the publisher
  // is unusable (a fatal idempotence error, or a batch that missed its
  // deadline) and must be recreated.
  virtual absl::StatusOr<std::vector<bool>> Publish(
      const std::vector<OutboxRecord>& records, absl::Time deadline) = 0;
};

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_RELAY_EVENT_PUBLISHER_H_
