#ifndef FINEPRINT_SERVICES_RUNTIME_SERVER_CALL_GUARD_H_
#define FINEPRINT_SERVICES_RUNTIME_SERVER_CALL_GUARD_H_

// Enforces the contract's auth rules on every method of a service, so no
// handler can forget to: each method's handler is wrapped in one that
// authenticates the caller, checks the roles named by the method's
// (fineprint.api.v1.auth) option, and installs the CallContext. A method
// without an auth rule, or a client/bidi-streaming one (whose handler could
// not be refused before it runs), fails GuardService at start-up.
//
// A refused call reaches the original handler with a non-OK request status,
// the path gRPC itself uses for undecodable requests: the handler answers
// with that status without running the service's code.

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "fineprint/api/v1/options.pb.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/impl/service_type.h"
#include "services/runtime/auth/authenticator.h"
#include "services/runtime/server/call_context.h"

namespace fineprint::server {

// The rule for a fully-qualified method ("pkg.Service.Method"), or
// FAILED_PRECONDITION if the contract sets none.
absl::StatusOr<fineprint::api::v1::AuthRule> AuthRuleFor(
    const google::protobuf::MethodDescriptor& method);

// Applies the decision of the rule to an authentication outcome: returns
// the principal to install (nullopt for anonymous public calls) or the
// error to answer with.
absl::StatusOr<std::optional<auth::Principal>> Authorize(
    const fineprint::api::v1::AuthRule& rule,
    const absl::StatusOr<auth::Credentials>& credentials,
    auth::Authenticator& authenticator);

// PERMISSION_DENIED (reason ROLE_NOT_ALLOWED) for a caller whose role the
// rule's roles do not list.
absl::Status RoleNotAllowed(absl::string_view role);

// Returns the service to register in place of `service`: the same methods,
// each behind its contract's rule. `service_name` is the proto full name
// (XService::service_full_name()). `service` and `authenticator` must
// outlive the result. `max_deadline` caps the deadline a call may run with
// (and is used when the client sets none), so every query is bounded.
absl::StatusOr<std::unique_ptr<grpc::Service>> GuardService(
    grpc::Service& service, absl::string_view service_name,
    auth::Authenticator* authenticator, absl::Duration max_deadline);

}  // namespace fineprint::server

#endif  // FINEPRINT_SERVICES_RUNTIME_SERVER_CALL_GUARD_H_
