#include "services/identity/identity_app.h"

#include "infra/migrations/identity_migrations.h"
#include "services/identity/operators.h"
#include "services/identity/signing_keys.h"
#include "services/runtime/status/status.h"

namespace fineprint::identity {

service::Declaration Declaration() {
  return {"identity", {migrations::IdentityMigrations()}};
}

absl::Status Assemble(service::ServiceKit& kit, IdentityConfig config) {
  auto* keys = kit.Own(std::make_unique<SigningKeyStore>(&kit.pool()));
  FP_RETURN_IF_ERROR(keys->Load());
  auto* service =
      kit.Own(std::make_unique<IdentityServiceImpl>(&kit.pool(), keys, config));
  // Identity verifies its own tokens and keys locally; operator keys are
  // known here only.
  FP_RETURN_IF_ERROR(
      ValidateOperatorKeyHashes(config.platform_operator_key_hashes));
  auto* api_keys = kit.Own(std::make_unique<OperatorKeyVerifier>(
      config.platform_operator_key_hashes, service));
  kit.UseAuthenticator(kit.Own(std::make_unique<auth::Authenticator>(
      keys, api_keys, kit.revocations())));
  return kit.Serve(service, v1::IdentityService::service_full_name());
}

absl::StatusOr<std::unique_ptr<IdentityApp>> IdentityApp::Start(
    IdentityAppOptions options) {
  IdentityConfig config = options.config;
  FP_ASSIGN_OR_RETURN(
      std::unique_ptr<service::ServiceKit> kit,
      service::ServiceKit::Open(Declaration(), std::move(options)));
  FP_RETURN_IF_ERROR(Assemble(*kit, config));
  FP_RETURN_IF_ERROR(kit->Start());
  return std::unique_ptr<IdentityApp>(new IdentityApp(std::move(kit)));
}

}  // namespace fineprint::identity
