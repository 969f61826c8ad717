#include "events/consumer/retry_policy.h"

#include <algorithm>
#include <cstdint>

#include "absl/random/distributions.h"

namespace fineprint::events {

bool IsRetryableStatus(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
      return true;
    default:
      return false;
  }
}

absl::Duration BackoffDelay(int retry, const BackoffOptions& options,
                            absl::BitGenRef gen) {
  if (retry < 1) retry = 1;
  absl::Duration cap = options.base;
  // Doubling stops at max; the bound also keeps the shift from overflowing.
  for (int i = 1; i < retry && cap < options.max; ++i) cap *= 2;
  cap = std::min(cap, options.max);
  const int64_t cap_us = absl::ToInt64Microseconds(cap);
  if (cap_us <= 0) return absl::ZeroDuration();
  return absl::Microseconds(
      absl::Uniform<int64_t>(absl::IntervalClosedClosed, gen, 0, cap_us));
}

}  // namespace fineprint::events
