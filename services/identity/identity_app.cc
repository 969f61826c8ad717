#include "services/identity/identity_app.h"

#include "events/relay/kafka_relay.h"
#include "infra/migrations/common_migrations.h"
#include "infra/migrations/identity_migrations.h"
#include "infra/migrations/outbox_migrations.h"
#include "services/runtime/db/service_database.h"
#include "services/runtime/status/status.h"

namespace fineprint::identity {

inline constexpr char kSchema[] = "identity";

absl::StatusOr<std::unique_ptr<IdentityApp>> IdentityApp::Start(
    IdentityAppOptions options) {
  std::unique_ptr<IdentityApp> app(new IdentityApp());
  FP_ASSIGN_OR_RETURN(
      app->pool_,
      db::OpenServiceDatabase({options.pg_dsn, kSchema, options.pg_pool_size,
                               {migrations::OutboxMigrations(),
                                migrations::CommonMigrations(),
                                migrations::IdentityMigrations()}}));

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
