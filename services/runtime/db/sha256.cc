#include "services/runtime/db/sha256.h"

#include <sodium.h>

#include "absl/strings/escaping.h"

namespace fineprint::db {

std::string Sha256Hex(absl::string_view data) {
  // sodium_init is idempotent and thread-safe; it only picks CPU-specific
  // implementations, which SHA-256 does not need, so its result is moot.
  static const int initialized = sodium_init();
  (void)initialized;
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(
      digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

}  // namespace fineprint::db
