#ifndef FINEPRINT_SERVICES_RUNTIME_TEXT_UTF8_H_
#define FINEPRINT_SERVICES_RUNTIME_TEXT_UTF8_H_

#include <cstddef>

#include "absl/strings/string_view.h"

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above
// U+10FFFF. One definition for the edge, the services and the logger, so a
// string one of them accepts is never refused (or mangled) by another.

namespace fineprint::text {

// Length in bytes (1 to 4) of the well-formed sequence that starts at
// `s[i]`, or 0 if none does (bad lead byte, bad or missing continuation).
// Requires i < s.size().
size_t Utf8SequenceLength(absl::string_view s, size_t i);

// Byte offset of the first invalid sequence, or npos if `s` is valid.
size_t FindInvalidUtf8(absl::string_view s);

inline bool IsValidUtf8(absl::string_view s) {
  return FindInvalidUtf8(s) == absl::string_view::npos;
}

// Code points in `s`, given valid UTF-8. Counts the bytes that are not
// continuation bytes, so it never fails; on invalid input it is only an
// estimate.
size_t CodePointCount(absl::string_view s);

}  // namespace fineprint::text

#endif  // FINEPRINT_SERVICES_RUNTIME_TEXT_UTF8_H_
