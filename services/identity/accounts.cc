// Sign-up, login, refresh-token rotation, logout and the public key set.

#include <sodium.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "fineprint/identity/events/v1/events.pb.h"
#include "google/protobuf/util/time_util.h"
#include "services/identity/identity_service.h"
#include "services/identity/validation.h"
#include "services/runtime/api/idempotency.h"
#include "services/runtime/api/resource_name.h"
#include "services/runtime/auth/jwt.h"
#include "services/runtime/crypto/sha256.h"
#include "services/runtime/db/sqlstate.h"
#include "services/runtime/log/log.h"
#include "services/runtime/server/call_context.h"
#include "services/runtime/status/status.h"
#include "services/runtime/trace/trace.h"

namespace fineprint::identity {
namespace {

namespace events_v1 = ::fineprint::identity::events::v1;
using google::protobuf::util::TimeUtil;

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

absl::Status InvalidCredentials() {
  // One message for unknown email and wrong password: no account probing.
  return status::WithReason(
      absl::UnauthenticatedError("invalid email or password"),
      "INVALID_CREDENTIALS");
}

absl::Status InvalidRefreshToken(absl::string_view reason) {
  return status::WithReason(absl::UnauthenticatedError("invalid refresh token"),
                            reason);
}

// Appended in the transaction that revokes the family, so every service
// drops the session's access tokens now rather than at their expiry.
absl::Status AppendFamilyRevoked(
    const ::fineprint::events::OutboxWriter& outbox, db::Tx& tx,
    const std::string& family, const std::string& org_id,
    const std::string& user_id,
    events_v1::RefreshFamilyRevoked::Reason reason) {
  events_v1::RefreshFamilyRevoked event;
  event.set_user(UserName(org_id, user_id));
  event.set_organization(OrgName(org_id));
  event.set_session(family);
  event.set_reason(reason);
  return outbox.Append(tx, user_id, event).status();
}

}  // namespace

std::string HashSecret(absl::string_view secret) {
  return crypto::Sha256Hex(secret);
}

std::string NewSecret(absl::string_view prefix) {
  if (sodium_init() < 0) std::abort();
  std::string raw(32, '\0');
  randombytes_buf(raw.data(), raw.size());
  return absl::StrCat(prefix, auth::Base64UrlEncode(raw));
}

IdentityServiceImpl::IdentityServiceImpl(db::Pool* pool, SigningKeyStore* keys,
                                         IdentityConfig config)
    : pool_(pool),
      keys_(keys),
      config_(config),
      hasher_(config.password_cost) {}

db::TxOptions IdentityServiceImpl::TxOptionsForCall() const {
  db::TxOptions options;
  if (const server::CallContext* call = server::CurrentCall()) {
    options.deadline = call->deadline;
  }
  return options;
}

absl::StatusOr<v1::AuthTokens> IdentityServiceImpl::IssueTokens(
    db::Tx& tx, const UserRecord& user, absl::string_view plan,
    std::optional<std::string> family) {
  const absl::Time now = absl::Now();
  const std::string refresh = NewSecret("fprt_");
  const absl::Time refresh_expiry = now + config_.refresh_token_ttl;
  const std::string session = family.value_or(trace::RandomHex(16));
  FP_RETURN_IF_ERROR(tx.Execute("INSERT INTO refresh_tokens (token_hash, "
                                "family_id, org_id, user_id,"
                                " expire_time) VALUES ($1, $2, $3, $4, $5)",
                                {HashSecret(refresh), session, user.org_id,
                                 user.id, refresh_expiry})
                         .status());
  auth::Claims claims;
  claims.subject = UserName(user.org_id, user.id);
  claims.organization = OrgName(user.org_id);
  claims.role = user.role;
  claims.plan = std::string(plan);
  claims.token_id = trace::RandomHex(12);
  claims.issued_at = now;
  claims.expires_at = now + config_.access_token_ttl;
  // Lets every service refuse the token as soon as the session is revoked.
  claims.session_id = session;
  v1::AuthTokens tokens;
  tokens.set_access_token(auth::SignAccessToken(claims, keys_->Active()));
  *tokens.mutable_access_token_expire_time() = ToTimestamp(claims.expires_at);
  tokens.set_refresh_token(refresh);
  *tokens.mutable_refresh_token_expire_time() = ToTimestamp(refresh_expiry);
  tokens.set_token_type("Bearer");
  return tokens;
}

absl::Status IdentityServiceImpl::DoSignUp(const v1::SignUpRequest& req,
                                           v1::SignUpResponse* resp) {
  std::vector<status::FieldViolation> violations;
  const std::string email = NormalizeEmail("email", req.email(), violations);
  CheckPassword("password", req.password(), email, violations);
  CheckDisplayName("display_name", req.display_name(), violations);
  CheckDisplayName("organization_display_name", req.organization_display_name(),
                   violations, /*required=*/false);
  if (absl::Status s = api::ValidateRequestId(req.request_id()); !s.ok()) {
    violations.push_back({"request_id", "invalid format"});
  }
  if (!violations.empty()) {
    return status::InvalidArgument("invalid sign-up request",
                                   std::move(violations));
  }
  // The fingerprint covers the password, so replaying a request_id without
  // knowing the password gets nothing.
  api::IdempotencyKey idem("signup", req.request_id(), req);
  FP_ASSIGN_OR_RETURN(std::string password_hash, hasher_.Hash(req.password()));

  absl::Status s = db::RunInTransaction(
      *pool_, TxOptionsForCall(), [&](db::Tx& tx) -> absl::Status {
        v1::SignUpResponse earlier;
        FP_ASSIGN_OR_RETURN(bool replayed, idem.Replay(tx, &earlier));
        if (replayed) {
          // The stored response has no tokens; the caller proved the password.
          std::vector<std::string> ids;
          FP_ASSIGN_OR_RETURN(
              ids, api::ParseResourceName(earlier.user().name(),
                                          "orgs/{org}/users/{user}", "user"));
          FP_ASSIGN_OR_RETURN(std::optional<UserRecord> user,
                              identity::GetUser(tx, ids[0], ids[1]));
          FP_ASSIGN_OR_RETURN(std::optional<OrgRecord> org, GetOrg(tx, ids[0]));
          if (!user || !org) {
            return status::WithReason(
                absl::FailedPreconditionError(
                    "the account of this request_id is gone"),
                "ACCOUNT_GONE");
          }
          *resp = earlier;
          *resp->mutable_user() = ToProto(*user);
          *resp->mutable_organization() = ToProto(*org);
          FP_ASSIGN_OR_RETURN(*resp->mutable_tokens(),
                              IssueTokens(tx, *user, org->plan, std::nullopt));
          return absl::OkStatus();
        }
        OrgRecord org;
        org.id = api::NewResourceId();
        org.display_name =
            req.organization_display_name().empty()
                ? absl::StrCat(req.display_name(), "'s organization")
                : req.organization_display_name();
        org.plan = "FREE";
        FP_RETURN_IF_ERROR(InsertOrg(tx, org));
        UserRecord user;
        user.org_id = org.id;
        user.id = api::NewResourceId();
        user.email = email;
        user.display_name = req.display_name();
        user.role = "OWNER";
        user.password_hash = password_hash;
        if (absl::Status ins = InsertUser(tx, user); !ins.ok()) {
          if (db::IsUniqueViolation(ins, "users_email_key")) {
            return status::WithReason(
                absl::AlreadyExistsError(
                    "an account with this email already exists"),
                "EMAIL_TAKEN");
          }
          return ins;
        }
        events_v1::OrganizationCreated org_event;
        org_event.set_organization(OrgName(org.id));
        org_event.set_display_name(org.display_name);
        org_event.set_plan(v1::FREE);
        org_event.set_owner(UserName(user.org_id, user.id));
        FP_RETURN_IF_ERROR(outbox_.Append(tx, org.id, org_event).status());
        events_v1::UserRegistered user_event;
        user_event.set_user(UserName(user.org_id, user.id));
        user_event.set_organization(OrgName(org.id));
        user_event.set_email(user.email);
        user_event.set_role(v1::OWNER);
        FP_RETURN_IF_ERROR(outbox_.Append(tx, user.id, user_event).status());

        v1::SignUpResponse stored;
        *stored.mutable_user() = ToProto(user);
        *stored.mutable_organization() = ToProto(org);
        FP_RETURN_IF_ERROR(idem.Remember(tx, stored));
        *resp = stored;
        FP_ASSIGN_OR_RETURN(*resp->mutable_tokens(),
                            IssueTokens(tx, user, org.plan, std::nullopt));
        return absl::OkStatus();
      });
  if (s.ok()) log::Info("signed up", {{"user", resp->user().name()}});
  return s;
}

absl::Status IdentityServiceImpl::CheckNotLocked(absl::string_view email) {
  FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                      pool_->Acquire(TxOptionsForCall().deadline));
  FP_ASSIGN_OR_RETURN(
      db::Result r,
      conn->Execute(
          "SELECT extract(epoch FROM locked_until - now())"
          " FROM login_failures WHERE email = $1 AND locked_until > now()",
          {email}));
  if (r.empty()) return absl::OkStatus();
  FP_ASSIGN_OR_RETURN(double seconds, r[0].GetDouble(0));
  absl::Status locked =
      absl::ResourceExhaustedError("too many failed logins; try again later");
  google::rpc::RetryInfo retry;
  retry.mutable_retry_delay()->set_seconds(static_cast<int64_t>(seconds) + 1);
  status::AttachDetail(locked, retry);
  return status::WithReason(std::move(locked), "LOGIN_THROTTLED");
}

absl::Status IdentityServiceImpl::RecordLoginFailure(absl::string_view email) {
  return db::RunInTransaction(*pool_, {}, [&](db::Tx& tx) {
    return tx
        .Execute(
            "INSERT INTO login_failures AS f (email, failures, last_failure)"
            " VALUES ($1, 1, now())"
            " ON CONFLICT (email) DO UPDATE SET failures = f.failures + 1,"
            "   last_failure = now(),"
            "   locked_until = CASE WHEN f.failures + 1 >= $2 THEN now() +"
            "     least($4::bigint, $3::bigint * (2 ^ (f.failures + 1 - "
            "$2))::bigint)"
            "     * interval '1 second' ELSE f.locked_until END",
            {email, config_.max_login_failures,
             absl::ToInt64Seconds(config_.lockout_base),
             absl::ToInt64Seconds(config_.lockout_max)})
        .status();
  });
}

absl::Status IdentityServiceImpl::DoLogin(const v1::LoginRequest& req,
                                          v1::AuthTokens* resp) {
  std::vector<status::FieldViolation> violations;
  const std::string email = NormalizeEmail("email", req.email(), violations);
  if (req.password().empty()) violations.push_back({"password", "required"});
  if (req.password().size() > kMaxPasswordLength) {
    violations.push_back({"password", "too long"});
  }
  if (!violations.empty()) {
    return status::InvalidArgument("invalid login request",
                                   std::move(violations));
  }
  FP_RETURN_IF_ERROR(CheckNotLocked(email));

  std::optional<UserRecord> user;
  {
    FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                        pool_->Acquire(TxOptionsForCall().deadline));
    FP_ASSIGN_OR_RETURN(user, FindUserByEmail(*conn, email));
  }
  bool ok;
  if (user.has_value()) {
    ok = hasher_.Verify(user->password_hash, req.password());
  } else {
    hasher_.VerifyDummy(req.password());
    ok = false;
  }
  if (!ok) {
    FP_RETURN_IF_ERROR(RecordLoginFailure(email));
    log::Warning("login failed");
    return InvalidCredentials();
  }
  return db::RunInTransaction(
      *pool_, TxOptionsForCall(), [&](db::Tx& tx) -> absl::Status {
        FP_RETURN_IF_ERROR(
            tx.Execute("DELETE FROM login_failures WHERE email = $1", {email})
                .status());
        FP_ASSIGN_OR_RETURN(std::optional<OrgRecord> org,
                            GetOrg(tx, user->org_id));
        if (!org) return InvalidCredentials();
        FP_ASSIGN_OR_RETURN(*resp,
                            IssueTokens(tx, *user, org->plan, std::nullopt));
        return absl::OkStatus();
      });
}

absl::Status IdentityServiceImpl::DoRefresh(const v1::RefreshTokenRequest& req,
                                            v1::AuthTokens* resp) {
  if (req.refresh_token().empty() || req.refresh_token().size() > 256) {
    return status::InvalidArgument(
        "invalid refresh token",
        {{"refresh_token", "required, at most 256 bytes"}});
  }
  const std::string hash = HashSecret(req.refresh_token());
  bool reuse_detected = false;
  FP_RETURN_IF_ERROR(db::RunInTransaction(
      *pool_, TxOptionsForCall(), [&](db::Tx& tx) -> absl::Status {
        reuse_detected = false;
        FP_ASSIGN_OR_RETURN(
            db::Result r,
            tx.Execute(
                "SELECT family_id, org_id, user_id, rotate_time IS NOT NULL,"
                " revoke_time IS NOT NULL, expire_time <= now()"
                " FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE",
                {hash}));
        if (r.empty()) return InvalidRefreshToken("REFRESH_TOKEN_INVALID");
        const std::string family(r[0].Value(0));
        FP_ASSIGN_OR_RETURN(bool rotated, r[0].GetBool(3));
        FP_ASSIGN_OR_RETURN(bool revoked, r[0].GetBool(4));
        FP_ASSIGN_OR_RETURN(bool expired, r[0].GetBool(5));
        if (rotated && !revoked) {
          // A token already exchanged is presented again: either the client or
          // a thief holds a copy. Revoke the whole family; the commit must
          // happen even though the call fails, so the error is returned after.
          FP_RETURN_IF_ERROR(tx.Execute("UPDATE refresh_tokens SET revoke_time "
                                        "= coalesce(revoke_time, now())"
                                        " WHERE family_id = $1",
                                        {family})
                                 .status());
          FP_RETURN_IF_ERROR(AppendFamilyRevoked(
              outbox_, tx, family, std::string(r[0].Value(1)),
              std::string(r[0].Value(2)),
              events_v1::RefreshFamilyRevoked::REFRESH_TOKEN_REUSED));
          reuse_detected = true;
          return absl::OkStatus();
        }
        if (revoked) return InvalidRefreshToken("REFRESH_TOKEN_REVOKED");
        if (expired) return InvalidRefreshToken("REFRESH_TOKEN_EXPIRED");
        FP_ASSIGN_OR_RETURN(
            std::optional<UserRecord> user,
            identity::GetUser(tx, r[0].Value(1), r[0].Value(2)));
        FP_ASSIGN_OR_RETURN(std::optional<OrgRecord> org,
                            GetOrg(tx, r[0].Value(1)));
        if (!user || !org) return InvalidRefreshToken("REFRESH_TOKEN_INVALID");
        FP_RETURN_IF_ERROR(tx.Execute("UPDATE refresh_tokens SET rotate_time = "
                                      "now() WHERE token_hash = $1",
                                      {hash})
                               .status());
        FP_ASSIGN_OR_RETURN(*resp, IssueTokens(tx, *user, org->plan, family));
        return absl::OkStatus();
      }));
  if (reuse_detected) {
    log::Warning("refresh token reuse: family revoked");
    resp->Clear();
    return InvalidRefreshToken("REFRESH_TOKEN_REUSED");
  }
  return absl::OkStatus();
}

absl::Status IdentityServiceImpl::DoLogout(const v1::LogoutRequest& req) {
  if (req.refresh_token().empty() || req.refresh_token().size() > 256) {
    return status::InvalidArgument(
        "invalid refresh token",
        {{"refresh_token", "required, at most 256 bytes"}});
  }
  return db::RunInTransaction(
      *pool_, TxOptionsForCall(), [&](db::Tx& tx) -> absl::Status {
        FP_ASSIGN_OR_RETURN(
            db::Result token,
            tx.Execute("SELECT family_id, org_id, user_id FROM refresh_tokens"
                       " WHERE token_hash = $1",
                       {HashSecret(req.refresh_token())}));
        if (token.empty()) return InvalidRefreshToken("REFRESH_TOKEN_INVALID");
        const std::string family(token[0].Value(0));
        // Logout ends the session: every token of the family, not just this
        // one.
        FP_ASSIGN_OR_RETURN(
            db::Result r,
            tx.Execute("UPDATE refresh_tokens SET revoke_time = now()"
                       " WHERE family_id = $1 AND revoke_time IS NULL",
                       {family}));
        // A repeated logout changes nothing and announces nothing.
        if (r.affected_rows() == 0) return absl::OkStatus();
        return AppendFamilyRevoked(outbox_, tx, family,
                                   std::string(token[0].Value(1)),
                                   std::string(token[0].Value(2)),
                                   events_v1::RefreshFamilyRevoked::LOGOUT);
      });
}

grpc::Status IdentityServiceImpl::SignUp(grpc::ServerContext*,
                                         const v1::SignUpRequest* req,
                                         v1::SignUpResponse* resp) {
  return status::ToGrpc(DoSignUp(*req, resp));
}

grpc::Status IdentityServiceImpl::Login(grpc::ServerContext*,
                                        const v1::LoginRequest* req,
                                        v1::AuthTokens* resp) {
  return status::ToGrpc(DoLogin(*req, resp));
}

grpc::Status IdentityServiceImpl::RefreshToken(
    grpc::ServerContext*, const v1::RefreshTokenRequest* req,
    v1::AuthTokens* resp) {
  return status::ToGrpc(DoRefresh(*req, resp));
}

grpc::Status IdentityServiceImpl::Logout(grpc::ServerContext*,
                                         const v1::LogoutRequest* req,
                                         google::protobuf::Empty*) {
  return status::ToGrpc(DoLogout(*req));
}

grpc::Status IdentityServiceImpl::GetPublicKeySet(
    grpc::ServerContext*, const v1::GetPublicKeySetRequest*,
    v1::PublicKeySet* resp) {
  keys_->FillKeySet(resp);
  return grpc::Status::OK;
}

}  // namespace fineprint::identity
