#ifndef FINEPRINT_SERVICES_RUNTIME_API_TENANCY_H_
#define FINEPRINT_SERVICES_RUNTIME_API_TENANCY_H_

// Every tenant resource name starts with orgs/{org}. A caller may only name
// resources of its own organisation; anything else is refused the same way
// whether or not it exists, so ids cannot be probed across tenants.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/runtime/auth/principal.h"

namespace fineprint::api {

// Parses `name` against `pattern` (which must begin with "orgs/{org}") and
// returns the ids, the first being the caller's organisation id.
// INVALID_ARGUMENT for a malformed name, PERMISSION_DENIED for another
// organisation's.
absl::StatusOr<std::vector<std::string>> ParseTenantName(
    const auth::Principal& caller, absl::string_view name,
    absl::string_view pattern, absl::string_view field);

// The organisation id of a principal ("orgs/x" -> "x").
std::string OrgIdOf(const auth::Principal& caller);

}  // namespace fineprint::api

#endif  // FINEPRINT_SERVICES_RUNTIME_API_TENANCY_H_
