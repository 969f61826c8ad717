#ifndef FINEPRINT_GATEWAY_TRANSCODE_JSON_VALUES_H_
#define FINEPRINT_GATEWAY_TRANSCODE_JSON_VALUES_H_

// Checks the values of a JSON request body against the message type it is
// parsed into, with the strictness of the proto3 JSON mapping. protobuf's
// converter is lenient where the mapping is not: it takes "yes" or "false"
// for a bool, keeps the last of duplicate keys, and reports what it rejects
// without naming the field. Here every rejection is INVALID_ARGUMENT with a
// google.rpc.BadRequest field violation naming the field by its proto path
// (`item.inner.count`, `tags[2]`, `labels[key]`), so clients can point at it.
//
// Accepted, as proto3 JSON says: lowerCamel and proto field names, 64- and
// 32-bit integers as numbers or decimal strings (exponent forms too when
// the value is integral), "NaN"/"Infinity"/"-Infinity" for floats, standard
// and URL-safe base64 with or without padding, enums by name or number, and
// null for any field (it leaves the default).

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/type_resolver.h"

namespace fineprint::gateway::transcode {

struct JsonValueOptions {
  bool allow_unknown_fields = false;
  // Prepended (with a '.') to reported field paths, e.g. the HttpRule body
  // field the JSON fills.
  absl::string_view path_prefix;
  // When set, Timestamp, Duration and FieldMask strings are checked by
  // protobuf's own parser, so their violations name the field too.
  google::protobuf::util::TypeResolver* resolver = nullptr;
};

// `json` must already pass CheckJsonSyntax (its nesting limit bounds the
// recursion here).
absl::Status CheckJsonValues(absl::string_view json,
                             const google::protobuf::Descriptor* type,
                             const JsonValueOptions& options);

// The same for a JSON value that fills one field (an HttpRule `body` naming
// a scalar or repeated field).
absl::Status CheckJsonFieldValue(absl::string_view json,
                                 const google::protobuf::FieldDescriptor* field,
                                 const JsonValueOptions& options);

}  // namespace fineprint::gateway::transcode

#endif  // FINEPRINT_GATEWAY_TRANSCODE_JSON_VALUES_H_
