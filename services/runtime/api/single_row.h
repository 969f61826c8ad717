#ifndef FINEPRINT_SERVICES_RUNTIME_API_SINGLE_ROW_H_
#define FINEPRINT_SERVICES_RUNTIME_API_SINGLE_ROW_H_

// Helpers for reading one resource by name (AIP-131 Get and its views).

#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/runtime/db/connection.h"
#include "services/runtime/db/param.h"
#include "services/runtime/db/result.h"
#include "services/runtime/status/status.h"

namespace fineprint::api {

// Runs `sql` with `params` and returns `read` of its first row. No row is
// NotFound(`not_found`): the tenant's org_id is part of every such query, so
// another tenant's resource answers exactly like a missing one.
template <typename Read>
auto ReadSingleRow(db::Executor& db, absl::string_view sql,
                   std::vector<db::Param> params, absl::string_view not_found,
                   Read read) -> decltype(read(std::declval<db::Row>())) {
  FP_ASSIGN_OR_RETURN(db::Result r, db.Execute(sql, params));
  if (r.empty()) return absl::NotFoundError(not_found);
  return read(r[0]);
}

// Whether a request's `view` asks for `full`. An unknown value is rejected
// rather than served as the basic view, so a client built against a newer
// API learns that this server does not know the view it asked for.
template <typename View>
absl::StatusOr<bool> IsFullView(View view, bool (*is_valid)(int), View full) {
  if (!is_valid(view)) {
    return status::InvalidArgument("invalid view", {{"view", "unknown view"}});
  }
  return view == full;
}

}  // namespace fineprint::api

#endif  // FINEPRINT_SERVICES_RUNTIME_API_SINGLE_ROW_H_
