#ifndef FINEPRINT_SERVICES_NOTIFICATION_UNSUBSCRIBE_H_
#define FINEPRINT_SERVICES_NOTIFICATION_UNSUBSCRIBE_H_

// One-click unsubscribe tokens (RFC 8058 links in every email): the user
// and the categories to switch email off for, HMAC-SHA256-signed with a
// server secret, so the link needs no login and cannot be forged or
// pointed at another user or category.
//
//   base64url("v1\n{org}\n{user}\n{KIND,KIND}") "." base64url(HMAC)

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/notification/model.h"

namespace fineprint::notification {

struct UnsubscribeClaim {
  std::string org;
  std::string user;
  std::vector<v1::NotificationKind> kinds;
};

std::string SignUnsubscribeToken(absl::string_view secret,
                                 const UnsubscribeClaim& claim);

// The claim of a token signed with `secret`: INVALID_ARGUMENT for a
// malformed token, PERMISSION_DENIED for a signature that does not match.
absl::StatusOr<UnsubscribeClaim> VerifyUnsubscribeToken(
    absl::string_view secret, absl::string_view token);

// "{base}/v1/notifications:unsubscribe?token=..."
std::string UnsubscribeUrl(absl::string_view base_url, absl::string_view token);

}  // namespace fineprint::notification

#endif  // FINEPRINT_SERVICES_NOTIFICATION_UNSUBSCRIBE_H_
