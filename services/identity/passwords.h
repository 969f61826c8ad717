#ifndef FINEPRINT_SERVICES_IDENTITY_PASSWORDS_H_
#define FINEPRINT_SERVICES_IDENTITY_PASSWORDS_H_

// Password hashing with argon2id (libsodium's crypto_pwhash_str, which
// encodes algorithm, salt and cost into the stored string, so costs can be
// raised later without a migration).

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fineprint::identity {

struct PasswordCost {
  unsigned long long ops_limit;
  size_t mem_limit_bytes;
  // libsodium's INTERACTIVE preset: about 64 MiB and 2 passes.
  static PasswordCost Interactive();
};

class PasswordHasher {
 public:
  explicit PasswordHasher(PasswordCost cost) : cost_(cost) {}
  absl::StatusOr<std::string> Hash(absl::string_view password) const;
  bool Verify(absl::string_view stored_hash, absl::string_view password) const;
  // Spends the same time as Verify against a real hash, so a login for an
  // unknown email is not faster than one with a wrong password.
  void VerifyDummy(absl::string_view password) const;

 private:
  PasswordCost cost_;
};

}  // namespace fineprint::identity

#endif  // FINEPRINT_SERVICES_IDENTITY_PASSWORDS_H_
