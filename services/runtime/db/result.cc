#include "services/runtime/db/result.h"

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/runtime/db/timestamp.h"

namespace fineprint::db {
namespace {

bool InRange(const Result& result, int row, int column) {
  return row >= 0 && row < result.num_rows() && column >= 0 &&
         column < result.num_columns();
}

// Error messages name the column, never the value (it may be a secret).
absl::Status BadValue(const Result& result, int column,
                      absl::string_view type) {
  return absl::InvalidArgumentError(absl::StrCat("column ", column, " (",
                                                 result.column_name(column),
                                                 ") is not a valid ", type));
}

// Resolves a name and applies `get` by index, so the name overloads stay
// one-liners.
template <typename T, typename Getter>
absl::StatusOr<T> ByName(const Result& result, absl::string_view name,
                         Getter get) {
  absl::StatusOr<int> index = result.ColumnIndex(name);
  if (!index.ok()) return index.status();
  return get(*index);
}

}  // namespace

absl::StatusOr<int> Result::ColumnIndex(absl::string_view name) const {
  for (int i = 0; i < num_columns(); ++i) {
    if (raw_->column_name(i) == name) return i;
  }
  return absl::NotFoundError(absl::StrCat("no result column named ", name));
}

bool Row::IsNull(int column) const {
  return InRange(*result_, index_, column) &&
         result_->raw().is_null(index_, column);
}

bool Row::IsNull(absl::string_view column) const {
  absl::StatusOr<int> index = result_->ColumnIndex(column);
  return index.ok() && IsNull(*index);
}

absl::string_view Row::Value(int column) const {
  if (!InRange(*result_, index_, column)) return absl::string_view();
  return result_->raw().value(index_, column);
}

absl::string_view Row::Value(absl::string_view column) const {
  absl::StatusOr<int> index = result_->ColumnIndex(column);
  return index.ok() ? Value(*index) : absl::string_view();
}

absl::StatusOr<absl::string_view> Row::NonNull(int column) const {
  if (!InRange(*result_, index_, column)) {
    return absl::OutOfRangeError(
        absl::StrCat("row ", index_, " column ", column, " is out of range"));
  }
  if (result_->raw().is_null(index_, column)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "column ", column, " (", result_->column_name(column), ") is NULL"));
  }
  return result_->raw().value(index_, column);
}

absl::StatusOr<std::string> Row::GetString(int column) const {
  absl::StatusOr<absl::string_view> text = NonNull(column);
  if (!text.ok()) return text.status();
  return std::string(*text);
}

absl::StatusOr<int64_t> Row::GetInt64(int column) const {
  absl::StatusOr<absl::string_view> text = NonNull(column);
  if (!text.ok()) return text.status();
  int64_t value;
  if (!absl::SimpleAtoi(*text, &value)) {
    return BadValue(*result_, column, "int64");
  }
  return value;
}

absl::StatusOr<double> Row::GetDouble(int column) const {
  absl::StatusOr<absl::string_view> text = NonNull(column);
  if (!text.ok()) return text.status();
  double value;
  if (!absl::SimpleAtod(*text, &value)) {
    return BadValue(*result_, column, "double");
  }
  return value;
}

absl::StatusOr<bool> Row::GetBool(int column) const {
  absl::StatusOr<absl::string_view> text = NonNull(column);
  if (!text.ok()) return text.status();
  // The server prints booleans as t/f; the long forms come from text casts.
  if (*text == "t" || *text == "true") return true;
  if (*text == "f" || *text == "false") return false;
  return BadValue(*result_, column, "bool");
}

absl::StatusOr<absl::Time> Row::GetTime(int column) const {
  absl::StatusOr<absl::string_view> text = NonNull(column);
  if (!text.ok()) return text.status();
  absl::StatusOr<absl::Time> time = ParseTimestamptz(*text);
  if (!time.ok()) return BadValue(*result_, column, "timestamptz");
  return time;
}

absl::StatusOr<std::string> Row::GetString(absl::string_view column) const {
  return ByName<std::string>(*result_, column,
                             [this](int i) { return GetString(i); });
}
absl::StatusOr<int64_t> Row::GetInt64(absl::string_view column) const {
  return ByName<int64_t>(*result_, column,
                         [this](int i) { return GetInt64(i); });
}
absl::StatusOr<double> Row::GetDouble(absl::string_view column) const {
  return ByName<double>(*result_, column,
                        [this](int i) { return GetDouble(i); });
}
absl::StatusOr<bool> Row::GetBool(absl::string_view column) const {
  return ByName<bool>(*result_, column, [this](int i) { return GetBool(i); });
}
absl::StatusOr<absl::Time> Row::GetTime(absl::string_view column) const {
  return ByName<absl::Time>(*result_, column,
                            [this](int i) { return GetTime(i); });
}

}  // namespace fineprint::db
