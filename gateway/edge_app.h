#ifndef FINEPRINT_GATEWAY_EDGE_APP_H_
#define FINEPRINT_GATEWAY_EDGE_APP_H_

// The REST edge, handed to the service kit: the contract's routes (from a
// FileDescriptorSet, reloaded on SIGHUP), channels to the backends, the
// edge handler and its HTTP server. The kit brings flags, admin (/metrics,
// /healthz, /readyz = every backend answers its gRPC health check),
// authentication through identity with instant revocation, and shutdown.
// main() and the tests assemble exactly the same thing.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/api/api_config.h"
#include "gateway/server/backends.h"
#include "gateway/server/edge_handler.h"
#include "gateway/server/http_server.h"
#include "services/runtime/service/service_kit.h"

namespace fineprint::gateway {

// Stateless: no database, no gRPC server of its own.
service::Declaration Declaration();

struct EdgeDomainOptions {
  std::string descriptor_set;
  // "<full service name>=<host:port>" per backend.
  std::vector<std::string> backends;
  // Unary calls over the edge's HTTP/2 client (plaintext backends only).
  bool backend_http2 = true;
  api::ApiConfigOptions api;
  server::EdgeOptions edge;
  server::HttpServerOptions http;
  // Both set: HTTPS, the pair re-read on SIGHUP (kit.OnReload).
  std::string https_cert;
  std::string https_key;
};

// The parts tests reach into; owned by the kit.
struct EdgeDomain {
  server::HttpServer* http = nullptr;
  server::ConfigHolder* config = nullptr;
};

// The kit's identity target defaults to the identity backend: the edge
// authenticates against the identity it routes to.
void UseIdentityBackend(const EdgeDomainOptions& domain,
                        service::KitOptions& kit);

absl::StatusOr<EdgeDomain> Assemble(service::ServiceKit& kit,
                                    EdgeDomainOptions options);

struct EdgeAppOptions : service::KitOptions, EdgeDomainOptions {};

// The assembled and started edge, for tests and benchmarks.
class EdgeApp {
 public:
  static absl::StatusOr<std::unique_ptr<EdgeApp>> Start(EdgeAppOptions options);

  int http_port() const { return domain_.http->port(); }
  int admin_port() const { return kit_->host().admin_port(); }
  void Shutdown() { kit_->Shutdown(); }

 private:
  EdgeApp(std::unique_ptr<service::ServiceKit> kit, EdgeDomain domain)
      : kit_(std::move(kit)), domain_(domain) {}

  std::unique_ptr<service::ServiceKit> kit_;
  EdgeDomain domain_;
};

}  // namespace fineprint::gateway

#endif  // FINEPRINT_GATEWAY_EDGE_APP_H_
