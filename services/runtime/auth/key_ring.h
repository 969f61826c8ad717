#ifndef FINEPRINT_SERVICES_RUNTIME_AUTH_KEY_RING_H_
#define FINEPRINT_SERVICES_RUNTIME_AUTH_KEY_RING_H_

#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/runtime/auth/jwt.h"

namespace fineprint::auth {

// A fixed, in-memory set of public keys (the issuer's own, or a test's).
class StaticKeyResolver : public PublicKeyResolver {
 public:
  void Add(absl::string_view kid, const PublicKey& key);
  absl::StatusOr<PublicKey> Resolve(absl::string_view kid) override;

 private:
  absl::Mutex mu_;
  std::map<std::string, PublicKey, std::less<>> keys_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fineprint::auth

#endif  // FINEPRINT_SERVICES_RUNTIME_AUTH_KEY_RING_H_
