#include "services/action/deadlines.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace fineprint::action {

absl::StatusOr<DeadlineRule> ParseDeadlineRule(absl::string_view text) {
  DeadlineRule rule;
  if (text.empty()) return rule;
  if (text == "GDPR") {
    rule.kind = DeadlineKind::kGdpr;
  } else if (text == "CCPA") {
    rule.kind = DeadlineKind::kCcpa;
  } else if (text == "ARBITRATION") {
    rule.kind = DeadlineKind::kArbitration;
  } else if (absl::StartsWith(text, "DAYS:") &&
             absl::SimpleAtoi(text.substr(5), &rule.days) && rule.days > 0 &&
             rule.days <= 3660) {
    rule.kind = DeadlineKind::kDays;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown deadline rule '", text, "'"));
  }
  return rule;
}

std::string DeadlineRuleName(const DeadlineRule& rule) {
  switch (rule.kind) {
    case DeadlineKind::kNone:
      return "";
    case DeadlineKind::kGdpr:
      return "GDPR";
    case DeadlineKind::kCcpa:
      return "CCPA";
    case DeadlineKind::kArbitration:
      return "ARBITRATION";
    case DeadlineKind::kDays:
      return absl::StrCat("DAYS:", rule.days);
  }
  return "";
}

absl::CivilDay AddCalendarMonths(absl::CivilDay start, int months) {
  const absl::CivilMonth target = absl::CivilMonth(start) + months;
  // The last day of the target month: the day before the next month's 1st.
  const absl::CivilDay last = absl::CivilDay(target + 1) - 1;
  const absl::CivilDay same(target.year(), target.month(), start.day());
  // CivilDay normalises 31 Feb to 2/3 Mar, which is past `last`.
  return same > last ? last : same;
}

absl::CivilDay NextWorkingDayIfWeekend(absl::CivilDay day) {
  switch (absl::GetWeekday(day)) {
    case absl::Weekday::saturday:
      return day + 2;
    case absl::Weekday::sunday:
      return day + 1;
    default:
      return day;
  }
}

absl::CivilDay AddBusinessDays(absl::CivilDay start, int n) {
  absl::CivilDay day = start;
  while (n > 0) {
    ++day;
    const absl::Weekday w = absl::GetWeekday(day);
    if (w != absl::Weekday::saturday && w != absl::Weekday::sunday) --n;
  }
  return day;
}

absl::CivilDay GdprDueDay(absl::CivilDay received, bool extended) {
  return NextWorkingDayIfWeekend(AddCalendarMonths(received, extended ? 3 : 1));
}

bool GdprExtensionInTime(absl::CivilDay received, absl::CivilDay notified) {
  return notified <= GdprDueDay(received, false);
}

absl::CivilDay CcpaDueDay(absl::CivilDay received, bool extended) {
  return received + (extended ? 90 : 45);
}

absl::CivilDay CcpaReceiptConfirmationDay(absl::CivilDay received) {
  return AddBusinessDays(received, 10);
}

absl::CivilDay ArbitrationOptOutDay(absl::CivilDay accepted, int window_days) {
  return accepted + window_days;
}

std::optional<absl::CivilDay> DueDay(const DeadlineRule& rule,
                                     absl::CivilDay start, bool extended) {
  switch (rule.kind) {
    case DeadlineKind::kNone:
      return std::nullopt;
    case DeadlineKind::kGdpr:
      return GdprDueDay(start, extended);
    case DeadlineKind::kCcpa:
      return CcpaDueDay(start, extended);
    case DeadlineKind::kArbitration:
      return ArbitrationOptOutDay(start, rule.days);
    case DeadlineKind::kDays:
      return start + rule.days;
  }
  return std::nullopt;
}

absl::CivilDay LocalDay(absl::Time t, absl::TimeZone zone) {
  return absl::ToCivilDay(t, zone);
}

absl::Time EndOfDay(absl::CivilDay day, absl::TimeZone zone) {
  return absl::FromCivil(day + 1, zone);
}

absl::StatusOr<absl::TimeZone> LoadZone(absl::string_view name) {
  absl::TimeZone zone = absl::UTCTimeZone();
  if (name.empty()) return zone;
  if (!absl::LoadTimeZone(std::string(name), &zone)) {
    return absl::InvalidArgumentError("unknown time zone");
  }
  return zone;
}

}  // namespace fineprint::action
