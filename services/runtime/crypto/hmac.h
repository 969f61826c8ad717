#ifndef FINEPRINT_SERVICES_RUNTIME_CRYPTO_HMAC_H_
#define FINEPRINT_SERVICES_RUNTIME_CRYPTO_HMAC_H_

#include <string>

#include "absl/strings/string_view.h"
#include "services/runtime/crypto/sha256.h"

namespace fineprint::crypto {

// HMAC-SHA256 (RFC 2104) of `message` under `key` of any length: the raw 32
// bytes, for signatures other systems verify (webhook signatures).
Sha256Digest HmacSha256(absl::string_view key, absl::string_view message);

// Constant-time comparison of two equal-length byte strings (false if the
// lengths differ; the length itself is not secret).
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

// `n` bytes from the operating system's CSPRNG.
std::string RandomBytes(size_t n);

}  // namespace fineprint::crypto

#endif  // FINEPRINT_SERVICES_RUNTIME_CRYPTO_HMAC_H_
