#include "services/runtime/db/param.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace fineprint::db {
namespace {

TEST(ParamTest, Null) {
  EXPECT_TRUE(Param().is_null());
  EXPECT_TRUE(Param(std::nullopt).is_null());
  EXPECT_TRUE(Param::Null().is_null());
  EXPECT_EQ(Param().c_str(), nullptr);
  EXPECT_TRUE(Param(std::optional<int64_t>()).is_null());
  EXPECT_TRUE(Param(std::optional<std::string>()).is_null());
}

TEST(ParamTest, TextIsVerbatim) {
  const std::string tricky = "O'Brien\"; DROP TABLE users; -- \\ $1";
  EXPECT_EQ(Param(tricky).text(), tricky);
  EXPECT_EQ(Param(absl::string_view(tricky)).text(), tricky);
  EXPECT_EQ(Param("literal").text(), "literal");  // not the bool overload
  EXPECT_EQ(Param(std::string("moved")).text(), "moved");
  EXPECT_FALSE(Param("").is_null());
  EXPECT_STREQ(Param("").c_str(), "");
}

TEST(ParamTest, Integers) {
  EXPECT_EQ(Param(42).text(), "42");
  EXPECT_EQ(Param(int64_t{-9223372036854775807 - 1}).text(),
            "-9223372036854775808");
  EXPECT_EQ(Param(static_cast<int16_t>(-7)).text(), "-7");
  EXPECT_EQ(Param(4000000000u).text(), "4000000000");
  EXPECT_EQ(Param(std::optional<int>(5)).text(), "5");
}

TEST(ParamTest, Bool) {
  EXPECT_EQ(Param(true).text(), "true");
  EXPECT_EQ(Param(false).text(), "false");
}

TEST(ParamTest, Double) {
  EXPECT_EQ(Param(0.1).text(), "0.10000000000000001");
  EXPECT_EQ(Param(std::nan("")).text(), "NaN");
  EXPECT_EQ(Param(std::numeric_limits<double>::infinity()).text(), "Infinity");
  EXPECT_EQ(Param(-std::numeric_limits<double>::infinity()).text(),
            "-Infinity");
}

TEST(ParamTest, Time) {
  const absl::Time t = absl::FromUnixMicros(1700000000123456);
  EXPECT_EQ(Param(t).text(), "2023-11-14 22:13:20.123456+00");
  EXPECT_EQ(Param(absl::InfiniteFuture()).text(), "infinity");
}

TEST(ParamTest, BracedListsConvert) {
  // The shape callers use with Executor::Execute.
  const std::vector<Param> params = {"a", 1, true, std::nullopt,
                                     absl::UnixEpoch()};
  ASSERT_EQ(params.size(), 5u);
  EXPECT_TRUE(params[3].is_null());
}

}  // namespace
}  // namespace fineprint::db
