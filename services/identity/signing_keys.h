#ifndef FINEPRINT_SERVICES_IDENTITY_SIGNING_KEYS_H_
#define FINEPRINT_SERVICES_IDENTITY_SIGNING_KEYS_H_

// The Ed25519 keys identity signs access tokens with. They live in the
// database so every identity instance signs with, and publishes, the same
// set; the JWKS lists every key not yet retired.

#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "fineprint/identity/v1/identity.pb.h"
#include "services/runtime/auth/jwt.h"
#include "services/runtime/db/pool.h"

namespace fineprint::identity {

class SigningKeyStore : public auth::PublicKeyResolver {
 public:
  explicit SigningKeyStore(db::Pool* pool) : pool_(pool) {}

  // Loads the keys, creating the first one if there is none. Safe to run
  // from several instances at once.
  absl::Status Load();

  // The key new tokens are signed with (the newest active one).
  auth::SigningKey Active() const;

  // Unknown ids trigger a reload (another instance may have rotated), at
  // most once a second.
  absl::StatusOr<auth::PublicKey> Resolve(absl::string_view kid) override;

  void FillKeySet(fineprint::identity::v1::PublicKeySet* set) const;

 private:
  absl::Status Reload() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  db::Pool* const pool_;
  mutable absl::Mutex mu_;
  std::map<std::string, auth::SigningKey, std::less<>> keys_
      ABSL_GUARDED_BY(mu_);
  std::string active_kid_ ABSL_GUARDED_BY(mu_);
  absl::Time last_reload_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace fineprint::identity

#endif  // FINEPRINT_SERVICES_IDENTITY_SIGNING_KEYS_H_
