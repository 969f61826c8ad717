// identity_server: organisations, users, login, tokens, API keys.

#include <cstdlib>

#include "absl/flags/flag.h"
#include "services/identity/identity_app.h"
#include "services/runtime/log/log.h"
#include "services/runtime/server/service_host.h"

ABSL_FLAG(std::string, pg_dsn, "host=127.0.0.1 port=5432 dbname=fineprint user=postgres",
          "libpq connection string of the PostgreSQL database.");
ABSL_FLAG(int, pg_pool_size, 16, "Maximum PostgreSQL connections.");
ABSL_FLAG(std::string, kafka_bootstrap_servers, "",
          "Kafka cluster the in-process outbox relay publishes to; empty leaves "
          "publishing to a standalone outbox_relay.");
ABSL_FLAG(absl::Duration, access_token_ttl, absl::Minutes(15),
          "Lifetime of access tokens.");

int main(int argc, char** argv) {
  using namespace fineprint;  // NOLINT(build/namespaces): main only
  server::InitRuntime(argc, argv, "identity");
  identity::IdentityAppOptions options;
  options.pg_dsn = absl::GetFlag(FLAGS_pg_dsn);
  options.pg_pool_size = absl::GetFlag(FLAGS_pg_pool_size);
  options.host = server::HostOptionsFromFlags("identity");
  options.kafka_bootstrap_servers = absl::GetFlag(FLAGS_kafka_bootstrap_servers);
  options.config.access_token_ttl = absl::GetFlag(FLAGS_access_token_ttl);
  auto app = identity::IdentityApp::Start(options);
  if (!app.ok()) {
    log::Error("identity failed to start", {{"error", app.status()}});
    return EXIT_FAILURE;
  }
  (*app)->host().WaitForTermination();
  return EXIT_SUCCESS;
}
