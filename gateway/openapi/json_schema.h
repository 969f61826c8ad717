#ifndef FINEPRINT_GATEWAY_OPENAPI_JSON_SCHEMA_H_
#define FINEPRINT_GATEWAY_OPENAPI_JSON_SCHEMA_H_

// JSON Schemas of proto messages as the proto3 JSON mapping renders them
// (lowerCamel names, 64-bit integers as strings, enums as names, well-known
// types in their JSON forms), shared by the OpenAPI and AsyncAPI documents
// so REST clients and event consumers read the same types the same way.
// Documents are built as google.protobuf.Value trees and printed with the
// protobuf JSON printer.

#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/struct.pb.h"

namespace fineprint::gateway::openapi {

namespace json {
google::protobuf::Value Str(absl::string_view s);
google::protobuf::Value Bool(bool b);
google::protobuf::Value Num(double n);
google::protobuf::Value Obj(
    std::initializer_list<std::pair<const char*, google::protobuf::Value>>
        fields);
// The member `key` of object `obj`, created (null) when absent.
google::protobuf::Value& Put(google::protobuf::Value& obj,
                             absl::string_view key);
// Appends `v` to `list`, turning it into a list first if it is not one.
void Append(google::protobuf::Value& list, google::protobuf::Value v);
// The whole tree as JSON text.
std::string Print(const google::protobuf::Value& doc);
}  // namespace json

// The leading comment of a descriptor, trimmed; empty without source info.
template <typename D>
std::string LeadingComment(const D* d) {
  google::protobuf::SourceLocation loc;
  if (!d->GetSourceLocation(&loc)) return "";
  return std::string(absl::StripAsciiWhitespace(loc.leading_comments));
}

// Collects the schema of every message it is asked to reference, so a
// document can list them under its components.
class JsonSchemas {
 public:
  // `ref_prefix` + full proto name is where a referenced message's schema
  // will be found ("#/components/schemas/").
  explicit JsonSchemas(std::string ref_prefix = "#/components/schemas/")
      : ref_prefix_(std::move(ref_prefix)) {}

  // A field with its cardinality (array, map) and its comment.
  google::protobuf::Value Field(const google::protobuf::FieldDescriptor* f);
  // One value of the field's type.
  google::protobuf::Value Scalar(const google::protobuf::FieldDescriptor* f);
  // Well-known types inline, any other message as a $ref (defined on the
  // way).
  google::protobuf::Value Message(const google::protobuf::Descriptor* d);

  // Full proto name -> schema of every message referenced so far.
  const std::map<std::string, google::protobuf::Value>& defined() const {
    return schemas_;
  }

 private:
  void Define(const google::protobuf::Descriptor* d);

  std::string ref_prefix_;
  std::set<std::string> defining_;
  std::map<std::string, google::protobuf::Value> schemas_;
};

}  // namespace fineprint::gateway::openapi

#endif  // FINEPRINT_GATEWAY_OPENAPI_JSON_SCHEMA_H_
