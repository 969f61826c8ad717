#ifndef FINEPRINT_SERVICES_IDENTITY_IDENTITY_SERVICE_H_
#define FINEPRINT_SERVICES_IDENTITY_IDENTITY_SERVICE_H_

// The identity service: organisations (tenants), users and roles, plans,
// login with rotating refresh tokens, API keys, and the public key set the
// rest of the mesh verifies access tokens with.
//
// Handlers are split by area: accounts.cc (sign-up, login, tokens),
// directory.cc (organisation and users), api_keys.cc. Each state change
// and its domain event commit in one transaction.

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "events/outbox/outbox_writer.h"
#include "fineprint/identity/v1/identity.grpc.pb.h"
#include "services/identity/passwords.h"
#include "services/identity/signing_keys.h"
#include "services/identity/store.h"
#include "services/runtime/auth/authenticator.h"
#include "services/runtime/db/pool.h"
#include "services/runtime/db/transaction.h"

namespace fineprint::identity {

struct IdentityConfig {
  absl::Duration access_token_ttl = absl::Minutes(15);
  absl::Duration refresh_token_ttl = absl::Hours(24 * 30);
  PasswordCost password_cost = PasswordCost::Interactive();
  // Consecutive failures before an email is locked; each further failure
  // doubles the lock, from lockout_base up to lockout_max.
  int max_login_failures = 5;
  absl::Duration lockout_base = absl::Seconds(30);
  absl::Duration lockout_max = absl::Minutes(15);
  // SHA-256 hex of the platform operators' API keys (see operators.h): the
  // only callers that may change an organisation's plan.
  std::vector<std::string> platform_operator_key_hashes;
};

class IdentityServiceImpl final
    : public fineprint::identity::v1::IdentityService::Service,
      public auth::ApiKeyVerifier {
 public:
  IdentityServiceImpl(db::Pool* pool, SigningKeyStore* keys,
                      IdentityConfig config);

  // auth::ApiKeyVerifier, for identity's own call guard.
  absl::StatusOr<auth::Principal> Verify(absl::string_view api_key) override;

  // accounts.cc
  grpc::Status SignUp(grpc::ServerContext*, const v1::SignUpRequest*,
                      v1::SignUpResponse*) override;
  grpc::Status Login(grpc::ServerContext*, const v1::LoginRequest*,
                     v1::AuthTokens*) override;
  grpc::Status RefreshToken(grpc::ServerContext*,
                            const v1::RefreshTokenRequest*,
                            v1::AuthTokens*) override;
  grpc::Status Logout(grpc::ServerContext*, const v1::LogoutRequest*,
                      google::protobuf::Empty*) override;
  grpc::Status GetPublicKeySet(grpc::ServerContext*,
                               const v1::GetPublicKeySetRequest*,
                               v1::PublicKeySet*) override;

  // directory.cc
  grpc::Status GetMe(grpc::ServerContext*, const v1::GetMeRequest*,
                     v1::Me*) override;
  grpc::Status GetOrganization(grpc::ServerContext*,
                               const v1::GetOrganizationRequest*,
                               v1::Organization*) override;
  grpc::Status ChangePlan(grpc::ServerContext*, const v1::ChangePlanRequest*,
                          v1::Organization*) override;
  grpc::Status CreateUser(grpc::ServerContext*, const v1::CreateUserRequest*,
                          v1::User*) override;
  grpc::Status GetUser(grpc::ServerContext*, const v1::GetUserRequest*,
                       v1::User*) override;
  grpc::Status ListUsers(grpc::ServerContext*, const v1::ListUsersRequest*,
                         v1::ListUsersResponse*) override;
  grpc::Status UpdateUser(grpc::ServerContext*, const v1::UpdateUserRequest*,
                          v1::User*) override;
  grpc::Status DeleteUser(grpc::ServerContext*, const v1::DeleteUserRequest*,
                          google::protobuf::Empty*) override;

  // api_keys.cc
  grpc::Status CreateApiKey(grpc::ServerContext*,
                            const v1::CreateApiKeyRequest*,
                            v1::CreateApiKeyResponse*) override;
  grpc::Status ListApiKeys(grpc::ServerContext*, const v1::ListApiKeysRequest*,
                           v1::ListApiKeysResponse*) override;
  grpc::Status RevokeApiKey(grpc::ServerContext*,
                            const v1::RevokeApiKeyRequest*,
                            v1::ApiKey*) override;
  grpc::Status VerifyApiKey(grpc::ServerContext*,
                            const v1::VerifyApiKeyRequest*,
                            v1::Principal*) override;

 private:
  // Transaction options bounded by the current call's deadline.
  db::TxOptions TxOptionsForCall() const;

  // Creates a refresh token (in `family`, or a new one) and signs an access
  // token for `user`, inside the caller's transaction.
  absl::StatusOr<v1::AuthTokens> IssueTokens(db::Tx& tx, const UserRecord& user,
                                             absl::string_view plan,
                                             std::optional<std::string> family);

  absl::Status DoSignUp(const v1::SignUpRequest& req, v1::SignUpResponse* resp);
  absl::Status DoLogin(const v1::LoginRequest& req, v1::AuthTokens* resp);
  absl::Status DoRefresh(const v1::RefreshTokenRequest& req,
                         v1::AuthTokens* resp);
  absl::Status DoLogout(const v1::LogoutRequest& req);
  absl::Status DoChangePlan(const v1::ChangePlanRequest& req,
                            v1::Organization* resp);
  absl::Status DoCreateUser(const v1::CreateUserRequest& req, v1::User* resp);
  absl::Status DoListUsers(const v1::ListUsersRequest& req,
                           v1::ListUsersResponse* resp);
  absl::Status DoUpdateUser(const v1::UpdateUserRequest& req, v1::User* resp);
  absl::Status DoDeleteUser(const v1::DeleteUserRequest& req);
  absl::Status DoCreateApiKey(const v1::CreateApiKeyRequest& req,
                              v1::CreateApiKeyResponse* resp);
  absl::Status DoListApiKeys(const v1::ListApiKeysRequest& req,
                             v1::ListApiKeysResponse* resp);
  absl::Status DoRevokeApiKey(const v1::RevokeApiKeyRequest& req,
                              v1::ApiKey* resp);
  // Verify, also returning the key's expiry (nullopt: none) when asked.
  absl::StatusOr<auth::Principal> VerifyKey(
      absl::string_view api_key, std::optional<absl::Time>* expire_time);

  // Login throttle (accounts.cc).
  absl::Status CheckNotLocked(absl::string_view email);
  absl::Status RecordLoginFailure(absl::string_view email);

  db::Pool* const pool_;
  SigningKeyStore* const keys_;
  const IdentityConfig config_;
  const PasswordHasher hasher_;
  const ::fineprint::events::OutboxWriter outbox_{"identity"};
};

// SHA-256 hex of a secret (refresh tokens, API keys): only hashes are stored.
std::string HashSecret(absl::string_view secret);

// A random URL-safe secret with a recognisable prefix ("fprt_", "fpk_").
std::string NewSecret(absl::string_view prefix);

}  // namespace fineprint::identity

#endif  // FINEPRINT_SERVICES_IDENTITY_IDENTITY_SERVICE_H_
