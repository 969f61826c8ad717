#include "services/runtime/api/tenancy.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/runtime/api/resource_name.h"
#include "services/runtime/status/status.h"

namespace fineprint::api {

std::string OrgIdOf(const auth::Principal& caller) {
  absl::string_view org = caller.organization;
  absl::ConsumePrefix(&org, "orgs/");
  return std::string(org);
}

absl::StatusOr<std::vector<std::string>> ParseTenantName(
    const auth::Principal& caller, absl::string_view name,
    absl::string_view pattern, absl::string_view field) {
  FP_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                      ParseResourceName(name, pattern, field));
  if (ids.empty() || !absl::StartsWith(pattern, "orgs/{") ||
      ids[0] != OrgIdOf(caller)) {
    return status::WithReason(
        absl::PermissionDeniedError(
            absl::StrCat("no access to ", field, " outside your organization")),
        "CROSS_TENANT");
  }
  return ids;
}

}  // namespace fineprint::api
