#include "gateway/ratelimit/redis_limiter.h"

#include <memory>

#include "absl/time/clock.h"
#include "gateway/ratelimit/redis_test_server.h"
#include "gtest/gtest.h"
#include "services/runtime/metrics/metrics.h"

namespace fineprint::gateway::ratelimit {
namespace {

using testing::RedisTestServer;

class RedisLimiterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto redis = RedisTestServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = *std::move(redis);
  }

  RedisLimiterOptions Options() const {
    RedisLimiterOptions o;
    o.address = redis_->address();
    o.min_backoff = absl::Milliseconds(50);
    o.max_backoff = absl::Milliseconds(200);
    return o;
  }

  std::unique_ptr<RedisTestServer> redis_;
};

TEST_F(RedisLimiterTest, BucketHoldsOneMinuteAndRefillsSteadily) {
  RedisLimiter limiter(Options());
  Decision first = limiter.Take("org:a", 60);
  ASSERT_TRUE(first.allowed);
  EXPECT_TRUE(limiter.shared());
  EXPECT_EQ(first.limit, 60);
  EXPECT_EQ(first.remaining, 59);
  EXPECT_NEAR(absl::ToDoubleSeconds(first.reset), 1, 0.05);
  int allowed = 1;
  for (int i = 0; i < 100; ++i) allowed += limiter.Take("org:a", 60).allowed;
  // 60 at once, plus the one token a second that refilled meanwhile.
  EXPECT_GE(allowed, 60);
  EXPECT_LE(allowed, 62);
  Decision denied = limiter.Take("org:a", 60);
  EXPECT_FALSE(denied.allowed);
  EXPECT_GT(denied.retry_after, absl::ZeroDuration());
  EXPECT_LE(denied.retry_after, absl::Seconds(1));
  EXPECT_NEAR(absl::ToDoubleSeconds(denied.reset), 60, 1.5);
  // Other keys have their own buckets; the key lives in Redis.
  EXPECT_TRUE(limiter.Take("org:b", 60).allowed);
  EXPECT_EQ(*redis_->Command("EXISTS fineprint:ratelimit:org:a"), "1");
}

TEST_F(RedisLimiterTest, EdgesShareOneBucket) {
  RedisLimiter a(Options());
  RedisLimiter b(Options());
  const absl::Time start = absl::Now();
  int allowed = 0;
  for (int i = 0; i < 150; ++i) {
    allowed += (i % 2 == 0 ? a : b).Take("org:shared", 60).allowed;
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  EXPECT_GE(allowed, 60);
  EXPECT_LE(allowed, 60 + static_cast<int>(seconds) + 1);
  // Each alone would have admitted its own 60.
}

TEST_F(RedisLimiterTest, ReloadsTheScriptAfterRedisForgetsIt) {
  RedisLimiter limiter(Options());
  ASSERT_EQ(limiter.Take("org:s", 60).remaining, 59);
  ASSERT_TRUE(redis_->Command("SCRIPT FLUSH").ok());
  Decision d = limiter.Take("org:s", 60);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 58) << "still the shared bucket";
  EXPECT_TRUE(limiter.shared());
}

TEST_F(RedisLimiterTest, FallsBackToLocalBucketsAndReturns) {
  metrics::Registry registry;
  RedisLimiterOptions options = Options();
  options.fallback_share = 0.5;
  RedisLimiter limiter(options, &registry);
  auto& connects =
      registry.GetCounter("fineprint_edge_ratelimit_redis_connects_total", "");
  auto& local = registry.GetCounter("fineprint_edge_ratelimit_decisions_total",
                                    "", {{"store", "local"}});
  ASSERT_TRUE(limiter.Take("org:f", 60).allowed);
  ASSERT_TRUE(limiter.shared());

  redis_->Kill();
  const double connects_before = connects.Value();
  const absl::Time start = absl::Now();
  int allowed = 0;
  int taken = 0;
  while (absl::Now() - start < absl::Milliseconds(600)) {
    allowed += limiter.Take("org:f", 60).allowed;
    ++taken;
  }
  EXPECT_FALSE(limiter.shared());
  // Fails open at the local share of the limit: 30 of 60, plus refill.
  EXPECT_GE(allowed, 30);
  EXPECT_LE(allowed, 32);
  EXPECT_GE(local.Value(), taken);
  // Reconnects are paced by the backoff (50, 100, 200, 200 ms ...), not
  // one per request.
  EXPECT_GT(taken, 100);
  EXPECT_LE(connects.Value() - connects_before, 6);

  ASSERT_TRUE(redis_->Restart().ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  Decision d;
  while (absl::Now() < deadline) {
    d = limiter.Take("org:f", 60);
    if (limiter.shared()) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_TRUE(limiter.shared());
  // A restarted Redis is empty: the shared bucket is full again, and the
  // script was loaded anew.
  d = limiter.Take("org:f", 60);
  EXPECT_TRUE(d.allowed);
  EXPECT_GE(d.remaining, 55);
  EXPECT_EQ(*redis_->Command("EXISTS fineprint:ratelimit:org:f"), "1");
}

TEST(RedisLimiterDownTest, UnreachableAtStartIsTheFallbackCase) {
  RedisLimiterOptions options;
  options.address = "127.0.0.1:1";  // nothing listens there
  RedisLimiter limiter(options);
  Decision d = limiter.Take("org:x", 10);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 9);
  EXPECT_FALSE(limiter.shared());
  EXPECT_FALSE(ValidateRedisAddress("redis").ok());
  EXPECT_FALSE(ValidateRedisAddress("host:99999").ok());
  EXPECT_TRUE(ValidateRedisAddress("redis.internal:6379").ok());
}

}  // namespace
}  // namespace fineprint::gateway::ratelimit
