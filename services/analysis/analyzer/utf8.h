#ifndef FINEPRINT_SERVICES_ANALYSIS_ANALYZER_UTF8_H_
#define FINEPRINT_SERVICES_ANALYSIS_ANALYZER_UTF8_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace fineprint::analysis {

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above
// U+10FFFF. On failure, `*error_offset` (if given) is the byte offset of the
// first invalid sequence, for the service's error details.
bool IsValidUtf8(absl::string_view text, size_t* error_offset = nullptr);

}  // namespace fineprint::analysis

#endif  // FINEPRINT_SERVICES_ANALYSIS_ANALYZER_UTF8_H_
