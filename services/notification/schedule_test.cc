#include "services/notification/schedule.h"

#include "gtest/gtest.h"

namespace fineprint::notification {
namespace {

TEST(RetrySchedule, ParsesAndRejects) {
  auto s = ParseRetrySchedule("5s, 5m,2h");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, (std::vector<absl::Duration>{absl::Seconds(5), absl::Minutes(5),
                                             absl::Hours(2)}));
  EXPECT_FALSE(ParseRetrySchedule("").ok());
  EXPECT_FALSE(ParseRetrySchedule("5s,banana").ok());
  EXPECT_FALSE(ParseRetrySchedule("0s").ok());
  EXPECT_EQ(DefaultRetrySchedule().size(), 9u);
}

TEST(Jitter, StaysWithinTwentyPercent) {
  EXPECT_EQ(Jittered(absl::Seconds(100), 0.2, 0.0), absl::Seconds(80));
  EXPECT_EQ(Jittered(absl::Seconds(100), 0.2, 0.5), absl::Seconds(100));
  EXPECT_LT(Jittered(absl::Seconds(100), 0.2, 0.999999), absl::Seconds(120));
}

TEST(RetryAfter, SecondsAndHttpDate) {
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  EXPECT_EQ(ParseRetryAfter("7", now), absl::Seconds(7));
  // 1700000000 is Tue, 14 Nov 2023 22:13:20 GMT.
  EXPECT_EQ(ParseRetryAfter("Tue, 14 Nov 2023 22:14:20 GMT", now),
            absl::Seconds(60));
  EXPECT_EQ(ParseRetryAfter("Tue, 14 Nov 2023 22:00:00 GMT", now),
            absl::ZeroDuration());
  EXPECT_FALSE(ParseRetryAfter("soon", now).has_value());
  EXPECT_FALSE(ParseRetryAfter("-3", now).has_value());
}

TEST(NextAttempt, FollowsScheduleThenStops) {
  const std::vector<absl::Duration> schedule = {absl::Seconds(1),
                                                absl::Seconds(10)};
  RetryDecision first = NextAttempt(schedule, 1, std::nullopt, 0.2, 0.5);
  EXPECT_TRUE(first.retry);
  EXPECT_EQ(first.delay, absl::Seconds(1));
  RetryDecision after = NextAttempt(schedule, 2, absl::Seconds(3), 0.2, 0.5);
  EXPECT_TRUE(after.retry);
  EXPECT_EQ(after.delay, absl::Seconds(3));  // Retry-After wins
  EXPECT_FALSE(NextAttempt(schedule, 3, std::nullopt, 0.2, 0.5).retry);
}

class EmailTimingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(absl::LoadTimeZone("Europe/Paris", &timing_.zone));
  }
  absl::Time Paris(int y, int mo, int d, int h, int mi) {
    return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), timing_.zone);
  }
  EmailTiming timing_;
};

TEST_F(EmailTimingTest, ImmediateOutsideQuietHours) {
  const absl::Time t = Paris(2026, 3, 2, 14, 0);
  EXPECT_EQ(EmailSendTime(timing_, false, t), t);
}

TEST_F(EmailTimingTest, QuietHoursOvernightInUserZone) {
  timing_.quiet_start = 22 * 60;
  timing_.quiet_end = 7 * 60;
  EXPECT_EQ(EmailSendTime(timing_, false, Paris(2026, 3, 2, 23, 30)),
            Paris(2026, 3, 3, 7, 0));
  EXPECT_EQ(EmailSendTime(timing_, false, Paris(2026, 3, 3, 2, 0)),
            Paris(2026, 3, 3, 7, 0));
  // Critical goes at once.
  EXPECT_EQ(EmailSendTime(timing_, true, Paris(2026, 3, 3, 2, 0)),
            Paris(2026, 3, 3, 2, 0));
  EXPECT_FALSE(InQuietHours(timing_, Paris(2026, 3, 3, 12, 0)));
}

TEST_F(EmailTimingTest, DigestsAlignOnLocalBoundaries) {
  timing_.digest_period = absl::Hours(1);
  EXPECT_EQ(EmailSendTime(timing_, false, Paris(2026, 3, 2, 14, 10)),
            Paris(2026, 3, 2, 15, 0));
  timing_.digest_period = absl::Hours(24);
  EXPECT_EQ(EmailSendTime(timing_, false, Paris(2026, 3, 2, 14, 10)),
            Paris(2026, 3, 3, 0, 0));
  // A daily digest due at midnight inside quiet hours waits for their end.
  timing_.quiet_start = 22 * 60;
  timing_.quiet_end = 7 * 60;
  EXPECT_EQ(EmailSendTime(timing_, false, Paris(2026, 3, 2, 14, 10)),
            Paris(2026, 3, 3, 7, 0));
  // Across the DST change (29 March 2026 in Paris): still local 07:00.
  EXPECT_EQ(EmailSendTime(timing_, false, Paris(2026, 3, 28, 14, 10)),
            Paris(2026, 3, 29, 7, 0));
}

}  // namespace
}  // namespace fineprint::notification
