#include "services/notification/signature.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/runtime/crypto/hmac.h"

namespace fineprint::notification {

std::string NewWebhookSecret() {
  return absl::StrCat(kSecretPrefix,
                      absl::Base64Escape(crypto::RandomBytes(kSecretBytes)));
}

absl::StatusOr<std::string> SignatureHeader(
    const std::vector<std::string>& secrets, absl::string_view id,
    int64_t timestamp, absl::string_view body) {
  const std::string content = absl::StrCat(id, ".", timestamp, ".", body);
  std::string header;
  for (const std::string& secret : secrets) {
    std::string key;
    if (!absl::StartsWith(secret, kSecretPrefix) ||
        !absl::Base64Unescape(
            absl::string_view(secret).substr(sizeof(kSecretPrefix) - 1),
            &key) ||
        key.empty()) {
      return absl::InvalidArgumentError("malformed webhook secret");
    }
    const crypto::Sha256Digest mac = crypto::HmacSha256(key, content);
    absl::StrAppend(
        &header, header.empty() ? "" : " ", "v1,",
        absl::Base64Escape(absl::string_view(
            reinterpret_cast<const char*>(mac.data()), mac.size())));
  }
  return header;
}

}  // namespace fineprint::notification
