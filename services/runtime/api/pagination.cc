#include "services/runtime/api/pagination.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/runtime/status/status.h"

namespace fineprint::api {
namespace {

// Unit separator: cannot occur in ids or timestamps.
constexpr char kSep = '\x1f';

absl::Status BadToken() {
  return status::InvalidArgument("invalid page_token",
                                 {{"page_token", "not a token from this list"}},
                                 "INVALID_PAGE_TOKEN");
}

}  // namespace

absl::StatusOr<int> EffectivePageSize(int requested) {
  if (requested < 0) {
    return status::InvalidArgument("page_size must not be negative",
                                   {{"page_size", "must be >= 0"}});
  }
  if (requested == 0) return kDefaultPageSize;
  return std::min(requested, kMaxPageSize);
}

std::string EncodePageToken(absl::string_view scope,
                            const std::vector<std::string>& cursor) {
  std::string raw(scope);
  for (const auto& c : cursor) {
    raw.push_back(kSep);
    raw += c;
  }
  return absl::WebSafeBase64Escape(raw);
}

absl::StatusOr<std::vector<std::string>> DecodePageToken(
    absl::string_view token, absl::string_view scope, size_t cursor_size) {
  if (token.empty()) return std::vector<std::string>();
  std::string raw;
  if (token.size() > 2048 || !absl::WebSafeBase64Unescape(token, &raw)) {
    return BadToken();
  }
  std::vector<std::string> parts = absl::StrSplit(raw, kSep);
  if (parts.size() != cursor_size + 1 || parts[0] != scope) return BadToken();
  parts.erase(parts.begin());
  return parts;
}

}  // namespace fineprint::api
