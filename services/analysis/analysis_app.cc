#include "services/analysis/analysis_app.h"

#include "absl/strings/str_cat.h"
#include "events/relay/kafka_relay.h"
#include "grpcpp/create_channel.h"
#include "infra/migrations/analysis_migrations.h"
#include "infra/migrations/common_migrations.h"
#include "infra/migrations/inbox_migrations.h"
#include "infra/migrations/outbox_migrations.h"
#include "services/analysis/rule_engine.h"
#include "services/runtime/db/service_database.h"
#include "services/runtime/trace/trace.h"
#include "services/runtime/status/status.h"

namespace fineprint::analysis {

inline constexpr char kSchema[] = "analysis";

absl::StatusOr<std::unique_ptr<AnalysisApp>> AnalysisApp::Start(
    AnalysisAppOptions options) {
  std::unique_ptr<AnalysisApp> app(new AnalysisApp());
  FP_ASSIGN_OR_RETURN(
      app->pool_,
      db::OpenServiceDatabase({options.pg_dsn, kSchema, options.pg_pool_size,
                               {migrations::OutboxMigrations(),
                                migrations::CommonMigrations(),
                                migrations::InboxMigrations(),
                                migrations::AnalysisMigrations()}}));

  FP_ASSIGN_OR_RETURN(app->analyzer_, Analyzer::CreateDefault());
  if (options.config.analyzer_version.empty()) {
    options.config.analyzer_version = app->analyzer_->version();
  }
  options.queue.result_cache_ttl = options.config.result_cache_ttl;

  if (options.identity_target.empty()) {
    return absl::InvalidArgumentError("identity_target is required");
  }
  std::shared_ptr<identity::v1::IdentityService::StubInterface> identity =
      identity::v1::IdentityService::NewStub(grpc::CreateChannel(
          options.identity_target, grpc::InsecureChannelCredentials()));
  app->jwks_ = std::make_unique<auth::JwksClient>(identity);
  app->api_keys_ = std::make_unique<auth::GrpcApiKeyVerifier>(identity);
  app->authenticator_ =
      std::make_unique<auth::Authenticator>(app->jwks_.get(), app->api_keys_.get());

  app->service_ = std::make_unique<AnalysisServiceImpl>(app->pool_.get(), options.config);
  options.host.service_name = kService;
  app->host_ = std::make_unique<server::ServiceHost>(options.host);
  FP_RETURN_IF_ERROR(app->host_->AddService(app->service_.get(),
                                            v1::AnalysisService::service_full_name(),
                                            app->authenticator_.get()));
  db::Pool* pool = app->pool_.get();
  app->host_->AddReadinessCheck("postgres", [pool]() -> absl::Status {
    FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                        pool->Acquire(absl::Now() + absl::Seconds(1)));
    return conn->Execute("SELECT 1").status();
  });

  app->queue_ = std::make_unique<JobQueue>(app->pool_.get(), options.queue);
  if (options.workers.instance_id.empty()) {
    options.workers.instance_id = trace::RandomHex(8);
  }
  AnalyzeFn analyze =
      options.analyze ? options.analyze : RuleEngineAnalyzeFn(app->analyzer_.get());
  if (!options.analyzer_backend.empty()) {
    app->backend_ = std::make_unique<BackendAnalyzer>(
        v1::Analyzer::NewStub(grpc::CreateChannel(options.analyzer_backend,
                                                  grpc::InsecureChannelCredentials())),
        std::move(analyze), options.backend);
    analyze = app->backend_->AsAnalyzeFn();
  }
  app->workers_ = std::make_unique<WorkerPool>(app->queue_.get(), std::move(analyze),
                                               options.workers);

  if (!options.kafka_bootstrap_servers.empty()) {
    ::fineprint::events::RelayOptions relay;
    relay.service = kSchema;
    FP_ASSIGN_OR_RETURN(app->relay_, ::fineprint::events::StartKafkaRelay(
                                         app->pool_.get(),
                                         options.kafka_bootstrap_servers, relay));
    ::fineprint::events::ConsumerOptions consumer;
    consumer.bootstrap_servers = options.kafka_bootstrap_servers;
    consumer.group_id = "analysis";
    consumer.topics = {kOrganizationTopic};
    consumer.pool = app->pool_.get();
    FP_ASSIGN_OR_RETURN(app->consumer_, ::fineprint::events::Consumer::Create(
                                            consumer, &app->plan_handler_));
    FP_RETURN_IF_ERROR(app->consumer_->Start());
  }
  FP_RETURN_IF_ERROR(app->host_->Start());
  app->workers_->Start();
  return app;
}

AnalysisApp::~AnalysisApp() {
  if (host_) host_->Shutdown();
  if (workers_) workers_->Stop();
  if (consumer_) consumer_->Stop().IgnoreError();
  // After the server and workers: their last events still get published.
  if (relay_) relay_->Stop();
}

}  // namespace fineprint::analysis
