#ifndef FINEPRINT_EVENTS_CONSUMER_EVENT_ROUTER_H_
#define FINEPRINT_EVENTS_CONSUMER_EVENT_ROUTER_H_

// Dispatches consumed events to handlers registered by message type, so a
// service reading several services' topics writes no dispatcher and spells
// no topic:
//
//   events::EventRouter router;
//   FP_RETURN_IF_ERROR(router.On<identity::events::v1::PlanChanged>(
//       [](const PlanChanged& changed, const events::Event&, db::Tx& tx) {
//         ...
//       }));
//   options.topics = router.Topics();  // one group, every topic it needs
//   events::Consumer::Create(options, &router);
//
// Dispatch goes by ce_type. An event of a type nobody registered (a new
// event on a topic this service reads) is skipped and counted in
// fineprint_consumer_skipped_events_total: producers may add event types
// without breaking consumers. A payload that does not parse as its type is
// INVALID_ARGUMENT, so it is dead-lettered.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "events/consumer/event.h"
#include "events/consumer/handler.h"
#include "google/protobuf/descriptor.h"
#include "services/runtime/db/transaction.h"
#include "services/runtime/metrics/metrics.h"

namespace fineprint::events {

class EventRouter : public EventHandler {
 public:
  template <typename T>
  using TypedHandler = std::function<absl::Status(
      const T& message, const Event& event, db::Tx& tx)>;

  // `metrics` default: metrics::Registry::Default().
  explicit EventRouter(metrics::Registry* metrics = nullptr);

  // Routes events of type T (a domain event with a contract) to `handler`.
  // FAILED_PRECONDITION if T is not an event or already has a handler.
  template <typename T>
  absl::Status On(TypedHandler<T> handler) {
    return Register(*T::descriptor(), [handler = std::move(handler)](
                                          const Event& event, db::Tx& tx) {
      T message;
      if (!message.ParseFromString(event.payload)) {
        return absl::InvalidArgumentError(
            "event payload does not parse as its ce_type");
      }
      return handler(message, event, tx);
    });
  }

  // The topics of every registered type, each once, sorted.
  std::vector<std::string> Topics() const;

  absl::Status Handle(const Event& event, db::Tx& tx) override;

 private:
  using Route = std::function<absl::Status(const Event&, db::Tx&)>;
  absl::Status Register(const google::protobuf::Descriptor& type, Route route);

  metrics::Registry& metrics_;
  std::map<std::string, Route, std::less<>> routes_;  // by ce_type
  std::vector<std::string> topics_;
};

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_CONSUMER_EVENT_ROUTER_H_
