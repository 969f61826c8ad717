#include "services/identity/passwords.h"

#include <sodium.h>

#include <cstdlib>

namespace fineprint::identity {

PasswordCost PasswordCost::Interactive() {
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE,
          crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

absl::StatusOr<std::string> PasswordHasher::Hash(
    absl::string_view password) const {
  if (sodium_init() < 0) std::abort();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            cost_.ops_limit, cost_.mem_limit_bytes,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::ResourceExhaustedError("password hashing ran out of memory");
  }
  return std::string(out);
}

bool PasswordHasher::Verify(absl::string_view stored_hash,
                            absl::string_view password) const {
  if (sodium_init() < 0) std::abort();
  const std::string hash(stored_hash);  // needs NUL termination
  return crypto_pwhash_str_verify(hash.c_str(), password.data(),
                                  password.size()) == 0;
}

void PasswordHasher::VerifyDummy(absl::string_view password) const {
  static const std::string* dummy = [this] {
    auto h = Hash("dummy password for timing equalisation");
    return new std::string(h.ok() ? *h : "");
  }();
  (void)Verify(*dummy, password);
}

}  // namespace fineprint::identity
