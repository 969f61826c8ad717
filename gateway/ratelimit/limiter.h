#ifndef FINEPRINT_GATEWAY_RATELIMIT_LIMITER_H_
#define FINEPRINT_GATEWAY_RATELIMIT_LIMITER_H_

// What the edge asks of a rate limiter, whether its buckets live in this
// process (TokenBucketLimiter) or are shared by every edge (RedisLimiter).

#include <cstdint>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace fineprint::gateway::ratelimit {

struct Decision {
  bool allowed = true;
  int64_t limit = 0;           // per minute
  int64_t remaining = 0;       // whole tokens left after this request
  absl::Duration reset;        // until the bucket is full again
  absl::Duration retry_after;  // when denied: until one token is available
};

class Limiter {
 public:
  virtual ~Limiter() = default;
  // Takes one token from `key`'s bucket, which holds one minute's
  // allowance (`per_minute`) and refills continuously. Thread-safe.
  virtual Decision Take(absl::string_view key, double per_minute) = 0;
};

}  // namespace fineprint::gateway::ratelimit

#endif  // FINEPRINT_GATEWAY_RATELIMIT_LIMITER_H_
