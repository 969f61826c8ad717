#include "services/runtime/db/param.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/runtime/db/timestamp.h"

namespace fineprint::db {

Param::Param(double value) {
  // PostgreSQL's float8 input spells the specials this way; printf's
  // "nan"/"inf" would be rejected.
  if (std::isnan(value)) {
    value_ = "NaN";
  } else if (std::isinf(value)) {
    value_ = value > 0 ? "Infinity" : "-Infinity";
  } else {
    value_ = absl::StrFormat("%.17g", value);
  }
}

Param::Param(absl::Time value) : value_(FormatTimestamptz(value)) {}

std::string Param::FormatInt(int64_t value) { return absl::StrCat(value); }

}  // namespace fineprint::db
