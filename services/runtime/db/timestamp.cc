#include "services/runtime/db/timestamp.h"

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"

namespace fineprint::db {
namespace {

// A forward-only reader over the text; every Read* fails without consuming.
class Cursor {
 public:
  explicit Cursor(absl::string_view text) : text_(text) {}

  bool done() const { return pos_ == text_.size(); }
  bool Peek(char c) const { return !done() && text_[pos_] == c; }

  bool Consume(char c) {
    if (!Peek(c)) return false;
    ++pos_;
    return true;
  }
  bool Consume(absl::string_view s) {
    if (text_.substr(pos_, s.size()) != s) return false;
    pos_ += s.size();
    return true;
  }

  // Reads between `min_digits` and `max_digits` decimal digits.
  bool ReadDigits(int min_digits, int max_digits, int64_t* value,
                  int* count = nullptr) {
    int n = 0;
    int64_t v = 0;
    while (n < max_digits && pos_ + n < text_.size() &&
           text_[pos_ + n] >= '0' && text_[pos_ + n] <= '9') {
      v = v * 10 + (text_[pos_ + n] - '0');
      ++n;
    }
    if (n < min_digits) return false;
    pos_ += n;
    *value = v;
    if (count != nullptr) *count = n;
    return true;
  }

 private:
  absl::string_view text_;
  size_t pos_ = 0;
};

absl::Status Malformed() {
  // The input is deliberately not echoed: it may be a user-supplied value.
  return absl::InvalidArgumentError("malformed timestamptz text");
}

}  // namespace

std::string FormatTimestamptz(absl::Time time) {
  if (time == absl::InfiniteFuture()) return "infinity";
  if (time == absl::InfinitePast()) return "-infinity";
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::CivilSecond civil = absl::ToCivilSecond(time, utc);
  // ToCivilSecond floors, so the remainder is in [0, 1s) and truncating it
  // to microseconds rounds toward the past for negative times as well.
  const int64_t micros =
      absl::ToInt64Microseconds(time - absl::FromCivil(civil, utc));
  int64_t year = civil.year();
  // PostgreSQL has no year 0 and spells earlier years with a BC suffix.
  const bool bc = year <= 0;
  if (bc) year = 1 - year;
  return absl::StrFormat("%04d-%02d-%02d %02d:%02d:%02d.%06d+00%s", year,
                         civil.month(), civil.day(), civil.hour(),
                         civil.minute(), civil.second(), micros,
                         bc ? " BC" : "");
}

absl::StatusOr<absl::Time> ParseTimestamptz(absl::string_view text) {
  if (text == "infinity" || text == "+infinity") return absl::InfiniteFuture();
  if (text == "-infinity") return absl::InfinitePast();

  Cursor in(text);
  int64_t year, month, day, hour, minute, second;
  if (!in.ReadDigits(4, 9, &year) || !in.Consume('-') ||
      !in.ReadDigits(2, 2, &month) || !in.Consume('-') ||
      !in.ReadDigits(2, 2, &day) || !(in.Consume(' ') || in.Consume('T')) ||
      !in.ReadDigits(2, 2, &hour) || !in.Consume(':') ||
      !in.ReadDigits(2, 2, &minute) || !in.Consume(':') ||
      !in.ReadDigits(2, 2, &second)) {
    return Malformed();
  }

  absl::Duration fraction = absl::ZeroDuration();
  if (in.Consume('.')) {
    int64_t digits;
    int count;
    if (!in.ReadDigits(1, 9, &digits, &count)) return Malformed();
    for (int i = count; i < 9; ++i) digits *= 10;
    fraction = absl::Nanoseconds(digits);
  }

  // The offset is mandatory: a timestamp without one is `timestamp`, not
  // `timestamptz`, and guessing its zone would silently shift instants.
  int64_t offset_seconds = 0;
  if (in.Consume('Z')) {
    offset_seconds = 0;
  } else if (in.Peek('+') || in.Peek('-')) {
    int sign = 1;
    if (in.Consume('-')) {
      sign = -1;
    } else {
      in.Consume('+');
    }
    int64_t oh, om = 0, os = 0;
    if (!in.ReadDigits(2, 2, &oh)) return Malformed();
    if (in.Consume(':')) {
      if (!in.ReadDigits(2, 2, &om)) return Malformed();
      if (in.Consume(':') && !in.ReadDigits(2, 2, &os)) return Malformed();
    }
    if (om > 59 || os > 59) return Malformed();
    offset_seconds = sign * (oh * 3600 + om * 60 + os);
  } else {
    return Malformed();
  }

  if (in.Consume(" BC")) {
    if (year == 0) return Malformed();
    year = 1 - year;
  }
  if (!in.done()) return Malformed();

  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 ||
      second > 59) {
    return Malformed();
  }
  const absl::CivilSecond civil(year, month, day, hour, minute, second);
  // CivilSecond normalises (Feb 30 -> Mar 2); a changed day means the input
  // named a day that does not exist.
  if (civil.day() != day || civil.month() != month) return Malformed();

  return absl::FromCivil(civil, absl::UTCTimeZone()) + fraction -
         absl::Seconds(offset_seconds);
}

}  // namespace fineprint::db
