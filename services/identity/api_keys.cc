// API keys: created with a role no higher than the creator's, shown once,
// stored as a SHA-256 hash, usable instead of an access token.

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "fineprint/identity/events/v1/events.pb.h"
#include "google/protobuf/util/time_util.h"
#include "services/identity/identity_service.h"
#include "services/identity/validation.h"
#include "services/runtime/api/idempotency.h"
#include "services/runtime/api/pagination.h"
#include "services/runtime/api/resource_name.h"
#include "services/runtime/api/tenancy.h"
#include "services/runtime/server/call_context.h"
#include "services/runtime/status/status.h"

namespace fineprint::identity {
namespace {

namespace events_v1 = ::fineprint::identity::events::v1;
using google::protobuf::util::TimeUtil;

constexpr absl::string_view kKeyPrefix = "fpk_";

absl::Status InvalidKey() {
  return status::WithReason(absl::UnauthenticatedError("invalid API key"),
                            "API_KEY_INVALID");
}

}  // namespace

absl::Status IdentityServiceImpl::DoCreateApiKey(
    const v1::CreateApiKeyRequest& req, v1::CreateApiKeyResponse* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      api::ParseTenantName(caller, req.parent(), "orgs/{org}", "parent"));
  std::vector<status::FieldViolation> violations;
  CheckDisplayName("api_key.display_name", req.api_key().display_name(),
                   violations);
  const v1::Role role = req.api_key().role();
  if (role == v1::ROLE_UNSPECIFIED || !v1::Role_IsValid(role)) {
    violations.push_back(
        {"api_key.role", "must be OWNER, ADMIN, MEMBER or VIEWER"});
  }
  std::optional<absl::Time> expire;
  if (req.api_key().has_expire_time()) {
    const auto& ts = req.api_key().expire_time();
    if (ts.seconds() < TimeUtil::kTimestampMinSeconds ||
        ts.seconds() > TimeUtil::kTimestampMaxSeconds || ts.nanos() < 0 ||
        ts.nanos() > 999999999) {
      violations.push_back({"api_key.expire_time", "not a valid timestamp"});
    } else {
      expire = absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(ts));
      if (*expire <= absl::Now()) {
        violations.push_back({"api_key.expire_time", "must be in the future"});
      }
    }
  }
  if (!api::ValidateRequestId(req.request_id()).ok()) {
    violations.push_back({"request_id", "invalid format"});
  }
  if (!violations.empty()) {
    return status::InvalidArgument("invalid API key", std::move(violations));
  }
  const std::string role_name = v1::Role_Name(role);
  if (RoleRank(role_name) > RoleRank(caller.role)) {
    return status::WithReason(
        absl::PermissionDeniedError("an API key cannot outrank its creator"),
        "ROLE_ESCALATION");
  }
  api::IdempotencyKey idem(absl::StrCat(req.parent(), "/apiKeys:create"),
                           req.request_id(), req);
  return db::RunInTransaction(
      *pool_, TxOptionsForCall(), [&](db::Tx& tx) -> absl::Status {
        resp->Clear();
        // A replay returns the key without its secret: it was shown once.
        FP_ASSIGN_OR_RETURN(bool replayed, idem.Replay(tx, resp));
        if (replayed) return absl::OkStatus();
        ApiKeyRecord key;
        key.org_id = ids[0];
        key.id = api::NewResourceId();
        key.display_name = req.api_key().display_name();
        key.role = role_name;
        key.key_prefix = absl::StrCat(kKeyPrefix, key.id);
        key.creator = caller.user;
        key.expire_time = expire;
        const std::string secret = NewSecret(absl::StrCat(key.key_prefix, "_"));
        FP_RETURN_IF_ERROR(InsertApiKey(tx, key, HashSecret(secret)));
        events_v1::ApiKeyCreated event;
        event.set_api_key(ApiKeyName(key.org_id, key.id));
        event.set_organization(OrgName(key.org_id));
        event.set_role(role);
        FP_RETURN_IF_ERROR(outbox_.Append(tx, key.id, event).status());
        *resp->mutable_api_key() = ToProto(key);
        FP_RETURN_IF_ERROR(idem.Remember(tx, *resp));
        resp->set_secret(secret);
        return absl::OkStatus();
      });
}

absl::Status IdentityServiceImpl::DoListApiKeys(
    const v1::ListApiKeysRequest& req, v1::ListApiKeysResponse* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      api::ParseTenantName(caller, req.parent(), "orgs/{org}", "parent"));
  FP_ASSIGN_OR_RETURN(int page_size, api::EffectivePageSize(req.page_size()));
  const std::string scope = absl::StrCat(req.parent(), "/apiKeys");
  FP_ASSIGN_OR_RETURN(std::vector<std::string> cursor,
                      api::DecodePageToken(req.page_token(), scope, 2));
  FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                      pool_->Acquire(TxOptionsForCall().deadline));
  FP_ASSIGN_OR_RETURN(
      std::vector<ApiKeyRecord> keys,
      identity::ListApiKeys(*conn, ids[0], cursor, page_size + 1));
  const bool more = static_cast<int>(keys.size()) > page_size;
  if (more) keys.resize(page_size);
  for (const ApiKeyRecord& k : keys) *resp->add_api_keys() = ToProto(k);
  if (more) {
    resp->set_next_page_token(api::EncodePageToken(
        scope, CursorOf(keys.back().create_time, keys.back().id)));
  }
  return absl::OkStatus();
}

absl::Status IdentityServiceImpl::DoRevokeApiKey(
    const v1::RevokeApiKeyRequest& req, v1::ApiKey* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                      api::ParseTenantName(caller, req.name(),
                                           "orgs/{org}/apiKeys/{key}", "name"));
  return db::RunInTransaction(
      *pool_, TxOptionsForCall(), [&](db::Tx& tx) -> absl::Status {
        FP_ASSIGN_OR_RETURN(std::optional<ApiKeyRecord> key,
                            GetApiKey(tx, ids[0], ids[1], /*for_update=*/true));
        if (!key) {
          return status::WithReason(absl::NotFoundError("API key not found"),
                                    "NOT_FOUND");
        }
        const bool already = key->revoke_time.has_value();
        FP_RETURN_IF_ERROR(identity::RevokeApiKey(tx, *key));
        if (!already) {
          events_v1::ApiKeyRevoked event;
          event.set_api_key(ApiKeyName(key->org_id, key->id));
          event.set_organization(OrgName(key->org_id));
          FP_RETURN_IF_ERROR(outbox_.Append(tx, key->id, event).status());
        }
        *resp = ToProto(*key);
        return absl::OkStatus();
      });
}

absl::StatusOr<auth::Principal> IdentityServiceImpl::VerifyKey(
    absl::string_view api_key, std::optional<absl::Time>* expire_time) {
  if (!absl::StartsWith(api_key, kKeyPrefix) || api_key.size() > 256) {
    return InvalidKey();
  }
  FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                      pool_->Acquire(TxOptionsForCall().deadline));
  FP_ASSIGN_OR_RETURN(std::optional<ApiKeyRecord> key,
                      FindApiKeyByHash(*conn, HashSecret(api_key)));
  const absl::Time now = absl::Now();
  if (!key || key->revoke_time.has_value() ||
      (key->expire_time.has_value() && *key->expire_time <= now)) {
    return InvalidKey();
  }
  FP_ASSIGN_OR_RETURN(std::optional<OrgRecord> org, GetOrg(*conn, key->org_id));
  if (!org) return InvalidKey();
  // Throttled: one write a minute per key, not one per request.
  if (!key->last_use_time.has_value() ||
      now - *key->last_use_time > absl::Minutes(1)) {
    FP_RETURN_IF_ERROR(conn->Execute("UPDATE api_keys SET last_use_time = now()"
                                     " WHERE org_id = $1 AND id = $2",
                                     {key->org_id, key->id})
                           .status());
  }
  if (expire_time != nullptr) *expire_time = key->expire_time;
  return auth::Principal{key->creator, OrgName(key->org_id), key->role,
                         org->plan, ApiKeyName(key->org_id, key->id)};
}

absl::StatusOr<auth::Principal> IdentityServiceImpl::Verify(
    absl::string_view api_key) {
  return VerifyKey(api_key, nullptr);
}

grpc::Status IdentityServiceImpl::CreateApiKey(
    grpc::ServerContext*, const v1::CreateApiKeyRequest* req,
    v1::CreateApiKeyResponse* resp) {
  return status::ToGrpc(DoCreateApiKey(*req, resp));
}

grpc::Status IdentityServiceImpl::ListApiKeys(grpc::ServerContext*,
                                              const v1::ListApiKeysRequest* req,
                                              v1::ListApiKeysResponse* resp) {
  return status::ToGrpc(DoListApiKeys(*req, resp));
}

grpc::Status IdentityServiceImpl::RevokeApiKey(
    grpc::ServerContext*, const v1::RevokeApiKeyRequest* req,
    v1::ApiKey* resp) {
  return status::ToGrpc(DoRevokeApiKey(*req, resp));
}

grpc::Status IdentityServiceImpl::VerifyApiKey(
    grpc::ServerContext*, const v1::VerifyApiKeyRequest* req,
    v1::Principal* resp) {
  std::optional<absl::Time> expire_time;
  auto principal = VerifyKey(req->api_key(), &expire_time);
  if (!principal.ok()) return status::ToGrpc(principal.status());
  // Callers cache the answer; they must not serve the key past its expiry.
  if (expire_time.has_value()) {
    *resp->mutable_expire_time() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(*expire_time));
  }
  resp->set_user(principal->user);
  resp->set_organization(principal->organization);
  v1::Role role = v1::ROLE_UNSPECIFIED;
  v1::Role_Parse(principal->role, &role);
  resp->set_role(role);
  v1::Plan plan = v1::PLAN_UNSPECIFIED;
  v1::Plan_Parse(principal->plan, &plan);
  resp->set_plan(plan);
  resp->set_api_key(principal->api_key);
  return grpc::Status::OK;
}

}  // namespace fineprint::identity
