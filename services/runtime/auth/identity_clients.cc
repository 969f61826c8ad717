#include "services/runtime/auth/identity_clients.h"

#include <sodium.h>

#include <algorithm>
#include <iterator>

#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "services/runtime/status/status.h"

namespace fineprint::auth {

namespace idv1 = ::fineprint::identity::v1;

absl::StatusOr<std::map<std::string, PublicKey>> ParseKeySet(
    const idv1::PublicKeySet& set) {
  std::map<std::string, PublicKey> out;
  for (const auto& jwk : set.keys()) {
    if (jwk.kty() != "OKP" || jwk.crv() != "Ed25519") continue;
    auto raw = Base64UrlDecode(jwk.x());
    if (!raw.ok() || raw->size() != 32) {
      return absl::DataLossError("JWKS holds a malformed Ed25519 key");
    }
    PublicKey key;
    std::copy(raw->begin(), raw->end(), key.begin());
    out[jwk.kid()] = key;
  }
  return out;
}

JwksClient::JwksClient(
    std::shared_ptr<idv1::IdentityService::StubInterface> stub,
    absl::Duration min_refresh_interval)
    : stub_(std::move(stub)), min_refresh_interval_(min_refresh_interval) {}

absl::Status JwksClient::Refresh() {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
  idv1::PublicKeySet set;
  last_refresh_ = absl::Now();
  FP_RETURN_IF_ERROR(status::FromGrpc(
      stub_->GetPublicKeySet(&ctx, idv1::GetPublicKeySetRequest(), &set)));
  FP_ASSIGN_OR_RETURN(auto keys, ParseKeySet(set));
  keys_.clear();
  for (auto& [kid, key] : keys) keys_[kid] = key;
  return absl::OkStatus();
}

absl::StatusOr<PublicKey> JwksClient::Resolve(absl::string_view kid) {
  absl::MutexLock lock(&mu_);
  if (auto it = keys_.find(kid); it != keys_.end()) return it->second;
  if (absl::Now() - last_refresh_ >= min_refresh_interval_) {
    absl::Status s = Refresh();
    if (!s.ok()) {
      return absl::UnavailableError(
          absl::StrCat("cannot fetch the identity key set: ", s.message()));
    }
    if (auto it = keys_.find(kid); it != keys_.end()) return it->second;
  }
  return absl::NotFoundError("unknown key id");
}

GrpcApiKeyVerifier::GrpcApiKeyVerifier(
    std::shared_ptr<idv1::IdentityService::StubInterface> stub,
    absl::Duration ttl)
    : stub_(std::move(stub)), ttl_(ttl) {}

absl::StatusOr<Principal> GrpcApiKeyVerifier::Verify(
    absl::string_view api_key) {
  std::string digest(crypto_generichash_BYTES, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(digest.data()),
                     digest.size(),
                     reinterpret_cast<const unsigned char*>(api_key.data()),
                     api_key.size(), nullptr, 0);
  uint64_t generation;
  {
    absl::MutexLock lock(&mu_);
    if (auto it = cache_.find(digest);
        it != cache_.end() && it->second.expires > absl::Now()) {
      return it->second.principal;
    }
    generation = generation_;
  }
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
  idv1::VerifyApiKeyRequest request;
  request.set_api_key(std::string(api_key));
  idv1::Principal reply;
  FP_RETURN_IF_ERROR(
      status::FromGrpc(stub_->VerifyApiKey(&ctx, request, &reply)));
  Principal principal{reply.user(), reply.organization(),
                      idv1::Role_Name(reply.role()),
                      idv1::Plan_Name(reply.plan()), reply.api_key()};
  // From when the answer was given, not when it was asked for.
  absl::Time expires = absl::Now() + ttl_;
  if (reply.has_expire_time()) {
    expires =
        std::min(expires, absl::FromUnixSeconds(reply.expire_time().seconds()) +
                              absl::Nanoseconds(reply.expire_time().nanos()));
  }
  absl::MutexLock lock(&mu_);
  if (generation != generation_ || expires <= absl::Now()) return principal;
  if (cache_.size() > 10000)
    cache_.clear();  // Bound memory under key spraying.
  cache_[digest] = Entry{principal, expires};
  return principal;
}

template <typename Pred>
void GrpcApiKeyVerifier::ForgetIf(Pred pred) {
  absl::MutexLock lock(&mu_);
  ++generation_;
  // Linear, but bounded by the cache cap and run once per revocation event.
  for (auto it = cache_.begin(); it != cache_.end();) {
    it = pred(it->second.principal) ? cache_.erase(it) : std::next(it);
  }
}

void GrpcApiKeyVerifier::ForgetApiKey(absl::string_view api_key) {
  ForgetIf([api_key](const Principal& p) { return p.api_key == api_key; });
}

void GrpcApiKeyVerifier::ForgetUser(absl::string_view user) {
  ForgetIf([user](const Principal& p) { return p.user == user; });
}

size_t GrpcApiKeyVerifier::cache_size() const {
  absl::MutexLock lock(&mu_);
  return cache_.size();
}

}  // namespace fineprint::auth
