#include "services/runtime/service/service_kit.h"

#include <cstdlib>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/flags/marshalling.h"
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
#include "services/runtime/tls/grpc_tls.h"

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
ABSL_FLAG(std::string, kafka_ca, "",
          "PEM CA of the Kafka brokers' certificates: set, Kafka is reached "
          "over TLS and brokers are verified by name.");
ABSL_FLAG(std::string, kafka_cert, "",
          "PEM client certificate for Kafka (brokers with "
          "ssl.client.auth=required); needs --kafka_key.");
ABSL_FLAG(std::string, kafka_key, "", "PEM private key of --kafka_cert.");
ABSL_FLAG(std::string, kafka_sasl_mechanism, "",
          "SCRAM-SHA-256 or SCRAM-SHA-512 to authenticate to Kafka with "
          "--kafka_sasl_username and --kafka_sasl_password; empty: no SASL.");
ABSL_FLAG(std::string, kafka_sasl_username, "", "Kafka SASL/SCRAM user.");
ABSL_FLAG(std::string, kafka_sasl_password, "",
          "Kafka SASL/SCRAM password (prefer the FINEPRINT_KAFKA_SASL_PASSWORD "
          "environment variable to the command line).");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain this process presents on the mesh (gRPC "
          "server and clients); empty: plaintext gRPC. Needs --tls_key and "
          "--tls_ca.");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert.");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM CA certificates mesh peers' certificates must chain to.");
ABSL_FLAG(std::vector<std::string>, tls_allowed_peers, {},
          "Certificate names (SAN) of the services allowed to call this one "
          "over gRPC; empty allows any certificate from --tls_ca.");
ABSL_FLAG(absl::Duration, tls_refresh_interval, absl::Minutes(1),
          "How often the --tls_* files are re-read, so rotated certificates "
          "are used by new connections without a restart.");
ABSL_FLAG(bool, migrate_only, false,
          "Migrate the service's schema, then exit without serving (the "
          "Kubernetes migration Job; replicas also migrate at start, under "
          "the migrator's advisory lock).");

namespace fineprint::service {

KitOptions KitOptionsFromFlags(const std::string& service_name) {
  KitOptions o;
  o.pg_dsn = absl::GetFlag(FLAGS_pg_dsn);
  o.pg_pool_size = absl::GetFlag(FLAGS_pg_pool_size);
  o.host = server::HostOptionsFromFlags(service_name);
  o.host.tls.cert_file = absl::GetFlag(FLAGS_tls_cert);
  o.host.tls.key_file = absl::GetFlag(FLAGS_tls_key);
  o.host.tls.ca_file = absl::GetFlag(FLAGS_tls_ca);
  o.host.tls.allowed_peers = absl::GetFlag(FLAGS_tls_allowed_peers);
  o.host.tls.refresh_interval = absl::GetFlag(FLAGS_tls_refresh_interval);
  o.identity_target =
      service_name == "identity" ? "" : absl::GetFlag(FLAGS_identity_target);
  o.kafka_bootstrap_servers = absl::GetFlag(FLAGS_kafka_bootstrap_servers);
  o.kafka_security.ca_file = absl::GetFlag(FLAGS_kafka_ca);
  o.kafka_security.cert_file = absl::GetFlag(FLAGS_kafka_cert);
  o.kafka_security.key_file = absl::GetFlag(FLAGS_kafka_key);
  o.kafka_security.sasl_mechanism = absl::GetFlag(FLAGS_kafka_sasl_mechanism);
  o.kafka_security.sasl_username = absl::GetFlag(FLAGS_kafka_sasl_username);
  o.kafka_security.sasl_password = absl::GetFlag(FLAGS_kafka_sasl_password);
  return o;
}

namespace {

// Credentials are verified with identity's keys, fetched over gRPC.
struct IdentityAuth {
  IdentityAuth(const std::shared_ptr<grpc::Channel>& channel,
               auth::Revocations* revocations) {
    std::shared_ptr<identity::v1::IdentityService::StubInterface> stub =
        identity::v1::IdentityService::NewStub(channel);
    jwks = std::make_unique<auth::JwksClient>(stub);
    api_keys = std::make_unique<auth::GrpcApiKeyVerifier>(stub);
    // Verified tokens are cached until their exp: a client sends the same
    // token on every call, and the signature check was the largest cost
    // of an authenticated call at the edge (issue #12).
    authenticator = std::make_unique<auth::Authenticator>(
        jwks.get(), api_keys.get(), revocations, &token_cache);
  }
  auth::VerifiedTokenCache token_cache;
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
  FP_ASSIGN_OR_RETURN(events::KafkaConfig kafka_security,
                      events::KafkaSecuritySettings(options.kafka_security));
  // Process-wide, so every Kafka client made from here on (relay,
  // consumer, revocation listener) connects the same way.
  if (!kafka_security.empty()) {
    events::SetDefaultKafkaSettings(std::move(kafka_security));
  }
  std::unique_ptr<ServiceKit> kit(
      new ServiceKit(std::move(declaration), std::move(options)));
  if (kit->declaration_.database) FP_RETURN_IF_ERROR(kit->OpenDatabase());
  if (!kit->options_.identity_target.empty()) {
    FP_ASSIGN_OR_RETURN(
        std::shared_ptr<grpc::Channel> channel,
        tls::CreateGrpcChannel(kit->options_.identity_target,
                               kit->options_.host.tls, "identity"));
    auto identity = std::make_shared<IdentityAuth>(channel, &kit->revocations_);
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
  if (s.ok() && absl::GetFlag(FLAGS_migrate_only)) {
    log::Info(absl::StrCat(name, " schema migrated"), {});
    return EXIT_SUCCESS;
  }
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
