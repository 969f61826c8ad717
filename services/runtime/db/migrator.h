#ifndef FINEPRINT_SERVICES_RUNTIME_DB_MIGRATOR_H_
#define FINEPRINT_SERVICES_RUNTIME_DB_MIGRATOR_H_

// Brings a service's schema up to date at startup:
//
//   absl::Status s = db::Migrate(*pool, "identity",
//                                fineprint::migrations::IdentityMigrations());
//
// Safe to run from every replica at once: a session-level advisory lock
// keyed on hashtext(schema) serialises them, and later ones find nothing to
// do.

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/runtime/db/migration.h"
#include "services/runtime/db/pool.h"

namespace fineprint::db {

struct MigrateOptions {
  // Longest wait for another instance that is migrating the same schema.
  absl::Duration lock_timeout = absl::Minutes(5);
};

// 1. Takes the advisory lock (polling pg_try_advisory_lock, so the wait is
//    bounded by lock_timeout rather than by statement_timeout).
// 2. Creates `schema` and <schema>.schema_migrations(id, checksum,
//    applied_at) if missing.
// 3. Verifies the SHA-256 of every applied migration that `migrations`
//    still lists: a mismatch is FAILED_PRECONDITION naming the id, and
//    nothing is applied. Applied ids the list lacks are ignored, so an older
//    binary still starts during a rolling deploy.
// 4. Applies the missing ones in id order, each in its own transaction
//    together with its schema_migrations row, with search_path = schema and
//    no statement timeout. The first failure stops the run (earlier ones
//    stay applied) and is returned with the id prefixed.
// `schema` must match [a-z_][a-z0-9_]{0,62}; ids must be unique and
// non-empty (INVALID_ARGUMENT otherwise).
absl::Status Migrate(Pool& pool, absl::string_view schema,
                     const std::vector<Migration>& migrations,
                     const MigrateOptions& options = {});

}  // namespace fineprint::db

#endif  // FINEPRINT_SERVICES_RUNTIME_DB_MIGRATOR_H_
