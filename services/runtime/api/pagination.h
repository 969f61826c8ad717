#ifndef FINEPRINT_SERVICES_RUNTIME_API_PAGINATION_H_
#define FINEPRINT_SERVICES_RUNTIME_API_PAGINATION_H_

// AIP-158 pagination. Page tokens are opaque to clients but bound to the
// list they came from (the scope: tenant + collection + filters), so a
// token cannot be replayed against another tenant's or another query's list.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fineprint::api {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 1000;

// 0 -> default, above the maximum -> maximum, negative -> INVALID_ARGUMENT.
absl::StatusOr<int> EffectivePageSize(int requested);

// Encodes the keyset cursor (the sort key of the last row returned).
std::string EncodePageToken(absl::string_view scope,
                            const std::vector<std::string>& cursor);

// Empty token -> empty cursor. A malformed token, or one minted for another
// scope, is INVALID_ARGUMENT.
absl::StatusOr<std::vector<std::string>> DecodePageToken(
    absl::string_view token, absl::string_view scope, size_t cursor_size);

}  // namespace fineprint::api

#endif  // FINEPRINT_SERVICES_RUNTIME_API_PAGINATION_H_
