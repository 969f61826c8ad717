#include "services/runtime/db/service_database.h"

#include "absl/strings/str_cat.h"
#include "services/runtime/db/migrator.h"
#include "services/runtime/db/pg_pool.h"
#include "services/runtime/status/status.h"

namespace fineprint::db {

absl::StatusOr<std::unique_ptr<Pool>> OpenServiceDatabase(
    const ServiceDatabaseOptions& options) {
  PoolOptions pool_options;
  pool_options.dsn = options.dsn;
  pool_options.max_connections = options.max_connections;
  pool_options.search_path = options.schema;
  pool_options.application_name = absl::StrCat("fineprint-", options.schema);
  FP_ASSIGN_OR_RETURN(std::unique_ptr<Pool> pool, NewPgPool(pool_options));
  std::vector<Migration> migrations;
  for (const auto& set : options.migration_sets) {
    migrations.insert(migrations.end(), set.begin(), set.end());
  }
  FP_RETURN_IF_ERROR(Migrate(*pool, options.schema, migrations));
  return pool;
}

}  // namespace fineprint::db
