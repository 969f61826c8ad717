#ifndef FINEPRINT_SERVICES_RUNTIME_API_RESOURCE_NAME_H_
#define FINEPRINT_SERVICES_RUNTIME_API_RESOURCE_NAME_H_

// AIP-122 resource names: "orgs/{org}/users/{user}". Ids are what services
// generate (lower-case letters, digits, '-'), so anything else in a name is
// rejected before it reaches a query.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fineprint::api {

// Matches `name` against `pattern` and returns the ids bound to each
// {placeholder}, in order. INVALID_ARGUMENT (with a field violation for
// `field`) when the name does not fit.
absl::StatusOr<std::vector<std::string>> ParseResourceName(
    absl::string_view name, absl::string_view pattern, absl::string_view field);

// A new random resource id: 16 lower-case hex digits.
std::string NewResourceId();

bool IsValidResourceId(absl::string_view id);

}  // namespace fineprint::api

#endif  // FINEPRINT_SERVICES_RUNTIME_API_RESOURCE_NAME_H_
