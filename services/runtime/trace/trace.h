#ifndef FINEPRINT_SERVICES_RUNTIME_TRACE_TRACE_H_
#define FINEPRINT_SERVICES_RUNTIME_TRACE_TRACE_H_

// W3C Trace Context (traceparent) and request ids.

#include <string>

#include "absl/strings/string_view.h"

namespace fineprint::trace {

struct TraceParent {
  std::string trace_id;  // 32 lower-case hex digits, not all zero
  std::string span_id;   // 16 lower-case hex digits, not all zero
  std::string flags = "01";
  std::string ToString() const;  // "00-<trace>-<span>-<flags>"
};

// Parses a version-00 traceparent; false for anything malformed.
bool ParseTraceParent(absl::string_view header, TraceParent* out);

std::string RandomHex(int bytes);
// A random RFC 4122 version-4 UUID.
std::string NewUuid();

// Request ids from clients are echoed in logs and headers: accept only a
// conservative charset and length so they cannot forge log lines.
bool IsValidRequestId(absl::string_view id);

}  // namespace fineprint::trace

#endif  // FINEPRINT_SERVICES_RUNTIME_TRACE_TRACE_H_
