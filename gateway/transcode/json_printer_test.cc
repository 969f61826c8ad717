// PrintJsonDirect against protobuf's own printer: random messages of a
// contract covering every field kind, every code point, number edge cases.

#include "gateway/transcode/json_printer.h"

#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/wrappers.pb.h"
#include "gtest/gtest.h"

namespace fineprint::gateway::transcode {
namespace {

namespace pb = ::google::protobuf;
using FD = pb::FieldDescriptor;

// Every scalar kind, singular and repeated, maps with each key kind, a
// oneof, nested messages and the well-known types the printer handles
// (plus one it leaves to protobuf).
// clang-format off
constexpr char kContract[] = R"pb(
  name: "printer_test.proto"
  package: "printer.test"
  syntax: "proto3"
  dependency: "google/protobuf/timestamp.proto"
  dependency: "google/protobuf/duration.proto"
  dependency: "google/protobuf/wrappers.proto"
  dependency: "google/protobuf/empty.proto"
  dependency: "google/protobuf/struct.proto"
  enum_type {
    name: "Color"
    value { name: "COLOR_UNSPECIFIED" number: 0 }
    value { name: "RED" number: 1 }
    value { name: "GREEN" number: 7 }
  }
  message_type {
    name: "All"
    field { name: "i32" number: 1 type: TYPE_INT32 label: LABEL_OPTIONAL json_name: "i32" }
    field { name: "i64" number: 2 type: TYPE_INT64 label: LABEL_OPTIONAL json_name: "i64" }
    field { name: "u32" number: 3 type: TYPE_UINT32 label: LABEL_OPTIONAL json_name: "u32" }
    field { name: "u64" number: 4 type: TYPE_UINT64 label: LABEL_OPTIONAL json_name: "u64" }
    field { name: "s32" number: 5 type: TYPE_SINT32 label: LABEL_OPTIONAL json_name: "s32" }
    field { name: "s64" number: 6 type: TYPE_SINT64 label: LABEL_OPTIONAL json_name: "s64" }
    field { name: "f32" number: 7 type: TYPE_FIXED32 label: LABEL_OPTIONAL json_name: "f32" }
    field { name: "f64" number: 8 type: TYPE_FIXED64 label: LABEL_OPTIONAL json_name: "f64" }
    field { name: "sf32" number: 9 type: TYPE_SFIXED32 label: LABEL_OPTIONAL json_name: "sf32" }
    field { name: "sf64" number: 10 type: TYPE_SFIXED64 label: LABEL_OPTIONAL json_name: "sf64" }
    field { name: "dbl" number: 11 type: TYPE_DOUBLE label: LABEL_OPTIONAL json_name: "dbl" }
    field { name: "flt" number: 12 type: TYPE_FLOAT label: LABEL_OPTIONAL json_name: "flt" }
    field { name: "flag" number: 13 type: TYPE_BOOL label: LABEL_OPTIONAL json_name: "flag" }
    field { name: "text_value" number: 14 type: TYPE_STRING label: LABEL_OPTIONAL json_name: "textValue" }
    field { name: "blob" number: 15 type: TYPE_BYTES label: LABEL_OPTIONAL json_name: "blob" }
    field { name: "color" number: 16 type: TYPE_ENUM type_name: ".printer.test.Color" label: LABEL_OPTIONAL json_name: "color" }
    field { name: "child" number: 17 type: TYPE_MESSAGE type_name: ".printer.test.All" label: LABEL_OPTIONAL json_name: "child" }
    field { name: "r_i64" number: 18 type: TYPE_INT64 label: LABEL_REPEATED json_name: "rI64" }
    field { name: "r_dbl" number: 19 type: TYPE_DOUBLE label: LABEL_REPEATED json_name: "rDbl" }
    field { name: "r_flt" number: 20 type: TYPE_FLOAT label: LABEL_REPEATED json_name: "rFlt" }
    field { name: "r_text" number: 21 type: TYPE_STRING label: LABEL_REPEATED json_name: "rText" }
    field { name: "r_color" number: 22 type: TYPE_ENUM type_name: ".printer.test.Color" label: LABEL_REPEATED json_name: "rColor" }
    field { name: "r_child" number: 23 type: TYPE_MESSAGE type_name: ".printer.test.All" label: LABEL_REPEATED json_name: "rChild" }
    field { name: "r_blob" number: 24 type: TYPE_BYTES label: LABEL_REPEATED json_name: "rBlob" }
    field { name: "m_str" number: 25 type: TYPE_MESSAGE type_name: ".printer.test.All.MStrEntry" label: LABEL_REPEATED json_name: "mStr" }
    field { name: "m_i64" number: 26 type: TYPE_MESSAGE type_name: ".printer.test.All.MI64Entry" label: LABEL_REPEATED json_name: "mI64" }
    field { name: "m_bool" number: 27 type: TYPE_MESSAGE type_name: ".printer.test.All.MBoolEntry" label: LABEL_REPEATED json_name: "mBool" }
    field { name: "m_u32" number: 28 type: TYPE_MESSAGE type_name: ".printer.test.All.MU32Entry" label: LABEL_REPEATED json_name: "mU32" }
    field { name: "when" number: 29 type: TYPE_MESSAGE type_name: ".google.protobuf.Timestamp" label: LABEL_OPTIONAL json_name: "when" }
    field { name: "took" number: 30 type: TYPE_MESSAGE type_name: ".google.protobuf.Duration" label: LABEL_OPTIONAL json_name: "took" }
    field { name: "w_i64" number: 31 type: TYPE_MESSAGE type_name: ".google.protobuf.Int64Value" label: LABEL_OPTIONAL json_name: "wI64" }
    field { name: "w_str" number: 32 type: TYPE_MESSAGE type_name: ".google.protobuf.StringValue" label: LABEL_OPTIONAL json_name: "wStr" }
    field { name: "w_dbl" number: 33 type: TYPE_MESSAGE type_name: ".google.protobuf.DoubleValue" label: LABEL_OPTIONAL json_name: "wDbl" }
    field { name: "w_bool" number: 34 type: TYPE_MESSAGE type_name: ".google.protobuf.BoolValue" label: LABEL_OPTIONAL json_name: "wBool" }
    field { name: "nothing" number: 35 type: TYPE_MESSAGE type_name: ".google.protobuf.Empty" label: LABEL_OPTIONAL json_name: "nothing" }
    field { name: "r_when" number: 36 type: TYPE_MESSAGE type_name: ".google.protobuf.Timestamp" label: LABEL_REPEATED json_name: "rWhen" }
    field { name: "pick_text" number: 37 type: TYPE_STRING label: LABEL_OPTIONAL oneof_index: 0 json_name: "pickText" }
    field { name: "pick_child" number: 38 type: TYPE_MESSAGE type_name: ".printer.test.All" label: LABEL_OPTIONAL oneof_index: 0 json_name: "pickChild" }
    field { name: "m_child" number: 39 type: TYPE_MESSAGE type_name: ".printer.test.All.MChildEntry" label: LABEL_REPEATED json_name: "mChild" }
    field { name: "loose" number: 40 type: TYPE_MESSAGE type_name: ".google.protobuf.Struct" label: LABEL_OPTIONAL json_name: "loose" }
    oneof_decl { name: "pick" }
    nested_type {
      name: "MStrEntry"
      options { map_entry: true }
      field { name: "key" number: 1 type: TYPE_STRING label: LABEL_OPTIONAL json_name: "key" }
      field { name: "value" number: 2 type: TYPE_STRING label: LABEL_OPTIONAL json_name: "value" }
    }
    nested_type {
      name: "MI64Entry"
      options { map_entry: true }
      field { name: "key" number: 1 type: TYPE_INT64 label: LABEL_OPTIONAL json_name: "key" }
      field { name: "value" number: 2 type: TYPE_INT64 label: LABEL_OPTIONAL json_name: "value" }
    }
    nested_type {
      name: "MBoolEntry"
      options { map_entry: true }
      field { name: "key" number: 1 type: TYPE_BOOL label: LABEL_OPTIONAL json_name: "key" }
      field { name: "value" number: 2 type: TYPE_ENUM type_name: ".printer.test.Color" label: LABEL_OPTIONAL json_name: "value" }
    }
    nested_type {
      name: "MU32Entry"
      options { map_entry: true }
      field { name: "key" number: 1 type: TYPE_UINT32 label: LABEL_OPTIONAL json_name: "key" }
      field { name: "value" number: 2 type: TYPE_BYTES label: LABEL_OPTIONAL json_name: "value" }
    }
    nested_type {
      name: "MChildEntry"
      options { map_entry: true }
      field { name: "key" number: 1 type: TYPE_INT32 label: LABEL_OPTIONAL json_name: "key" }
      field { name: "value" number: 2 type: TYPE_MESSAGE type_name: ".printer.test.All" label: LABEL_OPTIONAL json_name: "value" }
    }
  }
)pb";
// clang-format on

// Where two renderings part, with some context (a whole message is long).
std::string FirstDifference(const std::string& a, const std::string& b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  if (i == a.size() && i == b.size()) return "";
  const size_t from = i < 40 ? 0 : i - 40;
  return "at byte " + std::to_string(i) + ": got ..." + a.substr(from, 80) +
         "\nwant ..." + b.substr(from, 80);
}

class JsonPrinterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pb::FileDescriptorProto file;
    ASSERT_TRUE(pb::TextFormat::ParseFromString(kContract, &file));
    // Imports resolve against the compiled-in well-known types.
    pool_ = std::make_unique<pb::DescriptorPool>(
        pb::DescriptorPool::generated_pool());
    ASSERT_NE(pool_->BuildFile(file), nullptr);
    all_ = pool_->FindMessageTypeByName("printer.test.All");
    ASSERT_NE(all_, nullptr);
  }

  std::unique_ptr<pb::Message> New() {
    return std::unique_ptr<pb::Message>(factory_.GetPrototype(all_)->New());
  }

  // protobuf's answer, or nullopt where it refuses the message.
  static std::optional<std::string> Reference(const pb::Message& m,
                                              const JsonPrinterOptions& o) {
    pb::util::JsonPrintOptions opts;
    opts.always_print_primitive_fields = o.emit_unpopulated;
    opts.preserve_proto_field_names = o.proto_field_names;
    std::string out;
    if (!pb::util::MessageToJsonString(m, &out, opts).ok()) return std::nullopt;
    return out;
  }

  std::string RandomText() {
    static const char* const kPieces[] = {
        "a",        "Zz 09",    "\"",           "\\",   "<",    ">",
        "&'",       "\n\t\r",   "\b\f",         "",     "\x1f", "\x7f",
        "é",        "\xc2\xad", "\xe2\x80\xa8", "中文", "😀",    "\xef\xbb\xbf",
        "\xd8\x80", "/"};
    std::string s;
    const int n = rng_() % 5;
    for (int i = 0; i < n; ++i) {
      const size_t k = rng_() % (sizeof(kPieces) / sizeof(kPieces[0]));
      s += k == 9 ? std::string(1, '\0') : std::string(kPieces[k]);
    }
    return s;
  }

  double RandomDouble() {
    static const double kValues[] = {0.0,
                                     -0.0,
                                     1.0,
                                     0.1,
                                     1.0 / 3,
                                     1e21,
                                     1e-7,
                                     123456789012345678.0,
                                     std::numeric_limits<double>::max(),
                                     std::numeric_limits<double>::min(),
                                     std::numeric_limits<double>::denorm_min(),
                                     std::numeric_limits<double>::infinity(),
                                     -std::numeric_limits<double>::infinity(),
                                     std::nan("")};
    if (rng_() % 3 == 0) {
      return std::uniform_real_distribution<double>(-1e6, 1e6)(rng_);
    }
    return kValues[rng_() % (sizeof(kValues) / sizeof(kValues[0]))];
  }

  int64_t RandomInt() {
    static const int64_t kValues[] = {0,
                                      1,
                                      -1,
                                      std::numeric_limits<int64_t>::max(),
                                      std::numeric_limits<int64_t>::min(),
                                      std::numeric_limits<int32_t>::max(),
                                      std::numeric_limits<int32_t>::min()};
    if (rng_() % 2 == 0) return static_cast<int64_t>(rng_());
    return kValues[rng_() % (sizeof(kValues) / sizeof(kValues[0]))];
  }

  void SetScalar(pb::Message* m, const FD* f) {
    const pb::Reflection* r = m->GetReflection();
    const bool rep = f->is_repeated();
    switch (f->cpp_type()) {
      case FD::CPPTYPE_INT32: {
        const auto v = static_cast<int32_t>(RandomInt());
        rep ? r->AddInt32(m, f, v) : r->SetInt32(m, f, v);
        break;
      }
      case FD::CPPTYPE_UINT32: {
        const auto v = static_cast<uint32_t>(RandomInt());
        rep ? r->AddUInt32(m, f, v) : r->SetUInt32(m, f, v);
        break;
      }
      case FD::CPPTYPE_INT64: {
        const int64_t v = RandomInt();
        rep ? r->AddInt64(m, f, v) : r->SetInt64(m, f, v);
        break;
      }
      case FD::CPPTYPE_UINT64: {
        const auto v = static_cast<uint64_t>(RandomInt());
        rep ? r->AddUInt64(m, f, v) : r->SetUInt64(m, f, v);
        break;
      }
      case FD::CPPTYPE_DOUBLE: {
        const double v = RandomDouble();
        rep ? r->AddDouble(m, f, v) : r->SetDouble(m, f, v);
        break;
      }
      case FD::CPPTYPE_FLOAT: {
        const auto v = static_cast<float>(RandomDouble());
        rep ? r->AddFloat(m, f, v) : r->SetFloat(m, f, v);
        break;
      }
      case FD::CPPTYPE_BOOL: {
        const bool v = rng_() % 2;
        rep ? r->AddBool(m, f, v) : r->SetBool(m, f, v);
        break;
      }
      case FD::CPPTYPE_ENUM: {
        static const int kNumbers[] = {0, 1, 7, 42};
        const int v = kNumbers[rng_() % 4];
        rep ? r->AddEnumValue(m, f, v) : r->SetEnumValue(m, f, v);
        break;
      }
      case FD::CPPTYPE_STRING: {
        std::string v = RandomText();
        rep ? r->AddString(m, f, v) : r->SetString(m, f, v);
        break;
      }
      case FD::CPPTYPE_MESSAGE:
        break;
    }
  }

  void FillTime(pb::Message* t, bool duration) {
    const pb::Reflection* r = t->GetReflection();
    const FD* s = t->GetDescriptor()->FindFieldByNumber(1);
    const FD* n = t->GetDescriptor()->FindFieldByNumber(2);
    static const int32_t kNanos[] = {0, 5000000, 123456000, 1, 999999999};
    // Mostly in range; one in eight outside, which protobuf refuses.
    const int64_t span = duration ? 2 * 315576000000LL : 315537897600LL;
    int64_t seconds =
        static_cast<int64_t>(rng_() % static_cast<uint64_t>(span)) -
        (duration ? 315576000000LL : 62135596800LL);
    if (rng_() % 8 == 0) seconds += span;
    int32_t nanos = kNanos[rng_() % 5];
    if (duration && seconds < 0) nanos = -nanos;
    if (rng_() % 4 == 0) seconds = 0;
    r->SetInt64(t, s, seconds);
    r->SetInt32(t, n, nanos);
  }

  void Fill(pb::Message* m, int depth) {
    const pb::Descriptor* d = m->GetDescriptor();
    const pb::Reflection* r = m->GetReflection();
    for (int i = 0; i < d->field_count(); ++i) {
      const FD* f = d->field(i);
      if (rng_() % 2 == 0) continue;  // unset / default
      if (f->name() == "loose") continue;
      if (f->is_map()) {
        const int n = rng_() % 2 + 1;  // one entry: order is not compared
        for (int k = 0; k < n && k < 1; ++k) {
          pb::Message* e = r->AddMessage(m, f);
          SetScalar(e, f->message_type()->map_key());
          const FD* v = f->message_type()->map_value();
          if (v->cpp_type() == FD::CPPTYPE_MESSAGE) {
            if (depth < 2)
              Fill(e->GetReflection()->MutableMessage(e, v), depth + 1);
          } else {
            SetScalar(e, v);
          }
        }
        continue;
      }
      const int count = f->is_repeated() ? static_cast<int>(rng_() % 4) : 1;
      for (int k = 0; k < count; ++k) {
        if (f->cpp_type() != FD::CPPTYPE_MESSAGE) {
          SetScalar(m, f);
          continue;
        }
        if (depth >= 2) break;
        pb::Message* sub =
            f->is_repeated() ? r->AddMessage(m, f) : r->MutableMessage(m, f);
        const std::string& type = f->message_type()->full_name();
        if (type == "google.protobuf.Timestamp" ||
            type == "google.protobuf.Duration") {
          FillTime(sub, type == "google.protobuf.Duration");
        } else if (type == "google.protobuf.Empty") {
        } else if (f->message_type()->field_count() == 1) {
          SetScalar(sub, f->message_type()->field(0));  // a wrapper
        } else {
          Fill(sub, depth + 1);
        }
      }
    }
  }

  std::unique_ptr<pb::DescriptorPool> pool_;
  pb::DynamicMessageFactory factory_;
  const pb::Descriptor* all_ = nullptr;
  std::mt19937_64 rng_{12};
};

TEST_F(JsonPrinterTest, SameBytesAsProtobufOnRandomMessages) {
  int printed = 0;
  for (int i = 0; i < 3000; ++i) {
    auto m = New();
    Fill(m.get(), 0);
    for (JsonPrinterOptions o :
         {JsonPrinterOptions{}, JsonPrinterOptions{false, true}}) {
      std::optional<std::string> want = Reference(*m, o);
      std::string got = "x";
      const bool ok = PrintJsonDirect(*m, o, &got);
      if (!ok) {
        EXPECT_EQ(got, "x");  // untouched
        // Everything in this contract that protobuf prints, this prints:
        // only what protobuf refuses (a time out of range) falls back.
        EXPECT_FALSE(want.has_value()) << m->DebugString();
        continue;
      }
      ++printed;
      ASSERT_TRUE(want.has_value()) << "protobuf refused: " << m->DebugString();
      const std::string diff = FirstDifference(got.substr(1), *want);
      ASSERT_EQ(diff, "") << m->DebugString();
    }
  }
  EXPECT_GT(printed, 3000);
}

TEST_F(JsonPrinterTest, EveryCodePointEscapedAsProtobufDoes) {
  const pb::Descriptor* d = pb::StringValue::descriptor();
  std::string text;
  for (uint32_t cp = 1; cp <= 0x10ffff; ++cp) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    if (cp < 0x80) {
      text.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      text.push_back(static_cast<char>(0xc0 | (cp >> 6)));
      text.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
      text.push_back(static_cast<char>(0xe0 | (cp >> 12)));
      text.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      text.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
      text.push_back(static_cast<char>(0xf0 | (cp >> 18)));
      text.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
      text.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      text.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
  }
  pb::StringValue v;
  v.set_value(text);
  ASSERT_EQ(v.GetDescriptor(), d);
  std::string got;
  ASSERT_TRUE(PrintJsonDirect(v, {}, &got));
  EXPECT_EQ(FirstDifference(got, *Reference(v, {})), "");
}

TEST_F(JsonPrinterTest, LeavesWhatItDoesNotCoverToProtobuf) {
  auto m = New();
  const FD* loose = all_->FindFieldByName("loose");
  m->GetReflection()->MutableMessage(m.get(), loose);  // a Struct
  std::string out;
  EXPECT_FALSE(PrintJsonDirect(*m, {}, &out));
  EXPECT_TRUE(out.empty());
  pb::StringValue bad;
  bad.set_value("\xff");  // not UTF-8
  EXPECT_FALSE(PrintJsonDirect(bad, {}, &out));
  pb::Timestamp far;
  far.set_seconds(253402300800);  // year 10000
  EXPECT_FALSE(PrintJsonDirect(far, {}, &out));
  EXPECT_FALSE(Reference(far, {}).has_value());
}

}  // namespace
}  // namespace fineprint::gateway::transcode
