#ifndef FINEPRINT_GATEWAY_TRANSCODE_UTF8_H_
#define FINEPRINT_GATEWAY_TRANSCODE_UTF8_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace fineprint::gateway::transcode {

// Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
// Returns the byte offset of the first invalid sequence, or npos if valid.
size_t FindInvalidUtf8(absl::string_view s);

inline bool IsValidUtf8(absl::string_view s) {
  return FindInvalidUtf8(s) == absl::string_view::npos;
}

}  // namespace fineprint::gateway::transcode

#endif  // FINEPRINT_GATEWAY_TRANSCODE_UTF8_H_
