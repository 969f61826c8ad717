#ifndef FINEPRINT_EVENTS_CONSUMER_RETRY_POLICY_H_
#define FINEPRINT_EVENTS_CONSUMER_RETRY_POLICY_H_

// When and how long to wait before running a failed handler again.

#include "absl/random/bit_gen_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"

namespace fineprint::events {

struct BackoffOptions {
  // The cap of the first retry's delay; doubles per retry up to `max`.
  absl::Duration base = absl::Milliseconds(100);
  absl::Duration max = absl::Seconds(10);
};

// Codes that may succeed when the same event is handled again:
// UNAVAILABLE, ABORTED, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED. INTERNAL is
// NOT retried: it is what PostgreSQL reports for bugs (undefined table,
// syntax error), which no retry fixes, so those go to the dead-letter topic
// without delaying their partition. Retrying is always safe for the event's
// effect: the inbox turns a second successful run into a no-op, even when
// the first run's COMMIT outcome was unknown.
bool IsRetryableStatus(const absl::Status& status);

// "Full jitter": uniform in [0, min(max, base * 2^(retry-1))], retry >= 1.
// Randomising the whole interval spreads the retries of many consumers hit
// by one outage instead of having them return in lockstep.
absl::Duration BackoffDelay(int retry, const BackoffOptions& options,
                            absl::BitGenRef gen);

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_CONSUMER_RETRY_POLICY_H_
