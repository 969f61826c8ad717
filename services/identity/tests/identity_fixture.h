#ifndef FINEPRINT_SERVICES_IDENTITY_TESTS_IDENTITY_FIXTURE_H_
#define FINEPRINT_SERVICES_IDENTITY_TESTS_IDENTITY_FIXTURE_H_

// Runs the real identity service (in-process, port 0) against a real
// PostgreSQL with a fresh database per test suite, and talks to it over
// real gRPC.

#include <memory>
#include <string>

#include "fineprint/identity/v1/identity.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "services/identity/identity_app.h"

namespace fineprint::identity::testing {

namespace v1 = ::fineprint::identity::v1;

struct Account {
  std::string email;
  std::string password;
  v1::User user;
  v1::Organization org;
  v1::AuthTokens tokens;
  std::string org_id() const { return org.name().substr(5); }
};

class IdentityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

  static v1::IdentityService::Stub& stub() { return *stub_; }
  static db::Pool& pool() { return app_->pool(); }

  // A context carrying `access_token` (if any) with a 10 s deadline.
  static std::unique_ptr<grpc::ClientContext> Ctx(
      const std::string& access_token = "");
  // A unique email per call.
  // Authenticates as the platform operator (kOperatorKey).
  static std::unique_ptr<grpc::ClientContext> OperatorCtx();
  static std::string UniqueEmail(absl::string_view tag = "user");
  // Signs up a fresh account; fails the test on error.
  static Account SignUp(absl::string_view tag = "owner");
  // Creates a user with `role` in `owner`'s organisation and logs it in.
  static Account AddUser(const Account& owner, v1::Role role);

  // Rows in the outbox / users tables (to check that failures write nothing).
  static int64_t OutboxCount();
  static int64_t OutboxCount(absl::string_view event_type);
  static int64_t UserCount();

 private:
  static std::unique_ptr<IdentityApp> app_;
  static std::unique_ptr<v1::IdentityService::Stub> stub_;
};

inline constexpr char kPassword[] = "correct horse battery staple";
// The platform operator key the fixture's identity accepts.
inline constexpr char kOperatorKey[] = "fpop_identity_test_operator";

}  // namespace fineprint::identity::testing

#endif  // FINEPRINT_SERVICES_IDENTITY_TESTS_IDENTITY_FIXTURE_H_
