#include "services/runtime/api/resource_name.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/runtime/status/status.h"
#include "services/runtime/trace/trace.h"

namespace fineprint::api {

bool IsValidResourceId(absl::string_view id) {
  if (id.empty() || id.size() > 63) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return false;
    }
  }
  return true;
}

std::string NewResourceId() { return trace::RandomHex(8); }

absl::StatusOr<std::vector<std::string>> ParseResourceName(
    absl::string_view name, absl::string_view pattern,
    absl::string_view field) {
  auto invalid = [&] {
    return status::InvalidArgument(
        absl::StrCat(field, " must look like ", pattern),
        {{std::string(field), absl::StrCat("expected ", pattern)}},
        "INVALID_RESOURCE_NAME");
  };
  if (name.size() > 512) return invalid();
  std::vector<absl::string_view> got = absl::StrSplit(name, '/');
  std::vector<absl::string_view> want = absl::StrSplit(pattern, '/');
  if (got.size() != want.size()) return invalid();
  std::vector<std::string> ids;
  for (size_t i = 0; i < want.size(); ++i) {
    if (!want[i].empty() && want[i].front() == '{') {
      if (!IsValidResourceId(got[i])) return invalid();
      ids.emplace_back(got[i]);
    } else if (got[i] != want[i]) {
      return invalid();
    }
  }
  return ids;
}

}  // namespace fineprint::api
