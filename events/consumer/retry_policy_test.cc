#include "events/consumer/retry_policy.h"

#include <random>

#include "absl/random/random.h"
#include "gtest/gtest.h"

namespace fineprint::events {
namespace {

TEST(IsRetryableStatusTest, TransientCodesOnly) {
  EXPECT_TRUE(IsRetryableStatus(absl::UnavailableError("")));
  EXPECT_TRUE(IsRetryableStatus(absl::AbortedError("")));
  EXPECT_TRUE(IsRetryableStatus(absl::DeadlineExceededError("")));
  EXPECT_TRUE(IsRetryableStatus(absl::ResourceExhaustedError("")));
  EXPECT_FALSE(IsRetryableStatus(absl::InvalidArgumentError("")));
  EXPECT_FALSE(IsRetryableStatus(absl::FailedPreconditionError("")));
  EXPECT_FALSE(IsRetryableStatus(absl::NotFoundError("")));
  EXPECT_FALSE(IsRetryableStatus(absl::InternalError("")));
  EXPECT_FALSE(IsRetryableStatus(absl::AlreadyExistsError("")));
}

TEST(BackoffDelayTest, FullJitterWithinDoublingCap) {
  BackoffOptions options;
  options.base = absl::Milliseconds(100);
  options.max = absl::Seconds(1);
  absl::BitGen gen;
  const absl::Duration caps[] = {
      absl::Milliseconds(100), absl::Milliseconds(200), absl::Milliseconds(400),
      absl::Milliseconds(800), absl::Seconds(1),        absl::Seconds(1)};
  for (int retry = 1; retry <= 6; ++retry) {
    absl::Duration lo = absl::InfiniteDuration();
    absl::Duration hi = absl::ZeroDuration();
    for (int i = 0; i < 2000; ++i) {
      const absl::Duration d = BackoffDelay(retry, options, gen);
      ASSERT_GE(d, absl::ZeroDuration());
      ASSERT_LE(d, caps[retry - 1]) << "retry " << retry;
      lo = std::min(lo, d);
      hi = std::max(hi, d);
    }
    // Full jitter: the whole [0, cap] range is used.
    EXPECT_LT(lo, caps[retry - 1] / 10) << "retry " << retry;
    EXPECT_GT(hi, caps[retry - 1] * 9 / 10) << "retry " << retry;
  }
}

TEST(BackoffDelayTest, HugeRetryNumbersStayAtMax) {
  BackoffOptions options;
  options.base = absl::Milliseconds(1);
  options.max = absl::Milliseconds(50);
  std::mt19937 gen(42);
  for (int retry : {64, 1000, 1 << 30}) {
    EXPECT_LE(BackoffDelay(retry, options, gen), absl::Milliseconds(50));
  }
  options.base = absl::ZeroDuration();
  EXPECT_EQ(BackoffDelay(3, options, gen), absl::ZeroDuration());
}

}  // namespace
}  // namespace fineprint::events
