#ifndef FINEPRINT_SERVICES_RUNTIME_DB_TIMESTAMP_H_
#define FINEPRINT_SERVICES_RUNTIME_DB_TIMESTAMP_H_

// Text conversions for timestamptz. Connections run with TimeZone=UTC and
// DateStyle=ISO, so the server prints "2024-05-06 07:08:09.123456+00"; the
// parser also accepts other offsets, a 'T' separator, "infinity" and BC
// years so a value produced elsewhere still round-trips.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace fineprint::db {

// "YYYY-MM-DD HH:MM:SS.ffffff+00" (microseconds, truncated toward the past);
// absl::InfiniteFuture()/InfinitePast() become "infinity"/"-infinity".
std::string FormatTimestamptz(absl::Time time);

// Parses PostgreSQL's ISO timestamptz output. INVALID_ARGUMENT on anything
// else; the message does not echo the input.
absl::StatusOr<absl::Time> ParseTimestamptz(absl::string_view text);

}  // namespace fineprint::db

#endif  // FINEPRINT_SERVICES_RUNTIME_DB_TIMESTAMP_H_
