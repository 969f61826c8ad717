#include "services/action/deadlines.h"

#include "gtest/gtest.h"

namespace fineprint::action {
namespace {

using absl::CivilDay;

struct Case {
  const char* name;
  DeadlineRule rule;
  CivilDay start;
  bool extended;
  CivilDay due;
};

constexpr DeadlineRule kGdpr{DeadlineKind::kGdpr, 0};
constexpr DeadlineRule kCcpa{DeadlineKind::kCcpa, 0};

TEST(DeadlinesTest, Table) {
  const Case cases[] = {
      {"gdpr same date next month", kGdpr, CivilDay(2023, 5, 15), false,
       CivilDay(2023, 6, 15)},
      {"gdpr 31 Jan -> 28 Feb (common year)", kGdpr, CivilDay(2023, 1, 31),
       false, CivilDay(2023, 2, 28)},
      {"gdpr 31 Jan -> 29 Feb (leap year)", kGdpr, CivilDay(2024, 1, 31), false,
       CivilDay(2024, 2, 29)},
      {"gdpr 31 Mar -> 30 Apr", kGdpr, CivilDay(2024, 3, 31), false,
       CivilDay(2024, 4, 30)},
      {"gdpr across the year end", kGdpr, CivilDay(2024, 12, 31), false,
       CivilDay(2025, 1, 31)},
      {"gdpr ending on a Saturday moves to Monday", kGdpr, CivilDay(2024, 2, 2),
       false, CivilDay(2024, 3, 4)},
      {"gdpr extended: three months from receipt, not 29 Feb + 2", kGdpr,
       CivilDay(2024, 1, 31), true, CivilDay(2024, 4, 30)},
      {"gdpr extended into a leap February", kGdpr, CivilDay(2023, 11, 30),
       true, CivilDay(2024, 2, 29)},
      {"gdpr extended into a common February", kGdpr, CivilDay(2022, 11, 30),
       true, CivilDay(2023, 2, 28)},
      {"ccpa 45 days", kCcpa, CivilDay(2024, 1, 1), false,
       CivilDay(2024, 2, 15)},
      {"ccpa extended once: 90 days", kCcpa, CivilDay(2024, 1, 1), true,
       CivilDay(2024, 3, 31)},
      {"ccpa across the year end", kCcpa, CivilDay(2024, 11, 20), false,
       CivilDay(2025, 1, 4)},
      {"arbitration 30-day window from acceptance",
       {DeadlineKind::kArbitration, 30},
       CivilDay(2024, 5, 1),
       false,
       CivilDay(2024, 5, 31)},
      {"reminder 14 days",
       {DeadlineKind::kDays, 14},
       CivilDay(2024, 2, 20),
       false,
       CivilDay(2024, 3, 5)},
  };
  for (const Case& c : cases) {
    std::optional<CivilDay> due = DueDay(c.rule, c.start, c.extended);
    ASSERT_TRUE(due.has_value()) << c.name;
    EXPECT_EQ(*due, c.due) << c.name;
  }
  EXPECT_FALSE(DueDay(DeadlineRule{}, CivilDay(2024, 1, 1), false));
}

TEST(DeadlinesTest, CalendarMonthsKeepTheDateOrTakeTheLastDay) {
  EXPECT_EQ(AddCalendarMonths(CivilDay(2024, 1, 30), 1), CivilDay(2024, 2, 29));
  EXPECT_EQ(AddCalendarMonths(CivilDay(2024, 2, 29), 12),
            CivilDay(2025, 2, 28));
  EXPECT_EQ(AddCalendarMonths(CivilDay(2024, 8, 31), 1), CivilDay(2024, 9, 30));
  EXPECT_EQ(AddCalendarMonths(CivilDay(2024, 2, 29), 1), CivilDay(2024, 3, 29));
}

TEST(DeadlinesTest, GdprExtensionMustBeNotifiedWithinTheFirstMonth) {
  EXPECT_TRUE(GdprExtensionInTime(CivilDay(2024, 1, 31), CivilDay(2024, 2, 1)));
  EXPECT_TRUE(
      GdprExtensionInTime(CivilDay(2024, 1, 31), CivilDay(2024, 2, 29)));
  EXPECT_FALSE(
      GdprExtensionInTime(CivilDay(2024, 1, 31), CivilDay(2024, 3, 1)));
  // The first month ends on Monday 4 March when 2 March is a Saturday.
  EXPECT_TRUE(GdprExtensionInTime(CivilDay(2024, 2, 2), CivilDay(2024, 3, 4)));
}

TEST(DeadlinesTest, CcpaReceiptConfirmationInTenBusinessDays) {
  EXPECT_EQ(CcpaReceiptConfirmationDay(CivilDay(2024, 1, 5)),  // a Friday
            CivilDay(2024, 1, 19));
  EXPECT_EQ(CcpaReceiptConfirmationDay(CivilDay(2024, 1, 6)),  // a Saturday
            CivilDay(2024, 1, 19));
  EXPECT_EQ(CcpaReceiptConfirmationDay(CivilDay(2024, 12, 20)),
            CivilDay(2025, 1, 3));
}

TEST(DeadlinesTest, TheUsersTimeZoneDecidesTheDayOfReceipt) {
  absl::Time sent;
  std::string err;
  ASSERT_TRUE(
      absl::ParseTime(absl::RFC3339_full, "2024-01-31T23:30:00Z", &sent, &err));
  absl::StatusOr<absl::TimeZone> berlin = LoadZone("Europe/Berlin");
  ASSERT_TRUE(berlin.ok());
  absl::StatusOr<absl::TimeZone> utc = LoadZone("");
  ASSERT_TRUE(utc.ok());
  // 00:30 on 1 February in Berlin: the period runs from then.
  EXPECT_EQ(LocalDay(sent, *berlin), CivilDay(2024, 2, 1));
  EXPECT_EQ(LocalDay(sent, *utc), CivilDay(2024, 1, 31));
  const CivilDay berlin_due = GdprDueDay(LocalDay(sent, *berlin), false);
  const CivilDay utc_due = GdprDueDay(LocalDay(sent, *utc), false);
  EXPECT_EQ(berlin_due, CivilDay(2024, 3, 1));
  EXPECT_EQ(utc_due, CivilDay(2024, 2, 29));
  // The due day ends at local midnight.
  EXPECT_EQ(absl::FormatTime(absl::RFC3339_full, EndOfDay(berlin_due, *berlin),
                             absl::UTCTimeZone()),
            "2024-03-01T23:00:00+00:00");
  EXPECT_EQ(absl::FormatTime(absl::RFC3339_full, EndOfDay(utc_due, *utc),
                             absl::UTCTimeZone()),
            "2024-03-01T00:00:00+00:00");

  absl::StatusOr<absl::TimeZone> la = LoadZone("America/Los_Angeles");
  ASSERT_TRUE(la.ok());
  ASSERT_TRUE(
      absl::ParseTime(absl::RFC3339_full, "2024-02-01T03:00:00Z", &sent, &err));
  EXPECT_EQ(LocalDay(sent, *la), CivilDay(2024, 1, 31));
  // Across the DST change (Berlin, 31 March 2024): local midnight is 22:00Z.
  EXPECT_EQ(absl::FormatTime(absl::RFC3339_full,
                             EndOfDay(CivilDay(2024, 3, 31), *berlin),
                             absl::UTCTimeZone()),
            "2024-03-31T22:00:00+00:00");
  EXPECT_FALSE(LoadZone("Mars/Olympus_Mons").ok());
}

TEST(DeadlinesTest, RulesRoundTrip) {
  for (const char* text : {"", "GDPR", "CCPA", "ARBITRATION", "DAYS:14"}) {
    absl::StatusOr<DeadlineRule> rule = ParseDeadlineRule(text);
    ASSERT_TRUE(rule.ok()) << text;
    EXPECT_EQ(DeadlineRuleName(*rule), text);
  }
  for (const char* bad : {"gdpr", "DAYS:", "DAYS:-1", "DAYS:x", "MONTH"}) {
    EXPECT_FALSE(ParseDeadlineRule(bad).ok()) << bad;
  }
  EXPECT_TRUE(ParseDeadlineRule("GDPR")->extendable());
  EXPECT_TRUE(ParseDeadlineRule("CCPA")->extendable());
  EXPECT_FALSE(ParseDeadlineRule("DAYS:14")->extendable());
}

}  // namespace
}  // namespace fineprint::action
