#include "tests/testing/kit_options.h"

#include "tests/testing/shared_postgres.h"

namespace fineprint::testing {

absl::StatusOr<service::KitOptions> LocalKitOptions(
    absl::string_view database_prefix, const std::string& kafka,
    const std::string& identity_target, int pool_size) {
  absl::StatusOr<std::string> dsn = NewTestDatabase(database_prefix);
  if (!dsn.ok()) return dsn.status();
  service::KitOptions options;
  options.pg_dsn = *dsn;
  options.pg_pool_size = pool_size;
  options.host.host = "127.0.0.1";
  options.host.admin_port = -1;
  options.kafka_bootstrap_servers = kafka;
  options.identity_target = identity_target;
  return options;
}

}  // namespace fineprint::testing
