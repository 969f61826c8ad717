#ifndef FINEPRINT_SERVICES_RUNTIME_CRYPTO_SHA256_H_
#define FINEPRINT_SERVICES_RUNTIME_CRYPTO_SHA256_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace fineprint::crypto {

inline constexpr size_t kSha256Bytes = 32;

using Sha256Digest = std::array<uint8_t, kSha256Bytes>;

// The raw 32-byte SHA-256 of `data`.
Sha256Digest Sha256(absl::string_view data);

// Lowercase hex SHA-256 of `data` (64 characters): the form stored in
// columns and compared across services, so every caller must agree on it.
std::string Sha256Hex(absl::string_view data);

}  // namespace fineprint::crypto

#endif  // FINEPRINT_SERVICES_RUNTIME_CRYPTO_SHA256_H_
