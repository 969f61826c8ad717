#ifndef FINEPRINT_GATEWAY_TRANSCODE_JSON_FORMAT_H_
#define FINEPRINT_GATEWAY_TRANSCODE_JSON_FORMAT_H_

// JSON values written the way protobuf's JSON printer writes them (number
// formats, string escapes, time fields), for PrintJsonDirect.

#include <cmath>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace fineprint::gateway::transcode::json_format {

// protobuf's SimpleDtoa / SimpleFtoa: the shortest of %.15g / %.17g (%.6g
// / %.9g for floats) that reads back as the same value.
void AppendDouble(double v, std::string* out);
void AppendFloat(float v, std::string* out);

// "NaN", "Infinity", "-Infinity" (quoted, as proto3 JSON has them); false
// for a finite `v`, which is left to AppendDouble / AppendFloat.
template <typename T>
bool AppendNonFinite(T v, std::string* out) {
  if (std::isnan(v)) {
    out->append("\"NaN\"");
  } else if (std::isinf(v)) {
    out->append(v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  } else {
    return false;
  }
  return true;
}

// A JSON string as protobuf escapes it; false on invalid UTF-8 (protobuf
// has its own answer for that).
bool AppendString(absl::string_view s, std::string* out);

// Civil date of a day count since 1970-01-01.
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d);

// ".123", ".123456" or ".123456789": the fewest groups of three digits
// that hold `nanos` (0 < nanos < 1e9), as protobuf writes them.
void AppendNanos(int32_t nanos, std::string* out);

// `value` in exactly `width` (<= 10) decimal digits, zero-padded.
void AppendFixed(uint32_t value, int width, std::string* out);

}  // namespace fineprint::gateway::transcode::json_format

#endif  // FINEPRINT_GATEWAY_TRANSCODE_JSON_FORMAT_H_
