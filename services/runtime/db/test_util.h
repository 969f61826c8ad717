#ifndef FINEPRINT_SERVICES_RUNTIME_DB_TEST_UTIL_H_
#define FINEPRINT_SERVICES_RUNTIME_DB_TEST_UTIL_H_

// Helpers for the db library's integration tests.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/runtime/db/pg_pool.h"
#include "services/runtime/db/pool.h"
#include "tests/testing/shared_postgres.h"

namespace fineprint::db::testing {

// A pool on a fresh database of the binary's shared server; `options.dsn`
// is filled in.
inline absl::StatusOr<std::unique_ptr<Pool>> NewTestPool(
    PoolOptions options = {}) {
  absl::StatusOr<std::string> dsn = ::fineprint::testing::NewTestDatabase();
  if (!dsn.ok()) return dsn.status();
  options.dsn = *dsn;
  return NewPgPool(options);
}

// Runs `sql` on a pooled session and returns the first column of the first
// row (empty when there is none).
inline absl::StatusOr<std::string> QueryValue(Pool& pool,
                                              absl::string_view sql) {
  absl::StatusOr<PooledConnection> connection = pool.Acquire();
  if (!connection.ok()) return connection.status();
  absl::StatusOr<Result> result = (*connection)->Execute(sql);
  if (!result.ok()) return result.status();
  if (result->empty()) return std::string();
  return std::string(result->row(0).Value(0));
}

}  // namespace fineprint::db::testing

#endif  // FINEPRINT_SERVICES_RUNTIME_DB_TEST_UTIL_H_
