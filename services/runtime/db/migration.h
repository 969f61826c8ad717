#ifndef FINEPRINT_SERVICES_RUNTIME_DB_MIGRATION_H_
#define FINEPRINT_SERVICES_RUNTIME_DB_MIGRATION_H_

#include <string>

namespace fineprint::db {

// One schema change. `sql` is schema-agnostic (unqualified names; the
// migrator sets the search_path) and runs inside a transaction, so it must
// not contain BEGIN/COMMIT or statements that refuse transactions (CREATE
// INDEX CONCURRENTLY, ...). Never edit an applied migration: the migrator
// refuses to start when its checksum changes.
struct Migration {
  // Sorts into apply order, e.g. "identity/0001_init.sql".
  std::string id;
  std::string sql;
};

}  // namespace fineprint::db

#endif  // FINEPRINT_SERVICES_RUNTIME_DB_MIGRATION_H_
