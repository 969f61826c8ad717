// A user of one organisation can neither read nor change another's data,
// with names copied from the other tenant or guessed.

#include "services/identity/tests/identity_fixture.h"
#include "services/runtime/status/status.h"

namespace fineprint::identity::testing {
namespace {

class TenantIsolationTest : public IdentityTest {
 protected:
  void SetUp() override {
    alice_ = SignUp("alice");
    bob_ = SignUp("bob");
    bob_member_ = AddUser(bob_, v1::MEMBER);
  }
  std::string AliceToken() { return alice_.tokens.access_token(); }
  // The same user id under Alice's org: must not find Bob's user.
  std::string Spliced() {
    return alice_.org.name() +
           bob_member_.user.name().substr(bob_.org.name().size());
  }
  Account alice_, bob_, bob_member_;
};

TEST_F(TenantIsolationTest, CannotReadAnotherOrganizationsUsers) {
  v1::GetUserRequest get;
  get.set_name(bob_member_.user.name());
  v1::User out;
  grpc::Status s = stub().GetUser(Ctx(AliceToken()).get(), get, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(out.email().empty());

  get.set_name(Spliced());
  EXPECT_EQ(stub().GetUser(Ctx(AliceToken()).get(), get, &out).error_code(),
            grpc::StatusCode::NOT_FOUND);

  v1::ListUsersRequest list;
  list.set_parent(bob_.org.name());
  v1::ListUsersResponse resp;
  EXPECT_EQ(stub().ListUsers(Ctx(AliceToken()).get(), list, &resp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(resp.users_size(), 0);

  v1::GetOrganizationRequest org;
  org.set_name(bob_.org.name());
  v1::Organization o;
  EXPECT_EQ(
      stub().GetOrganization(Ctx(AliceToken()).get(), org, &o).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(TenantIsolationTest, CannotChangeAnotherOrganizationsData) {
  const int64_t events = OutboxCount();
  v1::UpdateUserRequest update;
  update.mutable_user()->set_name(bob_member_.user.name());
  update.mutable_user()->set_display_name("pwned");
  update.mutable_update_mask()->add_paths("display_name");
  v1::User out;
  EXPECT_EQ(
      stub().UpdateUser(Ctx(AliceToken()).get(), update, &out).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  update.mutable_user()->set_name(Spliced());
  EXPECT_EQ(
      stub().UpdateUser(Ctx(AliceToken()).get(), update, &out).error_code(),
      grpc::StatusCode::NOT_FOUND);

  v1::DeleteUserRequest del;
  del.set_name(bob_member_.user.name());
  google::protobuf::Empty empty;
  EXPECT_EQ(
      stub().DeleteUser(Ctx(AliceToken()).get(), del, &empty).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  del.set_name(Spliced());
  EXPECT_EQ(
      stub().DeleteUser(Ctx(AliceToken()).get(), del, &empty).error_code(),
      grpc::StatusCode::NOT_FOUND);

  v1::CreateUserRequest create;
  create.set_parent(bob_.org.name());
  create.mutable_user()->set_email(UniqueEmail("intruder"));
  create.mutable_user()->set_display_name("Intruder");
  create.mutable_user()->set_role(v1::OWNER);
  create.set_password(kPassword);
  EXPECT_EQ(
      stub().CreateUser(Ctx(AliceToken()).get(), create, &out).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);

  v1::ChangePlanRequest plan;
  plan.set_name(bob_.org.name());
  plan.set_plan(v1::ENTERPRISE);
  v1::Organization org;
  EXPECT_EQ(stub().ChangePlan(Ctx(AliceToken()).get(), plan, &org).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  EXPECT_EQ(OutboxCount(), events) << "no event for a refused change";
  v1::GetUserRequest get;
  get.set_name(bob_member_.user.name());
  v1::User still;
  ASSERT_TRUE(
      stub().GetUser(Ctx(bob_.tokens.access_token()).get(), get, &still).ok());
  EXPECT_EQ(still.display_name(), bob_member_.user.display_name());
}

TEST_F(TenantIsolationTest, PageTokensDoNotCrossTenants) {
  for (int i = 0; i < 2; ++i) AddUser(bob_, v1::VIEWER);
  v1::ListUsersRequest list;
  list.set_parent(bob_.org.name());
  list.set_page_size(1);
  v1::ListUsersResponse resp;
  ASSERT_TRUE(stub()
                  .ListUsers(Ctx(bob_.tokens.access_token()).get(), list, &resp)
                  .ok());
  ASSERT_FALSE(resp.next_page_token().empty());
  v1::ListUsersRequest stolen;
  stolen.set_parent(alice_.org.name());
  stolen.set_page_token(resp.next_page_token());
  v1::ListUsersResponse out;
  grpc::Status s = stub().ListUsers(Ctx(AliceToken()).get(), stolen, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status::Reason(status::FromGrpc(s)), "INVALID_PAGE_TOKEN");
}

TEST_F(TenantIsolationTest, ApiKeysStayInTheirOrganization) {
  v1::CreateApiKeyRequest create;
  create.set_parent(bob_.org.name());
  create.mutable_api_key()->set_display_name("ci");
  create.mutable_api_key()->set_role(v1::VIEWER);
  v1::CreateApiKeyResponse key;
  ASSERT_TRUE(
      stub()
          .CreateApiKey(Ctx(bob_.tokens.access_token()).get(), create, &key)
          .ok());

  v1::RevokeApiKeyRequest revoke;
  revoke.set_name(key.api_key().name());
  v1::ApiKey out;
  EXPECT_EQ(
      stub().RevokeApiKey(Ctx(AliceToken()).get(), revoke, &out).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);

  // Bob's key used against Alice's organisation.
  auto ctx = Ctx();
  ctx->AddMetadata("x-api-key", key.secret());
  v1::GetOrganizationRequest get;
  get.set_name(alice_.org.name());
  v1::Organization org;
  EXPECT_EQ(stub().GetOrganization(ctx.get(), get, &org).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace fineprint::identity::testing
