#ifndef FINEPRINT_SERVICES_RUNTIME_DB_RESULT_H_
#define FINEPRINT_SERVICES_RUNTIME_DB_RESULT_H_

// Query results. A driver implements RawResult; callers use the value type
// Result and its Row views, whose typed getters parse PostgreSQL's text
// output and report bad columns as errors instead of crashing:
//
//   absl::StatusOr<db::Result> r = tx.Execute(
//       "SELECT id, email, created_at FROM users WHERE email = $1", {email});
//   if (!r.ok()) return r.status();
//   for (db::Row row : *r) {
//     absl::StatusOr<int64_t> id = row.GetInt64("id");
//     ...
//   }
//
// Getter errors name the column, never the value. A NULL column makes typed
// getters return FAILED_PRECONDITION: check IsNull() for nullable columns.

#include <cstdint>
#include <iterator>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace fineprint::db {

// What a driver provides. Indices are 0-based and in range when called from
// Result/Row, which check them.
class RawResult {
 public:
  virtual ~RawResult() = default;

  virtual int num_rows() const = 0;
  virtual int num_columns() const = 0;
  // Rows touched by INSERT/UPDATE/DELETE/..., 0 for other statements.
  virtual int64_t affected_rows() const = 0;
  virtual absl::string_view column_name(int column) const = 0;
  virtual bool is_null(int row, int column) const = 0;
  // Text of the value; empty for NULL.
  virtual absl::string_view value(int row, int column) const = 0;
};

class Result;

// A view of one row; valid while its Result lives.
class Row {
 public:
  Row(const Result& result, int index) : result_(&result), index_(index) {}

  int index() const { return index_; }

  // False for an unknown column too; use the getters to learn about those.
  bool IsNull(int column) const;
  bool IsNull(absl::string_view column) const;

  // Raw text of the column ("" for NULL or an unknown column).
  absl::string_view Value(int column) const;
  absl::string_view Value(absl::string_view column) const;

  absl::StatusOr<std::string> GetString(int column) const;
  absl::StatusOr<std::string> GetString(absl::string_view column) const;
  absl::StatusOr<int64_t> GetInt64(int column) const;
  absl::StatusOr<int64_t> GetInt64(absl::string_view column) const;
  absl::StatusOr<double> GetDouble(int column) const;
  absl::StatusOr<double> GetDouble(absl::string_view column) const;
  absl::StatusOr<bool> GetBool(int column) const;
  absl::StatusOr<bool> GetBool(absl::string_view column) const;
  // A timestamptz column (see timestamp.h for the accepted text).
  absl::StatusOr<absl::Time> GetTime(int column) const;
  absl::StatusOr<absl::Time> GetTime(absl::string_view column) const;

 private:
  // The column's text, or an error for unknown columns and NULL.
  absl::StatusOr<absl::string_view> NonNull(int column) const;

  const Result* result_;
  int index_;
};

class Result {
 public:
  explicit Result(std::unique_ptr<RawResult> raw) : raw_(std::move(raw)) {}
  Result(Result&&) = default;
  Result& operator=(Result&&) = default;

  int num_rows() const { return raw_->num_rows(); }
  int num_columns() const { return raw_->num_columns(); }
  bool empty() const { return num_rows() == 0; }
  int64_t affected_rows() const { return raw_->affected_rows(); }
  absl::string_view column_name(int column) const {
    return raw_->column_name(column);
  }
  // Exact (case-sensitive) match on the result column's name; NOT_FOUND
  // otherwise. Columns are few, so a scan beats building an index.
  absl::StatusOr<int> ColumnIndex(absl::string_view name) const;

  Row row(int index) const { return Row(*this, index); }
  Row operator[](int index) const { return row(index); }

  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Row;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = Row;

    Iterator(const Result* result, int index)
        : result_(result), index_(index) {}
    Row operator*() const { return Row(*result_, index_); }
    Iterator& operator++() {
      ++index_;
      return *this;
    }
    Iterator operator++(int) {
      Iterator old = *this;
      ++index_;
      return old;
    }
    friend bool operator==(const Iterator&, const Iterator&) = default;

   private:
    const Result* result_;
    int index_;
  };
  Iterator begin() const { return Iterator(this, 0); }
  Iterator end() const { return Iterator(this, num_rows()); }

  const RawResult& raw() const { return *raw_; }

 private:
  std::unique_ptr<RawResult> raw_;
};

}  // namespace fineprint::db

#endif  // FINEPRINT_SERVICES_RUNTIME_DB_RESULT_H_
