#include "services/runtime/crypto/sha256.h"

#include <sodium.h>

#include "absl/strings/escaping.h"

namespace fineprint::crypto {

static_assert(kSha256Bytes == crypto_hash_sha256_BYTES);

Sha256Digest Sha256(absl::string_view data) {
  // sodium_init is idempotent and thread-safe; it only picks CPU-specific
  // implementations, which SHA-256 does not need, so its result is moot.
  static const int initialized = sodium_init();
  (void)initialized;
  Sha256Digest digest;
  crypto_hash_sha256(digest.data(),
                     reinterpret_cast<const unsigned char*>(data.data()),
                     data.size());
  return digest;
}

std::string Sha256Hex(absl::string_view data) {
  const Sha256Digest digest = Sha256(data);
  return absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(digest.data()), digest.size()));
}

}  // namespace fineprint::crypto
