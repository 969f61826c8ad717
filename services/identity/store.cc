#include "services/identity/store.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "services/runtime/status/status.h"

namespace fineprint::identity {
namespace {

namespace v1 = ::fineprint::identity::v1;
using google::protobuf::util::TimeUtil;

constexpr absl::string_view kOrgColumns =
    "id, display_name, plan, version, create_time, update_time";
constexpr absl::string_view kUserColumns =
    "org_id, id, email, display_name, role, password_hash, version, "
    "create_time, update_time";
constexpr absl::string_view kApiKeyColumns =
    "org_id, id, display_name, role, key_prefix, creator, create_time, "
    "expire_time, revoke_time, last_use_time";

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

absl::StatusOr<OrgRecord> ReadOrg(const db::Row& row) {
  OrgRecord o;
  o.id = std::string(row.Value(0));
  o.display_name = std::string(row.Value(1));
  o.plan = std::string(row.Value(2));
  FP_ASSIGN_OR_RETURN(o.version, row.GetInt64(3));
  FP_ASSIGN_OR_RETURN(o.create_time, row.GetTime(4));
  FP_ASSIGN_OR_RETURN(o.update_time, row.GetTime(5));
  return o;
}

absl::StatusOr<UserRecord> ReadUser(const db::Row& row) {
  UserRecord u;
  u.org_id = std::string(row.Value(0));
  u.id = std::string(row.Value(1));
  u.email = std::string(row.Value(2));
  u.display_name = std::string(row.Value(3));
  u.role = std::string(row.Value(4));
  u.password_hash = std::string(row.Value(5));
  FP_ASSIGN_OR_RETURN(u.version, row.GetInt64(6));
  FP_ASSIGN_OR_RETURN(u.create_time, row.GetTime(7));
  FP_ASSIGN_OR_RETURN(u.update_time, row.GetTime(8));
  return u;
}

absl::StatusOr<std::optional<absl::Time>> OptionalTime(const db::Row& row, int col) {
  if (row.IsNull(col)) return std::optional<absl::Time>();
  FP_ASSIGN_OR_RETURN(absl::Time t, row.GetTime(col));
  return std::optional<absl::Time>(t);
}

absl::StatusOr<ApiKeyRecord> ReadApiKey(const db::Row& row) {
  ApiKeyRecord k;
  k.org_id = std::string(row.Value(0));
  k.id = std::string(row.Value(1));
  k.display_name = std::string(row.Value(2));
  k.role = std::string(row.Value(3));
  k.key_prefix = std::string(row.Value(4));
  k.creator = std::string(row.Value(5));
  FP_ASSIGN_OR_RETURN(k.create_time, row.GetTime(6));
  FP_ASSIGN_OR_RETURN(k.expire_time, OptionalTime(row, 7));
  FP_ASSIGN_OR_RETURN(k.revoke_time, OptionalTime(row, 8));
  FP_ASSIGN_OR_RETURN(k.last_use_time, OptionalTime(row, 9));
  return k;
}

template <typename T, typename Reader>
absl::StatusOr<std::optional<T>> ReadOne(absl::StatusOr<db::Result> result,
                                         Reader reader) {
  if (!result.ok()) return result.status();
  if (result->empty()) return std::optional<T>();
  FP_ASSIGN_OR_RETURN(T value, reader((*result)[0]));
  return std::optional<T>(std::move(value));
}

// The first row of a statement that must return one (INSERT/UPDATE ...
// RETURNING); NOT_FOUND naming `what` when it returned none.
template <typename T, typename Reader>
absl::StatusOr<T> ReadFirst(absl::StatusOr<db::Result> result, Reader reader,
                            absl::string_view what) {
  if (!result.ok()) return result.status();
  if (result->empty()) return absl::NotFoundError(absl::StrCat(what, " not found"));
  return reader((*result)[0]);
}

template <typename T, typename Reader>
absl::StatusOr<std::vector<T>> ReadAll(absl::StatusOr<db::Result> result,
                                       Reader reader) {
  if (!result.ok()) return result.status();
  std::vector<T> out;
  for (db::Row row : *result) {
    FP_ASSIGN_OR_RETURN(T value, reader(row));
    out.push_back(std::move(value));
  }
  return out;
}

// Keyset pagination bound: rows strictly after the cursor's (time, id).
absl::StatusOr<std::pair<db::Param, db::Param>> CursorParams(
    const std::vector<std::string>& cursor) {
  if (cursor.empty()) return std::make_pair(db::Param(), db::Param());
  int64_t micros;
  if (cursor.size() != 2 || !absl::SimpleAtoi(cursor[0], &micros)) {
    return status::InvalidArgument("invalid page_token",
                                   {{"page_token", "malformed cursor"}},
                                   "INVALID_PAGE_TOKEN");
  }
  return std::make_pair(db::Param(absl::FromUnixMicros(micros)), db::Param(cursor[1]));
}

}  // namespace

std::string OrgName(absl::string_view org_id) { return absl::StrCat("orgs/", org_id); }
std::string UserName(absl::string_view org_id, absl::string_view user_id) {
  return absl::StrCat("orgs/", org_id, "/users/", user_id);
}
std::string ApiKeyName(absl::string_view org_id, absl::string_view key_id) {
  return absl::StrCat("orgs/", org_id, "/apiKeys/", key_id);
}
std::string Etag(int64_t version) { return absl::StrCat("v", version); }

std::vector<std::string> CursorOf(absl::Time create_time, absl::string_view id) {
  return {absl::StrCat(absl::ToUnixMicros(create_time)), std::string(id)};
}

int RoleRank(absl::string_view role) {
  if (role == "OWNER") return 4;
  if (role == "ADMIN") return 3;
  if (role == "MEMBER") return 2;
  if (role == "VIEWER") return 1;
  return 0;
}

v1::Organization ToProto(const OrgRecord& org) {
  v1::Organization p;
  p.set_name(OrgName(org.id));
  p.set_display_name(org.display_name);
  v1::Plan plan;
  p.set_plan(v1::Plan_Parse(org.plan, &plan) ? plan : v1::PLAN_UNSPECIFIED);
  *p.mutable_create_time() = ToTimestamp(org.create_time);
  *p.mutable_update_time() = ToTimestamp(org.update_time);
  p.set_etag(Etag(org.version));
  return p;
}

v1::User ToProto(const UserRecord& user) {
  v1::User p;
  p.set_name(UserName(user.org_id, user.id));
  p.set_email(user.email);
  p.set_display_name(user.display_name);
  v1::Role role;
  p.set_role(v1::Role_Parse(user.role, &role) ? role : v1::ROLE_UNSPECIFIED);
  *p.mutable_create_time() = ToTimestamp(user.create_time);
  *p.mutable_update_time() = ToTimestamp(user.update_time);
  p.set_etag(Etag(user.version));
  return p;
}

v1::ApiKey ToProto(const ApiKeyRecord& key) {
  v1::ApiKey p;
  p.set_name(ApiKeyName(key.org_id, key.id));
  p.set_display_name(key.display_name);
  v1::Role role;
  p.set_role(v1::Role_Parse(key.role, &role) ? role : v1::ROLE_UNSPECIFIED);
  p.set_key_prefix(key.key_prefix);
  p.set_creator(key.creator);
  *p.mutable_create_time() = ToTimestamp(key.create_time);
  if (key.expire_time) *p.mutable_expire_time() = ToTimestamp(*key.expire_time);
  if (key.revoke_time) *p.mutable_revoke_time() = ToTimestamp(*key.revoke_time);
  if (key.last_use_time) *p.mutable_last_use_time() = ToTimestamp(*key.last_use_time);
  return p;
}

absl::StatusOr<std::optional<OrgRecord>> GetOrg(db::Executor& db,
                                                absl::string_view org_id,
                                                bool for_update) {
  return ReadOne<OrgRecord>(
      db.Execute(absl::StrCat("SELECT ", kOrgColumns,
                              " FROM organizations WHERE id = $1",
                              for_update ? " FOR UPDATE" : ""),
                 {org_id}),
      ReadOrg);
}

absl::Status InsertOrg(db::Executor& db, OrgRecord& org) {
  FP_ASSIGN_OR_RETURN(
      org,
      ReadFirst<OrgRecord>(
          db.Execute(absl::StrCat("INSERT INTO organizations (id, display_name, plan)"
                                  " VALUES ($1, $2, $3) RETURNING ",
                                  kOrgColumns),
                     {org.id, org.display_name, org.plan}),
          ReadOrg, "row"));
  return absl::OkStatus();
}

absl::Status UpdatePlan(db::Executor& db, OrgRecord& org, absl::string_view plan) {
  FP_ASSIGN_OR_RETURN(
      org,
      ReadFirst<OrgRecord>(
          db.Execute(absl::StrCat("UPDATE organizations SET plan = $2,"
                                  " version = version + 1, update_time = now()"
                                  " WHERE id = $1 RETURNING ",
                                  kOrgColumns),
                     {org.id, plan}),
          ReadOrg, "organization"));
  return absl::OkStatus();
}

absl::StatusOr<std::optional<UserRecord>> GetUser(db::Executor& db,
                                                  absl::string_view org_id,
                                                  absl::string_view user_id,
                                                  bool for_update) {
  return ReadOne<UserRecord>(
      db.Execute(absl::StrCat("SELECT ", kUserColumns,
                              " FROM users WHERE org_id = $1 AND id = $2",
                              for_update ? " FOR UPDATE" : ""),
                 {org_id, user_id}),
      ReadUser);
}

absl::StatusOr<std::optional<UserRecord>> FindUserByEmail(db::Executor& db,
                                                          absl::string_view email) {
  return ReadOne<UserRecord>(
      db.Execute(absl::StrCat("SELECT ", kUserColumns, " FROM users WHERE email = $1"),
                 {email}),
      ReadUser);
}

absl::Status InsertUser(db::Executor& db, UserRecord& user) {
  FP_ASSIGN_OR_RETURN(
      user,
      ReadFirst<UserRecord>(
          db.Execute(absl::StrCat("INSERT INTO users (org_id, id, email, display_name,"
                                  " role, password_hash) VALUES ($1, $2, $3, $4, $5, $6)"
                                  " RETURNING ",
                                  kUserColumns),
                     {user.org_id, user.id, user.email, user.display_name, user.role,
                      user.password_hash}),
          ReadUser, "row"));
  return absl::OkStatus();
}

absl::Status UpdateUser(db::Executor& db, UserRecord& user) {
  FP_ASSIGN_OR_RETURN(
      user,
      ReadFirst<UserRecord>(
          db.Execute(absl::StrCat("UPDATE users SET email = $3, display_name = $4,"
                                  " role = $5, version = version + 1,"
                                  " update_time = now()"
                                  " WHERE org_id = $1 AND id = $2 RETURNING ",
                                  kUserColumns),
                     {user.org_id, user.id, user.email, user.display_name, user.role}),
          ReadUser, "user"));
  return absl::OkStatus();
}

absl::Status DeleteUser(db::Executor& db, absl::string_view org_id,
                        absl::string_view user_id) {
  FP_ASSIGN_OR_RETURN(db::Result r,
                      db.Execute("DELETE FROM users WHERE org_id = $1 AND id = $2",
                                 {org_id, user_id}));
  if (r.affected_rows() != 1) return absl::NotFoundError("user not found");
  return absl::OkStatus();
}

absl::StatusOr<int64_t> CountOwners(db::Executor& db, absl::string_view org_id) {
  FP_ASSIGN_OR_RETURN(
      db::Result r,
      db.Execute("SELECT count(*) FROM users WHERE org_id = $1 AND role = 'OWNER'",
                 {org_id}));
  return r[0].GetInt64(0);
}

absl::StatusOr<int64_t> CountUsers(db::Executor& db, absl::string_view org_id) {
  FP_ASSIGN_OR_RETURN(db::Result r,
                      db.Execute("SELECT count(*) FROM users WHERE org_id = $1", {org_id}));
  return r[0].GetInt64(0);
}

absl::StatusOr<std::vector<UserRecord>> ListUsers(
    db::Executor& db, absl::string_view org_id,
    const std::vector<std::string>& cursor, int limit) {
  FP_ASSIGN_OR_RETURN(auto after, CursorParams(cursor));
  return ReadAll<UserRecord>(
      db.Execute(absl::StrCat("SELECT ", kUserColumns,
                              " FROM users WHERE org_id = $1 AND ($2::timestamptz IS NULL"
                              " OR (create_time, id) > ($2::timestamptz, $3))"
                              " ORDER BY create_time, id LIMIT $4"),
                 {org_id, after.first, after.second, limit}),
      ReadUser);
}

absl::Status InsertApiKey(db::Executor& db, ApiKeyRecord& key,
                          absl::string_view secret_hash) {
  FP_ASSIGN_OR_RETURN(
      key,
      ReadFirst<ApiKeyRecord>(
          db.Execute(absl::StrCat("INSERT INTO api_keys (org_id, id, display_name, role,"
                                  " key_prefix, secret_hash, creator, expire_time)"
                                  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ",
                                  kApiKeyColumns),
                     {key.org_id, key.id, key.display_name, key.role, key.key_prefix,
                      secret_hash, key.creator, db::Param(key.expire_time)}),
          ReadApiKey, "row"));
  return absl::OkStatus();
}

absl::StatusOr<std::optional<ApiKeyRecord>> GetApiKey(db::Executor& db,
                                                      absl::string_view org_id,
                                                      absl::string_view key_id,
                                                      bool for_update) {
  return ReadOne<ApiKeyRecord>(
      db.Execute(absl::StrCat("SELECT ", kApiKeyColumns,
                              " FROM api_keys WHERE org_id = $1 AND id = $2",
                              for_update ? " FOR UPDATE" : ""),
                 {org_id, key_id}),
      ReadApiKey);
}

absl::StatusOr<std::optional<ApiKeyRecord>> FindApiKeyByHash(
    db::Executor& db, absl::string_view secret_hash) {
  return ReadOne<ApiKeyRecord>(
      db.Execute(absl::StrCat("SELECT ", kApiKeyColumns,
                              " FROM api_keys WHERE secret_hash = $1"),
                 {secret_hash}),
      ReadApiKey);
}

absl::Status RevokeApiKey(db::Executor& db, ApiKeyRecord& key) {
  FP_ASSIGN_OR_RETURN(
      key,
      ReadFirst<ApiKeyRecord>(
          db.Execute(absl::StrCat("UPDATE api_keys SET revoke_time ="
                                  " coalesce(revoke_time, now())"
                                  " WHERE org_id = $1 AND id = $2 RETURNING ",
                                  kApiKeyColumns),
                     {key.org_id, key.id}),
          ReadApiKey, "API key"));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ApiKeyRecord>> ListApiKeys(
    db::Executor& db, absl::string_view org_id,
    const std::vector<std::string>& cursor, int limit) {
  FP_ASSIGN_OR_RETURN(auto after, CursorParams(cursor));
  return ReadAll<ApiKeyRecord>(
      db.Execute(absl::StrCat("SELECT ", kApiKeyColumns,
                              " FROM api_keys WHERE org_id = $1 AND ($2::timestamptz IS"
                              " NULL OR (create_time, id) > ($2::timestamptz, $3))"
                              " ORDER BY create_time, id LIMIT $4"),
                 {org_id, after.first, after.second, limit}),
      ReadApiKey);
}

}  // namespace fineprint::identity
