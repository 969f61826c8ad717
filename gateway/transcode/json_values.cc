#include "gateway/transcode/json_values.h"

#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <string>

#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "services/runtime/status/status.h"

namespace fineprint::gateway::transcode {
namespace {

namespace pb = ::google::protobuf;
using FD = pb::FieldDescriptor;

enum class Wkt {
  kNone,
  kStringForm,  // Timestamp, Duration, FieldMask
  kWrapper,
  kStruct,
  kValue,
  kListValue,
  kOpaque,  // Any, Empty: left to protobuf's parser
};

Wkt WktOf(const pb::Descriptor* d) {
  const std::string& n = d->full_name();
  if (n.size() < 16 || n.compare(0, 16, "google.protobuf.") != 0)
    return Wkt::kNone;
  absl::string_view s = absl::string_view(n).substr(16);
  if (s == "Timestamp" || s == "Duration" || s == "FieldMask")
    return Wkt::kStringForm;
  if (s == "Struct") return Wkt::kStruct;
  if (s == "Value") return Wkt::kValue;
  if (s == "ListValue") return Wkt::kListValue;
  if (s == "Any" || s == "Empty") return Wkt::kOpaque;
  if (s == "DoubleValue" || s == "FloatValue" || s == "Int64Value" ||
      s == "UInt64Value" || s == "Int32Value" || s == "UInt32Value" ||
      s == "BoolValue" || s == "StringValue" || s == "BytesValue") {
    return Wkt::kWrapper;
  }
  return Wkt::kNone;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

uint32_t Hex4(absl::string_view s) {
  uint32_t v = 0;
  for (char c : s.substr(0, 4)) {
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= c - '0';
    else if (c >= 'a' && c <= 'f')
      v |= c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      v |= c - 'A' + 10;
  }
  return v;
}

// The text of a JSON string literal's content (`raw`, without quotes).
// Escapes are rare in names and values checked here, so the raw bytes are
// returned as they are unless there is one.
absl::string_view Decode(absl::string_view raw, std::string* scratch) {
  if (raw.find('\\') == absl::string_view::npos) return raw;
  scratch->clear();
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\' || i + 1 >= raw.size()) {
      scratch->push_back(raw[i]);
      continue;
    }
    char e = raw[++i];
    switch (e) {
      case 'b':
        scratch->push_back('\b');
        break;
      case 'f':
        scratch->push_back('\f');
        break;
      case 'n':
        scratch->push_back('\n');
        break;
      case 'r':
        scratch->push_back('\r');
        break;
      case 't':
        scratch->push_back('\t');
        break;
      case 'u': {
        uint32_t cp = Hex4(raw.substr(i + 1));
        i += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < raw.size() &&
            raw[i + 1] == '\\' && raw[i + 2] == 'u') {
          uint32_t lo = Hex4(raw.substr(i + 3));
          if (lo >= 0xDC00 && lo < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          }
        }
        AppendUtf8(cp, scratch);
        break;
      }
      default:
        scratch->push_back(e);  // '"', '\\', '/'
    }
  }
  return *scratch;
}

// The JSON number grammar (RFC 8259 §6), for numbers quoted in strings.
bool IsJsonNumber(absl::string_view s) {
  size_t i = 0;
  auto digit = [&s](size_t k) {
    return k < s.size() && absl::ascii_isdigit(s[k]);
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (!digit(i)) return false;
  if (s[i] == '0') {
    ++i;
  } else {
    while (digit(i)) ++i;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  return i == s.size();
}

bool IsBase64(absl::string_view s) {
  size_t n = s.size();
  size_t pad = 0;
  while (n > 0 && s[n - 1] == '=' && pad < 2) {
    --n;
    ++pad;
  }
  for (size_t i = 0; i < n; ++i) {
    char c = s[i];
    if (!absl::ascii_isalnum(c) && c != '+' && c != '/' && c != '-' && c != '_')
      return false;
  }
  if (pad > 0 && (n + pad) % 4 != 0) return false;
  return n % 4 != 1;
}

const char* TypeName(const FD* f) {
  switch (f->type()) {
    case FD::TYPE_INT32:
    case FD::TYPE_SINT32:
    case FD::TYPE_SFIXED32:
      return "int32";
    case FD::TYPE_UINT32:
    case FD::TYPE_FIXED32:
      return "uint32";
    case FD::TYPE_INT64:
    case FD::TYPE_SINT64:
    case FD::TYPE_SFIXED64:
      return "int64";
    case FD::TYPE_UINT64:
    case FD::TYPE_FIXED64:
      return "uint64";
    case FD::TYPE_FLOAT:
      return "float";
    case FD::TYPE_DOUBLE:
      return "double";
    default:
      return "number";
  }
}

// Names seen in one JSON object (map keys, Struct members).
class KeySet {
 public:
  // False if `key` was seen before.
  bool Insert(absl::string_view raw) {
    absl::string_view key = raw;
    if (raw.find('\\') != absl::string_view::npos) {
      std::string decoded;
      Decode(raw, &decoded);
      owned_.push_back(std::move(decoded));
      key = owned_.back();
    }
    for (absl::string_view k : keys_) {
      if (k == key) return false;
    }
    keys_.push_back(key);
    return true;
  }

 private:
  absl::InlinedVector<absl::string_view, 8> keys_;
  std::deque<std::string> owned_;  // stable addresses for decoded keys
};

class Walker {
 public:
  Walker(absl::string_view s, const JsonValueOptions& options)
      : s_(s), options_(options) {}

  absl::Status RunMessage(const pb::Descriptor* d) {
    SkipSpace();
    if (!MessageValue(d)) return Error();
    return absl::OkStatus();
  }

  absl::Status RunField(const FD* f) {
    path_.push_back(Named(f->name()));
    SkipSpace();
    if (!FieldValue(f)) return Error();
    return absl::OkStatus();
  }

 private:
  struct Segment {
    absl::string_view name;  // field name, or an unknown member's raw name
    int64_t index = -1;      // repeated element
    absl::string_view key;   // map entry (raw)
    bool has_key = false;
  };
  static Segment Named(absl::string_view name) {
    Segment s;
    s.name = name;
    return s;
  }
  static Segment Indexed(int64_t index) {
    Segment s;
    s.index = index;
    return s;
  }

  // Marks the path entry of the innermost segment for the current element.
  class Scope {
   public:
    explicit Scope(Walker* w, Segment s) : w_(w) { w_->path_.push_back(s); }
    ~Scope() {
      if (w_->ok_) w_->path_.pop_back();
    }

   private:
    Walker* w_;
  };

  absl::Status Error() const {
    std::string field(options_.path_prefix);
    for (const Segment& seg : path_) {
      if (!seg.name.empty()) {
        if (!field.empty()) field.push_back('.');
        absl::StrAppend(&field, seg.name);
      }
      if (seg.index >= 0) absl::StrAppend(&field, "[", seg.index, "]");
      if (seg.has_key) absl::StrAppend(&field, "[", seg.key, "]");
    }
    std::string message = absl::StrCat(
        "invalid JSON request body: ",
        field.empty() ? "" : absl::StrCat("field ", field, ": "), description_);
    return status::InvalidArgument(message, {{field, description_}});
  }

  bool Fail(std::string description) {
    ok_ = false;
    description_ = std::move(description);
    return false;
  }

  bool AtEnd() const { return pos_ >= s_.size(); }
  char Peek() const { return AtEnd() ? '\0' : s_[pos_]; }
  void SkipSpace() {
    while (!AtEnd() && (s_[pos_] == ' ' || s_[pos_] == '\t' ||
                        s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }

  // What the value at pos_ is, for messages ("got a string").
  const char* Kind() const {
    switch (Peek()) {
      case '{':
        return "an object";
      case '[':
        return "an array";
      case '"':
        return "a string";
      case 't':
      case 'f':
        return "a boolean";
      case 'n':
        return "null";
      default:
        return "a number";
    }
  }
  bool Mismatch(absl::string_view expected) {
    return Fail(absl::StrCat("expected ", expected, ", got ", Kind()));
  }

  // The content of the string literal at pos_, which is consumed.
  bool ReadString(absl::string_view* raw) {
    if (Peek() != '"') return Fail("expected a string");
    size_t start = ++pos_;
    while (!AtEnd() && s_[pos_] != '"') pos_ += s_[pos_] == '\\' ? 2 : 1;
    if (AtEnd()) return Fail("unterminated string");
    *raw = s_.substr(start, pos_ - start);
    ++pos_;
    return true;
  }

  absl::string_view ReadNumberToken() {
    size_t start = pos_;
    while (!AtEnd() && (absl::ascii_isdigit(s_[pos_]) || s_[pos_] == '-' ||
                        s_[pos_] == '+' || s_[pos_] == '.' || s_[pos_] == 'e' ||
                        s_[pos_] == 'E')) {
      ++pos_;
    }
    return s_.substr(start, pos_ - start);
  }

  // Right after an opening bracket: consumes `close` when the container is
  // empty.
  bool Closes(char close) {
    SkipSpace();
    if (Peek() != close) return false;
    ++pos_;
    return true;
  }

  // After a member of an object or an element of an array: a ',' means
  // another follows, `close` sets *end; anything else fails.
  bool AfterMember(char close, bool* end) {
    SkipSpace();
    if (Peek() == ',') {
      ++pos_;
      return true;
    }
    if (Peek() == close) {
      ++pos_;
      *end = true;
      return true;
    }
    return Fail(close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
  }

  bool Literal(absl::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return Fail("invalid literal");
    pos_ += word.size();
    return true;
  }

  // Any JSON value; objects must not repeat a name (Struct, Value).
  bool AnyValue() {
    switch (Peek()) {
      case '{': {
        ++pos_;
        KeySet keys;
        if (Closes('}')) return true;
        while (true) {
          SkipSpace();
          absl::string_view raw;
          if (!ReadString(&raw)) return false;
          Scope scope(this, Named(raw));
          if (!keys.Insert(raw)) return Fail("duplicate name in a JSON object");
          SkipSpace();
          if (Peek() != ':') return Fail("expected ':'");
          ++pos_;
          SkipSpace();
          if (!AnyValue()) return false;
          bool end = false;
          if (!AfterMember('}', &end)) return false;
          if (end) return true;
        }
      }
      case '[': {
        ++pos_;
        if (Closes(']')) return true;
        for (int64_t i = 0;; ++i) {
          SkipSpace();
          {
            Scope scope(this, Indexed(i));
            if (!AnyValue()) return false;
          }
          bool end = false;
          if (!AfterMember(']', &end)) return false;
          if (end) return true;
        }
      }
      case '"': {
        absl::string_view raw;
        return ReadString(&raw);
      }
      case 't':
        return Literal("true");
      case 'f':
        return Literal("false");
      case 'n':
        return Literal("null");
      default:
        if (ReadNumberToken().empty()) return Fail("expected a value");
        return true;
    }
  }

  bool MessageValue(const pb::Descriptor* d) {
    switch (WktOf(d)) {
      case Wkt::kStringForm: {
        if (Peek() != '"')
          return Mismatch(absl::StrCat("a ", d->name(), " string"));
        size_t start = pos_;
        absl::string_view raw;
        if (!ReadString(&raw)) return false;
        if (options_.resolver != nullptr) {
          std::string binary;
          absl::string_view literal = s_.substr(start, pos_ - start);
          auto st = pb::util::JsonToBinaryString(
              options_.resolver,
              absl::StrCat("type.googleapis.com/", d->full_name()),
              pb::StringPiece(literal.data(), literal.size()), &binary);
          if (!st.ok()) return Fail(absl::StrCat("not a valid ", d->name()));
        }
        return true;
      }
      case Wkt::kWrapper:
        return SingleValue(d->field(0));
      case Wkt::kStruct:
        if (Peek() != '{') return Mismatch("an object");
        return AnyValue();
      case Wkt::kListValue:
        if (Peek() != '[') return Mismatch("an array");
        return AnyValue();
      case Wkt::kValue:
      case Wkt::kOpaque:
        return AnyValue();
      case Wkt::kNone:
        break;
    }
    if (Peek() != '{') return Mismatch("an object");
    ++pos_;
    if (Closes('}')) return true;
    absl::InlinedVector<const FD*, 16> seen;
    absl::InlinedVector<const pb::OneofDescriptor*, 4> oneofs;
    std::string scratch;
    while (true) {
      SkipSpace();
      absl::string_view raw;
      if (!ReadString(&raw)) return false;
      absl::string_view name = Decode(raw, &scratch);
      SkipSpace();
      if (Peek() != ':') return Fail("expected ':'");
      ++pos_;
      SkipSpace();
      const FD* f = nullptr;
      for (int i = 0; i < d->field_count(); ++i) {
        const FD* c = d->field(i);
        if (c->json_name() == name || c->name() == name) {
          f = c;
          break;
        }
      }
      if (f == nullptr) {
        Scope scope(this, Named(raw));
        if (!options_.allow_unknown_fields) return Fail("no such field");
        if (!AnyValue()) return false;
      } else {
        Scope scope(this, Named(f->name()));
        for (const FD* prior : seen) {
          if (prior == f) return Fail("the field is given more than once");
        }
        seen.push_back(f);
        const bool is_null = Peek() == 'n';
        const pb::OneofDescriptor* oneof = f->real_containing_oneof();
        if (oneof != nullptr && !is_null) {
          for (const auto* o : oneofs) {
            if (o == oneof) {
              return Fail(absl::StrCat("another field of oneof ", oneof->name(),
                                       " is already set"));
            }
          }
          oneofs.push_back(oneof);
        }
        if (!FieldValue(f)) return false;
      }
      bool end = false;
      if (!AfterMember('}', &end)) return false;
      if (end) return true;
    }
  }

  static bool IsValueType(const FD* f) {
    return f->cpp_type() == FD::CPPTYPE_MESSAGE &&
           WktOf(f->message_type()) == Wkt::kValue;
  }

  // The value of a field as a whole: null (the default), a map, a list or
  // a single value.
  bool FieldValue(const FD* f) {
    if (Peek() == 'n' && !(IsValueType(f) && !f->is_repeated()))
      return Literal("null");
    if (f->is_map()) return MapValue(f);
    if (f->is_repeated()) {
      if (Peek() != '[') return Mismatch("an array");
      ++pos_;
      if (Closes(']')) return true;
      for (int64_t i = 0;; ++i) {
        SkipSpace();
        {
          Scope scope(this, Indexed(i));
          if (Peek() == 'n' && !IsValueType(f)) {
            return Fail("null is not allowed in a list");
          }
          if (!SingleValue(f)) return false;
        }
        bool end = false;
        if (!AfterMember(']', &end)) return false;
        if (end) return true;
      }
    }
    return SingleValue(f);
  }

  bool MapValue(const FD* f) {
    if (Peek() != '{') return Mismatch("an object");
    const FD* key_field = f->message_type()->map_key();
    const FD* value_field = f->message_type()->map_value();
    ++pos_;
    if (Closes('}')) return true;
    KeySet keys;
    std::string scratch;
    while (true) {
      SkipSpace();
      absl::string_view raw;
      if (!ReadString(&raw)) return false;
      Segment seg;
      seg.key = raw;
      seg.has_key = true;
      Scope scope(this, seg);
      if (!keys.Insert(raw)) return Fail("the map key is given more than once");
      absl::string_view key = Decode(raw, &scratch);
      switch (key_field->cpp_type()) {
        case FD::CPPTYPE_BOOL:
          if (key != "true" && key != "false")
            return Fail("a map key must be true or false");
          break;
        case FD::CPPTYPE_STRING:
          break;
        default:
          if (!CheckInteger(key_field, key, /*from_string=*/true, "map key"))
            return false;
      }
      SkipSpace();
      if (Peek() != ':') return Fail("expected ':'");
      ++pos_;
      SkipSpace();
      if (Peek() == 'n' && !IsValueType(value_field)) {
        return Fail("null is not allowed as a map value");
      }
      if (!SingleValue(value_field)) return false;
      bool end = false;
      if (!AfterMember('}', &end)) return false;
      if (end) return true;
    }
  }

  // An integer field's value, given as a JSON number or (from_string) the
  // content of a JSON string.
  bool CheckInteger(const FD* f, absl::string_view text, bool from_string,
                    absl::string_view what = "value") {
    if (from_string && !IsJsonNumber(text)) {
      return Fail(absl::StrCat("expected an integer (", TypeName(f),
                               "), got a string that is "
                               "not a number"));
    }
    const bool is_signed = f->cpp_type() == FD::CPPTYPE_INT32 ||
                           f->cpp_type() == FD::CPPTYPE_INT64;
    const bool wide = f->cpp_type() == FD::CPPTYPE_INT64 ||
                      f->cpp_type() == FD::CPPTYPE_UINT64;
    auto out_of_range = [&] {
      return Fail(
          absl::StrCat(what, " ", text, " is out of range for ", TypeName(f)));
    };
    if (text.find_first_of(".eE") == absl::string_view::npos) {
      if (is_signed) {
        int64_t v;
        if (!absl::SimpleAtoi(text, &v)) return out_of_range();
        if (!wide && (v < std::numeric_limits<int32_t>::min() ||
                      v > std::numeric_limits<int32_t>::max())) {
          return out_of_range();
        }
      } else {
        if (text == "-0") return true;
        uint64_t v;
        if (text.front() == '-' || !absl::SimpleAtoi(text, &v))
          return out_of_range();
        if (!wide && v > std::numeric_limits<uint32_t>::max())
          return out_of_range();
      }
      return true;
    }
    // Exponent or fraction: fine when the value is integral ("1e3", "2.0").
    double v;
    if (!absl::SimpleAtod(text, &v) || !std::isfinite(v)) return out_of_range();
    if (v != std::floor(v)) {
      return Fail(
          absl::StrCat("expected an integer (", TypeName(f), "), got ", text));
    }
    const double lo = !is_signed ? 0.0
                      : wide     ? -9223372036854775808.0
                                 : -2147483648.0;
    const double hi_excl = !is_signed
                               ? (wide ? 18446744073709551616.0 : 4294967296.0)
                               : (wide ? 9223372036854775808.0 : 2147483648.0);
    if (v < lo || v >= hi_excl) return out_of_range();
    return true;
  }

  bool CheckFloat(const FD* f, absl::string_view text, bool from_string) {
    if (from_string) {
      if (text == "NaN" || text == "Infinity" || text == "-Infinity")
        return true;
      if (!IsJsonNumber(text)) {
        return Fail(absl::StrCat("expected a number (", TypeName(f),
                                 "), got a string that is not a number"));
      }
    }
    double v;
    const bool parsed = absl::SimpleAtod(text, &v);
    if (!parsed || !std::isfinite(v) ||
        (f->cpp_type() == FD::CPPTYPE_FLOAT &&
         std::fabs(v) > std::numeric_limits<float>::max())) {
      return Fail(
          absl::StrCat("value ", text, " is out of range for ", TypeName(f)));
    }
    return true;
  }

  // One value of `f`'s type (an element, for repeated fields).
  bool SingleValue(const FD* f) {
    switch (f->cpp_type()) {
      case FD::CPPTYPE_BOOL:
        if (Peek() == 't') return Literal("true");
        if (Peek() == 'f') return Literal("false");
        return Mismatch("true or false");
      case FD::CPPTYPE_STRING: {
        if (Peek() != '"') {
          return Mismatch(f->type() == FD::TYPE_BYTES ? "a base64 string"
                                                      : "a string");
        }
        absl::string_view raw;
        if (!ReadString(&raw)) return false;
        if (f->type() == FD::TYPE_BYTES) {
          std::string scratch;
          if (!IsBase64(Decode(raw, &scratch))) return Fail("not valid base64");
        }
        return true;
      }
      case FD::CPPTYPE_INT32:
      case FD::CPPTYPE_INT64:
      case FD::CPPTYPE_UINT32:
      case FD::CPPTYPE_UINT64: {
        if (Peek() == '"') {
          absl::string_view raw;
          if (!ReadString(&raw)) return false;
          return CheckInteger(f, raw, /*from_string=*/true);
        }
        if (Peek() != '-' && !absl::ascii_isdigit(Peek())) {
          return Mismatch(absl::StrCat("an integer (", TypeName(f), ")"));
        }
        return CheckInteger(f, ReadNumberToken(), /*from_string=*/false);
      }
      case FD::CPPTYPE_FLOAT:
      case FD::CPPTYPE_DOUBLE: {
        if (Peek() == '"') {
          absl::string_view raw;
          if (!ReadString(&raw)) return false;
          return CheckFloat(f, raw, /*from_string=*/true);
        }
        if (Peek() != '-' && !absl::ascii_isdigit(Peek())) {
          return Mismatch(absl::StrCat("a number (", TypeName(f), ")"));
        }
        return CheckFloat(f, ReadNumberToken(), /*from_string=*/false);
      }
      case FD::CPPTYPE_ENUM: {
        const pb::EnumDescriptor* e = f->enum_type();
        if (Peek() == 'n' && e->full_name() == "google.protobuf.NullValue") {
          return Literal("null");
        }
        if (Peek() == '"') {
          absl::string_view raw;
          if (!ReadString(&raw)) return false;
          std::string scratch;
          absl::string_view name = Decode(raw, &scratch);
          for (int i = 0; i < e->value_count(); ++i) {
            if (e->value(i)->name() == name) return true;
          }
          if (options_.allow_unknown_fields)
            return true;  // protobuf skips it too
          return Fail(absl::StrCat("\"", name, "\" is not a value of ",
                                   e->full_name()));
        }
        if (Peek() != '-' && !absl::ascii_isdigit(Peek())) {
          return Mismatch(absl::StrCat("a ", e->name(), " name or number"));
        }
        absl::string_view text = ReadNumberToken();
        int32_t v;
        if (!absl::SimpleAtoi(text, &v)) {
          return Fail(absl::StrCat("expected a ", e->name(),
                                   " name or int32 number, got ", text));
        }
        return true;
      }
      case FD::CPPTYPE_MESSAGE:
        return MessageValue(f->message_type());
    }
    return true;
  }

  absl::string_view s_;
  const JsonValueOptions& options_;
  size_t pos_ = 0;
  bool ok_ = true;  // once false, path_ is frozen at the failure
  std::string description_;
  absl::InlinedVector<Segment, 8> path_;
};

}  // namespace

absl::Status CheckJsonValues(absl::string_view json, const pb::Descriptor* type,
                             const JsonValueOptions& options) {
  return Walker(json, options).RunMessage(type);
}

absl::Status CheckJsonFieldValue(absl::string_view json, const FD* field,
                                 const JsonValueOptions& options) {
  return Walker(json, options).RunField(field);
}

}  // namespace fineprint::gateway::transcode
