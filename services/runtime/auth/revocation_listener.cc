#include "services/runtime/auth/revocation_listener.h"

#include <algorithm>
#include <utility>

#include "absl/time/clock.h"
#include "events/contract/event_contract.h"
#include "fineprint/identity/events/v1/events.pb.h"
#include "services/runtime/log/log.h"
#include "services/runtime/status/status.h"

namespace fineprint::auth {
namespace {

namespace ev = ::fineprint::identity::events::v1;

constexpr char kEventsMetric[] = "fineprint_revocation_events_total";
constexpr char kEventsHelp[] =
    "Identity events seen by the revocation listener, by type (ce_type; "
    "'other' for types it ignores).";

template <typename Message>
bool Is(const events::Event& event) {
  return event.ce_type == Message::descriptor()->full_name();
}

template <typename Message>
bool Parse(const events::Event& event, Message* out) {
  if (out->ParseFromString(event.payload)) return true;
  log::Warning("revocation event unreadable",
               {{"type", event.ce_type}, {"ce_id", event.ce_id}});
  return false;
}

}  // namespace

RevocationListener::RevocationListener(Revocations* revocations,
                                       GrpcApiKeyVerifier* api_keys,
                                       metrics::Registry* metrics)
    : revocations_(revocations),
      api_keys_(api_keys),
      metrics_(metrics != nullptr ? *metrics : metrics::Registry::Default()),
      delay_(metrics_.GetHistogram(
          "fineprint_revocation_delay_seconds",
          "From identity writing a revocation event to this process applying "
          "it (replays at start-up included).")) {}

RevocationListener::~RevocationListener() { Stop(); }

absl::Status RevocationListener::Start(
    const RevocationListenerOptions& options) {
  if (subscriber_ != nullptr) {
    return absl::FailedPreconditionError("revocation listener already started");
  }
  events::BroadcastOptions broadcast;
  broadcast.bootstrap_servers = options.bootstrap_servers;
  broadcast.topics = options.topics;
  if (broadcast.topics.empty()) {
    for (const auto* type :
         {ev::ApiKeyRevoked::descriptor(), ev::UserDeleted::descriptor(),
          ev::UserRoleChanged::descriptor(),
          ev::RefreshFamilyRevoked::descriptor()}) {
      FP_ASSIGN_OR_RETURN(events::EventContract contract,
                          events::ContractOf(*type));
      if (std::find(broadcast.topics.begin(), broadcast.topics.end(),
                    contract.topic) == broadcast.topics.end()) {
        broadcast.topics.push_back(contract.topic);
      }
    }
  }
  broadcast.name = "revocations";
  broadcast.lookback = options.lookback;
  broadcast.consumer_config = options.consumer_config;
  absl::StatusOr<std::unique_ptr<events::BroadcastSubscriber>> subscriber =
      events::BroadcastSubscriber::Start(
          std::move(broadcast), [this](const events::Event& e) { Apply(e); });
  if (!subscriber.ok()) return subscriber.status();
  subscriber_ = *std::move(subscriber);
  return absl::OkStatus();
}

void RevocationListener::Stop() {
  if (subscriber_ != nullptr) subscriber_->Stop();
}

bool RevocationListener::WaitUntilAssigned(absl::Duration timeout) {
  return subscriber_ != nullptr && subscriber_->WaitUntilAssigned(timeout);
}

void RevocationListener::Count(absl::string_view type) {
  metrics_.GetCounter(kEventsMetric, kEventsHelp, {{"type", std::string(type)}})
      .Increment();
}

void RevocationListener::Apply(const events::Event& event) {
  // ce_time is when identity wrote the event, inside the transaction that
  // made the change: the right "not before" for the user's tokens.
  const absl::Time at = event.ce_time;
  if (Is<ev::ApiKeyRevoked>(event)) {
    ev::ApiKeyRevoked e;
    if (!Parse(event, &e)) return;
    revocations_->RevokeApiKey(e.api_key(), at);
    if (api_keys_ != nullptr) api_keys_->ForgetApiKey(e.api_key());
  } else if (Is<ev::UserDeleted>(event)) {
    ev::UserDeleted e;
    if (!Parse(event, &e)) return;
    revocations_->RevokeUser(e.user(), at);
    // The user's keys were revoked with it (identity's DeleteUser).
    if (api_keys_ != nullptr) api_keys_->ForgetUser(e.user());
  } else if (Is<ev::UserRoleChanged>(event)) {
    ev::UserRoleChanged e;
    if (!Parse(event, &e)) return;
    revocations_->SetUserNotBefore(e.user(), at);
    if (api_keys_ != nullptr) api_keys_->ForgetUser(e.user());
  } else if (Is<ev::RefreshFamilyRevoked>(event)) {
    ev::RefreshFamilyRevoked e;
    if (!Parse(event, &e)) return;
    revocations_->RevokeSession(e.session(), at);
  } else {
    // Bounded label set: identity's other events are not ours to name.
    Count("other");
    return;
  }
  Count(event.ce_type);
  delay_.Observe(absl::ToDoubleSeconds(absl::Now() - at));
}

absl::StatusOr<std::unique_ptr<RevocationListener>> StartRevocationListener(
    const std::string& bootstrap_servers, Revocations* revocations,
    GrpcApiKeyVerifier* api_keys) {
  auto listener = std::make_unique<RevocationListener>(revocations, api_keys);
  RevocationListenerOptions options;
  options.bootstrap_servers = bootstrap_servers;
  if (absl::Status s = listener->Start(options); !s.ok()) return s;
  return listener;
}

}  // namespace fineprint::auth
