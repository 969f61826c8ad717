#include "gateway/transcode/field_setter.h"

#include <limits>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "services/runtime/text/utf8.h"

namespace fineprint::gateway::transcode {
namespace {

namespace pb = ::google::protobuf;
using FD = pb::FieldDescriptor;

absl::Status Bad(absl::string_view name, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid value for field \"", name, "\": ", why));
}

bool IsStringWkt(const pb::Descriptor* d) {
  const std::string& n = d->full_name();
  return n == "google.protobuf.Timestamp" || n == "google.protobuf.Duration" ||
         n == "google.protobuf.FieldMask";
}

bool IsWrapper(const pb::Descriptor* d) {
  const std::string& n = d->full_name();
  return n == "google.protobuf.DoubleValue" ||
         n == "google.protobuf.FloatValue" ||
         n == "google.protobuf.Int64Value" ||
         n == "google.protobuf.UInt64Value" ||
         n == "google.protobuf.Int32Value" ||
         n == "google.protobuf.UInt32Value" ||
         n == "google.protobuf.BoolValue" ||
         n == "google.protobuf.StringValue" ||
         n == "google.protobuf.BytesValue";
}

std::string JsonQuote(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      absl::StrAppend(&out, "\\u00", absl::Hex(u, absl::kZeroPad2));
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

absl::Status ParseWktString(pb::Message* target, absl::string_view value,
                            absl::string_view name,
                            pb::util::TypeResolver* resolver) {
  std::string binary;
  auto st = pb::util::JsonToBinaryString(
      resolver,
      absl::StrCat("type.googleapis.com/",
                   target->GetDescriptor()->full_name()),
      JsonQuote(value), &binary);
  if (!st.ok() || !target->ParseFromString(binary)) {
    return Bad(name,
               absl::StrCat("not a valid ", target->GetDescriptor()->name()));
  }
  return absl::OkStatus();
}

bool ParseBool(absl::string_view v, bool* out) {
  if (v == "true" || v == "True" || v == "TRUE" || v == "t" || v == "T" ||
      v == "1") {
    *out = true;
    return true;
  }
  if (v == "false" || v == "False" || v == "FALSE" || v == "f" || v == "F" ||
      v == "0") {
    *out = false;
    return true;
  }
  return false;
}

}  // namespace

const FD* FindField(const pb::Descriptor* message, absl::string_view name) {
  const FD* f = message->FindFieldByName(std::string(name));
  if (f != nullptr) return f;
  for (int i = 0; i < message->field_count(); ++i) {
    if (message->field(i)->json_name() == name) return message->field(i);
  }
  return nullptr;
}

bool IsStringSettable(const FD* field) {
  if (field->cpp_type() != FD::CPPTYPE_MESSAGE) return true;
  return IsStringWkt(field->message_type()) || IsWrapper(field->message_type());
}

absl::Status ResolvePath(pb::Message* root,
                         const std::vector<std::string>& path,
                         pb::Message** owner, const FD** field) {
  pb::Message* current = root;
  for (size_t i = 0; i < path.size(); ++i) {
    const FD* f = FindField(current->GetDescriptor(), path[i]);
    if (f == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("unknown field \"", path[i], "\" in ",
                       current->GetDescriptor()->full_name()));
    }
    if (i + 1 == path.size()) {
      *owner = current;
      *field = f;
      return absl::OkStatus();
    }
    if (f->cpp_type() != FD::CPPTYPE_MESSAGE || f->is_repeated() ||
        IsStringSettable(f)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "field \"", path[i], "\" is not a message with subfields"));
    }
    current = current->GetReflection()->MutableMessage(current, f);
  }
  return absl::InvalidArgumentError("empty field path");
}

absl::Status SetFromString(pb::Message* message, const FD* field,
                           absl::string_view value, absl::string_view name,
                           pb::util::TypeResolver* resolver,
                           const std::string* map_key) {
  const pb::Reflection* r = message->GetReflection();
  if (field->is_map()) {
    if (map_key == nullptr) {
      return Bad(name, "map fields take `field[key]=value`");
    }
    pb::Message* entry = r->AddMessage(message, field);
    const pb::Descriptor* d = entry->GetDescriptor();
    if (absl::Status s =
            SetFromString(entry, d->map_key(), *map_key, name, resolver);
        !s.ok()) {
      return s;
    }
    return SetFromString(entry, d->map_value(), value, name, resolver);
  }
  if (map_key != nullptr) return Bad(name, "not a map field");
  const bool rep = field->is_repeated();
  switch (field->cpp_type()) {
    case FD::CPPTYPE_INT32: {
      int32_t v;
      if (!absl::SimpleAtoi(value, &v))
        return Bad(name, "not a 32-bit integer");
      rep ? r->AddInt32(message, field, v) : r->SetInt32(message, field, v);
      return absl::OkStatus();
    }
    case FD::CPPTYPE_INT64: {
      int64_t v;
      if (!absl::SimpleAtoi(value, &v))
        return Bad(name, "not a 64-bit integer");
      rep ? r->AddInt64(message, field, v) : r->SetInt64(message, field, v);
      return absl::OkStatus();
    }
    case FD::CPPTYPE_UINT32: {
      uint32_t v;
      if (!absl::SimpleAtoi(value, &v))
        return Bad(name, "not an unsigned 32-bit integer");
      rep ? r->AddUInt32(message, field, v) : r->SetUInt32(message, field, v);
      return absl::OkStatus();
    }
    case FD::CPPTYPE_UINT64: {
      uint64_t v;
      if (!absl::SimpleAtoi(value, &v))
        return Bad(name, "not an unsigned 64-bit integer");
      rep ? r->AddUInt64(message, field, v) : r->SetUInt64(message, field, v);
      return absl::OkStatus();
    }
    case FD::CPPTYPE_DOUBLE: {
      double v;
      if (!absl::SimpleAtod(value, &v)) return Bad(name, "not a number");
      rep ? r->AddDouble(message, field, v) : r->SetDouble(message, field, v);
      return absl::OkStatus();
    }
    case FD::CPPTYPE_FLOAT: {
      float v;
      if (!absl::SimpleAtof(value, &v)) return Bad(name, "not a number");
      rep ? r->AddFloat(message, field, v) : r->SetFloat(message, field, v);
      return absl::OkStatus();
    }
    case FD::CPPTYPE_BOOL: {
      bool v;
      if (!ParseBool(value, &v)) return Bad(name, "not a boolean");
      rep ? r->AddBool(message, field, v) : r->SetBool(message, field, v);
      return absl::OkStatus();
    }
    case FD::CPPTYPE_ENUM: {
      const pb::EnumValueDescriptor* ev =
          field->enum_type()->FindValueByName(std::string(value));
      int number;
      if (ev == nullptr && absl::SimpleAtoi(value, &number)) {
        ev = field->enum_type()->FindValueByNumber(number);
      }
      if (ev == nullptr) {
        return Bad(name, absl::StrCat("not a value of ",
                                      field->enum_type()->full_name()));
      }
      rep ? r->AddEnum(message, field, ev) : r->SetEnum(message, field, ev);
      return absl::OkStatus();
    }
    case FD::CPPTYPE_STRING: {
      std::string v;
      if (field->type() == FD::TYPE_BYTES) {
        if (!absl::Base64Unescape(value, &v) &&
            !absl::WebSafeBase64Unescape(value, &v)) {
          return Bad(name, "bytes must be base64");
        }
      } else {
        if (!text::IsValidUtf8(value)) return Bad(name, "not valid UTF-8");
        v = std::string(value);
      }
      rep ? r->AddString(message, field, std::move(v))
          : r->SetString(message, field, std::move(v));
      return absl::OkStatus();
    }
    case FD::CPPTYPE_MESSAGE: {
      const pb::Descriptor* type = field->message_type();
      if (!IsStringWkt(type) && !IsWrapper(type)) {
        return Bad(name, absl::StrCat(type->full_name(),
                                      " cannot be set from a single value"));
      }
      pb::Message* target = rep ? r->AddMessage(message, field)
                                : r->MutableMessage(message, field);
      if (IsWrapper(type)) {
        return SetFromString(target, type->FindFieldByNumber(1), value, name,
                             resolver);
      }
      return ParseWktString(target, value, name, resolver);
    }
  }
  return Bad(name, "unsupported field type");
}

}  // namespace fineprint::gateway::transcode
