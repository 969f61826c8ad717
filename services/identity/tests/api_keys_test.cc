// API keys: shown once, stored hashed, usable instead of a token, revocable.

#include "services/identity/tests/identity_fixture.h"
#include "services/runtime/status/status.h"

namespace fineprint::identity::testing {
namespace {

class ApiKeysTest : public IdentityTest {
 protected:
  v1::CreateApiKeyResponse Create(const Account& who, v1::Role role,
                                  const std::string& request_id = "") {
    v1::CreateApiKeyRequest req;
    req.set_parent(who.org.name());
    req.mutable_api_key()->set_display_name("deploy");
    req.mutable_api_key()->set_role(role);
    req.set_request_id(request_id);
    v1::CreateApiKeyResponse resp;
    grpc::Status s =
        stub().CreateApiKey(Ctx(who.tokens.access_token()).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }
  static grpc::Status GetMeWithKey(const std::string& key, v1::Me* me) {
    auto ctx = Ctx();
    ctx->AddMetadata("x-api-key", key);
    return stub().GetMe(ctx.get(), {}, me);
  }
};

TEST_F(ApiKeysTest, KeyAuthenticatesWithItsRole) {
  Account owner = SignUp();
  v1::CreateApiKeyResponse key = Create(owner, v1::VIEWER);
  ASSERT_FALSE(key.secret().empty());
  EXPECT_EQ(key.secret().rfind(key.api_key().key_prefix(), 0), 0u);

  v1::Me me;
  ASSERT_TRUE(GetMeWithKey(key.secret(), &me).ok());
  EXPECT_EQ(me.principal().role(), v1::VIEWER);
  EXPECT_EQ(me.principal().api_key(), key.api_key().name());

  // A VIEWER key cannot do what its creator could.
  auto ctx = Ctx();
  ctx->AddMetadata("authorization", "ApiKey " + key.secret());
  v1::CreateApiKeyRequest again;
  again.set_parent(owner.org.name());
  v1::CreateApiKeyResponse out;
  EXPECT_EQ(stub().CreateApiKey(ctx.get(), again, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(ApiKeysTest, SecretIsNeverListedAndNotStoredInClear) {
  Account owner = SignUp();
  v1::CreateApiKeyResponse key = Create(owner, v1::MEMBER);
  v1::ListApiKeysRequest list;
  list.set_parent(owner.org.name());
  v1::ListApiKeysResponse resp;
  ASSERT_TRUE(
      stub()
          .ListApiKeys(Ctx(owner.tokens.access_token()).get(), list, &resp)
          .ok());
  ASSERT_EQ(resp.api_keys_size(), 1);
  EXPECT_EQ(resp.api_keys(0).name(), key.api_key().name());
  EXPECT_EQ(resp.SerializeAsString().find(key.secret()), std::string::npos);

  int64_t clear = -1;
  ASSERT_TRUE(db::RunInTransaction(pool(), {}, [&](db::Tx& tx) -> absl::Status {
                auto r = tx.Execute(
                    "SELECT count(*) FROM api_keys WHERE secret_hash = $1",
                    {key.secret()});
                if (!r.ok()) return r.status();
                clear = *(*r)[0].GetInt64(0);
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(clear, 0);
}

TEST_F(ApiKeysTest, RevokedKeyStopsWorking) {
  Account owner = SignUp();
  v1::CreateApiKeyResponse key = Create(owner, v1::MEMBER);
  v1::RevokeApiKeyRequest revoke;
  revoke.set_name(key.api_key().name());
  v1::ApiKey revoked;
  ASSERT_TRUE(stub()
                  .RevokeApiKey(Ctx(owner.tokens.access_token()).get(), revoke,
                                &revoked)
                  .ok());
  EXPECT_TRUE(revoked.has_revoke_time());
  v1::Me me;
  grpc::Status s = GetMeWithKey(key.secret(), &me);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status::Reason(status::FromGrpc(s)), "API_KEY_INVALID");
  v1::VerifyApiKeyRequest verify;
  verify.set_api_key(key.secret());
  v1::Principal p;
  EXPECT_EQ(stub().VerifyApiKey(Ctx().get(), verify, &p).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(ApiKeysTest, VerifyApiKeyResolvesThePrincipal) {
  Account owner = SignUp();
  v1::CreateApiKeyResponse key = Create(owner, v1::ADMIN);
  v1::VerifyApiKeyRequest verify;
  verify.set_api_key(key.secret());
  v1::Principal p;
  ASSERT_TRUE(stub().VerifyApiKey(Ctx().get(), verify, &p).ok());
  EXPECT_EQ(p.organization(), owner.org.name());
  EXPECT_EQ(p.role(), v1::ADMIN);
  EXPECT_EQ(p.plan(), v1::FREE);
  verify.set_api_key(key.secret() + "x");
  EXPECT_EQ(stub().VerifyApiKey(Ctx().get(), verify, &p).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(ApiKeysTest, KeysCannotOutrankTheirCreator) {
  Account owner = SignUp();
  Account admin = AddUser(owner, v1::ADMIN);
  v1::CreateApiKeyRequest req;
  req.set_parent(owner.org.name());
  req.mutable_api_key()->set_display_name("root");
  req.mutable_api_key()->set_role(v1::OWNER);
  v1::CreateApiKeyResponse resp;
  grpc::Status s =
      stub().CreateApiKey(Ctx(admin.tokens.access_token()).get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(resp.secret().empty());
}

TEST_F(ApiKeysTest, ReplayedCreateReturnsTheKeyButNotTheSecret) {
  Account owner = SignUp();
  v1::CreateApiKeyResponse first = Create(owner, v1::MEMBER, "key-req-1");
  v1::CreateApiKeyResponse second = Create(owner, v1::MEMBER, "key-req-1");
  EXPECT_EQ(second.api_key().name(), first.api_key().name());
  EXPECT_FALSE(first.secret().empty());
  EXPECT_TRUE(second.secret().empty());
}

}  // namespace
}  // namespace fineprint::identity::testing
