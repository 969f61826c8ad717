#include "gateway/ratelimit/token_bucket.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace fineprint::gateway::ratelimit {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

TEST(TokenBucketTest, BurstThenSteadyRate) {
  TokenBucketLimiter limiter;
  for (int i = 0; i < 100; ++i) {
    Decision d = limiter.Take("org:a", 100, kT0);
    ASSERT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.limit, 100);
    EXPECT_EQ(d.remaining, 99 - i);
  }
  Decision denied = limiter.Take("org:a", 100, kT0);
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.remaining, 0);
  // 100/min is one token per 0.6 s.
  EXPECT_NEAR(absl::ToDoubleMilliseconds(denied.retry_after), 600, 0.01);
  EXPECT_NEAR(absl::ToDoubleSeconds(denied.reset), 60, 0.01);
  // 0.6 s later exactly one more request fits.
  EXPECT_TRUE(
      limiter.Take("org:a", 100, kT0 + absl::Milliseconds(601)).allowed);
  EXPECT_FALSE(
      limiter.Take("org:a", 100, kT0 + absl::Milliseconds(601)).allowed);
  // Other keys are independent.
  EXPECT_TRUE(limiter.Take("org:b", 100, kT0).allowed);
  // After a minute the bucket is full again.
  Decision later = limiter.Take("org:a", 100, kT0 + absl::Minutes(2));
  EXPECT_TRUE(later.allowed);
  EXPECT_EQ(later.remaining, 99);
}

TEST(TokenBucketTest, PlanLimits) {
  PlanLimits plans;
  EXPECT_EQ(plans.PerMinute("FREE"), 100);
  EXPECT_EQ(plans.PerMinute("PREMIUM"), 1000);
  EXPECT_EQ(plans.PerMinute(""), 100);
  TokenBucketLimiter limiter;
  int allowed = 0;
  for (int i = 0; i < 1200; ++i)
    allowed += limiter.Take("org:p", 1000, kT0).allowed;
  EXPECT_EQ(allowed, 1000);
}

TEST(TokenBucketTest, PlanUpgradeRescales) {
  TokenBucketLimiter limiter;
  for (int i = 0; i < 50; ++i) limiter.Take("org:u", 100, kT0);  // half used
  Decision d = limiter.Take("org:u", 1000, kT0);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 499);
}

TEST(TokenBucketTest, EvictsFullBucketsWhenCrowded) {
  TokenBucketLimiter limiter(/*max_keys_per_shard=*/4);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(
        limiter.Take("ip:" + std::to_string(i), 10, kT0 + absl::Minutes(i))
            .allowed);
  }
}

TEST(TokenBucketTest, ConcurrentTakesNeverOverspend) {
  TokenBucketLimiter limiter;
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i)
        allowed += limiter.Take("org:c", 1000, kT0).allowed;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 1000);
}

}  // namespace
}  // namespace fineprint::gateway::ratelimit
