// identity_server: organisations, users, login, tokens, API keys.

#include "absl/flags/flag.h"
#include "services/identity/identity_app.h"

ABSL_FLAG(absl::Duration, access_token_ttl, absl::Minutes(15),
          "Lifetime of access tokens.");

int main(int argc, char** argv) {
  using namespace fineprint;  // NOLINT(build/namespaces): main only
  return service::Main(
      argc, argv, identity::Declaration(), [](service::ServiceKit& kit) {
        identity::IdentityConfig config;
        config.access_token_ttl = absl::GetFlag(FLAGS_access_token_ttl);
        return identity::Assemble(kit, config);
      });
}
