#ifndef FINEPRINT_SERVICES_IDENTITY_IDENTITY_APP_H_
#define FINEPRINT_SERVICES_IDENTITY_IDENTITY_APP_H_

// The identity service assembled from the runtime: database pool and
// migrations, signing keys, the service, and its host. main() and the
// integration tests start exactly the same thing.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "events/relay/outbox_relay.h"
#include "services/identity/identity_service.h"
#include "services/runtime/db/pool.h"
#include "services/runtime/server/service_host.h"

namespace fineprint::identity {

struct IdentityAppOptions {
  std::string pg_dsn;
  int pg_pool_size = 16;
  server::HostOptions host;
  // When set, the outbox relay runs in-process and publishes to this Kafka
  // cluster; when empty, events wait in the outbox for a standalone relay.
  std::string kafka_bootstrap_servers;
  IdentityConfig config;
};

class IdentityApp {
 public:
  static absl::StatusOr<std::unique_ptr<IdentityApp>> Start(IdentityAppOptions options);
  ~IdentityApp();

  std::string grpc_target() const { return host_->grpc_target(); }
  int admin_port() const { return host_->admin_port(); }
  db::Pool& pool() { return *pool_; }
  server::ServiceHost& host() { return *host_; }
  void Shutdown() { host_->Shutdown(); }

 private:
  IdentityApp() = default;

  std::unique_ptr<db::Pool> pool_;
  std::unique_ptr<SigningKeyStore> keys_;
  std::unique_ptr<IdentityServiceImpl> service_;
  std::unique_ptr<auth::Authenticator> authenticator_;
  std::unique_ptr<server::ServiceHost> host_;
  std::unique_ptr<::fineprint::events::OutboxRelay> relay_;
};

}  // namespace fineprint::identity

#endif  // FINEPRINT_SERVICES_IDENTITY_IDENTITY_APP_H_
