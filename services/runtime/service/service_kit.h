#ifndef FINEPRINT_SERVICES_RUNTIME_SERVICE_SERVICE_KIT_H_
#define FINEPRINT_SERVICES_RUNTIME_SERVICE_SERVICE_KIT_H_

// The one way a Fineprint service is assembled. A service declares itself
// (name, its migrations) and hands the kit its domain: gRPC services, event
// handlers by type, background workers, readiness checks. The kit gives it
// the shared flags, a pool on its own migrated schema, authentication
// through identity, the in-process outbox relay, one consumer group for all
// its handlers, health, and one ordered shutdown:
//
//   stop accepting RPCs and drain them → stop workers (newest first) →
//   stop the consumer → flush the relay → close the pool.
//
//   absl::Status Assemble(service::ServiceKit& kit) {
//     auto* domain = kit.Own(std::make_unique<MyService>(kit.pool()));
//     FP_RETURN_IF_ERROR(kit.Serve(domain,
//     v1::MyService::service_full_name())); return
//     kit.events().On<identity::events::v1::PlanChanged>(...);
//   }
//   int main(int argc, char** argv) {
//     return service::Main(argc, argv, {"my", {migrations::MyMigrations()}},
//                          Assemble);
//   }

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "events/consumer/consumer.h"
#include "events/consumer/event_router.h"
#include "events/kafka/rdkafka_util.h"
#include "events/relay/outbox_relay.h"
#include "grpcpp/impl/service_type.h"
#include "services/runtime/auth/authenticator.h"
#include "services/runtime/auth/identity_clients.h"
#include "services/runtime/auth/revocation_listener.h"
#include "services/runtime/auth/revocations.h"
#include "services/runtime/db/migration.h"
#include "services/runtime/db/pool.h"
#include "services/runtime/server/service_host.h"

namespace fineprint::service {

// What every service reads from flags (or FINEPRINT_* environment): where
// PostgreSQL, Kafka and identity are, and how to serve.
struct KitOptions {
  std::string pg_dsn;
  int pg_pool_size = 16;
  server::HostOptions host;
  // gRPC address of identity (token keys, API keys). Empty in identity.
  std::string identity_target;
  // Empty: no relay (events wait in the outbox for a standalone relay) and
  // no consumer.
  std::string kafka_bootstrap_servers;
  // TLS and SASL/SCRAM to Kafka, for every client of the process (see
  // events::SetDefaultKafkaSettings). All empty: plaintext.
  events::KafkaSecurity kafka_security;
};

// --pg_dsn, --pg_pool_size, --identity_target, --kafka_bootstrap_servers,
// the host flags (server::HostOptionsFromFlags) and the mesh's TLS
// (--tls_cert, --tls_key, --tls_ca, --tls_allowed_peers,
// --tls_refresh_interval, into host.tls) and Kafka's (--kafka_ca,
// --kafka_cert, --kafka_key, --kafka_sasl_*).
KitOptions KitOptionsFromFlags(const std::string& service_name);

struct Declaration {
  // Names the schema, the outbox's event source, the consumer group, logs.
  std::string name;
  // The service's own migration sets; the kit adds outbox, common and inbox
  // before them.
  std::vector<std::vector<db::Migration>> migrations;
  // False for a stateless process (the edge): no pool, no outbox relay, no
  // consumer.
  bool database = true;
};

class ServiceKit {
 public:
  // Opens and migrates the database and prepares the host; nothing serves
  // until Start().
  static absl::StatusOr<std::unique_ptr<ServiceKit>> Open(
      Declaration declaration, KitOptions options);
  // Shutdown().
  ~ServiceKit();
  ServiceKit(const ServiceKit&) = delete;
  ServiceKit& operator=(const ServiceKit&) = delete;

  const std::string& name() const { return declaration_.name; }
  const KitOptions& options() const { return options_; }
  // Only with Declaration::database.
  db::Pool& pool() { return *pool_; }
  server::ServiceHost& host() { return *host_; }

  // Keeps `object` alive until after shutdown; returns it.
  template <typename T>
  T* Own(std::unique_ptr<T> object) {
    T* raw = object.get();
    owned_.push_back(std::shared_ptr<void>(std::move(object)));
    return raw;
  }

  // Replaces the default authenticator (identity's, through
  // --identity_target): identity verifies its own credentials.
  void UseAuthenticator(auth::Authenticator* authenticator) {
    authenticator_ = authenticator;
  }
  auth::Authenticator* authenticator() { return authenticator_; }
  // Revocations heard from identity (with Kafka); an authenticator a
  // service builds itself should consult them too.
  auth::Revocations* revocations() { return &revocations_; }

  // Serves `service`; every method is guarded by its contract's auth rule.
  absl::Status Serve(grpc::Service* service, absl::string_view full_name);

  // Handlers by event type; one consumer group (the service's name) reads
  // every topic they need. Register before Start().
  events::EventRouter& events() { return router_; }

  // Background work (job workers, schedulers): `start` runs in Start()
  // after the server, `stop` in Shutdown() once RPCs drained, newest first.
  void AddWorker(std::string name, std::function<absl::Status()> start,
                 std::function<void()> stop);

  // Runs on SIGHUP (e.g. re-reading configuration), on the main thread.
  void OnReload(std::function<void()> reload) {
    reloads_.push_back(std::move(reload));
  }

  // Adds to /readyz and grpc.health.v1 (postgres is checked already).
  void AddReadinessCheck(std::string name, std::function<absl::Status()> check);

  absl::Status Start();
  // The ordered shutdown above. Idempotent.
  void Shutdown();
  // Blocks until SIGTERM/SIGINT, then Shutdown().
  void Run();

 private:
  ServiceKit(Declaration declaration, KitOptions options);
  absl::Status OpenDatabase();

  struct Worker {
    std::string name;
    std::function<absl::Status()> start;
    std::function<void()> stop;
    bool started = false;
  };

  const Declaration declaration_;
  const KitOptions options_;
  std::unique_ptr<db::Pool> pool_;
  std::vector<std::shared_ptr<void>> owned_;
  auth::Revocations revocations_;
  std::shared_ptr<void> identity_auth_;  // the default authenticator's parts
  auth::Authenticator* authenticator_ = nullptr;
  auth::GrpcApiKeyVerifier* api_keys_ = nullptr;
  std::unique_ptr<auth::RevocationListener> revocation_listener_;
  std::unique_ptr<server::ServiceHost> host_;
  events::EventRouter router_;
  std::vector<Worker> workers_;
  std::vector<std::function<void()>> reloads_;
  std::unique_ptr<events::OutboxRelay> relay_;
  std::unique_ptr<events::Consumer> consumer_;
  bool shut_down_ = false;
};

// InitRuntime, KitOptionsFromFlags (then `adjust`, if any), Open,
// `assemble`, Start, Run: a service's whole main(). Logs and returns
// EXIT_FAILURE when a step fails.
int Main(int argc, char** argv, Declaration declaration,
         const std::function<absl::Status(ServiceKit&)>& assemble,
         const std::function<void(KitOptions&)>& adjust = nullptr);

}  // namespace fineprint::service

#endif  // FINEPRINT_SERVICES_RUNTIME_SERVICE_SERVICE_KIT_H_
