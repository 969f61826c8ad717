#ifndef FINEPRINT_SERVICES_IDENTITY_OPERATORS_H_
#define FINEPRINT_SERVICES_IDENTITY_OPERATORS_H_

// Platform operators: principals outside every tenant, for platform
// operations such as moving an organisation to another plan (billing's
// decision, never the organisation's own). An operator authenticates to
// identity's gRPC port with an API key whose SHA-256 is configured
// (--platform_operator_key_sha256); the key itself is never stored or
// passed on a command line. Only identity knows these keys: other services
// and the REST edge verify keys through identity's VerifyApiKey, which does
// not accept them, so platform operations are not reachable from the
// public edge.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/runtime/auth/authenticator.h"
#include "services/runtime/auth/principal.h"

namespace fineprint::identity {

// The role of a platform operator principal, as contracts name it.
inline constexpr char kPlatformOperatorRole[] = "PLATFORM_OPERATOR";

// True for a principal that authenticated with an operator key.
bool IsPlatformOperator(const auth::Principal& principal);

// INVALID_ARGUMENT unless every entry is 64 hex digits.
absl::Status ValidateOperatorKeyHashes(const std::vector<std::string>& hashes);

// Operator keys first, then `tenant_keys` (identity's own API keys).
class OperatorKeyVerifier : public auth::ApiKeyVerifier {
 public:
  // `tenant_keys` is borrowed. Hashes are lower-cased SHA-256 hex.
  OperatorKeyVerifier(std::vector<std::string> hashes,
                      auth::ApiKeyVerifier* tenant_keys);

  absl::StatusOr<auth::Principal> Verify(absl::string_view api_key) override;

 private:
  const std::vector<std::string> hashes_;
  auth::ApiKeyVerifier* const tenant_keys_;
};

}  // namespace fineprint::identity

#endif  // FINEPRINT_SERVICES_IDENTITY_OPERATORS_H_
