#ifndef FINEPRINT_EVENTS_TOOL_EVENT_JSON_H_
#define FINEPRINT_EVENTS_TOOL_EVENT_JSON_H_

// Renders Kafka records as one-line JSON objects for people and jq:
//
//   {"topic":"...","partition":0,"offset":12,"timestamp":"...","key":"...",
//    "headers":{"ce_id":"...",...},"type":"fineprint....PlanChanged",
//    "payload":{...proto3 JSON...}}
//
// The payload is decoded through the generated descriptor pool by its
// ce_type (every //protos:*_events library is linked in). A type the pool
// does not know, or bytes that do not parse as it, are shown as
// "payload_base64" with a "payload_error" saying why.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "events/consumer/record.h"

namespace fineprint::events {

// `bytes` parsed as message `type_name` and printed as proto3 JSON.
// NOT_FOUND for a type not linked in, INVALID_ARGUMENT for bytes that do
// not parse.
absl::StatusOr<std::string> PayloadToJson(absl::string_view type_name,
                                          absl::string_view bytes);

// The record as above; never fails (undecodable parts are shown raw).
std::string RecordToJson(const RawRecord& record);

// Full names of the event messages this binary can decode.
std::vector<std::string> KnownEventTypes();

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_TOOL_EVENT_JSON_H_
