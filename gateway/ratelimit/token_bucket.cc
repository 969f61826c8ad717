#include "gateway/ratelimit/token_bucket.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/hash/hash.h"

namespace fineprint::gateway::ratelimit {

TokenBucketLimiter::TokenBucketLimiter(size_t max_keys_per_shard)
    : max_keys_per_shard_(max_keys_per_shard) {}

Decision TokenBucketLimiter::Take(absl::string_view key, double per_minute,
                                  absl::Time now) {
  Decision d;
  d.limit = static_cast<int64_t>(per_minute);
  if (per_minute <= 0) {
    d.allowed = false;
    d.retry_after = absl::Minutes(1);
    d.reset = absl::Minutes(1);
    return d;
  }
  const double rate = per_minute / 60.0;  // tokens per second
  Shard& shard = shards_[absl::Hash<absl::string_view>()(key) % kShards];
  absl::MutexLock lock(&shard.mu);
  auto it = shard.buckets.find(key);
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= max_keys_per_shard_) {
      // Drop buckets that have refilled completely: forgetting them changes
      // nothing for their owners.
      std::vector<std::string> full;
      for (const auto& [k, b] : shard.buckets) {
        double t = b.tokens + absl::ToDoubleSeconds(now - b.updated) *
                                  (b.per_minute / 60.0);
        if (t >= b.per_minute) full.push_back(k);
      }
      for (const auto& k : full) shard.buckets.erase(k);
    }
    Bucket fresh;
    fresh.tokens = per_minute;
    fresh.per_minute = per_minute;
    fresh.updated = now;
    it = shard.buckets.emplace(std::string(key), fresh).first;
  }
  Bucket& b = it->second;
  if (b.per_minute != per_minute) {
    // A plan change: keep the consumed share, rescaled to the new limit.
    b.tokens = b.tokens / b.per_minute * per_minute;
    b.per_minute = per_minute;
  }
  const double elapsed = std::max(0.0, absl::ToDoubleSeconds(now - b.updated));
  b.tokens = std::min(per_minute, b.tokens + elapsed * rate);
  b.updated = std::max(b.updated, now);
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    d.allowed = true;
  } else {
    d.allowed = false;
    d.retry_after = absl::Seconds((1.0 - b.tokens) / rate);
  }
  d.remaining = static_cast<int64_t>(std::floor(b.tokens));
  d.reset = absl::Seconds((per_minute - b.tokens) / rate);
  return d;
}

double PlanLimits::PerMinute(absl::string_view plan) const {
  if (plan == "PREMIUM") return premium_per_minute;
  if (plan == "ENTERPRISE") return enterprise_per_minute;
  return free_per_minute;
}

}  // namespace fineprint::gateway::ratelimit
