#ifndef FINEPRINT_GATEWAY_TRANSCODE_FIELD_SETTER_H_
#define FINEPRINT_GATEWAY_TRANSCODE_FIELD_SETTER_H_

// Sets request fields from the string form they take in URL paths and
// query strings: scalars, enums (by name or number), bytes (base64), and the
// well-known types whose JSON form is a string or scalar (Timestamp,
// Duration, FieldMask, wrappers).

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/type_resolver.h"

namespace fineprint::gateway::transcode {

// Finds a field by proto name or JSON name.
const google::protobuf::FieldDescriptor* FindField(
    const google::protobuf::Descriptor* message, absl::string_view name);

// Walks `path` through singular message fields (creating them) and returns
// the message that owns the last field and that field. NOT_FOUND when a name
// does not resolve; INVALID_ARGUMENT when an intermediate is not a singular
// message.
absl::Status ResolvePath(google::protobuf::Message* root,
                         const std::vector<std::string>& path,
                         google::protobuf::Message** owner,
                         const google::protobuf::FieldDescriptor** field);

// Sets (or for repeated fields appends) `field` of `message` from `value`.
// `map_key` is used for map fields (`field[key]=value`). INVALID_ARGUMENT
// naming `display_name` when the value does not parse.
absl::Status SetFromString(google::protobuf::Message* message,
                           const google::protobuf::FieldDescriptor* field,
                           absl::string_view value,
                           absl::string_view display_name,
                           google::protobuf::util::TypeResolver* resolver,
                           const std::string* map_key = nullptr);

// Whether `field` can be set from one string (scalar, enum or a well-known
// string-like message).
bool IsStringSettable(const google::protobuf::FieldDescriptor* field);

}  // namespace fineprint::gateway::transcode

#endif  // FINEPRINT_GATEWAY_TRANSCODE_FIELD_SETTER_H_
