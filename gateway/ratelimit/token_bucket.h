#ifndef FINEPRINT_GATEWAY_RATELIMIT_TOKEN_BUCKET_H_
#define FINEPRINT_GATEWAY_RATELIMIT_TOKEN_BUCKET_H_

// In-process token buckets keyed by caller (organisation, or client IP on
// public routes). A bucket holds one minute's allowance and refills
// continuously, so a caller may burst up to its per-minute limit and then
// proceeds at the steady rate. Keys are sharded to keep lock hold times
// short on many cores; idle buckets are dropped when a shard grows large.

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gateway/ratelimit/limiter.h"

namespace fineprint::gateway::ratelimit {

class TokenBucketLimiter : public Limiter {
 public:
  // `max_keys_per_shard` bounds memory under a flood of distinct keys.
  explicit TokenBucketLimiter(size_t max_keys_per_shard = 8192);

  Decision Take(absl::string_view key, double per_minute) override {
    return Take(key, per_minute, absl::Now());
  }
  Decision Take(absl::string_view key, double per_minute, absl::Time now);

 private:
  struct Bucket {
    double tokens = 0;
    double per_minute = 0;
    absl::Time updated;
  };
  struct Shard {
    absl::Mutex mu;
    absl::flat_hash_map<std::string, Bucket> buckets ABSL_GUARDED_BY(mu);
  };
  static constexpr int kShards = 16;

  const size_t max_keys_per_shard_;
  Shard shards_[kShards];
};

// Per-minute limits by plan ("FREE", "PREMIUM", "ENTERPRISE").
struct PlanLimits {
  double free_per_minute = 100;
  double premium_per_minute = 1000;
  double enterprise_per_minute = 10000;
  double PerMinute(absl::string_view plan) const;
};

}  // namespace fineprint::gateway::ratelimit

#endif  // FINEPRINT_GATEWAY_RATELIMIT_TOKEN_BUCKET_H_
