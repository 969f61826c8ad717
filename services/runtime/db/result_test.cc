#include "services/runtime/db/result.h"

#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace fineprint::db {
namespace {

// An in-memory result: nullopt cells are NULL.
class FakeResult final : public RawResult {
 public:
  FakeResult(std::vector<std::string> columns,
             std::vector<std::vector<std::optional<std::string>>> rows)
      : columns_(std::move(columns)), rows_(std::move(rows)) {}

  int num_rows() const override { return static_cast<int>(rows_.size()); }
  int num_columns() const override { return static_cast<int>(columns_.size()); }
  int64_t affected_rows() const override { return 7; }
  absl::string_view column_name(int column) const override {
    return columns_[column];
  }
  bool is_null(int row, int column) const override {
    return !rows_[row][column].has_value();
  }
  absl::string_view value(int row, int column) const override {
    const std::optional<std::string>& cell = rows_[row][column];
    return cell.has_value() ? absl::string_view(*cell) : absl::string_view();
  }

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<std::optional<std::string>>> rows_;
};

Result MakeResult() {
  return Result(std::make_unique<FakeResult>(
      std::vector<std::string>{"id", "name", "active", "created_at", "score",
                               "Mixed"},
      std::vector<std::vector<std::optional<std::string>>>{
          {"1", "ann", "t", "2024-01-02 03:04:05.5+00", "1.5", "x"},
          {"-9223372036854775808", std::nullopt, "f", std::nullopt, "NaN",
           "secret-value"},
      }));
}

TEST(ResultTest, Shape) {
  const Result result = MakeResult();
  EXPECT_EQ(result.num_rows(), 2);
  EXPECT_EQ(result.num_columns(), 6);
  EXPECT_EQ(result.affected_rows(), 7);
  EXPECT_FALSE(result.empty());
  EXPECT_EQ(*result.ColumnIndex("active"), 2);
  EXPECT_EQ(result.ColumnIndex("nope").status().code(),
            absl::StatusCode::kNotFound);
  // Exact match: no case folding.
  EXPECT_FALSE(result.ColumnIndex("mixed").ok());
  EXPECT_EQ(*result.ColumnIndex("Mixed"), 5);
}

TEST(ResultTest, TypedGetters) {
  const Result result = MakeResult();
  const Row row = result[0];
  EXPECT_EQ(*row.GetInt64("id"), 1);
  EXPECT_EQ(*row.GetInt64(0), 1);
  EXPECT_EQ(*row.GetString("name"), "ann");
  EXPECT_EQ(row.Value(1), "ann");
  EXPECT_TRUE(*row.GetBool("active"));
  EXPECT_EQ(*row.GetTime("created_at"),
            absl::FromUnixSeconds(1704164645) + absl::Milliseconds(500));
  EXPECT_DOUBLE_EQ(*row.GetDouble("score"), 1.5);

  const Row second = result[1];
  EXPECT_EQ(*second.GetInt64("id"), INT64_MIN);
  EXPECT_FALSE(*second.GetBool(2));
  EXPECT_TRUE(std::isnan(*second.GetDouble("score")));
}

TEST(ResultTest, NullsAndErrors) {
  const Result result = MakeResult();
  const Row row = result[1];
  EXPECT_TRUE(row.IsNull("name"));
  EXPECT_TRUE(row.IsNull(1));
  EXPECT_FALSE(row.IsNull("id"));
  EXPECT_FALSE(row.IsNull("no_such_column"));
  EXPECT_EQ(row.Value("name"), "");
  EXPECT_EQ(row.GetString("name").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(row.GetTime("created_at").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(row.GetInt64(99).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(row.GetInt64(-1).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(row.GetInt64("missing").status().code(),
            absl::StatusCode::kNotFound);

  // Type errors name the column but never echo the value.
  const absl::Status bad = row.GetInt64("Mixed").status();
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("Mixed"), absl::string_view::npos);
  EXPECT_EQ(bad.message().find("secret-value"), absl::string_view::npos);
  EXPECT_FALSE(row.GetBool("Mixed").ok());
  EXPECT_FALSE(row.GetTime("Mixed").ok());
}

TEST(ResultTest, Iterates) {
  const Result result = MakeResult();
  std::vector<int> seen;
  for (Row row : result) seen.push_back(row.index());
  EXPECT_EQ(seen, (std::vector<int>{0, 1}));
}

}  // namespace
}  // namespace fineprint::db
