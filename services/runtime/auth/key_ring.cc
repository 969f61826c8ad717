#include "services/runtime/auth/key_ring.h"

#include "absl/strings/str_cat.h"

namespace fineprint::auth {

void StaticKeyResolver::Add(absl::string_view kid, const PublicKey& key) {
  absl::MutexLock lock(&mu_);
  keys_[std::string(kid)] = key;
}

absl::StatusOr<PublicKey> StaticKeyResolver::Resolve(absl::string_view kid) {
  absl::MutexLock lock(&mu_);
  auto it = keys_.find(kid);
  if (it == keys_.end()) return absl::NotFoundError("unknown key id");
  return it->second;
}

}  // namespace fineprint::auth
