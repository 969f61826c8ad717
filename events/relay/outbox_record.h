#ifndef FINEPRINT_EVENTS_RELAY_OUTBOX_RECORD_H_
#define FINEPRINT_EVENTS_RELAY_OUTBOX_RECORD_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace fineprint::events {

// One committed outbox row, as the relay reads and publishes it.
struct OutboxRecord {
  int64_t id = 0;
  std::string event_id;  // ce_id
  std::string topic;
  std::string aggregate_type;
  std::string aggregate_id;  // record key, ce_subject
  int64_t seq = 0;           // position in the aggregate's history
  std::string event_type;    // ce_type
  std::string source;        // service name
  std::string payload;       // protobuf bytes
  std::string traceparent;
  std::string tracestate;
  absl::Time occurred_at;  // ce_time
};

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_RELAY_OUTBOX_RECORD_H_
