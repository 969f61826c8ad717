#include "services/identity/operators.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/runtime/crypto/sha256.h"

namespace fineprint::identity {
namespace {

// No early exit on the first differing byte: timing tells nothing about
// how much of a guess was right.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

}  // namespace

bool IsPlatformOperator(const auth::Principal& principal) {
  return principal.role == kPlatformOperatorRole &&
         principal.organization.empty();
}

absl::Status ValidateOperatorKeyHashes(const std::vector<std::string>& hashes) {
  for (const std::string& h : hashes) {
    bool hex = h.size() == 64;
    for (char c : h) hex = hex && absl::ascii_isxdigit(c);
    if (!hex) {
      return absl::InvalidArgumentError(
          "a platform operator key hash must be 64 hex digits (sha256sum of "
          "the key)");
    }
  }
  return absl::OkStatus();
}

OperatorKeyVerifier::OperatorKeyVerifier(std::vector<std::string> hashes,
                                         auth::ApiKeyVerifier* tenant_keys)
    : hashes_([&] {
        for (std::string& h : hashes) h = absl::AsciiStrToLower(h);
        return std::move(hashes);
      }()),
      tenant_keys_(tenant_keys) {}

absl::StatusOr<auth::Principal> OperatorKeyVerifier::Verify(
    absl::string_view api_key) {
  if (!hashes_.empty()) {
    const std::string hash = crypto::Sha256Hex(api_key);
    for (const std::string& h : hashes_) {
      if (ConstantTimeEquals(hash, h)) {
        auth::Principal p;
        // Names the key (not the secret) in logs and audit trails.
        p.user = absl::StrCat("operators/", hash.substr(0, 12));
        p.api_key = p.user;
        p.role = kPlatformOperatorRole;
        return p;
      }
    }
  }
  return tenant_keys_->Verify(api_key);
}

}  // namespace fineprint::identity
