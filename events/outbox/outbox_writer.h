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

class OutboxWriter {
 public:
  // `service` names the writer in ce_source and topic names ("identity").
  explicit OutboxWriter(std::string service) : service_(std::move(service)) {}

  // Appends domain event `event` about aggregate `aggregate_id` to the
  // outbox of the transaction's schema. Aggregate type and topic come from
  // the event's contract ((fineprint.api.v1.event)); an event of another
  // service, or a message that is not an event, is FAILED_PRECONDITION. The
  // thread's current span (trace::CurrentTraceparent: the RPC, event or job
  // being handled) travels with the row. Returns the event id (a UUID).
  absl::StatusOr<std::string> Append(
      db::Tx& tx, absl::string_view aggregate_id,
      const google::protobuf::Message& event) const;

  // The same for a message outside the contracts, on topic
  // fineprint.<service>.<aggregate_type>.v1: for tests and benchmarks of the
  // event bus itself, which need no domain.
  absl::StatusOr<std::string> AppendToAggregate(
      db::Tx& tx, absl::string_view aggregate_type,
      absl::string_view aggregate_id,
      const google::protobuf::Message& event) const;

  const std::string& service() const { return service_; }

 private:
  std::string service_;
};

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_OUTBOX_OUTBOX_WRITER_H_
