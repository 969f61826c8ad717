#ifndef FINEPRINT_EVENTS_CONSUMER_EVENT_H_
#define FINEPRINT_EVENTS_CONSUMER_EVENT_H_

// A CloudEvents 1.0 event (Kafka binding, binary mode) as the relay
// (//events/relay:cloudevents) publishes it: protobuf bytes in the value,
// attributes in ce_* headers.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "events/consumer/record.h"

namespace fineprint::events {

struct Event {
  // Where it was read.
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  // The aggregate id (= ce_subject).
  std::string key;
  // Protobuf bytes of the message named by ce_type.
  std::string payload;

  std::string ce_id;       // UUID; the inbox's deduplication key
  std::string ce_type;     // full proto name
  std::string ce_source;   // "/fineprint/<service>"
  std::string ce_subject;  // aggregate id
  absl::Time ce_time;
  // Position in the aggregate's history (ce_fpseq); 0 if absent.
  int64_t seq = 0;
  // W3C trace context of the call that caused the event; may be empty.
  std::string traceparent;
  std::string tracestate;
};

// Parses `record` into an Event. INVALID_ARGUMENT (a poison record: no
// amount of retrying can process it) when a required attribute (specversion
// 1.0, id, source, type, time) is missing or malformed, ce_id is not a UUID,
// content-type is present and not application/protobuf, or ce_fpseq is not a
// number. Messages name the attribute, never its value.
absl::StatusOr<Event> ParseEvent(const RawRecord& record);

// 8-4-4-4-12 hex digits, either case (the inbox stores it as uuid, so
// case does not matter for deduplication).
bool IsUuid(absl::string_view text);

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_CONSUMER_EVENT_H_
