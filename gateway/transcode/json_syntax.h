#ifndef FINEPRINT_GATEWAY_TRANSCODE_JSON_SYNTAX_H_
#define FINEPRINT_GATEWAY_TRANSCODE_JSON_SYNTAX_H_

// A strict RFC 8259 syntax check that reports where the first error is.
// protobuf's JSON parser only quotes the text around an error; clients are
// better served by "line 3, column 17".

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace fineprint::gateway::transcode {

// INVALID_ARGUMENT "... at line L, column C (byte B)" for malformed JSON.
// Nesting deeper than `max_depth` is an error too (stack safety).
absl::Status CheckJsonSyntax(absl::string_view json, int max_depth = 100);

}  // namespace fineprint::gateway::transcode

#endif  // FINEPRINT_GATEWAY_TRANSCODE_JSON_SYNTAX_H_
