#ifndef FINEPRINT_SERVICES_RUNTIME_API_KEYSET_PAGE_H_
#define FINEPRINT_SERVICES_RUNTIME_API_KEYSET_PAGE_H_

// Keyset pagination over (time_column, id): the query fetches page_size + 1
// rows past the token's cursor; keep page_size of them and, when the extra
// row exists, mint the token that resumes after the last kept row.

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "services/runtime/api/pagination.h"
#include "services/runtime/db/connection.h"
#include "services/runtime/db/param.h"
#include "services/runtime/db/result.h"
#include "services/runtime/status/status.h"

namespace fineprint::api {

// Appends `read(row)` for up to `page_size` rows of `rows` to `out`, and
// returns the next page token ("" on the last page).
template <typename Item, typename Read>
absl::StatusOr<std::string> TakeKeysetPage(
    const db::Result& rows, int page_size, absl::string_view scope,
    absl::string_view time_column,
    google::protobuf::RepeatedPtrField<Item>* out, Read read) {
  for (int i = 0; i < rows.num_rows() && i < page_size; ++i) {
    FP_ASSIGN_OR_RETURN(*out->Add(), read(rows[i]));
  }
  if (rows.num_rows() <= page_size) return std::string();
  db::Row last = rows[page_size - 1];
  return EncodePageToken(scope, {std::string(last.Value(time_column)),
                                 std::string(last.Value("id"))});
}

// One page of a List: its size and the (time, id) cursor its token resumes
// after. Start validates the request before the caller takes a connection,
// so a bad page_token fails the same way whatever the database's state.
class KeysetPage {
 public:
  static absl::StatusOr<KeysetPage> Start(int requested_page_size,
                                          absl::string_view page_token,
                                          std::string scope) {
    FP_ASSIGN_OR_RETURN(int page_size, EffectivePageSize(requested_page_size));
    FP_ASSIGN_OR_RETURN(std::vector<std::string> cursor,
                        DecodePageToken(page_token, scope, 2));
    return KeysetPage(page_size, std::move(scope), std::move(cursor));
  }

  // Runs `sql` with `params` and then four more: whether this is the first
  // page, the cursor's time and id (NULL on the first page) and the row
  // limit. Appends up to page_size rows to `out` through `read` and returns
  // the next page token ("" on the last page).
  template <typename Item, typename Read>
  absl::StatusOr<std::string> Fetch(
      db::Executor& db, absl::string_view sql, std::vector<db::Param> params,
      absl::string_view time_column,
      google::protobuf::RepeatedPtrField<Item>* out, Read read) const {
    const bool first = cursor_.empty();
    params.push_back(first);
    params.push_back(first ? db::Param() : db::Param(cursor_[0]));
    params.push_back(first ? db::Param() : db::Param(cursor_[1]));
    params.push_back(page_size_ + 1);
    FP_ASSIGN_OR_RETURN(db::Result rows, db.Execute(sql, params));
    return TakeKeysetPage(rows, page_size_, scope_, time_column, out, read);
  }

 private:
  KeysetPage(int page_size, std::string scope, std::vector<std::string> cursor)
      : page_size_(page_size),
        scope_(std::move(scope)),
        cursor_(std::move(cursor)) {}

  int page_size_;
  std::string scope_;
  std::vector<std::string> cursor_;
};

}  // namespace fineprint::api

#endif  // FINEPRINT_SERVICES_RUNTIME_API_KEYSET_PAGE_H_
