#ifndef FINEPRINT_GATEWAY_TRANSCODE_JSON_PRINTER_H_
#define FINEPRINT_GATEWAY_TRANSCODE_JSON_PRINTER_H_

// A direct proto3 JSON printer over a parsed message, byte for byte what
// protobuf's JsonPrintOptions printer writes (same field order, number
// formats and string escapes; json_printer_test checks it against
// protobuf). protobuf's printer rebuilds the message through its
// ProtoStreamObjectSource / DefaultValueObjectWriter pipeline, a tree of
// nodes and a google.protobuf.Type per message, which was the edge's
// largest transcoding cost (perf, issue #12). This one walks reflection
// and appends to one string.
//
// It covers what the contract uses: proto3 scalars, enums, bytes,
// repeated fields, maps, nested messages, Timestamp, Duration, the
// wrappers and Empty. Anything else (Any, Struct, Value, ListValue,
// FieldMask, proto2, invalid UTF-8, a Timestamp out of range, ...) makes
// it return false, and the caller renders with protobuf, which also gives
// the error protobuf would.

#include <string>

#include "google/protobuf/message.h"

namespace fineprint::gateway::transcode {

struct JsonPrinterOptions {
  // Fields at their default value too (not unset message fields), as
  // JsonPrintOptions::always_print_primitive_fields.
  bool emit_unpopulated = true;
  // proto field names instead of lowerCamel json names.
  bool proto_field_names = false;
};

// Appends `message` as JSON to `out`. On false, `out` is as it was.
bool PrintJsonDirect(const google::protobuf::Message& message,
                     const JsonPrinterOptions& options, std::string* out);

}  // namespace fineprint::gateway::transcode

#endif  // FINEPRINT_GATEWAY_TRANSCODE_JSON_PRINTER_H_
