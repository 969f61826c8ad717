#include "tests/testing/identity_test_client.h"

#include "gtest/gtest.h"
#include "services/runtime/crypto/sha256.h"
#include "tests/testing/kit_options.h"
#include "tests/testing/service_test_util.h"
#include "tests/testing/shared_postgres.h"

namespace fineprint::testing {
namespace {

namespace idv1 = ::fineprint::identity::v1;

constexpr char kPassword[] = "correct horse battery staple";

// Logs `account` in again with its email and the fixtures' password.
void LogIn(idv1::IdentityService::Stub& identity, IdentityAccount& account) {
  idv1::LoginRequest login;
  login.set_email(account.user.email());
  login.set_password(kPassword);
  idv1::AuthTokens tokens;
  grpc::Status s = identity.Login(ClientContext("").get(), login, &tokens);
  ASSERT_TRUE(s.ok()) << s.error_message();
  account.token = tokens.access_token();
}

}  // namespace

absl::StatusOr<std::unique_ptr<identity::IdentityApp>> StartTestIdentity(
    const std::string& kafka) {
  absl::StatusOr<service::KitOptions> kit = LocalKitOptions("identity", kafka);
  if (!kit.ok()) return kit.status();
  identity::IdentityAppOptions options;
  static_cast<service::KitOptions&>(options) = *kit;
  options.config.password_cost = {1, 8 * 1024 * 1024};
  options.config.platform_operator_key_hashes = {
      crypto::Sha256Hex(kTestOperatorKey)};
  return identity::IdentityApp::Start(options);
}

std::unique_ptr<grpc::ClientContext> OperatorContext() {
  std::unique_ptr<grpc::ClientContext> ctx = ClientContext("");
  ctx->AddMetadata("x-api-key", kTestOperatorKey);
  return ctx;
}

void ChangePlan(idv1::IdentityService::Stub& identity, IdentityAccount& owner,
                idv1::Plan plan) {
  idv1::ChangePlanRequest req;
  req.set_name(owner.org.name());
  req.set_plan(plan);
  grpc::Status s =
      identity.ChangePlan(OperatorContext().get(), req, &owner.org);
  ASSERT_TRUE(s.ok()) << s.error_message();
  LogIn(identity, owner);
}

IdentityAccount SignUpOwner(idv1::IdentityService::Stub& identity,
                            absl::string_view tag, idv1::Plan plan) {
  idv1::SignUpRequest req;
  req.set_email(UniqueEmail(tag));
  req.set_password(kPassword);
  req.set_display_name("Test");
  idv1::SignUpResponse resp;
  grpc::Status s = identity.SignUp(ClientContext("").get(), req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  IdentityAccount a;
  a.user = resp.user();
  a.org = resp.organization();
  a.token = resp.tokens().access_token();
  a.user.set_email(req.email());
  // Every organisation starts on FREE; another plan is a change of plan.
  if (plan != idv1::FREE) ChangePlan(identity, a, plan);
  return a;
}

IdentityAccount AddMember(idv1::IdentityService::Stub& identity,
                          const IdentityAccount& owner, idv1::Role role) {
  IdentityAccount a;
  a.org = owner.org;
  idv1::CreateUserRequest req;
  req.set_parent(owner.org.name());
  req.mutable_user()->set_email(UniqueEmail(idv1::Role_Name(role)));
  req.mutable_user()->set_display_name("Member");
  req.mutable_user()->set_role(role);
  req.set_password(kPassword);
  grpc::Status s =
      identity.CreateUser(ClientContext(owner.token).get(), req, &a.user);
  EXPECT_TRUE(s.ok()) << s.error_message();
  a.user.set_email(req.user().email());
  LogIn(identity, a);
  return a;
}

}  // namespace fineprint::testing
