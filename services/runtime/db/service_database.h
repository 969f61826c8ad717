#ifndef FINEPRINT_SERVICES_RUNTIME_DB_SERVICE_DATABASE_H_
#define FINEPRINT_SERVICES_RUNTIME_DB_SERVICE_DATABASE_H_

// How every service opens its database: a pool whose sessions live in the
// service's own schema, migrated to the latest version of each migration
// set it applies (e.g. outbox, common, inbox, and its own).

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/runtime/db/migration.h"
#include "services/runtime/db/pool.h"

namespace fineprint::db {

struct ServiceDatabaseOptions {
  std::string dsn;
  std::string schema;  // also names the application in pg_stat_activity
  int max_connections = 16;
  std::vector<std::vector<Migration>> migration_sets;
};

absl::StatusOr<std::unique_ptr<Pool>> OpenServiceDatabase(
    const ServiceDatabaseOptions& options);

}  // namespace fineprint::db

#endif  // FINEPRINT_SERVICES_RUNTIME_DB_SERVICE_DATABASE_H_
