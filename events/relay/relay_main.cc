// outbox_relay_server: publishes one service's outbox to Kafka, for deployments
// that run the relay apart from the service (services run it in-process
// by default). Several instances may run; one publishes at a time.
//
//   outbox_relay_server --pg_dsn='host=... dbname=fineprint' --schema=identity
//       --kafka_bootstrap_servers=127.0.0.1:9092

#include <cstdlib>

#include "absl/flags/flag.h"
#include "events/relay/kafka_relay.h"
#include "services/runtime/admin/admin_server.h"
#include "services/runtime/db/pg_pool.h"
#include "services/runtime/log/log.h"
#include "services/runtime/metrics/metrics.h"
#include "services/runtime/server/service_host.h"

ABSL_FLAG(std::string, pg_dsn,
          "host=127.0.0.1 port=5432 dbname=fineprint user=postgres",
          "libpq connection string.");
ABSL_FLAG(std::string, schema, "",
          "The service schema whose outbox to publish.");
ABSL_FLAG(std::string, kafka_bootstrap_servers, "127.0.0.1:9092",
          "Kafka cluster.");
ABSL_FLAG(int, relay_batch_size, 500, "Rows per publishing batch.");
ABSL_FLAG(absl::Duration, outbox_retention, absl::Hours(24),
          "Published rows older than this are deleted.");
ABSL_FLAG(int, relay_admin_port, 0, "Admin port for /metrics (-1 disables).");

int main(int argc, char** argv) {
  using namespace fineprint;  // NOLINT(build/namespaces): main only
  server::InitRuntime(argc, argv, "outbox-relay");
  const std::string schema = absl::GetFlag(FLAGS_schema);
  if (schema.empty()) {
    log::Error("--schema is required");
    return EXIT_FAILURE;
  }
  db::PoolOptions pool_options;
  pool_options.dsn = absl::GetFlag(FLAGS_pg_dsn);
  pool_options.max_connections = 3;
  pool_options.search_path = schema;
  pool_options.application_name = "fineprint-outbox-relay";
  auto pool = db::NewPgPool(pool_options);
  if (!pool.ok()) {
    log::Error("cannot create the database pool", {{"error", pool.status()}});
    return EXIT_FAILURE;
  }
  events::RelayOptions options;
  options.service = schema;
  options.batch_size = absl::GetFlag(FLAGS_relay_batch_size);
  options.retention = absl::GetFlag(FLAGS_outbox_retention);
  auto relay = events::StartKafkaRelay(
      pool->get(), absl::GetFlag(FLAGS_kafka_bootstrap_servers), options);
  if (!relay.ok()) {
    log::Error("relay failed to start", {{"error", relay.status()}});
    return EXIT_FAILURE;
  }
  admin::AdminServer admin;
  if (absl::GetFlag(FLAGS_relay_admin_port) >= 0) {
    admin.Handle("/metrics", [] {
      return admin::Response{200, "text/plain; version=0.0.4",
                             metrics::Registry::Default().Expose()};
    });
    admin.Handle("/healthz", [] {
      return admin::Response{200, "text/plain", "ok\n"};
    });
    if (absl::Status s =
            admin.Start("127.0.0.1", absl::GetFlag(FLAGS_relay_admin_port));
        !s.ok()) {
      log::Error("admin server failed", {{"error", s}});
      return EXIT_FAILURE;
    }
  }
  log::Info("outbox relay running",
            {{"schema", schema}, {"admin_port", admin.port()}});
  server::WaitForTerminationSignal();
  log::Info("stopping outbox relay");
  (*relay)->Stop();
  return EXIT_SUCCESS;
}
