#ifndef FINEPRINT_EVENTS_RELAY_KAFKA_RELAY_H_
#define FINEPRINT_EVENTS_RELAY_KAFKA_RELAY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "events/relay/outbox_relay.h"

namespace fineprint::events {

// Creates the declared topics (idempotently) and starts a relay of the
// outbox behind `pool` to the Kafka cluster at `bootstrap_servers`, with an
// idempotent producer. How services run their relay in-process, and what
// the standalone outbox_relay binary does.
absl::StatusOr<std::unique_ptr<OutboxRelay>> StartKafkaRelay(
    db::Pool* pool, absl::string_view bootstrap_servers, RelayOptions options);

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_RELAY_KAFKA_RELAY_H_
