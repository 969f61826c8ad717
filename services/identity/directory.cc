// The organisation and its users: get-me, plan changes, user CRUD.

#include <set>

#include "absl/strings/str_cat.h"
#include "fineprint/identity/events/v1/events.pb.h"
#include "services/identity/identity_service.h"
#include "services/identity/operators.h"
#include "services/identity/validation.h"
#include "services/runtime/api/idempotency.h"
#include "services/runtime/api/pagination.h"
#include "services/runtime/api/resource_name.h"
#include "services/runtime/api/tenancy.h"
#include "services/runtime/db/sqlstate.h"
#include "services/runtime/log/log.h"
#include "services/runtime/server/call_context.h"
#include "services/runtime/status/status.h"

namespace fineprint::identity {
namespace {

namespace events_v1 = ::fineprint::identity::events::v1;

constexpr absl::string_view kUserPattern = "orgs/{org}/users/{user}";

absl::Status NotFound(absl::string_view what) {
  return status::WithReason(
      absl::NotFoundError(absl::StrCat(what, " not found")), "NOT_FOUND");
}

absl::Status StaleEtag() {
  return status::WithReason(
      absl::AbortedError(
          "the resource changed since it was read (etag mismatch)"),
      "ETAG_MISMATCH");
}

absl::Status EmailTaken() {
  return status::WithReason(
      absl::AlreadyExistsError("an account with this email already exists"),
      "EMAIL_TAKEN");
}

// A valid, assignable role name, or a field violation.
std::string CheckRole(absl::string_view field, v1::Role role,
                      std::vector<status::FieldViolation>& violations) {
  if (role == v1::ROLE_UNSPECIFIED || !v1::Role_IsValid(role)) {
    violations.push_back(
        {std::string(field), "must be OWNER, ADMIN, MEMBER or VIEWER"});
    return "";
  }
  return v1::Role_Name(role);
}

absl::Status MayGrant(const auth::Principal& caller, absl::string_view role) {
  if (RoleRank(role) > RoleRank(caller.role)) {
    return status::WithReason(
        absl::PermissionDeniedError(absl::StrCat(
            "a ", caller.role, " cannot grant the ", role, " role")),
        "ROLE_ESCALATION");
  }
  return absl::OkStatus();
}

v1::Role RoleEnum(absl::string_view name) {
  v1::Role role = v1::ROLE_UNSPECIFIED;
  v1::Role_Parse(std::string(name), &role);
  return role;
}

v1::Plan PlanEnum(absl::string_view name) {
  v1::Plan plan = v1::PLAN_UNSPECIFIED;
  v1::Plan_Parse(std::string(name), &plan);
  return plan;
}

}  // namespace

grpc::Status IdentityServiceImpl::GetMe(grpc::ServerContext*,
                                        const v1::GetMeRequest*, v1::Me* resp) {
  auto run = [&]() -> absl::Status {
    FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
    FP_ASSIGN_OR_RETURN(
        std::vector<std::string> ids,
        api::ParseTenantName(caller, caller.user, kUserPattern, "user"));
    FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                        pool_->Acquire(TxOptionsForCall().deadline));
    FP_ASSIGN_OR_RETURN(std::optional<UserRecord> user,
                        identity::GetUser(*conn, ids[0], ids[1]));
    FP_ASSIGN_OR_RETURN(std::optional<OrgRecord> org, GetOrg(*conn, ids[0]));
    if (!user || !org) return NotFound("user");
    *resp->mutable_user() = ToProto(*user);
    *resp->mutable_organization() = ToProto(*org);
    auto* p = resp->mutable_principal();
    p->set_user(caller.user);
    p->set_organization(caller.organization);
    p->set_role(RoleEnum(caller.role));
    p->set_plan(PlanEnum(org->plan));
    p->set_api_key(caller.api_key);
    return absl::OkStatus();
  };
  return status::ToGrpc(run());
}

grpc::Status IdentityServiceImpl::GetOrganization(
    grpc::ServerContext*, const v1::GetOrganizationRequest* req,
    v1::Organization* resp) {
  auto run = [&]() -> absl::Status {
    FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
    FP_ASSIGN_OR_RETURN(
        std::vector<std::string> ids,
        api::ParseTenantName(caller, req->name(), "orgs/{org}", "name"));
    FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                        pool_->Acquire(TxOptionsForCall().deadline));
    FP_ASSIGN_OR_RETURN(std::optional<OrgRecord> org, GetOrg(*conn, ids[0]));
    if (!org) return NotFound("organization");
    *resp = ToProto(*org);
    return absl::OkStatus();
  };
  return status::ToGrpc(run());
}

absl::Status IdentityServiceImpl::DoChangePlan(const v1::ChangePlanRequest& req,
                                               v1::Organization* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  // Plans are billing's: the contract admits only operators, and this holds
  // even if a contract edit ever widened it.
  if (!IsPlatformOperator(caller)) {
    return status::WithReason(
        absl::PermissionDeniedError(
            "changing a plan is a platform operation (billing)"),
        "PLATFORM_OPERATION", {{"role", caller.role}});
  }
  // The operator is outside every tenant: it names the organisation.
  FP_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                      api::ParseResourceName(req.name(), "orgs/{org}", "name"));
  if (req.plan() == v1::PLAN_UNSPECIFIED || !v1::Plan_IsValid(req.plan())) {
    return status::InvalidArgument(
        "invalid plan", {{"plan", "must be FREE, PREMIUM or ENTERPRISE"}});
  }
  const std::string plan = v1::Plan_Name(req.plan());
  return db::RunInTransaction(
      *pool_, TxOptionsForCall(), [&](db::Tx& tx) -> absl::Status {
        FP_ASSIGN_OR_RETURN(std::optional<OrgRecord> org,
                            GetOrg(tx, ids[0], true));
        if (!org) return NotFound("organization");
        if (!req.etag().empty() && req.etag() != Etag(org->version))
          return StaleEtag();
        if (org->plan != plan) {
          const std::string old_plan = org->plan;
          FP_RETURN_IF_ERROR(UpdatePlan(tx, *org, plan));
          events_v1::PlanChanged event;
          event.set_organization(OrgName(org->id));
          event.set_old_plan(PlanEnum(old_plan));
          event.set_new_plan(req.plan());
          FP_RETURN_IF_ERROR(outbox_.Append(tx, org->id, event).status());
          log::Info("plan changed by a platform operator",
                    {{"organization", OrgName(org->id)},
                     {"old_plan", old_plan},
                     {"new_plan", plan},
                     {"operator", caller.user}});
        }
        *resp = ToProto(*org);
        return absl::OkStatus();
      });
}

absl::Status IdentityServiceImpl::DoCreateUser(const v1::CreateUserRequest& req,
                                               v1::User* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      api::ParseTenantName(caller, req.parent(), "orgs/{org}", "parent"));
  std::vector<status::FieldViolation> violations;
  const std::string email =
      NormalizeEmail("user.email", req.user().email(), violations);
  CheckDisplayName("user.display_name", req.user().display_name(), violations);
  const std::string role =
      CheckRole("user.role", req.user().role(), violations);
  CheckPassword("password", req.password(), email, violations);
  if (!api::ValidateRequestId(req.request_id()).ok()) {
    violations.push_back({"request_id", "invalid format"});
  }
  if (!violations.empty()) {
    return status::InvalidArgument("invalid user", std::move(violations));
  }
  FP_RETURN_IF_ERROR(MayGrant(caller, role));
  api::IdempotencyKey idem(absl::StrCat(req.parent(), "/users:create"),
                           req.request_id(), req);
  FP_ASSIGN_OR_RETURN(std::string password_hash, hasher_.Hash(req.password()));
  return db::RunInTransaction(
      *pool_, TxOptionsForCall(), [&](db::Tx& tx) -> absl::Status {
        FP_ASSIGN_OR_RETURN(bool replayed, idem.Replay(tx, resp));
        if (replayed) return absl::OkStatus();
        UserRecord user;
        user.org_id = ids[0];
        user.id = api::NewResourceId();
        user.email = email;
        user.display_name = req.user().display_name();
        user.role = role;
        user.password_hash = password_hash;
        if (absl::Status s = InsertUser(tx, user); !s.ok()) {
          return db::IsUniqueViolation(s, "users_email_key") ? EmailTaken() : s;
        }
        events_v1::UserRegistered event;
        event.set_user(UserName(user.org_id, user.id));
        event.set_organization(OrgName(user.org_id));
        event.set_email(user.email);
        event.set_role(req.user().role());
        FP_RETURN_IF_ERROR(outbox_.Append(tx, user.id, event).status());
        *resp = ToProto(user);
        return idem.Remember(tx, *resp);
      });
}

grpc::Status IdentityServiceImpl::GetUser(grpc::ServerContext*,
                                          const v1::GetUserRequest* req,
                                          v1::User* resp) {
  auto run = [&]() -> absl::Status {
    FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
    FP_ASSIGN_OR_RETURN(
        std::vector<std::string> ids,
        api::ParseTenantName(caller, req->name(), kUserPattern, "name"));
    FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                        pool_->Acquire(TxOptionsForCall().deadline));
    FP_ASSIGN_OR_RETURN(std::optional<UserRecord> user,
                        identity::GetUser(*conn, ids[0], ids[1]));
    if (!user) return NotFound("user");
    *resp = ToProto(*user);
    return absl::OkStatus();
  };
  return status::ToGrpc(run());
}

absl::Status IdentityServiceImpl::DoListUsers(const v1::ListUsersRequest& req,
                                              v1::ListUsersResponse* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      api::ParseTenantName(caller, req.parent(), "orgs/{org}", "parent"));
  FP_ASSIGN_OR_RETURN(int page_size, api::EffectivePageSize(req.page_size()));
  const std::string scope = absl::StrCat(req.parent(), "/users");
  FP_ASSIGN_OR_RETURN(std::vector<std::string> cursor,
                      api::DecodePageToken(req.page_token(), scope, 2));
  FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                      pool_->Acquire(TxOptionsForCall().deadline));
  FP_ASSIGN_OR_RETURN(
      std::vector<UserRecord> users,
      identity::ListUsers(*conn, ids[0], cursor, page_size + 1));
  const bool more = static_cast<int>(users.size()) > page_size;
  if (more) users.resize(page_size);
  for (const UserRecord& u : users) *resp->add_users() = ToProto(u);
  if (more) {
    resp->set_next_page_token(api::EncodePageToken(
        scope, CursorOf(users.back().create_time, users.back().id)));
  }
  FP_ASSIGN_OR_RETURN(int64_t total, CountUsers(*conn, ids[0]));
  resp->set_total_size(static_cast<int32_t>(total));
  return absl::OkStatus();
}

absl::Status IdentityServiceImpl::DoUpdateUser(const v1::UpdateUserRequest& req,
                                               v1::User* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                      api::ParseTenantName(caller, req.user().name(),
                                           kUserPattern, "user.name"));
  std::set<std::string> paths(req.update_mask().paths().begin(),
                              req.update_mask().paths().end());
  if (paths.empty()) {
    // AIP-134: no mask means every field the request populates.
    if (!req.user().display_name().empty()) paths.insert("display_name");
    if (!req.user().email().empty()) paths.insert("email");
    if (req.user().role() != v1::ROLE_UNSPECIFIED) paths.insert("role");
  }
  std::vector<status::FieldViolation> violations;
  std::string email, role;
  for (const std::string& path : paths) {
    if (path == "display_name") {
      CheckDisplayName("user.display_name", req.user().display_name(),
                       violations);
    } else if (path == "email") {
      email = NormalizeEmail("user.email", req.user().email(), violations);
    } else if (path == "role") {
      role = CheckRole("user.role", req.user().role(), violations);
    } else {
      violations.push_back(
          {"update_mask", absl::StrCat("cannot update '", path,
                                       "'; allowed: display_name, "
                                       "email, role")});
    }
  }
  if (paths.empty()) violations.push_back({"update_mask", "nothing to update"});
  if (!violations.empty()) {
    return status::InvalidArgument("invalid update", std::move(violations));
  }
  return db::RunInTransaction(
      *pool_, TxOptionsForCall(), [&](db::Tx& tx) -> absl::Status {
        FP_ASSIGN_OR_RETURN(
            std::optional<UserRecord> user,
            identity::GetUser(tx, ids[0], ids[1], /*for_update=*/true));
        if (!user) return NotFound("user");
        if (!req.user().etag().empty() &&
            req.user().etag() != Etag(user->version)) {
          return StaleEtag();
        }
        // Nobody manages an account ranked above them.
        FP_RETURN_IF_ERROR(MayGrant(caller, user->role));
        const std::string old_role = user->role;
        std::vector<std::string> changed;
        if (paths.count("display_name") &&
            user->display_name != req.user().display_name()) {
          user->display_name = req.user().display_name();
          changed.push_back("display_name");
        }
        if (paths.count("email") && user->email != email) {
          user->email = email;
          changed.push_back("email");
        }
        if (paths.count("role") && user->role != role) {
          FP_RETURN_IF_ERROR(MayGrant(caller, role));
          if (old_role == "OWNER") {
            FP_ASSIGN_OR_RETURN(int64_t owners, CountOwners(tx, ids[0]));
            if (owners <= 1) {
              return status::WithReason(
                  absl::FailedPreconditionError(
                      "an organization keeps at least one owner"),
                  "LAST_OWNER");
            }
          }
          user->role = role;
          changed.push_back("role");
        }
        if (changed.empty()) {
          *resp = ToProto(*user);
          return absl::OkStatus();
        }
        if (absl::Status s = identity::UpdateUser(tx, *user); !s.ok()) {
          return db::IsUniqueViolation(s, "users_email_key") ? EmailTaken() : s;
        }
        events_v1::UserUpdated updated;
        updated.set_user(UserName(user->org_id, user->id));
        updated.set_organization(OrgName(user->org_id));
        for (const auto& f : changed) updated.add_changed_fields(f);
        FP_RETURN_IF_ERROR(outbox_.Append(tx, user->id, updated).status());
        if (user->role != old_role) {
          events_v1::UserRoleChanged role_event;
          role_event.set_user(UserName(user->org_id, user->id));
          role_event.set_organization(OrgName(user->org_id));
          role_event.set_old_role(RoleEnum(old_role));
          role_event.set_new_role(RoleEnum(user->role));
          FP_RETURN_IF_ERROR(outbox_.Append(tx, user->id, role_event).status());
        }
        *resp = ToProto(*user);
        return absl::OkStatus();
      });
}

absl::Status IdentityServiceImpl::DoDeleteUser(
    const v1::DeleteUserRequest& req) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      api::ParseTenantName(caller, req.name(), kUserPattern, "name"));
  return db::RunInTransaction(
      *pool_, TxOptionsForCall(), [&](db::Tx& tx) -> absl::Status {
        FP_ASSIGN_OR_RETURN(
            std::optional<UserRecord> user,
            identity::GetUser(tx, ids[0], ids[1], /*for_update=*/true));
        if (!user) return NotFound("user");
        if (!req.etag().empty() && req.etag() != Etag(user->version))
          return StaleEtag();
        FP_RETURN_IF_ERROR(MayGrant(caller, user->role));
        if (user->role == "OWNER") {
          FP_ASSIGN_OR_RETURN(int64_t owners, CountOwners(tx, ids[0]));
          if (owners <= 1) {
            return status::WithReason(
                absl::FailedPreconditionError(
                    "an organization keeps at least one owner"),
                "LAST_OWNER");
          }
        }
        FP_RETURN_IF_ERROR(identity::DeleteUser(tx, ids[0], ids[1]));
        // Keys act with their creator's authority; they go with the creator.
        FP_RETURN_IF_ERROR(
            tx.Execute(
                  "UPDATE api_keys SET revoke_time = now() WHERE org_id = $1"
                  " AND creator = $2 AND revoke_time IS NULL",
                  {ids[0], UserName(ids[0], ids[1])})
                .status());
        events_v1::UserDeleted event;
        event.set_user(UserName(ids[0], ids[1]));
        event.set_organization(OrgName(ids[0]));
        return outbox_.Append(tx, ids[1], event).status();
      });
}

grpc::Status IdentityServiceImpl::ChangePlan(grpc::ServerContext*,
                                             const v1::ChangePlanRequest* req,
                                             v1::Organization* resp) {
  return status::ToGrpc(DoChangePlan(*req, resp));
}

grpc::Status IdentityServiceImpl::CreateUser(grpc::ServerContext*,
                                             const v1::CreateUserRequest* req,
                                             v1::User* resp) {
  return status::ToGrpc(DoCreateUser(*req, resp));
}

grpc::Status IdentityServiceImpl::ListUsers(grpc::ServerContext*,
                                            const v1::ListUsersRequest* req,
                                            v1::ListUsersResponse* resp) {
  return status::ToGrpc(DoListUsers(*req, resp));
}

grpc::Status IdentityServiceImpl::UpdateUser(grpc::ServerContext*,
                                             const v1::UpdateUserRequest* req,
                                             v1::User* resp) {
  return status::ToGrpc(DoUpdateUser(*req, resp));
}

grpc::Status IdentityServiceImpl::DeleteUser(grpc::ServerContext*,
                                             const v1::DeleteUserRequest* req,
                                             google::protobuf::Empty*) {
  return status::ToGrpc(DoDeleteUser(*req));
}

}  // namespace fineprint::identity
