// identity_server: organisations, users, login, tokens, API keys.

#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "services/identity/identity_app.h"

ABSL_FLAG(absl::Duration, access_token_ttl, absl::Minutes(15),
          "Lifetime of access tokens.");
ABSL_FLAG(std::vector<std::string>, platform_operator_key_sha256, {},
          "SHA-256 hex digests of the platform operators' API keys (e.g. "
          "`printf %s \"$KEY\" | sha256sum`): the only callers allowed to "
          "change an organisation's plan. Empty: nobody can.");

int main(int argc, char** argv) {
  using namespace fineprint;  // NOLINT(build/namespaces): main only
  return service::Main(
      argc, argv, identity::Declaration(), [](service::ServiceKit& kit) {
        identity::IdentityConfig config;
        config.access_token_ttl = absl::GetFlag(FLAGS_access_token_ttl);
        config.platform_operator_key_hashes =
            absl::GetFlag(FLAGS_platform_operator_key_sha256);
        return identity::Assemble(kit, config);
      });
}
