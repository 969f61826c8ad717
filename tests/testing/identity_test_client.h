#ifndef FINEPRINT_TESTS_TESTING_IDENTITY_TEST_CLIENT_H_
#define FINEPRINT_TESTS_TESTING_IDENTITY_TEST_CLIENT_H_

// For fixtures of services that trust identity's tokens: the real identity
// service in-process, and the accounts a test acts as. Tokens come from
// identity itself so the service under test verifies real signatures.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fineprint/identity/v1/identity.grpc.pb.h"
#include "services/identity/identity_app.h"

namespace fineprint::testing {

// A user of an organisation, with an access token to call services as it.
struct IdentityAccount {
  identity::v1::User user;  // Its email is set: ChangePlan logs in again.
  identity::v1::Organization org;
  std::string token;
  std::string org_id() const { return org.name().substr(5); }
};

// The platform operator key identity started by StartTestIdentity accepts
// (changing plans is an operator's call, not an owner's).
inline constexpr char kTestOperatorKey[] = "fpop_test_platform_operator";

// A context that authenticates as that operator.
std::unique_ptr<grpc::ClientContext> OperatorContext();

// Identity on a fresh database, on loopback with no admin port. Password
// hashing is cheap: fixtures sign up many accounts, and production cost
// would dominate their run time. `kafka` (if any) runs its outbox relay.
// It accepts kTestOperatorKey as a platform operator's key.
absl::StatusOr<std::unique_ptr<identity::IdentityApp>> StartTestIdentity(
    const std::string& kafka = "");

// A fresh organisation on `plan` with its OWNER; fails the test on error.
IdentityAccount SignUpOwner(identity::v1::IdentityService::Stub& identity,
                            absl::string_view tag = "owner",
                            identity::v1::Plan plan = identity::v1::FREE);

// Moves `owner`'s organisation to `plan` (as the test operator) and logs
// the owner in again, since a token carries the plan it was issued under.
void ChangePlan(identity::v1::IdentityService::Stub& identity,
                IdentityAccount& owner, identity::v1::Plan plan);

// A new user with `role` in `owner`'s organisation, logged in.
IdentityAccount AddMember(identity::v1::IdentityService::Stub& identity,
                          const IdentityAccount& owner,
                          identity::v1::Role role);

}  // namespace fineprint::testing

#endif  // FINEPRINT_TESTS_TESTING_IDENTITY_TEST_CLIENT_H_
