#ifndef FINEPRINT_SERVICES_IDENTITY_VALIDATION_H_
#define FINEPRINT_SERVICES_IDENTITY_VALIDATION_H_

// Input rules for identity's fields. Each check appends a field violation,
// so one response lists every problem of a request at once.

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/runtime/status/status.h"

namespace fineprint::identity {

inline constexpr size_t kMinPasswordLength = 10;
inline constexpr size_t kMaxPasswordLength = 256;  // argon2 input, bounded
inline constexpr size_t kMaxDisplayNameLength = 100;
inline constexpr size_t kMaxEmailLength = 254;

// Lower-cased email if it is a plausible address (RFC 5321 lengths, a
// dotted domain, a conservative local-part charset), or "" after adding a
// violation.
std::string NormalizeEmail(absl::string_view field, absl::string_view email,
                           std::vector<status::FieldViolation>& violations);

// Length bounds, no control characters, not a common password, not the
// email's local part.
void CheckPassword(absl::string_view field, absl::string_view password,
                   absl::string_view email,
                   std::vector<status::FieldViolation>& violations);

// 1..100 characters of printable text (the proto runtime already
// guarantees valid UTF-8).
void CheckDisplayName(absl::string_view field, absl::string_view name,
                      std::vector<status::FieldViolation>& violations,
                      bool required = true);

}  // namespace fineprint::identity

#endif  // FINEPRINT_SERVICES_IDENTITY_VALIDATION_H_
