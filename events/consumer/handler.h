#ifndef FINEPRINT_EVENTS_CONSUMER_HANDLER_H_
#define FINEPRINT_EVENTS_CONSUMER_HANDLER_H_

#include "absl/status/status.h"
#include "events/consumer/event.h"
#include "services/runtime/db/transaction.h"

namespace fineprint::events {

// What a service does with the events it consumes.
class EventHandler {
 public:
  virtual ~EventHandler() = default;

  // Applies `event` through `tx`. The consumer runs this in the transaction
  // that also records the event in the inbox, so the effect commits exactly
  // once per consumer group. It may be called more than once for one event
  // (retries after a failure, serialization-failure restarts, redelivery
  // when an earlier run's outcome was unknown), but at most one call's
  // transaction commits: keep every effect inside `tx`.
  //
  // Return a retryable code (UNAVAILABLE, ABORTED, DEADLINE_EXCEEDED,
  // RESOURCE_EXHAUSTED) for failures that may pass, anything else (e.g.
  // INVALID_ARGUMENT for a payload that does not parse, FAILED_PRECONDITION)
  // to dead-letter the event at once. Return database errors unchanged.
  virtual absl::Status Handle(const Event& event, db::Tx& tx) = 0;
};

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_CONSUMER_HANDLER_H_
