#ifndef FINEPRINT_SERVICES_IDENTITY_STORE_H_
#define FINEPRINT_SERVICES_IDENTITY_STORE_H_

// Identity's rows and the SQL that reads and writes them. Every query on a
// tenant's data takes the organisation id and filters on it, so a handler
// cannot reach another tenant's rows even with a guessed id.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fineprint/identity/v1/identity.pb.h"
#include "services/runtime/db/connection.h"

namespace fineprint::identity {

struct OrgRecord {
  std::string id;
  std::string display_name;
  std::string plan;
  int64_t version = 1;
  absl::Time create_time;
  absl::Time update_time;
};

struct UserRecord {
  std::string org_id;
  std::string id;
  std::string email;
  std::string display_name;
  std::string role;
  std::string password_hash;
  int64_t version = 1;
  absl::Time create_time;
  absl::Time update_time;
};

struct ApiKeyRecord {
  std::string org_id;
  std::string id;
  std::string display_name;
  std::string role;
  std::string key_prefix;
  std::string creator;
  absl::Time create_time;
  std::optional<absl::Time> expire_time;
  std::optional<absl::Time> revoke_time;
  std::optional<absl::Time> last_use_time;
};

std::string OrgName(absl::string_view org_id);
std::string UserName(absl::string_view org_id, absl::string_view user_id);
std::string ApiKeyName(absl::string_view org_id, absl::string_view key_id);
// Opaque to clients; changes with every update of the resource.
std::string Etag(int64_t version);

fineprint::identity::v1::Organization ToProto(const OrgRecord& org);
fineprint::identity::v1::User ToProto(const UserRecord& user);
fineprint::identity::v1::ApiKey ToProto(const ApiKeyRecord& key);

// Role ordering for "may not grant more than you have": OWNER > ADMIN >
// MEMBER > VIEWER.
int RoleRank(absl::string_view role);

absl::StatusOr<std::optional<OrgRecord>> GetOrg(db::Executor& db,
                                                absl::string_view org_id,
                                                bool for_update = false);
absl::Status InsertOrg(db::Executor& db, OrgRecord& org);
absl::Status UpdatePlan(db::Executor& db, OrgRecord& org,
                        absl::string_view plan);

absl::StatusOr<std::optional<UserRecord>> GetUser(db::Executor& db,
                                                  absl::string_view org_id,
                                                  absl::string_view user_id,
                                                  bool for_update = false);
absl::StatusOr<std::optional<UserRecord>> FindUserByEmail(
    db::Executor& db, absl::string_view email);
absl::Status InsertUser(db::Executor& db, UserRecord& user);
// Writes display_name, email and role; bumps the version.
absl::Status UpdateUser(db::Executor& db, UserRecord& user);
absl::Status DeleteUser(db::Executor& db, absl::string_view org_id,
                        absl::string_view user_id);
absl::StatusOr<int64_t> CountOwners(db::Executor& db, absl::string_view org_id);
absl::StatusOr<int64_t> CountUsers(db::Executor& db, absl::string_view org_id);
// Keyset page after (create_time, id) of the cursor, oldest first.
absl::StatusOr<std::vector<UserRecord>> ListUsers(
    db::Executor& db, absl::string_view org_id,
    const std::vector<std::string>& cursor, int limit);

absl::Status InsertApiKey(db::Executor& db, ApiKeyRecord& key,
                          absl::string_view secret_hash);
absl::StatusOr<std::optional<ApiKeyRecord>> GetApiKey(db::Executor& db,
                                                      absl::string_view org_id,
                                                      absl::string_view key_id,
                                                      bool for_update = false);
absl::StatusOr<std::optional<ApiKeyRecord>> FindApiKeyByHash(
    db::Executor& db, absl::string_view secret_hash);
absl::Status RevokeApiKey(db::Executor& db, ApiKeyRecord& key);
absl::StatusOr<std::vector<ApiKeyRecord>> ListApiKeys(
    db::Executor& db, absl::string_view org_id,
    const std::vector<std::string>& cursor, int limit);

// The cursor of a row for keyset pagination: microsecond timestamp and id.
std::vector<std::string> CursorOf(absl::Time create_time, absl::string_view id);

}  // namespace fineprint::identity

#endif  // FINEPRINT_SERVICES_IDENTITY_STORE_H_
