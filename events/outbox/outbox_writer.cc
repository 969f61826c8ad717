#include "events/outbox/outbox_writer.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "events/contract/event_contract.h"
#include "events/outbox/outbox_signal.h"
#include "services/runtime/status/status.h"
#include "services/runtime/trace/trace.h"
#include "services/runtime/trace/trace_context.h"

namespace fineprint::events {

absl::StatusOr<std::string> OutboxWriter::Append(
    db::Tx& tx, absl::string_view aggregate_id,
    const google::protobuf::Message& event) const {
  FP_ASSIGN_OR_RETURN(EventContract contract,
                      ContractOf(*event.GetDescriptor()));
  if (contract.service != service_) {
    return absl::FailedPreconditionError(
        absl::StrCat(service_, " cannot publish ", contract.type,
                     ", an event of ", contract.service));
  }
  return AppendToAggregate(tx, contract.aggregate, aggregate_id, event);
}

absl::StatusOr<std::string> OutboxWriter::AppendToAggregate(
    db::Tx& tx, absl::string_view aggregate_type,
    absl::string_view aggregate_id,
    const google::protobuf::Message& event) const {
  if (aggregate_type.empty() || aggregate_id.empty()) {
    return absl::InvalidArgumentError("outbox event needs an aggregate");
  }
  std::string payload;
  if (!event.SerializeToString(&payload)) {
    return absl::InternalError("cannot serialize event");
  }
  std::string event_id = trace::NewUuid();
  db::Param traceparent = std::nullopt;
  if (!trace::CurrentTraceparent().empty()) {
    traceparent = trace::CurrentTraceparent();
  }
  FP_RETURN_IF_ERROR(
      tx.Execute(
            "WITH s AS ("
            "  INSERT INTO outbox_sequences AS q (aggregate_type, "
            "aggregate_id, last_seq)"
            "  VALUES ($3, $4, 1) ON CONFLICT (aggregate_type, aggregate_id)"
            "  DO UPDATE SET last_seq = q.last_seq + 1 RETURNING last_seq)"
            " INSERT INTO outbox (event_id, topic, aggregate_type, "
            "aggregate_id, seq,"
            " event_type, source, payload, traceparent)"
            " SELECT $1::uuid, $2, $3, $4, s.last_seq, $5, $6, decode($7, "
            "'hex'), $8"
            " FROM s",
            {event_id, TopicFor(service_, aggregate_type),
             std::string(aggregate_type), std::string(aggregate_id),
             event.GetDescriptor()->full_name(), service_,
             absl::BytesToHexString(payload), traceparent})
          .status());
  // Once per append is fine: Notify is one uncontended lock, and a relay
  // folds any number of notifications into one cycle.
  tx.AfterCommit([] { OutboxSignal::Default().Notify(); });
  return event_id;
}

}  // namespace fineprint::events
