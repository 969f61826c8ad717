#ifndef FINEPRINT_EVENTS_CONTRACT_EVENT_CONTRACT_H_
#define FINEPRINT_EVENTS_CONTRACT_EVENT_CONTRACT_H_

// What the proto contract says about a domain event: which service
// publishes it, about which aggregate, on which topic. Read from the
// `(fineprint.api.v1.event)` option, so producers and consumers never spell
// a topic and cannot disagree about one.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace fineprint::events {

struct EventContract {
  std::string type;  // full proto name, the CloudEvents ce_type
  std::string
      service;  // "identity", from package fineprint.<service>.events.v1
  std::string aggregate;  // "user"
  std::string topic;      // "fineprint.identity.user.v1"
};

// "fineprint.<service>.<aggregate>.v1".
std::string TopicFor(absl::string_view service, absl::string_view aggregate);

// FAILED_PRECONDITION for a message that is not a domain event: outside a
// fineprint.<service>.events.v1 package or without an aggregate.
absl::StatusOr<EventContract> ContractOf(
    const google::protobuf::Descriptor& descriptor);

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_CONTRACT_EVENT_CONTRACT_H_
