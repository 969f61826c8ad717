#ifndef FINEPRINT_SERVICES_RUNTIME_AUTH_JWT_H_
#define FINEPRINT_SERVICES_RUNTIME_AUTH_JWT_H_

// Access tokens: compact JWS with EdDSA (Ed25519, RFC 8037) and a key id.
// Verification accepts exactly one algorithm, so `alg: none` and algorithm
// confusion (HS256 keyed with the public key) are impossible by
// construction rather than by a deny list.

#include <array>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace fineprint::auth {

inline constexpr absl::string_view kTokenIssuer = "fineprint-identity";
inline constexpr absl::string_view kTokenAudience = "fineprint";

using PublicKey = std::array<uint8_t, 32>;

struct SigningKey {
  std::string kid;
  std::array<uint8_t, 64> secret_key;
  PublicKey public_key;

  // A fresh random key pair.
  static SigningKey Generate(absl::string_view kid);
  // Derives the key pair from a 32-byte seed (stored keys, tests).
  static SigningKey FromSeed(absl::string_view kid,
                             const std::array<uint8_t, 32>& seed);
};

struct Claims {
  std::string subject;       // user resource name
  std::string organization;  // orgs/{org}
  std::string role;
  std::string plan;
  std::string token_id;
  absl::Time issued_at;
  absl::Time expires_at;
};

// Finds the public key for a key id. Implementations may fetch and cache.
class PublicKeyResolver {
 public:
  virtual ~PublicKeyResolver() = default;
  // NOT_FOUND when the key id is unknown even after any refresh.
  virtual absl::StatusOr<PublicKey> Resolve(absl::string_view kid) = 0;
};

std::string SignAccessToken(const Claims& claims, const SigningKey& key);

// UNAUTHENTICATED, with a stable ErrorInfo reason, for any token that is
// malformed, signed by an unknown key, tampered with, not yet valid or
// expired.
absl::StatusOr<Claims> VerifyAccessToken(absl::string_view token,
                                         PublicKeyResolver& keys,
                                         absl::Time now);

std::string Base64UrlEncode(absl::string_view bytes);
absl::StatusOr<std::string> Base64UrlDecode(absl::string_view text);

}  // namespace fineprint::auth

#endif  // FINEPRINT_SERVICES_RUNTIME_AUTH_JWT_H_
