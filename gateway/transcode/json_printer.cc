#include "gateway/transcode/json_printer.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gateway/transcode/json_format.h"

namespace fineprint::gateway::transcode {
namespace {

namespace pb = ::google::protobuf;
using json_format::AppendDouble;
using json_format::AppendFloat;
using json_format::AppendNanos;
using json_format::AppendNonFinite;
using json_format::AppendString;
using json_format::CivilFromDays;
using FD = pb::FieldDescriptor;

// Timestamp and Duration ranges of protobuf's JSON printer; outside them
// protobuf reports an error, so those are left to it.
constexpr int64_t kTimestampMinSeconds = -62135596800;  // 0001-01-01
constexpr int64_t kTimestampMaxSeconds = 253402300799;  // 9999-12-31
constexpr int64_t kDurationMaxSeconds = 315576000000;
constexpr int32_t kNanosPerSecond = 1000000000;

enum class Wkt { kNone, kTimestamp, kDuration, kWrapper, kEmpty, kUnsupported };

Wkt WellKnown(const pb::Descriptor* d) {
  const std::string& name = d->full_name();
  if (name.size() < 16 || name.compare(0, 16, "google.protobuf.") != 0) {
    return Wkt::kNone;
  }
  const absl::string_view short_name = absl::string_view(name).substr(16);
  if (short_name == "Timestamp") return Wkt::kTimestamp;
  if (short_name == "Duration") return Wkt::kDuration;
  if (short_name == "Empty") return Wkt::kEmpty;
  if (short_name == "DoubleValue" || short_name == "FloatValue" ||
      short_name == "Int64Value" || short_name == "UInt64Value" ||
      short_name == "Int32Value" || short_name == "UInt32Value" ||
      short_name == "BoolValue" || short_name == "StringValue" ||
      short_name == "BytesValue") {
    return Wkt::kWrapper;
  }
  // Any, Struct, Value, ListValue, FieldMask and descriptor messages have
  // JSON forms of their own: protobuf renders those.
  return Wkt::kUnsupported;
}

class Printer {
 public:
  Printer(const JsonPrinterOptions& options, std::string* out)
      : options_(options), out_(out) {}

  bool Message(const pb::Message& m) {
    const pb::Descriptor* d = m.GetDescriptor();
    switch (WellKnown(d)) {
      case Wkt::kNone:
        break;
      case Wkt::kTimestamp:
        return Timestamp(m);
      case Wkt::kDuration:
        return Duration(m);
      case Wkt::kWrapper:
        return Value(m, d->field(0));
      case Wkt::kEmpty:
        out_->append("{}");
        return true;
      case Wkt::kUnsupported:
        return false;
    }
    if (d->file()->syntax() != pb::FileDescriptor::SYNTAX_PROTO3) return false;
    const pb::Reflection* r = m.GetReflection();
    out_->push_back('{');
    bool first = true;
    // Set fields come in field-number order (ListFields' order), as
    // protobuf renders the wire form.
    std::vector<const FD*> set;
    r->ListFields(m, &set);
    for (const FD* f : set) {
      // proto3 `optional`: left to protobuf.
      if (f->has_optional_keyword()) return false;
    }
    if (options_.emit_unpopulated) {
      // protobuf's DefaultValueObjectWriter: first every field in
      // declaration order, unset messages left out; oneof members and
      // singular Timestamp/Duration/wrapper fields get no default node, so
      // those that are set follow, in field-number order.
      for (int i = 0; i < d->field_count(); ++i) {
        const FD* f = d->field(i);
        if (f->has_optional_keyword()) return false;
        if (RenderedLast(f)) {
          // A oneof of such a type: not verified against protobuf.
          if (f->containing_oneof() != nullptr &&
              f->cpp_type() == FD::CPPTYPE_MESSAGE) {
            return false;
          }
          continue;
        }
        if (!f->is_repeated() && f->cpp_type() == FD::CPPTYPE_MESSAGE &&
            !r->HasField(m, f)) {
          continue;
        }
        if (!Key(f, &first) || !Field(m, f)) return false;
      }
      for (const FD* f : set) {
        if (!RenderedLast(f)) continue;
        if (!Key(f, &first) || !Field(m, f)) return false;
      }
    } else {
      for (const FD* f : set) {
        if (!Key(f, &first) || !Field(m, f)) return false;
      }
    }
    out_->push_back('}');
    return true;
  }

 private:
  // Fields protobuf's DefaultValueObjectWriter has no default node for:
  // oneof members rendered as JSON values, and singular fields of the
  // well-known types it renders as values.
  static bool RenderedLast(const FD* f) {
    if (f->is_repeated()) return false;
    if (f->cpp_type() != FD::CPPTYPE_MESSAGE) {
      return f->containing_oneof() != nullptr;
    }
    const Wkt wkt = WellKnown(f->message_type());
    return wkt == Wkt::kTimestamp || wkt == Wkt::kDuration ||
           wkt == Wkt::kWrapper;
  }

  bool Key(const FD* f, bool* first) {
    if (!*first) out_->push_back(',');
    *first = false;
    out_->push_back('"');
    out_->append(options_.proto_field_names ? f->name() : f->json_name());
    out_->append("\":");
    return true;
  }

  bool Field(const pb::Message& m, const FD* f) {
    const pb::Reflection* r = m.GetReflection();
    if (f->is_map()) {
      const FD* key = f->message_type()->map_key();
      const FD* value = f->message_type()->map_value();
      out_->push_back('{');
      const int n = r->FieldSize(m, f);
      for (int i = 0; i < n; ++i) {
        const pb::Message& entry = r->GetRepeatedMessage(m, f, i);
        if (i > 0) out_->push_back(',');
        if (!MapKey(entry, key)) return false;
        out_->push_back(':');
        if (!Value(entry, value)) return false;
      }
      out_->push_back('}');
      return true;
    }
    if (f->is_repeated()) {
      out_->push_back('[');
      const int n = r->FieldSize(m, f);
      for (int i = 0; i < n; ++i) {
        if (i > 0) out_->push_back(',');
        if (!RepeatedValue(m, f, i)) return false;
      }
      out_->push_back(']');
      return true;
    }
    return Value(m, f);
  }

  bool MapKey(const pb::Message& entry, const FD* key) {
    const pb::Reflection* r = entry.GetReflection();
    switch (key->cpp_type()) {
      case FD::CPPTYPE_STRING: {
        std::string scratch;
        return AppendString(r->GetStringReference(entry, key, &scratch), out_);
      }
      case FD::CPPTYPE_BOOL:
        out_->append(r->GetBool(entry, key) ? "\"true\"" : "\"false\"");
        return true;
      case FD::CPPTYPE_INT32:
        absl::StrAppend(out_, "\"", r->GetInt32(entry, key), "\"");
        return true;
      case FD::CPPTYPE_UINT32:
        absl::StrAppend(out_, "\"", r->GetUInt32(entry, key), "\"");
        return true;
      case FD::CPPTYPE_INT64:
        absl::StrAppend(out_, "\"", r->GetInt64(entry, key), "\"");
        return true;
      case FD::CPPTYPE_UINT64:
        absl::StrAppend(out_, "\"", r->GetUInt64(entry, key), "\"");
        return true;
      default:
        return false;
    }
  }

  bool Value(const pb::Message& m, const FD* f) {
    const pb::Reflection* r = m.GetReflection();
    switch (f->cpp_type()) {
      case FD::CPPTYPE_INT32:
        absl::StrAppend(out_, r->GetInt32(m, f));
        return true;
      case FD::CPPTYPE_UINT32:
        absl::StrAppend(out_, r->GetUInt32(m, f));
        return true;
      case FD::CPPTYPE_INT64:
        absl::StrAppend(out_, "\"", r->GetInt64(m, f), "\"");
        return true;
      case FD::CPPTYPE_UINT64:
        absl::StrAppend(out_, "\"", r->GetUInt64(m, f), "\"");
        return true;
      case FD::CPPTYPE_DOUBLE: {
        const double v = r->GetDouble(m, f);
        if (!AppendNonFinite(v, out_)) AppendDouble(v, out_);
        return true;
      }
      case FD::CPPTYPE_FLOAT: {
        const float v = r->GetFloat(m, f);
        if (!AppendNonFinite(v, out_)) AppendFloat(v, out_);
        return true;
      }
      case FD::CPPTYPE_BOOL:
        out_->append(r->GetBool(m, f) ? "true" : "false");
        return true;
      case FD::CPPTYPE_ENUM:
        return Enum(f, r->GetEnumValue(m, f));
      case FD::CPPTYPE_STRING: {
        std::string scratch;
        return String(f, r->GetStringReference(m, f, &scratch));
      }
      case FD::CPPTYPE_MESSAGE:
        return Message(r->GetMessage(m, f));
    }
    return false;
  }

  bool RepeatedValue(const pb::Message& m, const FD* f, int i) {
    const pb::Reflection* r = m.GetReflection();
    switch (f->cpp_type()) {
      case FD::CPPTYPE_INT32:
        absl::StrAppend(out_, r->GetRepeatedInt32(m, f, i));
        return true;
      case FD::CPPTYPE_UINT32:
        absl::StrAppend(out_, r->GetRepeatedUInt32(m, f, i));
        return true;
      case FD::CPPTYPE_INT64:
        absl::StrAppend(out_, "\"", r->GetRepeatedInt64(m, f, i), "\"");
        return true;
      case FD::CPPTYPE_UINT64:
        absl::StrAppend(out_, "\"", r->GetRepeatedUInt64(m, f, i), "\"");
        return true;
      case FD::CPPTYPE_DOUBLE: {
        const double v = r->GetRepeatedDouble(m, f, i);
        if (!AppendNonFinite(v, out_)) AppendDouble(v, out_);
        return true;
      }
      case FD::CPPTYPE_FLOAT: {
        const float v = r->GetRepeatedFloat(m, f, i);
        if (!AppendNonFinite(v, out_)) AppendFloat(v, out_);
        return true;
      }
      case FD::CPPTYPE_BOOL:
        out_->append(r->GetRepeatedBool(m, f, i) ? "true" : "false");
        return true;
      case FD::CPPTYPE_ENUM:
        return Enum(f, r->GetRepeatedEnumValue(m, f, i));
      case FD::CPPTYPE_STRING: {
        std::string scratch;
        return String(f, r->GetRepeatedStringReference(m, f, i, &scratch));
      }
      case FD::CPPTYPE_MESSAGE:
        return Message(r->GetRepeatedMessage(m, f, i));
    }
    return false;
  }

  // A string or bytes field's value (bytes as base64).
  bool String(const FD* f, const std::string& v) {
    if (f->type() != FD::TYPE_BYTES) return AppendString(v, out_);
    out_->push_back('"');
    out_->append(absl::Base64Escape(v));
    out_->push_back('"');
    return true;
  }

  bool Enum(const FD* f, int number) {
    if (f->enum_type()->full_name() == "google.protobuf.NullValue") {
      return false;  // JSON null: Struct's business, protobuf's printer
    }
    if (const pb::EnumValueDescriptor* v =
            f->enum_type()->FindValueByNumber(number)) {
      out_->push_back('"');
      out_->append(v->name());
      out_->push_back('"');
    } else {
      absl::StrAppend(out_, number);  // an open enum's unknown value
    }
    return true;
  }

  // Reads Timestamp/Duration's two fields without assuming their order.
  static bool SecondsNanos(const pb::Message& m, int64_t* seconds,
                           int32_t* nanos) {
    const pb::Descriptor* d = m.GetDescriptor();
    const FD* s = d->FindFieldByNumber(1);
    const FD* n = d->FindFieldByNumber(2);
    if (s == nullptr || n == nullptr || s->cpp_type() != FD::CPPTYPE_INT64 ||
        n->cpp_type() != FD::CPPTYPE_INT32) {
      return false;
    }
    *seconds = m.GetReflection()->GetInt64(m, s);
    *nanos = m.GetReflection()->GetInt32(m, n);
    return true;
  }

  bool Timestamp(const pb::Message& m) {
    int64_t seconds;
    int32_t nanos;
    if (!SecondsNanos(m, &seconds, &nanos) || seconds < kTimestampMinSeconds ||
        seconds > kTimestampMaxSeconds || nanos < 0 ||
        nanos >= kNanosPerSecond) {
      return false;
    }
    int64_t days = seconds / 86400;
    int64_t rest = seconds % 86400;
    if (rest < 0) {
      rest += 86400;
      --days;
    }
    int64_t year;
    unsigned month, day;
    CivilFromDays(days, &year, &month, &day);
    // By hand: snprintf was a visible share of printing a User.
    using json_format::AppendFixed;
    out_->push_back('"');
    AppendFixed(static_cast<uint32_t>(year), 4, out_);
    out_->push_back('-');
    AppendFixed(month, 2, out_);
    out_->push_back('-');
    AppendFixed(day, 2, out_);
    out_->push_back('T');
    AppendFixed(static_cast<uint32_t>(rest / 3600), 2, out_);
    out_->push_back(':');
    AppendFixed(static_cast<uint32_t>(rest / 60 % 60), 2, out_);
    out_->push_back(':');
    AppendFixed(static_cast<uint32_t>(rest % 60), 2, out_);
    if (nanos != 0) AppendNanos(nanos, out_);
    out_->append("Z\"");
    return true;
  }

  bool Duration(const pb::Message& m) {
    int64_t seconds;
    int32_t nanos;
    if (!SecondsNanos(m, &seconds, &nanos) || seconds < -kDurationMaxSeconds ||
        seconds > kDurationMaxSeconds || nanos <= -kNanosPerSecond ||
        nanos >= kNanosPerSecond || (seconds < 0 && nanos > 0) ||
        (seconds > 0 && nanos < 0)) {
      return false;
    }
    out_->push_back('"');
    if (seconds < 0 || nanos < 0) {
      out_->push_back('-');
      seconds = -seconds;
      nanos = -nanos;
    }
    absl::StrAppend(out_, seconds);
    if (nanos != 0) AppendNanos(nanos, out_);
    out_->append("s\"");
    return true;
  }

  const JsonPrinterOptions& options_;
  std::string* out_;
};

}  // namespace

bool PrintJsonDirect(const pb::Message& message,
                     const JsonPrinterOptions& options, std::string* out) {
  const size_t size = out->size();
  Printer printer(options, out);
  if (printer.Message(message)) return true;
  out->resize(size);
  return false;
}

}  // namespace fineprint::gateway::transcode
