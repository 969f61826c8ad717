// Sign-up, login, token rotation and rejection of bad tokens, end to end.

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "google/rpc/error_details.pb.h"
#include "services/identity/signing_keys.h"
#include "services/identity/tests/identity_fixture.h"
#include "services/runtime/auth/identity_clients.h"
#include "services/runtime/auth/jwt.h"
#include "services/runtime/auth/key_ring.h"
#include "services/runtime/status/status.h"

namespace fineprint::identity::testing {
namespace {

std::string Reason(const grpc::Status& s) {
  return status::Reason(status::FromGrpc(s));
}

class AccountsTest : public IdentityTest {};

TEST_F(AccountsTest, SignUpCreatesOrganizationOwnerAndEvents) {
  const int64_t events_before = OutboxCount();
  Account a = SignUp();
  EXPECT_EQ(a.user.role(), v1::OWNER);
  EXPECT_EQ(a.org.plan(), v1::FREE);
  EXPECT_EQ(a.user.email(), a.email);
  EXPECT_FALSE(a.tokens.access_token().empty());
  EXPECT_EQ(a.tokens.refresh_token().rfind("fprt_", 0), 0u);
  EXPECT_EQ(OutboxCount(), events_before + 2);

  v1::Me me;
  ASSERT_TRUE(stub().GetMe(Ctx(a.tokens.access_token()).get(), {}, &me).ok());
  EXPECT_EQ(me.user().name(), a.user.name());
  EXPECT_EQ(me.organization().name(), a.org.name());
  EXPECT_EQ(me.principal().role(), v1::OWNER);
  EXPECT_EQ(me.principal().plan(), v1::FREE);
}

TEST_F(AccountsTest, DuplicateEmailIsAlreadyExistsAndWritesNothing) {
  Account a = SignUp();
  const int64_t users = UserCount(), events = OutboxCount();
  v1::SignUpRequest req;
  req.set_email(
      absl::AsciiStrToUpper(a.email));  // emails compare case-insensitively
  req.set_password("another strong password");
  req.set_display_name("Dup");
  v1::SignUpResponse resp;
  grpc::Status s = stub().SignUp(Ctx().get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(Reason(s), "EMAIL_TAKEN");
  EXPECT_EQ(UserCount(), users);
  EXPECT_EQ(OutboxCount(), events);
}

TEST_F(AccountsTest, SignUpIsIdempotentByRequestId) {
  v1::SignUpRequest req;
  req.set_email(UniqueEmail("idem"));
  req.set_password(kPassword);
  req.set_display_name("Idem");
  req.set_request_id("signup-req-1");
  v1::SignUpResponse first, second;
  ASSERT_TRUE(stub().SignUp(Ctx().get(), req, &first).ok());
  const int64_t users = UserCount(), events = OutboxCount();
  ASSERT_TRUE(stub().SignUp(Ctx().get(), req, &second).ok());
  EXPECT_EQ(second.user().name(), first.user().name());
  EXPECT_EQ(second.organization().name(), first.organization().name());
  EXPECT_FALSE(second.tokens().access_token().empty());
  EXPECT_EQ(UserCount(), users);
  EXPECT_EQ(OutboxCount(), events);

  // Same request_id, different request (e.g. a guessed id without the
  // password): refused.
  req.set_password("a different long password");
  v1::SignUpResponse third;
  grpc::Status s = stub().SignUp(Ctx().get(), req, &third);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Reason(s), "REQUEST_ID_REUSED");
  EXPECT_TRUE(third.tokens().access_token().empty());
}

TEST_F(AccountsTest, LoginChecksPasswordWithoutRevealingAccounts) {
  Account a = SignUp();
  v1::LoginRequest req;
  req.set_email(a.email);
  req.set_password("wrong password entirely");
  v1::AuthTokens tokens;
  grpc::Status wrong = stub().Login(Ctx().get(), req, &tokens);
  req.set_email(UniqueEmail("nobody"));
  grpc::Status unknown = stub().Login(Ctx().get(), req, &tokens);
  EXPECT_EQ(wrong.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(wrong.error_message(), unknown.error_message());

  req.set_email(a.email);
  req.set_password(a.password);
  ASSERT_TRUE(stub().Login(Ctx().get(), req, &tokens).ok());
  EXPECT_FALSE(tokens.access_token().empty());
}

TEST_F(AccountsTest, RepeatedFailuresThrottleTheAccount) {
  Account a = SignUp();
  v1::LoginRequest bad;
  bad.set_email(a.email);
  bad.set_password("wrong password entirely");
  v1::AuthTokens tokens;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(stub().Login(Ctx().get(), bad, &tokens).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  v1::LoginRequest good;
  good.set_email(a.email);
  good.set_password(a.password);
  grpc::Status s = stub().Login(Ctx().get(), good, &tokens);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(Reason(s), "LOGIN_THROTTLED");
  google::rpc::RetryInfo retry;
  ASSERT_TRUE(status::GetDetail(status::FromGrpc(s), &retry));
  EXPECT_GT(retry.retry_delay().seconds(), 0);
}

TEST_F(AccountsTest, RefreshRotatesAndReuseRevokesTheFamily) {
  Account a = SignUp();
  v1::RefreshTokenRequest req;
  req.set_refresh_token(a.tokens.refresh_token());
  v1::AuthTokens second;
  ASSERT_TRUE(stub().RefreshToken(Ctx().get(), req, &second).ok());
  EXPECT_NE(second.refresh_token(), a.tokens.refresh_token());
  EXPECT_FALSE(second.access_token().empty());

  // The first token again: a replay. The whole family dies, including the
  // token issued by the legitimate rotation.
  v1::AuthTokens replay;
  grpc::Status s = stub().RefreshToken(Ctx().get(), req, &replay);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Reason(s), "REFRESH_TOKEN_REUSED");
  EXPECT_TRUE(replay.access_token().empty());
  v1::RefreshTokenRequest next;
  next.set_refresh_token(second.refresh_token());
  v1::AuthTokens third;
  s = stub().RefreshToken(Ctx().get(), next, &third);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Reason(s), "REFRESH_TOKEN_REVOKED");
}

TEST_F(AccountsTest, LogoutRevokesRefresh) {
  Account a = SignUp();
  v1::LogoutRequest logout;
  logout.set_refresh_token(a.tokens.refresh_token());
  google::protobuf::Empty empty;
  ASSERT_TRUE(stub().Logout(Ctx().get(), logout, &empty).ok());
  v1::RefreshTokenRequest req;
  req.set_refresh_token(a.tokens.refresh_token());
  v1::AuthTokens tokens;
  EXPECT_EQ(stub().RefreshToken(Ctx().get(), req, &tokens).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  req.set_refresh_token("fprt_not-a-real-token");
  EXPECT_EQ(Reason(stub().RefreshToken(Ctx().get(), req, &tokens)),
            "REFRESH_TOKEN_INVALID");
}

TEST_F(AccountsTest, PublicKeySetVerifiesIssuedTokens) {
  Account a = SignUp();
  v1::PublicKeySet set;
  ASSERT_TRUE(stub().GetPublicKeySet(Ctx().get(), {}, &set).ok());
  ASSERT_GE(set.keys_size(), 1);
  EXPECT_EQ(set.keys(0).alg(), "EdDSA");
  auto keys = auth::ParseKeySet(set);
  ASSERT_TRUE(keys.ok());
  auth::StaticKeyResolver resolver;
  for (const auto& [kid, key] : *keys) resolver.Add(kid, key);
  auto claims =
      auth::VerifyAccessToken(a.tokens.access_token(), resolver, absl::Now());
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->subject, a.user.name());
  EXPECT_EQ(claims->role, "OWNER");
}

class BadTokenTest : public IdentityTest {
 protected:
  void SetUp() override {
    account_ = SignUp();
    SigningKeyStore store(&pool());
    ASSERT_TRUE(store.Load().ok());
    server_key_ = store.Active();
  }
  grpc::Status GetMe(const std::string& token) {
    v1::Me me;
    return stub().GetMe(Ctx(token).get(), {}, &me);
  }
  auth::Claims ValidClaims() {
    return {account_.user.name(),
            account_.org.name(),
            "OWNER",
            "FREE",
            "t",
            absl::Now(),
            absl::Now() + absl::Minutes(5)};
  }
  Account account_;
  auth::SigningKey server_key_;
};

TEST_F(BadTokenTest, ServerKeyForgeryControl) {
  // The test's own signature with the server's key passes: the cases below
  // fail for the reason they name, not for some other one.
  EXPECT_TRUE(GetMe(auth::SignAccessToken(ValidClaims(), server_key_)).ok());
}

TEST_F(BadTokenTest, ExpiredTokenIsRejected) {
  auth::Claims c = ValidClaims();
  c.issued_at = absl::Now() - absl::Minutes(30);
  c.expires_at = absl::Now() - absl::Minutes(10);
  grpc::Status s = GetMe(auth::SignAccessToken(c, server_key_));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Reason(s), "TOKEN_EXPIRED");
}

TEST_F(BadTokenTest, TamperedTokenIsRejected) {
  std::vector<std::string> parts =
      absl::StrSplit(account_.tokens.access_token(), '.');
  auth::Claims c = ValidClaims();
  c.organization = "orgs/someoneelse";
  std::vector<std::string> other = absl::StrSplit(
      auth::SignAccessToken(c, auth::SigningKey::Generate("x")), '.');
  grpc::Status s = GetMe(parts[0] + "." + other[1] + "." + parts[2]);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Reason(s), "TOKEN_SIGNATURE");
}

TEST_F(BadTokenTest, AlgNoneIsRejected) {
  std::vector<std::string> parts =
      absl::StrSplit(account_.tokens.access_token(), '.');
  const std::string none = auth::Base64UrlEncode(absl::StrCat(
      R"({"alg":"none","typ":"JWT","kid":")", server_key_.kid, "\"}"));
  grpc::Status s = GetMe(none + "." + parts[1] + ".");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Reason(s), "TOKEN_ALGORITHM");
}

TEST_F(BadTokenTest, WrongKeyIsRejected) {
  auth::SigningKey impostor = auth::SigningKey::Generate(server_key_.kid);
  grpc::Status s = GetMe(auth::SignAccessToken(ValidClaims(), impostor));
  EXPECT_EQ(Reason(s), "TOKEN_SIGNATURE");
  auth::SigningKey unknown = auth::SigningKey::Generate("unknown-kid");
  EXPECT_EQ(Reason(GetMe(auth::SignAccessToken(ValidClaims(), unknown))),
            "TOKEN_UNKNOWN_KEY");
}

TEST_F(BadTokenTest, GarbageAndMalformedHeaders) {
  EXPECT_EQ(GetMe("not-a-jwt").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  v1::Me me;
  auto ctx = Ctx();
  ctx->AddMetadata("authorization", "Basic YWxpY2U6cHc=");
  grpc::Status s = stub().GetMe(ctx.get(), {}, &me);
  EXPECT_EQ(Reason(s), "CREDENTIALS_MALFORMED");
}

}  // namespace
}  // namespace fineprint::identity::testing
