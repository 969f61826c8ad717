#ifndef FINEPRINT_EVENTS_RELAY_CLOUDEVENTS_H_
#define FINEPRINT_EVENTS_RELAY_CLOUDEVENTS_H_

// CloudEvents 1.0, Kafka protocol binding, binary content mode: the record
// value is the event's protobuf bytes; the attributes travel as ce_* headers.

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "events/relay/outbox_record.h"

namespace fineprint::events {

inline constexpr absl::string_view kContentType = "application/protobuf";

// Header names and values for `record`, in a stable order.
std::vector<std::pair<std::string, std::string>> CloudEventHeaders(
    const OutboxRecord& record);

// ce_source of a service: a URI-reference naming the producer.
std::string SourceOf(absl::string_view service);

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_RELAY_CLOUDEVENTS_H_
