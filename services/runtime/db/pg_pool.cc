#include "services/runtime/db/pg_pool.h"

#include <utility>

#include "absl/status/status.h"
#include "services/runtime/db/pg_connection.h"
#include "services/runtime/db/pool_impl.h"

namespace fineprint::db {

absl::StatusOr<std::unique_ptr<Pool>> NewPgPool(const PoolOptions& options) {
  if (options.max_connections < 1) {
    return absl::InvalidArgumentError("max_connections must be at least 1");
  }
  if (options.acquire_timeout <= absl::ZeroDuration() ||
      options.statement_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "acquire_timeout and statement_timeout must be positive");
  }
  absl::Status dsn = PgConnection::ValidateDsn(options.dsn);
  if (!dsn.ok()) return dsn;
  return std::make_unique<BoundedPool>(
      options,
      [options](
          absl::Time deadline) -> absl::StatusOr<std::unique_ptr<Connection>> {
        absl::StatusOr<std::unique_ptr<PgConnection>> connection =
            PgConnection::Connect(options, deadline);
        if (!connection.ok()) return connection.status();
        return std::unique_ptr<Connection>(*std::move(connection));
      });
}

}  // namespace fineprint::db
