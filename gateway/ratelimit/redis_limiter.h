#ifndef FINEPRINT_GATEWAY_RATELIMIT_REDIS_LIMITER_H_
#define FINEPRINT_GATEWAY_RATELIMIT_REDIS_LIMITER_H_

// Buckets shared by every edge replica, in Redis, so N edges admit an
// organisation's plan limit once rather than N times. Each Take is one
// round trip: EVALSHA of a GCRA script (loaded once per Redis server
// start; NOSCRIPT reloads it) that reads and advances the key's
// "theoretical arrival time" on Redis's own clock, so edges' clocks need
// not agree. The bucket has the same shape as TokenBucketLimiter's: one
// minute's allowance, refilled continuously.
//
// When Redis is unreachable (refused, timed out, broken connection) the
// request is decided by this edge's own TokenBucketLimiter at
// `fallback_share` of the limit: the edge fails open at a bounded rate
// rather than refusing all traffic. It counts and logs the switch, then
// tries one reconnect per backoff interval (never one per request) and
// returns to the shared buckets as soon as one succeeds.

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/ratelimit/limiter.h"
#include "gateway/ratelimit/token_bucket.h"
#include "services/runtime/metrics/metrics.h"

struct redisContext;

namespace fineprint::gateway::ratelimit {

struct RedisLimiterOptions {
  // host:port. Empty: no shared limiter (each edge keeps its own buckets).
  std::string address;
  // Prefix of the bucket keys (several deployments may share one Redis).
  std::string key_prefix = "fineprint:ratelimit:";
  // Share of the limit one edge admits by itself while Redis is
  // unreachable: 1 fails open at the full plan limit per edge; 1/N keeps
  // N edges' total at the limit.
  double fallback_share = 1.0;
  absl::Duration connect_timeout = absl::Milliseconds(200);
  // A round trip slower than this counts as Redis being unreachable.
  absl::Duration command_timeout = absl::Milliseconds(100);
  // Reconnect attempts while Redis is down: one per interval, doubling
  // from min to max.
  absl::Duration min_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(2);
  // Connections (round trips in flight) per edge.
  int max_connections = 16;
};

// "host:port" -> its parts; INVALID_ARGUMENT otherwise.
absl::Status ValidateRedisAddress(absl::string_view address);

class RedisLimiter : public Limiter {
 public:
  // Does not connect: the first Take does (an unreachable Redis at start
  // is the fallback case, not an error). `registry` null: the default.
  explicit RedisLimiter(RedisLimiterOptions options,
                        metrics::Registry* registry = nullptr);
  ~RedisLimiter() override;
  RedisLimiter(const RedisLimiter&) = delete;
  RedisLimiter& operator=(const RedisLimiter&) = delete;

  Decision Take(absl::string_view key, double per_minute) override;

  // False while decisions are local (Redis unreachable). Tests, readiness.
  bool shared() const;

 private:
  struct Connection;
  // A connection to use now, or null when Redis counts as down (not yet
  // time to retry, or the reconnect failed).
  std::unique_ptr<Connection> Acquire();
  void Release(std::unique_ptr<Connection> connection);
  // Drops every idle connection and schedules the next reconnect.
  void MarkDownLocked(absl::string_view why) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::unique_ptr<Connection>> Connect();
  // One EVALSHA (plus SCRIPT LOAD and a retry after NOSCRIPT). An error
  // other than a Redis reply error means the connection is broken.
  absl::StatusOr<Decision> Eval(Connection& c, absl::string_view key,
                                double per_minute, bool* broken);
  Decision Local(absl::string_view key, double per_minute);

  const RedisLimiterOptions options_;
  std::string host_;
  int port_ = 0;
  TokenBucketLimiter local_;

  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  bool down_ ABSL_GUARDED_BY(mu_) = false;
  bool probing_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time retry_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Duration backoff_ ABSL_GUARDED_BY(mu_);
  // SHA1 of the script as Redis reported it at SCRIPT LOAD.
  std::string sha_ ABSL_GUARDED_BY(mu_);

  metrics::Counter& shared_decisions_;
  metrics::Counter& local_decisions_;
  metrics::Counter& errors_;
  metrics::Counter& reconnects_;
  metrics::Gauge& up_;
};

}  // namespace fineprint::gateway::ratelimit

#endif  // FINEPRINT_GATEWAY_RATELIMIT_REDIS_LIMITER_H_
