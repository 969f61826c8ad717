#ifndef FINEPRINT_GATEWAY_RATELIMIT_REQUEST_LIMITER_H_
#define FINEPRINT_GATEWAY_RATELIMIT_REQUEST_LIMITER_H_

// The edge's rate-limit policy: an authenticated caller spends its
// organisation's bucket, sized by the organisation's current plan (the
// latest PlanChanged heard, else the plan in its credentials); an anonymous
// caller spends its client address's bucket. Buckets are shared by all
// edges through Redis when one is configured, else kept by this edge.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gateway/ratelimit/client_address.h"
#include "gateway/ratelimit/limiter.h"
#include "gateway/ratelimit/plan_book.h"
#include "gateway/ratelimit/redis_limiter.h"
#include "gateway/ratelimit/token_bucket.h"

namespace fineprint::gateway::ratelimit {

struct RequestLimitOptions {
  bool enabled = true;
  PlanLimits plans;  // authenticated callers, per organisation
  double public_per_ip_per_minute = 300;  // anonymous calls to public routes
  // Peers (CIDRs) whose X-Forwarded-For names the client.
  std::vector<std::string> trusted_proxies;
  // Where the edge's assembly finds Redis (address empty: no Redis).
  RedisLimiterOptions redis;
  // Set by the edge's assembly, borrowed: the shared buckets (null: this
  // edge's own) and the current plans (null: the credentials' plan).
  Limiter* shared = nullptr;
  const PlanBook* current_plans = nullptr;
};

// INVALID_ARGUMENT for a bad trusted proxy range or Redis address.
absl::Status ValidateRequestLimitOptions(const RequestLimitOptions& options);

class RequestLimiter {
 public:
  // Options that fail validation are used as far as they are valid.
  explicit RequestLimiter(const RequestLimitOptions& options);

  // `organization` is "orgs/{org}"; `credential_plan` the plan the token
  // or API key carries.
  Decision TakeForOrganization(absl::string_view organization,
                               absl::string_view credential_plan);
  // `peer` is the connection's address.
  Decision TakeForClient(absl::string_view peer,
                         std::optional<absl::string_view> forwarded_for);

 private:
  Limiter& limiter() { return shared_ != nullptr ? *shared_ : local_; }

  const PlanLimits plans_;
  const double public_per_ip_per_minute_;
  TrustedProxies proxies_;
  Limiter* const shared_;
  const PlanBook* const current_plans_;
  TokenBucketLimiter local_;
};

}  // namespace fineprint::gateway::ratelimit

#endif  // FINEPRINT_GATEWAY_RATELIMIT_REQUEST_LIMITER_H_
