#include "services/identity/tests/identity_fixture.h"

#include "absl/strings/str_cat.h"
#include "services/runtime/crypto/sha256.h"
#include "tests/testing/service_test_util.h"
#include "tests/testing/shared_postgres.h"

namespace fineprint::identity::testing {

std::unique_ptr<IdentityApp> IdentityTest::app_;
std::unique_ptr<v1::IdentityService::Stub> IdentityTest::stub_;

void IdentityTest::SetUpTestSuite() {
  auto dsn = fineprint::testing::NewTestDatabase("identity");
  ASSERT_TRUE(dsn.ok()) << dsn.status();
  IdentityAppOptions options;
  options.pg_dsn = *dsn;
  options.pg_pool_size = 8;
  options.host.host = "127.0.0.1";
  options.host.grpc_port = 0;
  options.host.admin_port = 0;
  // argon2id with a small cost keeps the suite fast; production uses
  // libsodium's INTERACTIVE preset.
  options.config.password_cost = {1, 8 * 1024 * 1024};
  options.config.max_login_failures = 3;
  options.config.lockout_base = absl::Seconds(60);
  options.config.platform_operator_key_hashes = {
      crypto::Sha256Hex(kOperatorKey)};
  auto app = IdentityApp::Start(options);
  ASSERT_TRUE(app.ok()) << app.status();
  app_ = *std::move(app);
  stub_ = fineprint::testing::ConnectInsecure<v1::IdentityService>(
      app_->grpc_target());
}

void IdentityTest::TearDownTestSuite() {
  stub_.reset();
  app_.reset();
}

std::unique_ptr<grpc::ClientContext> IdentityTest::Ctx(
    const std::string& access_token) {
  return fineprint::testing::ClientContext(access_token);
}

std::unique_ptr<grpc::ClientContext> IdentityTest::OperatorCtx() {
  std::unique_ptr<grpc::ClientContext> ctx = Ctx();
  ctx->AddMetadata("x-api-key", kOperatorKey);
  return ctx;
}

std::string IdentityTest::UniqueEmail(absl::string_view tag) {
  return fineprint::testing::UniqueEmail(tag);
}

Account IdentityTest::SignUp(absl::string_view tag) {
  Account a;
  a.email = UniqueEmail(tag);
  a.password = kPassword;
  v1::SignUpRequest req;
  req.set_email(a.email);
  req.set_password(a.password);
  req.set_display_name(absl::StrCat("Test ", tag));
  req.set_organization_display_name(absl::StrCat(tag, " org"));
  v1::SignUpResponse resp;
  grpc::Status s = stub_->SignUp(Ctx().get(), req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  a.user = resp.user();
  a.org = resp.organization();
  a.tokens = resp.tokens();
  return a;
}

Account IdentityTest::AddUser(const Account& owner, v1::Role role) {
  Account a;
  a.email = UniqueEmail(v1::Role_Name(role));
  a.password = kPassword;
  a.org = owner.org;
  v1::CreateUserRequest req;
  req.set_parent(owner.org.name());
  req.mutable_user()->set_email(a.email);
  req.mutable_user()->set_display_name("Member");
  req.mutable_user()->set_role(role);
  req.set_password(a.password);
  grpc::Status s =
      stub_->CreateUser(Ctx(owner.tokens.access_token()).get(), req, &a.user);
  EXPECT_TRUE(s.ok()) << s.error_message();
  v1::LoginRequest login;
  login.set_email(a.email);
  login.set_password(a.password);
  s = stub_->Login(Ctx().get(), login, &a.tokens);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return a;
}

int64_t IdentityTest::OutboxCount() {
  return fineprint::testing::QueryInt64(pool(), "SELECT count(*) FROM outbox");
}
int64_t IdentityTest::OutboxCount(absl::string_view event_type) {
  return fineprint::testing::QueryInt64(
      pool(), "SELECT count(*) FROM outbox WHERE event_type = $1",
      {std::string(event_type)});
}
int64_t IdentityTest::UserCount() {
  return fineprint::testing::QueryInt64(pool(), "SELECT count(*) FROM users");
}

}  // namespace fineprint::identity::testing
