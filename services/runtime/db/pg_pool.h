#ifndef FINEPRINT_SERVICES_RUNTIME_DB_PG_POOL_H_
#define FINEPRINT_SERVICES_RUNTIME_DB_PG_POOL_H_

#include <memory>

#include "absl/status/statusor.h"
#include "services/runtime/db/pool.h"

namespace fineprint::db {

// A pool of libpq sessions. Opens nothing up front, so a service can start
// while the database is still coming up; the first Acquire connects.
// INVALID_ARGUMENT for a dsn that does not parse or max_connections < 1.
absl::StatusOr<std::unique_ptr<Pool>> NewPgPool(const PoolOptions& options);

}  // namespace fineprint::db

#endif  // FINEPRINT_SERVICES_RUNTIME_DB_PG_POOL_H_
