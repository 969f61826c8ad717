#ifndef FINEPRINT_SERVICES_IDENTITY_IDENTITY_APP_H_
#define FINEPRINT_SERVICES_IDENTITY_IDENTITY_APP_H_

// Identity's domain, handed to the service kit: signing keys, the service,
// and an authenticator that verifies tokens and keys locally. main() and
// the tests assemble exactly the same thing.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/identity/identity_service.h"
#include "services/runtime/service/service_kit.h"

namespace fineprint::identity {

service::Declaration Declaration();

// Registers identity's domain with `kit`.
absl::Status Assemble(service::ServiceKit& kit, IdentityConfig config);

struct IdentityAppOptions : service::KitOptions {
  IdentityConfig config;
};

// The assembled and started service, for tests and benchmarks.
class IdentityApp {
 public:
  static absl::StatusOr<std::unique_ptr<IdentityApp>> Start(
      IdentityAppOptions options);

  std::string grpc_target() const { return kit_->host().grpc_target(); }
  int admin_port() const { return kit_->host().admin_port(); }
  db::Pool& pool() { return kit_->pool(); }
  server::ServiceHost& host() { return kit_->host(); }
  void Shutdown() { kit_->Shutdown(); }

 private:
  explicit IdentityApp(std::unique_ptr<service::ServiceKit> kit)
      : kit_(std::move(kit)) {}
  std::unique_ptr<service::ServiceKit> kit_;
};

}  // namespace fineprint::identity

#endif  // FINEPRINT_SERVICES_IDENTITY_IDENTITY_APP_H_
