#ifndef FINEPRINT_SERVICES_RUNTIME_AUTH_AUTHENTICATOR_H_
#define FINEPRINT_SERVICES_RUNTIME_AUTH_AUTHENTICATOR_H_

// Turns the credentials a caller presents into a Principal. Shared by the
// gRPC call guard (metadata) and the REST edge (HTTP headers): both extract
// Credentials first, so the rules for which header wins live in one place.

#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "services/runtime/auth/jwt.h"
#include "services/runtime/auth/principal.h"
#include "services/runtime/auth/revocations.h"
#include "services/runtime/auth/token_cache.h"

namespace fineprint::auth {

// API keys travel as `x-api-key: <key>` or `authorization: ApiKey <key>`;
// access tokens as `authorization: Bearer <jwt>`.
struct Credentials {
  std::string bearer_token;
  std::string api_key;
  bool empty() const { return bearer_token.empty() && api_key.empty(); }
};

// `lookup(name)` returns the value of a lower-case header, or nullopt.
// A malformed authorization header is an error, not "no credentials", so a
// typo never silently downgrades a call to anonymous.
absl::StatusOr<Credentials> ExtractCredentials(
    const std::function<std::optional<std::string>(absl::string_view)>& lookup);

class ApiKeyVerifier {
 public:
  virtual ~ApiKeyVerifier() = default;
  // UNAUTHENTICATED for unknown, revoked or expired keys.
  virtual absl::StatusOr<Principal> Verify(absl::string_view api_key) = 0;
};

class Authenticator {
 public:
  // `api_keys` may be null: then API keys are rejected. `revocations` may
  // be null: then only the credentials' own validity counts (identity, which
  // checks its database, needs none). `token_cache` may be null (every token
  // is verified each time); with one, revocations are still checked on
  // every hit, and a token they refuse is evicted.
  Authenticator(PublicKeyResolver* keys, ApiKeyVerifier* api_keys,
                const Revocations* revocations = nullptr,
                VerifiedTokenCache* token_cache = nullptr)
      : keys_(keys),
        api_keys_(api_keys),
        revocations_(revocations),
        token_cache_(token_cache) {}

  // UNAUTHENTICATED (with a stable reason) for invalid credentials.
  absl::StatusOr<Principal> Authenticate(const Credentials& credentials,
                                         absl::Time now = absl::Now());

  // Authenticate's answer when it needs no call to identity (no
  // credentials, or a bearer token in the cache); nullopt otherwise. A
  // caller that moves possibly blocking checks off its I/O threads answers
  // these inline, with the token hashed and looked up once.
  std::optional<absl::StatusOr<Principal>> AuthenticateWithoutBlocking(
      const Credentials& credentials, absl::Time now = absl::Now());

 private:
  // A verified token's principal, once revocations allow it (an entry they
  // refuse leaves the cache).
  absl::StatusOr<Principal> Admit(
      const Claims& claims, bool cached,
      const std::optional<VerifiedTokenCache::Key>& key, absl::Time now);

  PublicKeyResolver* keys_;
  ApiKeyVerifier* api_keys_;
  const Revocations* revocations_;
  VerifiedTokenCache* token_cache_;
};

}  // namespace fineprint::auth

#endif  // FINEPRINT_SERVICES_RUNTIME_AUTH_AUTHENTICATOR_H_
