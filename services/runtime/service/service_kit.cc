#include "services/runtime/service/service_kit.h"

#include <cstdlib>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "events/relay/kafka_relay.h"
#include "grpcpp/create_channel.h"
#include "infra/migrations/common_migrations.h"
#include "infra/migrations/inbox_migrations.h"
#include "infra/migrations/outbox_migrations.h"
#include "services/runtime/auth/identity_clients.h"
#include "services/runtime/db/service_database.h"
#include "services/runtime/log/log.h"
#include "services/runtime/status/status.h"

ABSL_FLAG(std::string, pg_dsn,
          "host=127.0.0.1 port=5432 dbname=fineprint user=postgres",
          "libpq connection string of the PostgreSQL database.");
ABSL_FLAG(int, pg_pool_size, 16, "Maximum PostgreSQL connections.");
ABSL_FLAG(std::string, identity_target, "127.0.0.1:50051",
          "gRPC address of the identity service (token keys, API keys).");
ABSL_FLAG(std::string, kafka_bootstrap_servers, "",
          "Kafka cluster for the in-process outbox relay and the service's "
          "consumer; empty leaves publishing to a standalone outbox_relay and "
          "runs no consumer.");

namespace fineprint::service {

KitOptions KitOptionsFromFlags(const std::string& service_name) {
  KitOptions o;
  o.pg_dsn = absl::GetFlag(FLAGS_pg_dsn);
  o.pg_pool_size = absl::GetFlag(FLAGS_pg_pool_size);
  o.host = server::HostOptionsFromFlags(service_name);
  o.identity_target =
      service_name == "identity" ? "" : absl::GetFlag(FLAGS_identity_target);
  o.kafka_bootstrap_servers = absl::GetFlag(FLAGS_kafka_bootstrap_servers);
  return o;
}

namespace {

// Credentials are verified with identity's keys, fetched over gRPC.
struct IdentityAuth {
  IdentityAuth(const std::string& target, auth::Revocations* revocations) {
    std::shared_ptr<identity::v1::IdentityService::StubInterface> stub =
        identity::v1::IdentityService::NewStub(
            grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
    jwks = std::make_unique<auth::JwksClient>(stub);
    api_keys = std::make_unique<auth::GrpcApiKeyVerifier>(stub);
    authenticator = std::make_unique<auth::Authenticator>(
        jwks.get(), api_keys.get(), revocations);
  }
  std::unique_ptr<auth::JwksClient> jwks;
  std::unique_ptr<auth::GrpcApiKeyVerifier> api_keys;
  std::unique_ptr<auth::Authenticator> authenticator;
};

}  // namespace

ServiceKit::ServiceKit(Declaration declaration, KitOptions options)
    : declaration_(std::move(declaration)), options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<ServiceKit>> ServiceKit::Open(
    Declaration declaration, KitOptions options) {
  if (declaration.name.empty()) {
    return absl::InvalidArgumentError("a service needs a name");
  }
  std::unique_ptr<ServiceKit> kit(
      new ServiceKit(std::move(declaration), std::move(options)));
  if (kit->declaration_.database) FP_RETURN_IF_ERROR(kit->OpenDatabase());
  if (!kit->options_.identity_target.empty()) {
    auto identity = std::make_shared<IdentityAuth>(
        kit->options_.identity_target, &kit->revocations_);
    kit->authenticator_ = identity->authenticator.get();
    kit->api_keys_ = identity->api_keys.get();
    kit->identity_auth_ = std::move(identity);
  }
  server::HostOptions host = kit->options_.host;
  host.service_name = kit->declaration_.name;
  kit->host_ = std::make_unique<server::ServiceHost>(host);
  if (db::Pool* pool = kit->pool_.get()) {
    kit->host_->AddReadinessCheck("postgres", [pool]() -> absl::Status {
      FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                          pool->Acquire(absl::Now() + absl::Seconds(1)));
      return conn->Execute("SELECT 1").status();
    });
  }
  return kit;
}

absl::Status ServiceKit::OpenDatabase() {
  // Every service may consume events, so every schema has the inbox.
  std::vector<std::vector<db::Migration>> sets = {
      migrations::OutboxMigrations(), migrations::CommonMigrations(),
      migrations::InboxMigrations()};
  for (const auto& set : declaration_.migrations) sets.push_back(set);
  FP_ASSIGN_OR_RETURN(
      pool_, db::OpenServiceDatabase({options_.pg_dsn, declaration_.name,
                                      options_.pg_pool_size, std::move(sets)}));
  return absl::OkStatus();
}

ServiceKit::~ServiceKit() { Shutdown(); }

absl::Status ServiceKit::Serve(grpc::Service* service,
                               absl::string_view full_name) {
  if (authenticator_ == nullptr) {
    return absl::FailedPreconditionError(
        "no authenticator: set --identity_target or call UseAuthenticator");
  }
  return host_->AddService(service, full_name, authenticator_);
}

void ServiceKit::AddWorker(std::string name,
                           std::function<absl::Status()> start,
                           std::function<void()> stop) {
  workers_.push_back({std::move(name), std::move(start), std::move(stop)});
}

void ServiceKit::AddReadinessCheck(std::string name,
                                   std::function<absl::Status()> check) {
  host_->AddReadinessCheck(std::move(name), std::move(check));
}

absl::Status ServiceKit::Start() {
  const std::string& kafka = options_.kafka_bootstrap_servers;
  if (!kafka.empty()) {
    // Every replica hears every revocation, so credentials are refused
    // within the event's propagation time, not at a cache TTL.
    FP_ASSIGN_OR_RETURN(
        revocation_listener_,
        auth::StartRevocationListener(kafka, &revocations_, api_keys_));
  }
  if (!kafka.empty() && pool_ != nullptr) {
    events::RelayOptions relay;
    relay.service = declaration_.name;
    FP_ASSIGN_OR_RETURN(relay_,
                        events::StartKafkaRelay(pool_.get(), kafka, relay));
    if (!router_.Topics().empty()) {
      events::ConsumerOptions consumer;
      consumer.bootstrap_servers = kafka;
      consumer.group_id = declaration_.name;
      consumer.topics = router_.Topics();
      consumer.pool = pool_.get();
      FP_ASSIGN_OR_RETURN(consumer_,
                          events::Consumer::Create(consumer, &router_));
      FP_RETURN_IF_ERROR(consumer_->Start());
    }
  }
  FP_RETURN_IF_ERROR(host_->Start());
  for (Worker& worker : workers_) {
    if (absl::Status s = worker.start(); !s.ok()) {
      return absl::Status(
          s.code(), absl::StrCat("starting ", worker.name, ": ", s.message()));
    }
    worker.started = true;
  }
  return absl::OkStatus();
}

void ServiceKit::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  if (host_) host_->Shutdown();
  for (auto it = workers_.rbegin(); it != workers_.rend(); ++it) {
    if (it->started) it->stop();
  }
  if (consumer_) consumer_->Stop().IgnoreError();
  // Last of the moving parts: events of the final calls and jobs still go out.
  if (relay_) relay_->Stop();
  if (revocation_listener_) revocation_listener_->Stop();
  consumer_.reset();
  relay_.reset();
  revocation_listener_.reset();
}

void ServiceKit::Run() {
  server::WaitForTerminationSignal([this] {
    for (const auto& reload : reloads_) reload();
  });
  Shutdown();
}

int Main(int argc, char** argv, Declaration declaration,
         const std::function<absl::Status(ServiceKit&)>& assemble,
         const std::function<void(KitOptions&)>& adjust) {
  server::InitRuntime(argc, argv, declaration.name);
  const std::string name = declaration.name;
  KitOptions options = KitOptionsFromFlags(name);
  if (adjust) adjust(options);
  absl::StatusOr<std::unique_ptr<ServiceKit>> kit =
      ServiceKit::Open(std::move(declaration), std::move(options));
  absl::Status s = kit.status();
  if (s.ok()) s = assemble(**kit);
  if (s.ok()) s = (*kit)->Start();
  if (!s.ok()) {
    log::Error(absl::StrCat(name, " failed to start"), {{"error", s}});
    return EXIT_FAILURE;
  }
  (*kit)->Run();
  return EXIT_SUCCESS;
}

}  // namespace fineprint::service
