#include "gateway/ratelimit/request_limiter.h"

#include "absl/strings/str_cat.h"

namespace fineprint::gateway::ratelimit {

absl::Status ValidateRequestLimitOptions(const RequestLimitOptions& options) {
  if (absl::StatusOr<TrustedProxies> p =
          TrustedProxies::Parse(options.trusted_proxies);
      !p.ok()) {
    return p.status();
  }
  if (!options.redis.address.empty()) {
    if (absl::Status s = ValidateRedisAddress(options.redis.address); !s.ok())
      return s;
    if (!(options.redis.fallback_share > 0 &&
          options.redis.fallback_share <= 1)) {
      return absl::InvalidArgumentError(
          "the Redis fallback share must be in (0, 1]");
    }
  }
  return absl::OkStatus();
}

RequestLimiter::RequestLimiter(const RequestLimitOptions& options)
    : plans_(options.plans),
      public_per_ip_per_minute_(options.public_per_ip_per_minute),
      proxies_(TrustedProxies::Parse(options.trusted_proxies)
                   .value_or(TrustedProxies())),
      shared_(options.shared),
      current_plans_(options.current_plans) {}

Decision RequestLimiter::TakeForOrganization(
    absl::string_view organization, absl::string_view credential_plan) {
  const double limit = current_plans_ != nullptr
                           ? plans_.PerMinute(current_plans_->PlanOf(
                                 organization, credential_plan))
                           : plans_.PerMinute(credential_plan);
  return limiter().Take(absl::StrCat("org:", organization), limit);
}

Decision RequestLimiter::TakeForClient(
    absl::string_view peer, std::optional<absl::string_view> forwarded_for) {
  return limiter().Take(
      absl::StrCat("ip:", proxies_.ClientAddress(peer, forwarded_for)),
      public_per_ip_per_minute_);
}

}  // namespace fineprint::gateway::ratelimit
