#include "events/consumer/event_router.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "events/contract/event_contract.h"
#include "services/runtime/log/log.h"
#include "services/runtime/status/status.h"

namespace fineprint::events {

EventRouter::EventRouter(metrics::Registry* metrics)
    : metrics_(metrics != nullptr ? *metrics : metrics::Registry::Default()) {}

absl::Status EventRouter::Register(const google::protobuf::Descriptor& type,
                                   Route route) {
  FP_ASSIGN_OR_RETURN(EventContract contract, ContractOf(type));
  if (!routes_.emplace(contract.type, std::move(route)).second) {
    return absl::FailedPreconditionError(absl::StrCat(
        "a handler for ", contract.type, " is already registered"));
  }
  if (std::find(topics_.begin(), topics_.end(), contract.topic) ==
      topics_.end()) {
    topics_.push_back(contract.topic);
    std::sort(topics_.begin(), topics_.end());
  }
  return absl::OkStatus();
}

std::vector<std::string> EventRouter::Topics() const { return topics_; }

absl::Status EventRouter::Handle(const Event& event, db::Tx& tx) {
  auto it = routes_.find(event.ce_type);
  if (it == routes_.end()) {
    metrics_
        .GetCounter("fineprint_consumer_skipped_events_total",
                    "Consumed events of a type no handler is registered for.",
                    {{"topic", event.topic}})
        .Increment();
    log::Debug("event type without handler skipped",
               {{"ce_type", event.ce_type}});
    return absl::OkStatus();
  }
  return it->second(event, tx);
}

}  // namespace fineprint::events
