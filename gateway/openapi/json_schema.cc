#include "gateway/openapi/json_schema.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace fineprint::gateway::openapi {

namespace pb = ::google::protobuf;
using FD = pb::FieldDescriptor;

namespace json {

pb::Value Str(absl::string_view s) {
  pb::Value v;
  v.set_string_value(std::string(s));
  return v;
}

pb::Value Bool(bool b) {
  pb::Value v;
  v.set_bool_value(b);
  return v;
}

pb::Value Num(double n) {
  pb::Value v;
  v.set_number_value(n);
  return v;
}

pb::Value Obj(std::initializer_list<std::pair<const char*, pb::Value>> fields) {
  pb::Value v;
  auto* m = v.mutable_struct_value()->mutable_fields();
  for (const auto& [k, f] : fields) (*m)[k] = f;
  return v;
}

pb::Value& Put(pb::Value& obj, absl::string_view key) {
  return (*obj.mutable_struct_value()->mutable_fields())[std::string(key)];
}

void Append(pb::Value& list, pb::Value v) {
  *list.mutable_list_value()->add_values() = std::move(v);
}

std::string Print(const pb::Value& doc) {
  std::string out;
  // A Value tree holds only JSON; printing it cannot fail.
  (void)pb::util::MessageToJsonString(doc, &out);
  return out;
}

}  // namespace json

using json::Bool;
using json::Obj;
using json::Put;
using json::Str;

pb::Value JsonSchemas::Field(const FD* f) {
  pb::Value s = f->is_map() ? Obj({{"type", Str("object")},
                                   {"additionalProperties",
                                    Scalar(f->message_type()->map_value())}})
                : f->is_repeated()
                    ? Obj({{"type", Str("array")}, {"items", Scalar(f)}})
                    : Scalar(f);
  std::string doc = LeadingComment(f);
  if (!doc.empty()) Put(s, "description") = Str(doc);
  if (absl::StrContains(doc, "Output only")) Put(s, "readOnly") = Bool(true);
  return s;
}

pb::Value JsonSchemas::Scalar(const FD* f) {
  switch (f->type()) {
    case FD::TYPE_INT32:
    case FD::TYPE_SINT32:
    case FD::TYPE_SFIXED32:
      return Obj({{"type", Str("integer")}, {"format", Str("int32")}});
    case FD::TYPE_UINT32:
    case FD::TYPE_FIXED32:
      return Obj({{"type", Str("integer")}, {"format", Str("uint32")}});
    case FD::TYPE_INT64:
    case FD::TYPE_SINT64:
    case FD::TYPE_SFIXED64:
      return Obj({{"type", Str("string")}, {"format", Str("int64")}});
    case FD::TYPE_UINT64:
    case FD::TYPE_FIXED64:
      return Obj({{"type", Str("string")}, {"format", Str("uint64")}});
    case FD::TYPE_FLOAT:
    case FD::TYPE_DOUBLE:
      return Obj({{"type", Str("number")}});
    case FD::TYPE_BOOL:
      return Obj({{"type", Str("boolean")}});
    case FD::TYPE_STRING:
      return Obj({{"type", Str("string")}});
    case FD::TYPE_BYTES:
      return Obj({{"type", Str("string")}, {"contentEncoding", Str("base64")}});
    case FD::TYPE_ENUM: {
      pb::Value e = Obj({{"type", Str("string")}});
      pb::Value& names = Put(e, "enum");
      for (int i = 0; i < f->enum_type()->value_count(); ++i) {
        json::Append(names, Str(f->enum_type()->value(i)->name()));
      }
      return e;
    }
    case FD::TYPE_MESSAGE:
    case FD::TYPE_GROUP:
      return Message(f->message_type());
  }
  return Obj({});
}

pb::Value JsonSchemas::Message(const pb::Descriptor* d) {
  const std::string& n = d->full_name();
  if (n == "google.protobuf.Timestamp") {
    return Obj({{"type", Str("string")}, {"format", Str("date-time")}});
  }
  if (n == "google.protobuf.Duration") {
    return Obj(
        {{"type", Str("string")}, {"pattern", Str("^-?[0-9]+(\\.[0-9]+)?s$")}});
  }
  if (n == "google.protobuf.FieldMask") {
    return Obj(
        {{"type", Str("string")},
         {"description", Str("Comma-separated lowerCamel field paths.")}});
  }
  if (n == "google.protobuf.Struct" || n == "google.protobuf.Empty") {
    return Obj({{"type", Str("object")}});
  }
  if (n == "google.protobuf.Value") return Obj({});
  if (absl::StartsWith(n, "google.protobuf.") && absl::EndsWith(n, "Value") &&
      d->field_count() == 1) {
    pb::Value any_of = Obj({});
    pb::Value& list = Put(any_of, "anyOf");
    json::Append(list, Scalar(d->field(0)));
    json::Append(list, Obj({{"type", Str("null")}}));
    return any_of;
  }
  Define(d);
  return Obj({{"$ref", Str(absl::StrCat(ref_prefix_, n))}});
}

void JsonSchemas::Define(const pb::Descriptor* d) {
  if (!defining_.insert(d->full_name()).second) return;
  pb::Value schema = Obj({{"type", Str("object")}});
  if (d->full_name() == "google.protobuf.Any") {
    Put(schema, "properties") =
        Obj({{"@type", Obj({{"type", Str("string")}})}});
    Put(schema, "additionalProperties") = Bool(true);
  } else {
    pb::Value& props = Put(schema, "properties");
    props = Obj({});
    for (int i = 0; i < d->field_count(); ++i) {
      Put(props, d->field(i)->json_name()) = Field(d->field(i));
    }
  }
  std::string doc = LeadingComment(d);
  if (!doc.empty()) Put(schema, "description") = Str(doc);
  schemas_[d->full_name()] = std::move(schema);
}

}  // namespace fineprint::gateway::openapi
