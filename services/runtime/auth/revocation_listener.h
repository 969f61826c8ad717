#ifndef FINEPRINT_SERVICES_RUNTIME_AUTH_REVOCATION_LISTENER_H_
#define FINEPRINT_SERVICES_RUNTIME_AUTH_REVOCATION_LISTENER_H_

// Feeds identity's revocation events into this process's Revocations and
// API-key cache, so a revoked key, a removed user, a changed role or an
// ended session stop working here within the event's propagation time
// (well under a second) instead of at the cache TTL or token expiry:
//
//   ApiKeyRevoked        -> Revocations::RevokeApiKey, verifier ForgetApiKey
//   UserDeleted          -> Revocations::RevokeUser, verifier ForgetUser
//   UserRoleChanged      -> Revocations::SetUserNotBefore, verifier ForgetUser
//   RefreshFamilyRevoked -> Revocations::RevokeSession
//
// Every replica of every service must see every revocation, so this reads
// through an events::BroadcastSubscriber (a consumer group per process, no
// commits, no inbox: applying an event twice is harmless). At start it
// replays the topics' last `lookback`, so a process started after a
// revocation still refuses the tokens it revoked.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "events/consumer/broadcast_subscriber.h"
#include "events/consumer/event.h"
#include "services/runtime/auth/identity_clients.h"
#include "services/runtime/auth/revocations.h"
#include "services/runtime/metrics/metrics.h"

namespace fineprint::auth {

struct RevocationListenerOptions {
  std::string bootstrap_servers;
  // Empty: the topics of the revocation events, from their contracts.
  std::vector<std::string> topics;
  // Replayed at start; as long as a revocation must be remembered.
  absl::Duration lookback = kMaxTokenLifetime + kTokenLeeway;
  // Extra librdkafka properties (TLS, SASL).
  events::KafkaConfig consumer_config;
};

class RevocationListener {
 public:
  // `revocations` is required, `api_keys` may be null (a service that takes
  // no API keys); both borrowed. `metrics` null: the default registry.
  RevocationListener(Revocations* revocations, GrpcApiKeyVerifier* api_keys,
                     metrics::Registry* metrics = nullptr);
  ~RevocationListener();
  RevocationListener(const RevocationListener&) = delete;
  RevocationListener& operator=(const RevocationListener&) = delete;

  // Starts reading the topics (once).
  absl::Status Start(const RevocationListenerOptions& options);
  void Stop();
  // True once the partitions are positioned (readiness, tests).
  bool WaitUntilAssigned(absl::Duration timeout);

  // Applies one event; other event types are counted and ignored. Public
  // for tests; thread-safe.
  void Apply(const events::Event& event);

 private:
  void Count(absl::string_view type);

  Revocations* const revocations_;
  GrpcApiKeyVerifier* const api_keys_;
  metrics::Registry& metrics_;
  metrics::Histogram& delay_;
  std::unique_ptr<events::BroadcastSubscriber> subscriber_;
};

// A started listener for the usual case: identity's topics on
// `bootstrap_servers`, the default lookback.
absl::StatusOr<std::unique_ptr<RevocationListener>> StartRevocationListener(
    const std::string& bootstrap_servers, Revocations* revocations,
    GrpcApiKeyVerifier* api_keys);

}  // namespace fineprint::auth

#endif  // FINEPRINT_SERVICES_RUNTIME_AUTH_REVOCATION_LISTENER_H_
