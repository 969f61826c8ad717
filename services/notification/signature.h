#ifndef FINEPRINT_SERVICES_NOTIFICATION_SIGNATURE_H_
#define FINEPRINT_SERVICES_NOTIFICATION_SIGNATURE_H_

// Standard Webhooks signing (https://www.standardwebhooks.com): secrets are
// "whsec_" + base64 of random bytes; the signature of one attempt is
// "v1," + base64(HMAC-SHA256(secret bytes, "{id}.{timestamp}.{body}")).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fineprint::notification {

inline constexpr char kSecretPrefix[] = "whsec_";
// The specification asks for 24 to 64 bytes.
inline constexpr size_t kSecretBytes = 32;

// A fresh secret, "whsec_" + base64 of kSecretBytes random bytes.
std::string NewWebhookSecret();

// The webhook-signature header value for one attempt: one "v1,<base64>"
// per secret, space-separated (a rotation's overlap signs with both).
// INVALID_ARGUMENT if a secret is not "whsec_" + base64.
absl::StatusOr<std::string> SignatureHeader(
    const std::vector<std::string>& secrets, absl::string_view id,
    int64_t timestamp, absl::string_view body);

}  // namespace fineprint::notification

#endif  // FINEPRINT_SERVICES_NOTIFICATION_SIGNATURE_H_
