#include "services/identity/store.h"

#include <initializer_list>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
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

v1::Role ParseRole(const std::string& role) {
  v1::Role parsed;
  return v1::Role_Parse(role, &parsed) ? parsed : v1::ROLE_UNSPECIFIED;
}

// Every record's select list starts with its text columns; copies them, in
// order, into `fields` and returns the index of the first column after them.
int ReadText(const db::Row& row, std::initializer_list<std::string*> fields) {
  int col = 0;
  for (std::string* field : fields) *field = std::string(row.Value(col++));
  return col;
}

// version, create_time, update_time: the columns after the text ones in the
// resources clients update under an etag (organizations and users).
template <typename Record>
absl::Status ReadRevision(const db::Row& row, int col, Record& record) {
  FP_ASSIGN_OR_RETURN(record.version, row.GetInt64(col));
  FP_ASSIGN_OR_RETURN(record.create_time, row.GetTime(col + 1));
  FP_ASSIGN_OR_RETURN(record.update_time, row.GetTime(col + 2));
  return absl::OkStatus();
}

template <typename Proto, typename Record>
void SetRevision(const Record& record, Proto& proto) {
  *proto.mutable_create_time() = ToTimestamp(record.create_time);
  *proto.mutable_update_time() = ToTimestamp(record.update_time);
  proto.set_etag(Etag(record.version));
}

absl::StatusOr<OrgRecord> ReadOrg(const db::Row& row) {
  OrgRecord o;
  const int col = ReadText(row, {&o.id, &o.display_name, &o.plan});
  FP_RETURN_IF_ERROR(ReadRevision(row, col, o));
  return o;
}

absl::StatusOr<UserRecord> ReadUser(const db::Row& row) {
  UserRecord u;
  const int col = ReadText(row, {&u.org_id, &u.id, &u.email, &u.display_name,
                                 &u.role, &u.password_hash});
  FP_RETURN_IF_ERROR(ReadRevision(row, col, u));
  return u;
}

absl::StatusOr<std::optional<absl::Time>> OptionalTime(const db::Row& row,
                                                       int col) {
  if (row.IsNull(col)) return std::optional<absl::Time>();
  FP_ASSIGN_OR_RETURN(absl::Time t, row.GetTime(col));
  return std::optional<absl::Time>(t);
}

absl::StatusOr<ApiKeyRecord> ReadApiKey(const db::Row& row) {
  ApiKeyRecord k;
  const int col = ReadText(row, {&k.org_id, &k.id, &k.display_name, &k.role,
                                 &k.key_prefix, &k.creator});
  FP_ASSIGN_OR_RETURN(k.create_time, row.GetTime(col));
  FP_ASSIGN_OR_RETURN(k.expire_time, OptionalTime(row, col + 1));
  FP_ASSIGN_OR_RETURN(k.revoke_time, OptionalTime(row, col + 2));
  FP_ASSIGN_OR_RETURN(k.last_use_time, OptionalTime(row, col + 3));
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

// The row of `table` matching `where` (both constants), if any; locked
// until the transaction ends when `for_update`.
template <typename T, typename Reader>
absl::StatusOr<std::optional<T>> SelectOne(
    db::Executor& db, absl::string_view columns, absl::string_view table,
    absl::string_view where, absl::Span<const db::Param> params, Reader reader,
    bool for_update = false) {
  return ReadOne<T>(
      db.Execute(absl::StrCat("SELECT ", columns, " FROM ", table, " WHERE ",
                              where, for_update ? " FOR UPDATE" : ""),
                 params),
      reader);
}

// Replaces `record` with the row a statement must return (INSERT/UPDATE ...
// RETURNING), so callers see the defaults and versions the database set;
// NOT_FOUND naming `what` when it returned none.
template <typename T, typename Reader>
absl::Status ReadBack(absl::StatusOr<db::Result> result, Reader reader,
                      absl::string_view what, T& record) {
  if (!result.ok()) return result.status();
  if (result->empty())
    return absl::NotFoundError(absl::StrCat(what, " not found"));
  FP_ASSIGN_OR_RETURN(record, reader((*result)[0]));
  return absl::OkStatus();
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
  return std::make_pair(db::Param(absl::FromUnixMicros(micros)),
                        db::Param(cursor[1]));
}

// Up to `limit` rows of the org in `table` (a constant) after `cursor`, in
// (create_time, id) order.
template <typename T, typename Reader>
absl::StatusOr<std::vector<T>> ListAfter(db::Executor& db,
                                         absl::string_view table,
                                         absl::string_view columns,
                                         absl::string_view org_id,
                                         const std::vector<std::string>& cursor,
                                         int limit, Reader reader) {
  FP_ASSIGN_OR_RETURN(auto after, CursorParams(cursor));
  return ReadAll<T>(
      db.Execute(absl::StrCat("SELECT ", columns, " FROM ", table,
                              " WHERE org_id = $1 AND ($2::timestamptz IS NULL"
                              " OR (create_time, id) > ($2::timestamptz, $3))"
                              " ORDER BY create_time, id LIMIT $4"),
                 {org_id, after.first, after.second, limit}),
      reader);
}

}  // namespace

std::string OrgName(absl::string_view org_id) {
  return absl::StrCat("orgs/", org_id);
}
std::string UserName(absl::string_view org_id, absl::string_view user_id) {
  return absl::StrCat("orgs/", org_id, "/users/", user_id);
}
std::string ApiKeyName(absl::string_view org_id, absl::string_view key_id) {
  return absl::StrCat("orgs/", org_id, "/apiKeys/", key_id);
}
std::string Etag(int64_t version) { return absl::StrCat("v", version); }

std::vector<std::string> CursorOf(absl::Time create_time,
                                  absl::string_view id) {
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
  SetRevision(org, p);
  return p;
}

v1::User ToProto(const UserRecord& user) {
  v1::User p;
  p.set_name(UserName(user.org_id, user.id));
  p.set_email(user.email);
  p.set_display_name(user.display_name);
  p.set_role(ParseRole(user.role));
  SetRevision(user, p);
  return p;
}

v1::ApiKey ToProto(const ApiKeyRecord& key) {
  v1::ApiKey p;
  p.set_name(ApiKeyName(key.org_id, key.id));
  p.set_display_name(key.display_name);
  p.set_role(ParseRole(key.role));
  p.set_key_prefix(key.key_prefix);
  p.set_creator(key.creator);
  *p.mutable_create_time() = ToTimestamp(key.create_time);
  if (key.expire_time) *p.mutable_expire_time() = ToTimestamp(*key.expire_time);
  if (key.revoke_time) *p.mutable_revoke_time() = ToTimestamp(*key.revoke_time);
  if (key.last_use_time)
    *p.mutable_last_use_time() = ToTimestamp(*key.last_use_time);
  return p;
}

absl::StatusOr<std::optional<OrgRecord>> GetOrg(db::Executor& db,
                                                absl::string_view org_id,
                                                bool for_update) {
  return SelectOne<OrgRecord>(db, kOrgColumns, "organizations", "id = $1",
                              {org_id}, ReadOrg, for_update);
}

absl::Status InsertOrg(db::Executor& db, OrgRecord& org) {
  return ReadBack(
      db.Execute(
          absl::StrCat("INSERT INTO organizations (id, display_name, plan)"
                       " VALUES ($1, $2, $3) RETURNING ",
                       kOrgColumns),
          {org.id, org.display_name, org.plan}),
      ReadOrg, "row", org);
}

absl::Status UpdatePlan(db::Executor& db, OrgRecord& org,
                        absl::string_view plan) {
  return ReadBack(
      db.Execute(absl::StrCat("UPDATE organizations SET plan = $2,"
                              " version = version + 1, update_time = now()"
                              " WHERE id = $1 RETURNING ",
                              kOrgColumns),
                 {org.id, plan}),
      ReadOrg, "organization", org);
}

absl::StatusOr<std::optional<UserRecord>> GetUser(db::Executor& db,
                                                  absl::string_view org_id,
                                                  absl::string_view user_id,
                                                  bool for_update) {
  return SelectOne<UserRecord>(db, kUserColumns, "users",
                               "org_id = $1 AND id = $2", {org_id, user_id},
                               ReadUser, for_update);
}

absl::StatusOr<std::optional<UserRecord>> FindUserByEmail(
    db::Executor& db, absl::string_view email) {
  return SelectOne<UserRecord>(db, kUserColumns, "users", "email = $1", {email},
                               ReadUser);
}

absl::Status InsertUser(db::Executor& db, UserRecord& user) {
  return ReadBack(
      db.Execute(
          absl::StrCat("INSERT INTO users (org_id, id, email, display_name,"
                       " role, password_hash) VALUES ($1, $2, $3, $4, $5, $6)"
                       " RETURNING ",
                       kUserColumns),
          {user.org_id, user.id, user.email, user.display_name, user.role,
           user.password_hash}),
      ReadUser, "row", user);
}

absl::Status UpdateUser(db::Executor& db, UserRecord& user) {
  return ReadBack(
      db.Execute(
          absl::StrCat("UPDATE users SET email = $3, display_name = $4,"
                       " role = $5, version = version + 1,"
                       " update_time = now()"
                       " WHERE org_id = $1 AND id = $2 RETURNING ",
                       kUserColumns),
          {user.org_id, user.id, user.email, user.display_name, user.role}),
      ReadUser, "user", user);
}

absl::Status DeleteUser(db::Executor& db, absl::string_view org_id,
                        absl::string_view user_id) {
  FP_ASSIGN_OR_RETURN(
      db::Result r,
      db.Execute("DELETE FROM users WHERE org_id = $1 AND id = $2",
                 {org_id, user_id}));
  if (r.affected_rows() != 1) return absl::NotFoundError("user not found");
  return absl::OkStatus();
}

absl::StatusOr<int64_t> CountOwners(db::Executor& db,
                                    absl::string_view org_id) {
  FP_ASSIGN_OR_RETURN(
      db::Result r,
      db.Execute(
          "SELECT count(*) FROM users WHERE org_id = $1 AND role = 'OWNER'",
          {org_id}));
  return r[0].GetInt64(0);
}

absl::StatusOr<int64_t> CountUsers(db::Executor& db, absl::string_view org_id) {
  FP_ASSIGN_OR_RETURN(
      db::Result r,
      db.Execute("SELECT count(*) FROM users WHERE org_id = $1", {org_id}));
  return r[0].GetInt64(0);
}

absl::StatusOr<std::vector<UserRecord>> ListUsers(
    db::Executor& db, absl::string_view org_id,
    const std::vector<std::string>& cursor, int limit) {
  return ListAfter<UserRecord>(db, "users", kUserColumns, org_id, cursor, limit,
                               ReadUser);
}

absl::Status InsertApiKey(db::Executor& db, ApiKeyRecord& key,
                          absl::string_view secret_hash) {
  return ReadBack(
      db.Execute(
          absl::StrCat("INSERT INTO api_keys (org_id, id, display_name, role,"
                       " key_prefix, secret_hash, creator, expire_time)"
                       " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ",
                       kApiKeyColumns),
          {key.org_id, key.id, key.display_name, key.role, key.key_prefix,
           secret_hash, key.creator, db::Param(key.expire_time)}),
      ReadApiKey, "row", key);
}

absl::StatusOr<std::optional<ApiKeyRecord>> GetApiKey(db::Executor& db,
                                                      absl::string_view org_id,
                                                      absl::string_view key_id,
                                                      bool for_update) {
  return SelectOne<ApiKeyRecord>(db, kApiKeyColumns, "api_keys",
                                 "org_id = $1 AND id = $2", {org_id, key_id},
                                 ReadApiKey, for_update);
}

absl::StatusOr<std::optional<ApiKeyRecord>> FindApiKeyByHash(
    db::Executor& db, absl::string_view secret_hash) {
  return SelectOne<ApiKeyRecord>(db, kApiKeyColumns, "api_keys",
                                 "secret_hash = $1", {secret_hash}, ReadApiKey);
}

absl::Status RevokeApiKey(db::Executor& db, ApiKeyRecord& key) {
  return ReadBack(
      db.Execute(absl::StrCat("UPDATE api_keys SET revoke_time ="
                              " coalesce(revoke_time, now())"
                              " WHERE org_id = $1 AND id = $2 RETURNING ",
                              kApiKeyColumns),
                 {key.org_id, key.id}),
      ReadApiKey, "API key", key);
}

absl::StatusOr<std::vector<ApiKeyRecord>> ListApiKeys(
    db::Executor& db, absl::string_view org_id,
    const std::vector<std::string>& cursor, int limit) {
  return ListAfter<ApiKeyRecord>(db, "api_keys", kApiKeyColumns, org_id, cursor,
                                 limit, ReadApiKey);
}

}  // namespace fineprint::identity
