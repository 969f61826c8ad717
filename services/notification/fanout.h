#ifndef FINEPRINT_SERVICES_NOTIFICATION_FANOUT_H_
#define FINEPRINT_SERVICES_NOTIFICATION_FANOUT_H_

// From consumed events to notifications and webhook deliveries, inside the
// consumer's transaction (so an event's effects commit exactly once, with
// its inbox row):
//
// - identity's user events keep `members` (who is in which organisation
//   with which role);
// - every rule of the event's type (table `rules`) renders its templates
//   and writes one notification per member with one of the rule's roles
//   whose preferences want it, each with a NotificationCreated event;
// - every active webhook of the organisation subscribed to the type gets a
//   delivery, and its first attempt goes on the attempts queue.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "events/consumer/event.h"
#include "events/consumer/event_router.h"
#include "events/outbox/outbox_writer.h"
#include "google/protobuf/message.h"
#include "services/notification/email.h"
#include "services/notification/model.h"
#include "services/notification/stream_hub.h"
#include "services/runtime/db/transaction.h"
#include "services/runtime/jobs/job_queue.h"

namespace fineprint::notification {

// The attempts queue's payload: the delivery an attempt is for.
struct AttemptPayload {
  static constexpr char kColumns[] = "delivery_id";
  std::string delivery_id;
  static absl::StatusOr<AttemptPayload> FromRow(const db::Row& row);
  std::vector<db::Param> ToParams() const { return {delivery_id}; }
};

jobs::JobQueueOptions AttemptQueueOptions();

// One notification to write for several members.
struct Notice {
  std::string org;
  std::string event_id;  // what caused it ("" for none)
  v1::NotificationKind kind = v1::SYSTEM;
  v1::Severity severity = v1::SEVERITY_INFO;
  std::string title;
  std::string body;
  std::string link;
};

class Fanout {
 public:
  Fanout(StreamHub* hub, const jobs::JobQueue* attempts)
      : hub_(hub), attempts_(attempts) {}

  // Plans the emails of every notification written (null: no email).
  void set_email(const EmailPlanner* email) { email_ = email; }

  // The rules and webhooks of `event` (any consumed domain event; its
  // `organization` field names the tenant).
  absl::Status OnEvent(const google::protobuf::Message& event,
                       const ::fineprint::events::Event& meta,
                       db::Tx& tx) const;

  // Writes `notice` for every member of its organisation with one of
  // `roles` whose preferences accept it; returns how many.
  absl::StatusOr<int> Notify(db::Tx& tx, const Notice& notice,
                             const std::vector<std::string>& roles) const;

  // Notices parked for `org` while it had no known member go to its members
  // now (called when a member becomes known).
  absl::Status ReleaseParked(db::Tx& tx, absl::string_view org) const;

  // Queues an attempt of delivery `id` after `delay`.
  absl::Status EnqueueAttempt(db::Tx& tx, absl::string_view org,
                              absl::string_view delivery_id,
                              absl::Duration delay) const;

 private:
  // Keeps `notice` for the first member when its organisation has none
  // known yet (see infra/migrations/notification/0003_parked_notices.sql).
  absl::Status ParkIfNoMembers(db::Tx& tx, const Notice& notice,
                               const std::vector<std::string>& roles) const;
  absl::Status CreateDeliveries(db::Tx& tx, absl::string_view org,
                                const google::protobuf::Message& event,
                                const ::fineprint::events::Event& meta) const;

  StreamHub* const hub_;
  const jobs::JobQueue* const attempts_;
  const EmailPlanner* email_ = nullptr;
  const ::fineprint::events::OutboxWriter outbox_{kService};
};

// The envelope a webhook receives: {"type", "timestamp", "data"}.
absl::StatusOr<std::string> WebhookBody(const google::protobuf::Message& event,
                                        absl::Time time);

// Registers the consumers: identity's user events (the member projection)
// and every event type with rules or webhooks.
absl::Status RegisterConsumers(::fineprint::events::EventRouter& router,
                               const Fanout* fanout);

}  // namespace fineprint::notification

#endif  // FINEPRINT_SERVICES_NOTIFICATION_FANOUT_H_
