// Users and the organisation: roles, etags, pagination, plan changes.

#include "services/identity/tests/identity_fixture.h"
#include "services/runtime/status/status.h"

namespace fineprint::identity::testing {
namespace {

std::string Reason(const grpc::Status& s) {
  return status::Reason(status::FromGrpc(s));
}

class DirectoryTest : public IdentityTest {};

TEST_F(DirectoryTest, ListUsersPagesThroughTheOrganization) {
  Account owner = SignUp();
  for (int i = 0; i < 4; ++i) AddUser(owner, v1::MEMBER);
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    v1::ListUsersRequest req;
    req.set_parent(owner.org.name());
    req.set_page_size(2);
    req.set_page_token(token);
    v1::ListUsersResponse resp;
    grpc::Status s =
        stub().ListUsers(Ctx(owner.tokens.access_token()).get(), req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_LE(resp.users_size(), 2);
    EXPECT_EQ(resp.total_size(), 5);
    for (const auto& u : resp.users()) seen.push_back(u.name());
    token = resp.next_page_token();
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(seen.size(), 5u);
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::unique(seen.begin(), seen.end()), seen.end())
      << "no duplicates";
}

TEST_F(DirectoryTest, UpdateUserWithEtagAndRoleEvents) {
  Account owner = SignUp();
  Account member = AddUser(owner, v1::MEMBER);
  const int64_t role_events =
      OutboxCount("fineprint.identity.events.v1.UserRoleChanged");

  v1::UpdateUserRequest req;
  req.mutable_user()->set_name(member.user.name());
  req.mutable_user()->set_role(v1::ADMIN);
  req.mutable_user()->set_etag(member.user.etag());
  req.mutable_update_mask()->add_paths("role");
  v1::User updated;
  ASSERT_TRUE(
      stub()
          .UpdateUser(Ctx(owner.tokens.access_token()).get(), req, &updated)
          .ok());
  EXPECT_EQ(updated.role(), v1::ADMIN);
  EXPECT_NE(updated.etag(), member.user.etag());
  EXPECT_EQ(OutboxCount("fineprint.identity.events.v1.UserRoleChanged"),
            role_events + 1);

  // The same (now stale) etag again: ABORTED, nothing changes.
  req.mutable_user()->set_role(v1::VIEWER);
  v1::User stale;
  grpc::Status s =
      stub().UpdateUser(Ctx(owner.tokens.access_token()).get(), req, &stale);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED);
  v1::GetUserRequest get;
  get.set_name(member.user.name());
  v1::User now;
  ASSERT_TRUE(
      stub().GetUser(Ctx(owner.tokens.access_token()).get(), get, &now).ok());
  EXPECT_EQ(now.role(), v1::ADMIN);
  EXPECT_EQ(now.etag(), updated.etag());
}

TEST_F(DirectoryTest, UpdateMaskRejectsUnknownPaths) {
  Account owner = SignUp();
  v1::UpdateUserRequest req;
  req.mutable_user()->set_name(owner.user.name());
  req.mutable_update_mask()->add_paths("password_hash");
  v1::User out;
  grpc::Status s =
      stub().UpdateUser(Ctx(owner.tokens.access_token()).get(), req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::BadRequest br;
  ASSERT_TRUE(status::GetDetail(status::FromGrpc(s), &br));
  EXPECT_EQ(br.field_violations(0).field(), "update_mask");
}

TEST_F(DirectoryTest, RolesAreEnforcedFromTheContract) {
  Account owner = SignUp();
  Account viewer = AddUser(owner, v1::VIEWER);
  Account admin = AddUser(owner, v1::ADMIN);
  v1::CreateUserRequest req;
  req.set_parent(owner.org.name());
  req.mutable_user()->set_email(UniqueEmail("x"));
  req.mutable_user()->set_display_name("X");
  req.mutable_user()->set_role(v1::MEMBER);
  req.set_password(kPassword);
  v1::User out;
  grpc::Status s =
      stub().CreateUser(Ctx(viewer.tokens.access_token()).get(), req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Reason(s), "ROLE_NOT_ALLOWED");

  // An admin may add members but not owners.
  req.mutable_user()->set_role(v1::OWNER);
  s = stub().CreateUser(Ctx(admin.tokens.access_token()).get(), req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Reason(s), "ROLE_ESCALATION");

  // Nobody in the organisation changes its plan: that is billing's.
  v1::ChangePlanRequest plan;
  plan.set_name(owner.org.name());
  plan.set_plan(v1::PREMIUM);
  v1::Organization org;
  EXPECT_EQ(stub()
                .ChangePlan(Ctx(admin.tokens.access_token()).get(), plan, &org)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(DirectoryTest, OnlyAPlatformOperatorChangesPlans) {
  Account owner = SignUp();
  const int64_t before =
      OutboxCount("fineprint.identity.events.v1.PlanChanged");
  v1::ChangePlanRequest req;
  req.set_name(owner.org.name());
  req.set_plan(v1::ENTERPRISE);
  v1::Organization org;
  grpc::Status s =
      stub().ChangePlan(Ctx(owner.tokens.access_token()).get(), req, &org);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Reason(s), "ROLE_NOT_ALLOWED");

  // An owner's own API key is no better than its token.
  v1::CreateApiKeyRequest create;
  create.set_parent(owner.org.name());
  create.mutable_api_key()->set_display_name("ci");
  create.mutable_api_key()->set_role(v1::ADMIN);
  v1::CreateApiKeyResponse key;
  ASSERT_TRUE(
      stub()
          .CreateApiKey(Ctx(owner.tokens.access_token()).get(), create, &key)
          .ok());
  auto by_key = Ctx();
  by_key->AddMetadata("x-api-key", key.secret());
  EXPECT_EQ(stub().ChangePlan(by_key.get(), req, &org).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // A wrong operator key is no key at all.
  auto wrong = Ctx();
  wrong->AddMetadata("x-api-key", "fpop_not_the_operator");
  EXPECT_EQ(stub().ChangePlan(wrong.get(), req, &org).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(OutboxCount("fineprint.identity.events.v1.PlanChanged"), before);

  ASSERT_TRUE(stub().ChangePlan(OperatorCtx().get(), req, &org).ok());
  EXPECT_EQ(org.plan(), v1::ENTERPRISE);
  EXPECT_EQ(OutboxCount("fineprint.identity.events.v1.PlanChanged"),
            before + 1);

  // The operator is outside every tenant but still needs a real org.
  req.set_name("orgs/0000000000000000");
  EXPECT_EQ(stub().ChangePlan(OperatorCtx().get(), req, &org).error_code(),
            grpc::StatusCode::NOT_FOUND);
  // Its key opens no tenant's data.
  v1::ListUsersRequest list;
  list.set_parent(owner.org.name());
  v1::ListUsersResponse users;
  EXPECT_EQ(stub().ListUsers(OperatorCtx().get(), list, &users).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(DirectoryTest, TheLastOwnerStays) {
  Account owner = SignUp();
  v1::DeleteUserRequest del;
  del.set_name(owner.user.name());
  google::protobuf::Empty empty;
  grpc::Status s =
      stub().DeleteUser(Ctx(owner.tokens.access_token()).get(), del, &empty);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Reason(s), "LAST_OWNER");
}

TEST_F(DirectoryTest, ChangePlanEmitsEventAndReachesNewTokens) {
  Account owner = SignUp();
  const int64_t before =
      OutboxCount("fineprint.identity.events.v1.PlanChanged");
  v1::ChangePlanRequest req;
  req.set_name(owner.org.name());
  req.set_plan(v1::PREMIUM);
  req.set_etag(owner.org.etag());
  v1::Organization org;
  ASSERT_TRUE(stub().ChangePlan(OperatorCtx().get(), req, &org).ok());
  EXPECT_EQ(org.plan(), v1::PREMIUM);
  EXPECT_EQ(OutboxCount("fineprint.identity.events.v1.PlanChanged"),
            before + 1);

  // A second change with the first etag is stale.
  req.set_plan(v1::ENTERPRISE);
  EXPECT_EQ(stub().ChangePlan(OperatorCtx().get(), req, &org).error_code(),
            grpc::StatusCode::ABORTED);

  v1::RefreshTokenRequest refresh;
  refresh.set_refresh_token(owner.tokens.refresh_token());
  v1::AuthTokens tokens;
  ASSERT_TRUE(stub().RefreshToken(Ctx().get(), refresh, &tokens).ok());
  v1::Me me;
  ASSERT_TRUE(stub().GetMe(Ctx(tokens.access_token()).get(), {}, &me).ok());
  EXPECT_EQ(me.principal().plan(), v1::PREMIUM);
}

TEST_F(DirectoryTest, DeletedUserLosesAccess) {
  Account owner = SignUp();
  Account member = AddUser(owner, v1::MEMBER);
  v1::DeleteUserRequest del;
  del.set_name(member.user.name());
  del.set_etag(member.user.etag());
  google::protobuf::Empty empty;
  ASSERT_TRUE(
      stub()
          .DeleteUser(Ctx(owner.tokens.access_token()).get(), del, &empty)
          .ok());
  v1::RefreshTokenRequest refresh;
  refresh.set_refresh_token(member.tokens.refresh_token());
  v1::AuthTokens tokens;
  EXPECT_EQ(stub().RefreshToken(Ctx().get(), refresh, &tokens).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  v1::GetUserRequest get;
  get.set_name(member.user.name());
  v1::User out;
  EXPECT_EQ(stub()
                .GetUser(Ctx(owner.tokens.access_token()).get(), get, &out)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(DirectoryTest, CreateUserIsIdempotentByRequestId) {
  Account owner = SignUp();
  v1::CreateUserRequest req;
  req.set_parent(owner.org.name());
  req.mutable_user()->set_email(UniqueEmail("idem"));
  req.mutable_user()->set_display_name("Idem");
  req.mutable_user()->set_role(v1::MEMBER);
  req.set_password(kPassword);
  req.set_request_id("create-user-1");
  v1::User first, second;
  ASSERT_TRUE(
      stub()
          .CreateUser(Ctx(owner.tokens.access_token()).get(), req, &first)
          .ok());
  const int64_t users = UserCount(), events = OutboxCount();
  ASSERT_TRUE(
      stub()
          .CreateUser(Ctx(owner.tokens.access_token()).get(), req, &second)
          .ok());
  EXPECT_EQ(second.name(), first.name());
  EXPECT_EQ(UserCount(), users);
  EXPECT_EQ(OutboxCount(), events);
}

}  // namespace
}  // namespace fineprint::identity::testing
