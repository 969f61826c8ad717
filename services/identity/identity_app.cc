#include "services/identity/identity_app.h"

#include "events/relay/kafka_relay.h"
#include "infra/migrations/common_migrations.h"
#include "infra/migrations/identity_migrations.h"
#include "infra/migrations/outbox_migrations.h"
#include "services/runtime/db/migrator.h"
#include "services/runtime/db/pg_pool.h"
#include "services/runtime/status/status.h"

namespace fineprint::identity {

inline constexpr char kSchema[] = "identity";

absl::StatusOr<std::unique_ptr<IdentityApp>> IdentityApp::Start(
    IdentityAppOptions options) {
  std::unique_ptr<IdentityApp> app(new IdentityApp());
  db::PoolOptions pool_options;
  pool_options.dsn = options.pg_dsn;
  pool_options.max_connections = options.pg_pool_size;
  pool_options.search_path = kSchema;
  pool_options.application_name = "fineprint-identity";
  FP_ASSIGN_OR_RETURN(app->pool_, db::NewPgPool(pool_options));

  std::vector<db::Migration> migrations = migrations::OutboxMigrations();
  for (auto& m : migrations::CommonMigrations()) migrations.push_back(std::move(m));
  for (auto& m : migrations::IdentityMigrations()) migrations.push_back(std::move(m));
  FP_RETURN_IF_ERROR(db::Migrate(*app->pool_, kSchema, migrations));

  app->keys_ = std::make_unique<SigningKeyStore>(app->pool_.get());
  FP_RETURN_IF_ERROR(app->keys_->Load());
  app->service_ = std::make_unique<IdentityServiceImpl>(
      app->pool_.get(), app->keys_.get(), options.config);
  // Identity verifies its own tokens and keys locally.
  app->authenticator_ = std::make_unique<auth::Authenticator>(app->keys_.get(),
                                                              app->service_.get());
  options.host.service_name = "identity";
  app->host_ = std::make_unique<server::ServiceHost>(options.host);
  FP_RETURN_IF_ERROR(app->host_->AddService(
      app->service_.get(), v1::IdentityService::service_full_name(),
      app->authenticator_.get()));
  db::Pool* pool = app->pool_.get();
  app->host_->AddReadinessCheck("postgres", [pool]() -> absl::Status {
    FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                        pool->Acquire(absl::Now() + absl::Seconds(1)));
    return conn->Execute("SELECT 1").status();
  });
  if (!options.kafka_bootstrap_servers.empty()) {
    ::fineprint::events::RelayOptions relay;
    relay.service = kSchema;
    FP_ASSIGN_OR_RETURN(app->relay_,
                        ::fineprint::events::StartKafkaRelay(app->pool_.get(),
                                                options.kafka_bootstrap_servers, relay));
  }
  FP_RETURN_IF_ERROR(app->host_->Start());
  return app;
}

IdentityApp::~IdentityApp() {
  if (host_) host_->Shutdown();
  // After the server: events of the last calls still get published.
  if (relay_) relay_->Stop();
}

}  // namespace fineprint::identity
