#ifndef FINEPRINT_SERVICES_RUNTIME_API_KEYSET_PAGE_H_
#define FINEPRINT_SERVICES_RUNTIME_API_KEYSET_PAGE_H_

// The tail of every keyset-paginated List: the query fetched page_size + 1
// rows ordered by (time_column, id); keep page_size of them and, when the
// extra row exists, mint the token that resumes after the last kept row.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "services/runtime/api/pagination.h"
#include "services/runtime/db/result.h"
#include "services/runtime/status/status.h"

namespace fineprint::api {

// Appends `read(row)` for up to `page_size` rows of `rows` to `out`, and
// returns the next page token ("" on the last page).
template <typename Item, typename Read>
absl::StatusOr<std::string> TakeKeysetPage(const db::Result& rows, int page_size,
                                           absl::string_view scope,
                                           absl::string_view time_column,
                                           google::protobuf::RepeatedPtrField<Item>* out,
                                           Read read) {
  for (int i = 0; i < rows.num_rows() && i < page_size; ++i) {
    FP_ASSIGN_OR_RETURN(*out->Add(), read(rows[i]));
  }
  if (rows.num_rows() <= page_size) return std::string();
  db::Row last = rows[page_size - 1];
  return EncodePageToken(scope, {std::string(last.Value(time_column)),
                                 std::string(last.Value("id"))});
}

}  // namespace fineprint::api

#endif  // FINEPRINT_SERVICES_RUNTIME_API_KEYSET_PAGE_H_
