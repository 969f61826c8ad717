#include "services/runtime/resilience/circuit_breaker.h"

#include "gtest/gtest.h"

namespace fineprint::resilience {
namespace {

class CircuitBreakerTest : public ::testing::Test {
 protected:
  absl::Time now_ = absl::FromUnixSeconds(1000);
  CircuitBreaker breaker_{
      {/*failure_threshold=*/3, /*cool_down=*/absl::Seconds(10)},
      [this] { return now_; }};
};

TEST_F(CircuitBreakerTest, OpensAfterConsecutiveFailuresOnly) {
  breaker_.RecordFailure();
  breaker_.RecordFailure();
  breaker_.RecordSuccess();  // resets the streak
  breaker_.RecordFailure();
  breaker_.RecordFailure();
  EXPECT_EQ(breaker_.state(), CircuitBreaker::State::kClosed);
  EXPECT_TRUE(breaker_.Allow());
  breaker_.RecordFailure();
  EXPECT_EQ(breaker_.state(), CircuitBreaker::State::kOpen);
  EXPECT_FALSE(breaker_.Allow());
}

TEST_F(CircuitBreakerTest, HalfOpenLetsOneTrialThrough) {
  for (int i = 0; i < 3; ++i) breaker_.RecordFailure();
  now_ += absl::Seconds(9);
  EXPECT_FALSE(breaker_.Allow());
  now_ += absl::Seconds(2);
  EXPECT_TRUE(breaker_.Allow());  // the trial
  EXPECT_EQ(breaker_.state(), CircuitBreaker::State::kHalfOpen);
  EXPECT_FALSE(breaker_.Allow());  // only one at a time
  breaker_.RecordFailure();        // trial failed: open again
  EXPECT_EQ(breaker_.state(), CircuitBreaker::State::kOpen);
  EXPECT_FALSE(breaker_.Allow());
  now_ += absl::Seconds(11);
  EXPECT_TRUE(breaker_.Allow());
  breaker_.RecordSuccess();
  EXPECT_EQ(breaker_.state(), CircuitBreaker::State::kClosed);
  EXPECT_TRUE(breaker_.Allow());
  EXPECT_TRUE(breaker_.Allow());
}

}  // namespace
}  // namespace fineprint::resilience
