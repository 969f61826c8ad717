#ifndef FINEPRINT_SERVICES_NOTIFICATION_SCHEDULE_H_
#define FINEPRINT_SERVICES_NOTIFICATION_SCHEDULE_H_

// Time decisions, pure so tests drive them with any clock: when a webhook
// attempt is retried, and when an email may go out (quiet hours and digests
// in the user's time zone; critical categories go at once).

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace fineprint::notification {

// Delays before attempts 2, 3, ...: Standard Webhooks' / Svix's schedule.
std::vector<absl::Duration> DefaultRetrySchedule();

// "5s,5m,30m,2h" -> durations (absl::ParseDuration each). INVALID_ARGUMENT
// for an empty list or a non-positive entry.
absl::StatusOr<std::vector<absl::Duration>> ParseRetrySchedule(
    absl::string_view text);

// `base` scaled by a uniform factor in [1 - jitter, 1 + jitter]; `unit` is
// a uniform draw in [0, 1) (the caller's randomness, so tests can pin it).
absl::Duration Jittered(absl::Duration base, double jitter, double unit);

// Retry-After (RFC 9110): delay-seconds or an HTTP-date. nullopt when
// absent or unparseable; never negative.
std::optional<absl::Duration> ParseRetryAfter(absl::string_view value,
                                              absl::Time now);

// What happens after a failed attempt.
struct RetryDecision {
  bool retry = false;
  absl::Duration delay;  // when retry
};

// After attempt `attempts` (1-based) failed: retry after the schedule's
// next delay (jittered), or after Retry-After when the endpoint gave one
// (429/503), as long as the schedule has an entry left.
RetryDecision NextAttempt(const std::vector<absl::Duration>& schedule,
                          int attempts,
                          std::optional<absl::Duration> retry_after,
                          double jitter, double unit);

// A user's email timing settings.
struct EmailTiming {
  absl::TimeZone zone;  // the user's
  // Minutes after local midnight; start == end: none.
  int quiet_start = 0;
  int quiet_end = 0;
  // 0 immediate, else the digest period (1 h, 24 h, 7 days).
  absl::Duration digest_period = absl::ZeroDuration();
};

// When an email about something that happened at `now` goes out: `now` for
// critical notifications; otherwise the end of the digest period that
// contains `now` (periods aligned on local hours, local midnights and
// local Monday midnights), pushed past quiet hours if it falls inside them.
absl::Time EmailSendTime(const EmailTiming& timing, bool critical,
                         absl::Time now);

// True when local `t` is inside [quiet_start, quiet_end) (overnight if end
// < start).
bool InQuietHours(const EmailTiming& timing, absl::Time t);

}  // namespace fineprint::notification

#endif  // FINEPRINT_SERVICES_NOTIFICATION_SCHEDULE_H_
