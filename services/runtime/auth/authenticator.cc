#include "services/runtime/auth/authenticator.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "services/runtime/status/status.h"

namespace fineprint::auth {

absl::StatusOr<Credentials> ExtractCredentials(
    const std::function<std::optional<std::string>(absl::string_view)>&
        lookup) {
  Credentials out;
  if (auto key = lookup("x-api-key"); key.has_value()) out.api_key = *key;
  if (auto header = lookup("authorization"); header.has_value()) {
    absl::string_view value = absl::StripAsciiWhitespace(*header);
    if (absl::StartsWithIgnoreCase(value, "bearer ")) {
      out.bearer_token =
          std::string(absl::StripAsciiWhitespace(value.substr(7)));
    } else if (absl::StartsWithIgnoreCase(value, "apikey ")) {
      out.api_key = std::string(absl::StripAsciiWhitespace(value.substr(7)));
    } else {
      return status::WithReason(
          absl::UnauthenticatedError("authorization header must be 'Bearer "
                                     "<token>' or 'ApiKey <key>'"),
          "CREDENTIALS_MALFORMED");
    }
  }
  if (!out.bearer_token.empty() && !out.api_key.empty()) {
    return status::WithReason(
        absl::UnauthenticatedError(
            "send either a token or an API key, not both"),
        "CREDENTIALS_AMBIGUOUS");
  }
  return out;
}

absl::StatusOr<Principal> Authenticator::Authenticate(
    const Credentials& credentials, absl::Time now) {
  if (!credentials.bearer_token.empty()) {
    std::optional<VerifiedTokenCache::Key> key;
    std::optional<Claims> cached;
    if (token_cache_ != nullptr) {
      key = VerifiedTokenCache::KeyOf(credentials.bearer_token);
      cached = token_cache_->Find(*key, now);
    }
    if (cached.has_value()) return Admit(*cached, /*cached=*/true, key, now);
    FP_ASSIGN_OR_RETURN(
        Claims claims,
        VerifyAccessToken(credentials.bearer_token, *keys_, now));
    return Admit(claims, /*cached=*/false, key, now);
  }
  if (!credentials.api_key.empty()) {
    if (api_keys_ == nullptr) {
      return status::WithReason(
          absl::UnauthenticatedError("API keys are not accepted here"),
          "API_KEY_INVALID");
    }
    FP_ASSIGN_OR_RETURN(Principal principal,
                        api_keys_->Verify(credentials.api_key));
    // Also after a cache miss: identity may have answered just before the
    // revocation committed.
    if (revocations_ != nullptr) {
      FP_RETURN_IF_ERROR(revocations_->CheckApiKey(principal, now));
    }
    return principal;
  }
  return status::WithReason(absl::UnauthenticatedError("credentials required"),
                            "CREDENTIALS_MISSING");
}

}  // namespace fineprint::auth

namespace fineprint::auth {

absl::StatusOr<Principal> Authenticator::Admit(
    const Claims& claims, bool cached,
    const std::optional<VerifiedTokenCache::Key>& key, absl::Time now) {
  if (revocations_ != nullptr) {
    if (absl::Status s = revocations_->CheckToken(claims, now); !s.ok()) {
      if (cached) token_cache_->Erase(*key);
      return s;
    }
  }
  if (key.has_value() && !cached) token_cache_->Insert(*key, claims);
  return Principal{claims.subject, claims.organization, claims.role,
                   claims.plan, ""};
}

std::optional<absl::StatusOr<Principal>>
Authenticator::AuthenticateWithoutBlocking(const Credentials& credentials,
                                           absl::Time now) {
  if (credentials.empty()) return Authenticate(credentials, now);
  if (credentials.bearer_token.empty() || token_cache_ == nullptr) {
    return std::nullopt;
  }
  const VerifiedTokenCache::Key key =
      VerifiedTokenCache::KeyOf(credentials.bearer_token);
  std::optional<Claims> cached = token_cache_->Find(key, now);
  if (!cached.has_value()) return std::nullopt;
  return Admit(*cached, /*cached=*/true, key, now);
}

}  // namespace fineprint::auth
