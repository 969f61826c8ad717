#include "services/notification/unsubscribe.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/runtime/crypto/hmac.h"

namespace fineprint::notification {
namespace {

// Domain separation: the secret signs nothing else of this shape.
constexpr char kContext[] = "fineprint-email-unsubscribe\n";

std::string Mac(absl::string_view secret, absl::string_view payload) {
  const crypto::Sha256Digest mac =
      crypto::HmacSha256(secret, absl::StrCat(kContext, payload));
  return std::string(reinterpret_cast<const char*>(mac.data()), mac.size());
}

bool IsIdText(absl::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_') return false;
  }
  return true;
}

}  // namespace

std::string SignUnsubscribeToken(absl::string_view secret,
                                 const UnsubscribeClaim& claim) {
  std::vector<std::string> kinds;
  for (v1::NotificationKind k : claim.kinds) {
    kinds.push_back(v1::NotificationKind_Name(k));
  }
  const std::string payload = absl::StrCat("v1\n", claim.org, "\n", claim.user,
                                           "\n", absl::StrJoin(kinds, ","));
  return absl::StrCat(absl::WebSafeBase64Escape(payload), ".",
                      absl::WebSafeBase64Escape(Mac(secret, payload)));
}

absl::StatusOr<UnsubscribeClaim> VerifyUnsubscribeToken(
    absl::string_view secret, absl::string_view token) {
  const absl::Status malformed =
      absl::InvalidArgumentError("malformed unsubscribe token");
  if (token.size() > 1024) return malformed;
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  std::string payload, mac;
  if (parts.size() != 2 || !absl::WebSafeBase64Unescape(parts[0], &payload) ||
      !absl::WebSafeBase64Unescape(parts[1], &mac)) {
    return malformed;
  }
  if (!crypto::ConstantTimeEquals(mac, Mac(secret, payload))) {
    return absl::PermissionDeniedError("unsubscribe token is not ours");
  }
  std::vector<std::string> fields = absl::StrSplit(payload, '\n');
  if (fields.size() != 4 || fields[0] != "v1" || !IsIdText(fields[1]) ||
      !IsIdText(fields[2])) {
    return malformed;
  }
  UnsubscribeClaim claim{fields[1], fields[2], {}};
  for (absl::string_view name : absl::StrSplit(fields[3], ',')) {
    v1::NotificationKind kind;
    if (!v1::NotificationKind_Parse(std::string(name), &kind) ||
        kind == v1::NOTIFICATION_KIND_UNSPECIFIED) {
      return malformed;
    }
    claim.kinds.push_back(kind);
  }
  return claim;
}

std::string UnsubscribeUrl(absl::string_view base_url,
                           absl::string_view token) {
  // base64url and "." need no percent-encoding in a query.
  return absl::StrCat(absl::StripSuffix(base_url, "/"),
                      "/v1/notifications:unsubscribe?token=", token);
}

}  // namespace fineprint::notification
