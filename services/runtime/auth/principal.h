#ifndef FINEPRINT_SERVICES_RUNTIME_AUTH_PRINCIPAL_H_
#define FINEPRINT_SERVICES_RUNTIME_AUTH_PRINCIPAL_H_

#include <string>

namespace fineprint::auth {

// Who is calling: resolved from a JWT access token or an API key. Role and
// plan are the identity enums' value names ("ADMIN", "PREMIUM"), the same
// strings the contract's (fineprint.api.v1.auth).roles option lists.
struct Principal {
  std::string user;          // orgs/{org}/users/{user}
  std::string organization;  // orgs/{org}
  std::string role;
  std::string plan;
  std::string api_key;  // orgs/{org}/apiKeys/{key} when authenticated by key
};

}  // namespace fineprint::auth

#endif  // FINEPRINT_SERVICES_RUNTIME_AUTH_PRINCIPAL_H_
