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

// Tolerated clock skew between the issuer and a verifier.
inline constexpr absl::Duration kTokenLeeway = absl::Seconds(30);
// A token's lifetime cannot exceed this, whatever it claims. So no token
// issued before time T verifies after T + kMaxTokenLifetime + kTokenLeeway,
// which bounds how long a revocation has to be remembered.
inline constexpr absl::Duration kMaxTokenLifetime = absl::Hours(24);

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
  // The refresh-token family (login session) the token was issued in, claim
  // `sid`; empty in tokens issued before sessions were signed. Last, and
  // default-initialised, so positional initialisers of the fields above keep
  // compiling under -Wmissing-field-initializers.
  std::string session_id = {};
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
