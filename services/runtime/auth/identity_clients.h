#ifndef FINEPRINT_SERVICES_RUNTIME_AUTH_IDENTITY_CLIENTS_H_
#define FINEPRINT_SERVICES_RUNTIME_AUTH_IDENTITY_CLIENTS_H_

// How services other than identity resolve credentials: the JWKS and API
// keys are fetched from the identity service over gRPC and cached.

#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "fineprint/identity/v1/identity.grpc.pb.h"
#include "services/runtime/auth/authenticator.h"
#include "services/runtime/auth/jwt.h"

namespace fineprint::auth {

// Converts identity's JWKS entries (OKP/Ed25519) into public keys.
absl::StatusOr<std::map<std::string, PublicKey>> ParseKeySet(
    const fineprint::identity::v1::PublicKeySet& set);

// Caches identity's public key set; an unknown key id triggers a refresh
// (at most one per `min_refresh_interval`, so forged kids cannot turn every
// request into a call to identity).
class JwksClient : public PublicKeyResolver {
 public:
  JwksClient(
      std::shared_ptr<fineprint::identity::v1::IdentityService::StubInterface>
          stub,
      absl::Duration min_refresh_interval = absl::Seconds(5));
  absl::StatusOr<PublicKey> Resolve(absl::string_view kid) override;

 private:
  absl::Status Refresh() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  std::shared_ptr<fineprint::identity::v1::IdentityService::StubInterface>
      stub_;
  const absl::Duration min_refresh_interval_;
  absl::Mutex mu_;
  std::map<std::string, PublicKey, std::less<>> keys_ ABSL_GUARDED_BY(mu_);
  absl::Time last_refresh_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

// Resolves API keys through identity's VerifyApiKey, caching positive
// answers until min(now + ttl, the key's own expire_time). Without events a
// revoked key stops working within `ttl`; a RevocationListener makes it
// immediate by calling ForgetApiKey / ForgetUser. Thread-safe.
class GrpcApiKeyVerifier : public ApiKeyVerifier {
 public:
  GrpcApiKeyVerifier(
      std::shared_ptr<fineprint::identity::v1::IdentityService::StubInterface>
          stub,
      absl::Duration ttl = absl::Seconds(30));
  absl::StatusOr<Principal> Verify(absl::string_view api_key) override;

  // Drop cached answers for key `api_key` (orgs/{org}/apiKeys/{key}), or
  // for every key acting as `user`; the next use asks identity again.
  void ForgetApiKey(absl::string_view api_key);
  void ForgetUser(absl::string_view user);

  // Cached answers (tests).
  size_t cache_size() const;

 private:
  struct Entry {
    Principal principal;
    absl::Time expires;
  };
  template <typename Pred>
  void ForgetIf(Pred pred);

  std::shared_ptr<fineprint::identity::v1::IdentityService::StubInterface>
      stub_;
  const absl::Duration ttl_;
  mutable absl::Mutex mu_;
  // Keyed by a hash of the key, so the cache never holds secrets.
  std::map<std::string, Entry> cache_ ABSL_GUARDED_BY(mu_);
  // Bumped by every Forget*: an answer fetched across a Forget may predate
  // the revocation, so it is returned but not cached.
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace fineprint::auth

#endif  // FINEPRINT_SERVICES_RUNTIME_AUTH_IDENTITY_CLIENTS_H_
