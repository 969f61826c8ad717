#ifndef FINEPRINT_EVENTS_OUTBOX_OUTBOX_WRITER_H_
#define FINEPRINT_EVENTS_OUTBOX_OUTBOX_WRITER_H_

// The write side of the transactional outbox. A service appends its domain
// events inside the same database transaction as the state change they
// describe; the relay (//events/relay) publishes committed rows to Kafka.
// So an event exists if and only if its state change committed.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "services/runtime/db/transaction.h"

namespace fineprint::events {

// "fineprint.<service>.<aggregate_type>.v1": one topic per aggregate type,
// so every event of one aggregate lands in one topic, keyed by its id.
std::string TopicFor(absl::string_view service, absl::string_view aggregate_type);

class OutboxWriter {
 public:
  // `service` names the writer in ce_source and topic names ("identity").
  explicit OutboxWriter(std::string service) : service_(std::move(service)) {}

  // Appends `event` about aggregate `aggregate_type`/`aggregate_id` to the
  // outbox of the transaction's schema. The trace context of the call being
  // served, if any, travels with the row. Returns the event id (a UUID).
  absl::StatusOr<std::string> Append(db::Tx& tx, absl::string_view aggregate_type,
                                     absl::string_view aggregate_id,
                                     const google::protobuf::Message& event) const;

  const std::string& service() const { return service_; }

 private:
  std::string service_;
};

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_OUTBOX_OUTBOX_WRITER_H_
