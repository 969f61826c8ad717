#include "services/runtime/db/timestamp.h"

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace fineprint::db {
namespace {

absl::Time Utc(int y, int m, int d, int hh, int mm, int ss) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, ss),
                         absl::UTCTimeZone());
}

TEST(TimestampTest, ParsesServerOutput) {
  EXPECT_EQ(*ParseTimestamptz("2024-05-06 07:08:09+00"),
            Utc(2024, 5, 6, 7, 8, 9));
  EXPECT_EQ(*ParseTimestamptz("2024-05-06 07:08:09.5+00"),
            Utc(2024, 5, 6, 7, 8, 9) + absl::Milliseconds(500));
  EXPECT_EQ(*ParseTimestamptz("2024-05-06 07:08:09.123456+00"),
            Utc(2024, 5, 6, 7, 8, 9) + absl::Microseconds(123456));
}

TEST(TimestampTest, ParsesOffsetsAndVariants) {
  const absl::Time want = Utc(2024, 5, 6, 7, 8, 9);
  EXPECT_EQ(*ParseTimestamptz("2024-05-06 09:08:09+02"), want);
  EXPECT_EQ(*ParseTimestamptz("2024-05-06 12:38:09+05:30"), want);
  EXPECT_EQ(*ParseTimestamptz("2024-05-06 02:08:09-05"), want);
  EXPECT_EQ(*ParseTimestamptz("2024-05-06 07:08:19+00:00:10"), want);
  EXPECT_EQ(*ParseTimestamptz("2024-05-06T07:08:09Z"), want);
  EXPECT_EQ(*ParseTimestamptz("infinity"), absl::InfiniteFuture());
  EXPECT_EQ(*ParseTimestamptz("-infinity"), absl::InfinitePast());
  EXPECT_EQ(*ParseTimestamptz("0044-03-15 12:00:00+00 BC"),
            Utc(-43, 3, 15, 12, 0, 0));
  EXPECT_EQ(*ParseTimestamptz("12345-01-01 00:00:00+00"),
            Utc(12345, 1, 1, 0, 0, 0));
}

TEST(TimestampTest, RejectsGarbage) {
  for (const char* bad :
       {"", "2024-05-06", "2024-05-06 07:08:09", "2024-13-01 00:00:00+00",
        "2024-02-30 00:00:00+00", "2024-05-06 24:00:00+00",
        "2024-05-06 07:08:09+00 junk", "2024-05-06 07:08:09.+00", "not a time",
        "2024-05-06 07:08:09+0"}) {
    absl::StatusOr<absl::Time> t = ParseTimestamptz(bad);
    EXPECT_FALSE(t.ok()) << bad;
    if (!t.ok()) {
      EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
      if (*bad != '\0') {
        EXPECT_EQ(t.status().message().find(bad), absl::string_view::npos)
            << "the input must not be echoed";
      }
    }
  }
}

TEST(TimestampTest, FormatsUtcMicros) {
  EXPECT_EQ(FormatTimestamptz(Utc(2024, 5, 6, 7, 8, 9)),
            "2024-05-06 07:08:09.000000+00");
  // Sub-microsecond digits truncate toward the past, also before 1970.
  EXPECT_EQ(FormatTimestamptz(absl::UnixEpoch() - absl::Nanoseconds(1)),
            "1969-12-31 23:59:59.999999+00");
  EXPECT_EQ(FormatTimestamptz(Utc(0, 1, 1, 0, 0, 0)),
            "0001-01-01 00:00:00.000000+00 BC");
  EXPECT_EQ(FormatTimestamptz(absl::InfinitePast()), "-infinity");
}

TEST(TimestampTest, RoundTrips) {
  for (absl::Time t :
       {absl::UnixEpoch(), absl::FromUnixMicros(1700000000123456),
        absl::FromUnixMicros(-12345678901234), Utc(-500, 2, 29, 1, 2, 3),
        absl::InfiniteFuture()}) {
    absl::StatusOr<absl::Time> back = ParseTimestamptz(FormatTimestamptz(t));
    ASSERT_TRUE(back.ok()) << FormatTimestamptz(t);
    EXPECT_EQ(*back, t) << FormatTimestamptz(t);
  }
}

}  // namespace
}  // namespace fineprint::db
