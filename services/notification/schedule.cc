#include "services/notification/schedule.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace fineprint::notification {

std::vector<absl::Duration> DefaultRetrySchedule() {
  return {absl::Seconds(5), absl::Minutes(5), absl::Minutes(30),
          absl::Hours(2),   absl::Hours(5),   absl::Hours(10),
          absl::Hours(14),  absl::Hours(20),  absl::Hours(24)};
}

absl::StatusOr<std::vector<absl::Duration>> ParseRetrySchedule(
    absl::string_view text) {
  std::vector<absl::Duration> out;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    absl::Duration d;
    if (!absl::ParseDuration(absl::StripAsciiWhitespace(part), &d) ||
        d <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(
          "retry schedule entries must be positive durations like 5s or 2h");
    }
    out.push_back(d);
  }
  if (out.empty()) {
    return absl::InvalidArgumentError("retry schedule is empty");
  }
  return out;
}

absl::Duration Jittered(absl::Duration base, double jitter, double unit) {
  const double factor = 1.0 - jitter + 2.0 * jitter * unit;
  return base * factor;
}

std::optional<absl::Duration> ParseRetryAfter(absl::string_view value,
                                              absl::Time now) {
  value = absl::StripAsciiWhitespace(value);
  if (value.empty()) return std::nullopt;
  int64_t seconds = 0;
  if (absl::SimpleAtoi(value, &seconds)) {
    if (seconds < 0) return std::nullopt;
    return absl::Seconds(seconds);
  }
  absl::Time at;
  std::string error;
  if (absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", std::string(value), &at,
                      &error)) {
    return std::max(absl::ZeroDuration(), at - now);
  }
  return std::nullopt;
}

RetryDecision NextAttempt(const std::vector<absl::Duration>& schedule,
                          int attempts,
                          std::optional<absl::Duration> retry_after,
                          double jitter, double unit) {
  RetryDecision decision;
  if (attempts < 1 || attempts > static_cast<int>(schedule.size())) {
    return decision;
  }
  decision.retry = true;
  decision.delay = retry_after.has_value()
                       ? *retry_after
                       : Jittered(schedule[attempts - 1], jitter, unit);
  return decision;
}

namespace {

int LocalMinute(const absl::TimeZone& zone, absl::Time t) {
  const absl::CivilSecond cs = absl::ToCivilSecond(t, zone);
  return cs.hour() * 60 + cs.minute();
}

// The first instant >= t outside quiet hours.
absl::Time PastQuietHours(const EmailTiming& timing, absl::Time t) {
  if (!InQuietHours(timing, t)) return t;
  const absl::CivilSecond local = absl::ToCivilSecond(t, timing.zone);
  absl::CivilDay day = absl::CivilDay(local);
  // Inside an overnight window after midnight, the window ends today;
  // otherwise (before midnight, or a same-day window) see which day.
  const int minute = LocalMinute(timing.zone, t);
  if (timing.quiet_end <= timing.quiet_start && minute >= timing.quiet_start) {
    day += 1;
  }
  const absl::CivilMinute end = absl::CivilMinute(day) + timing.quiet_end;
  return absl::FromCivil(end, timing.zone);
}

}  // namespace

bool InQuietHours(const EmailTiming& timing, absl::Time t) {
  if (timing.quiet_start == timing.quiet_end) return false;
  const int m = LocalMinute(timing.zone, t);
  if (timing.quiet_start < timing.quiet_end) {
    return m >= timing.quiet_start && m < timing.quiet_end;
  }
  return m >= timing.quiet_start || m < timing.quiet_end;
}

absl::Time EmailSendTime(const EmailTiming& timing, bool critical,
                         absl::Time now) {
  if (critical) return now;
  absl::Time at = now;
  const absl::CivilSecond local = absl::ToCivilSecond(now, timing.zone);
  if (timing.digest_period >= absl::Hours(24 * 7)) {
    absl::CivilDay day = absl::CivilDay(local);
    // Next Monday 00:00 local (strictly after now).
    do {
      day += 1;
    } while (absl::GetWeekday(day) != absl::Weekday::monday);
    at = absl::FromCivil(day, timing.zone);
  } else if (timing.digest_period >= absl::Hours(24)) {
    at = absl::FromCivil(absl::CivilDay(local) + 1, timing.zone);
  } else if (timing.digest_period > absl::ZeroDuration()) {
    at = absl::FromCivil(absl::CivilHour(local) + 1, timing.zone);
  }
  return PastQuietHours(timing, at);
}

}  // namespace fineprint::notification
