#ifndef FINEPRINT_SERVICES_ACTION_DEADLINES_H_
#define FINEPRINT_SERVICES_ACTION_DEADLINES_H_

// Legal deadlines, pure. Days are civil days in the user's time zone: a
// request sent at 23:30 UTC on 31 January from Berlin was received on
// 1 February there, and its period runs from that day.
//
// GDPR Art. 12(3): one month from receipt, extendable by two further
// months when the controller says so within the first month. Periods in
// months are counted as Regulation (EEC, Euratom) No 1182/71 counts them
// (Art. 3(2)(c)): the period ends on the day of the last month with the
// same date as the day it runs from, or on the last day of that month when
// that date does not exist (31 Jan -> 28/29 Feb); the extended period is
// three months from receipt (31 Jan -> 30 Apr, not 29 Feb + 2 months =
// 29 Apr). Art. 3(4): a period ending on a Saturday or Sunday ends on the
// following Monday. Public holidays differ per member state and are not
// modelled (a deadline may therefore end one working day early: the safe
// side for a reminder).
//
// CCPA (Cal. Civ. Code 1798.130(a)(2), CCPA Regs 7021): 45 calendar days,
// extendable once by 45 more; receipt confirmed within 10 business days
// (Monday-Friday; holidays not modelled).
//
// Arbitration opt-out: the window the contract states, in days from the
// acceptance date.

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace fineprint::action {

enum class DeadlineKind {
  kNone,
  kGdpr,
  kCcpa,
  kArbitration,  // `days` from acceptance (the window)
  kDays,         // `days` calendar days from sending (e.g. a reminder)
};

struct DeadlineRule {
  DeadlineKind kind = DeadlineKind::kNone;
  int days = 0;
  // Whether the recipient may extend it (GDPR, CCPA).
  bool extendable() const {
    return kind == DeadlineKind::kGdpr || kind == DeadlineKind::kCcpa;
  }
};

// "GDPR", "CCPA", "ARBITRATION", "DAYS:<n>" or "" (none).
absl::StatusOr<DeadlineRule> ParseDeadlineRule(absl::string_view text);
std::string DeadlineRuleName(const DeadlineRule& rule);

// `start` + `months` calendar months, EU counting: the same date, or the
// last day of the target month when that date does not exist.
absl::CivilDay AddCalendarMonths(absl::CivilDay start, int months);

// Saturday and Sunday move to the following Monday (1182/71 Art. 3(4)).
absl::CivilDay NextWorkingDayIfWeekend(absl::CivilDay day);

// `start` + `n` business days (Monday-Friday), `start` itself not counted.
absl::CivilDay AddBusinessDays(absl::CivilDay start, int n);

absl::CivilDay GdprDueDay(absl::CivilDay received, bool extended);
// True when an extension notified on `notified` counts: on or before the
// original due day.
bool GdprExtensionInTime(absl::CivilDay received, absl::CivilDay notified);

absl::CivilDay CcpaDueDay(absl::CivilDay received, bool extended);
absl::CivilDay CcpaReceiptConfirmationDay(absl::CivilDay received);

absl::CivilDay ArbitrationOptOutDay(absl::CivilDay accepted, int window_days);

// The last day to answer under `rule` for a letter received (sent) on
// `start`; nullopt for kNone. For kArbitration `start` is the acceptance
// day.
std::optional<absl::CivilDay> DueDay(const DeadlineRule& rule,
                                     absl::CivilDay start, bool extended);

// The civil day of `t` in `zone`.
absl::CivilDay LocalDay(absl::Time t, absl::TimeZone zone);
// The instant `day` ends in `zone` (the next day's local midnight): what a
// due day means as a timestamp.
absl::Time EndOfDay(absl::CivilDay day, absl::TimeZone zone);

// An IANA zone by name ("" is UTC); INVALID_ARGUMENT when unknown.
absl::StatusOr<absl::TimeZone> LoadZone(absl::string_view name);

}  // namespace fineprint::action

#endif  // FINEPRINT_SERVICES_ACTION_DEADLINES_H_
