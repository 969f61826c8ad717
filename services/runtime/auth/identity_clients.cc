#include "services/runtime/auth/identity_clients.h"

#include <sodium.h>

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

JwksClient::JwksClient(std::shared_ptr<idv1::IdentityService::StubInterface> stub,
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

absl::StatusOr<Principal> GrpcApiKeyVerifier::Verify(absl::string_view api_key) {
  std::string digest(crypto_generichash_BYTES, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(digest.data()),
                     digest.size(),
                     reinterpret_cast<const unsigned char*>(api_key.data()),
                     api_key.size(), nullptr, 0);
  const absl::Time now = absl::Now();
  {
    absl::MutexLock lock(&mu_);
    if (auto it = cache_.find(digest); it != cache_.end() && it->second.expires > now) {
      return it->second.principal;
    }
  }
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
  idv1::VerifyApiKeyRequest request;
  request.set_api_key(std::string(api_key));
  idv1::Principal reply;
  FP_RETURN_IF_ERROR(status::FromGrpc(stub_->VerifyApiKey(&ctx, request, &reply)));
  Principal principal{reply.user(), reply.organization(),
                      idv1::Role_Name(reply.role()), idv1::Plan_Name(reply.plan()),
                      reply.api_key()};
  absl::MutexLock lock(&mu_);
  if (cache_.size() > 10000) cache_.clear();  // Bound memory under key spraying.
  cache_[digest] = Entry{principal, now + ttl_};
  return principal;
}

}  // namespace fineprint::auth
