#include "gateway/transcode/json_values.h"

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "gateway/api/api_config.h"
#include "gateway/testdata/test_api.h"
#include "gtest/gtest.h"
#include "services/runtime/status/status.h"

namespace fineprint::gateway::transcode {
namespace {

class JsonValuesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = testing::LoadTestApi();
    ASSERT_TRUE(config.ok()) << config.status();
    config_ = *config;
    get_ = config_->pool().FindMessageTypeByName(
        "fineprint.gateway.test.v1.GetItemRequest");
    ASSERT_NE(get_, nullptr);
  }

  absl::Status Check(absl::string_view json, bool allow_unknown = false) {
    JsonValueOptions options;
    options.allow_unknown_fields = allow_unknown;
    options.resolver = &config_->type_resolver();
    return CheckJsonValues(json, get_, options);
  }

  // Rejected with one field violation on `field`.
  void ExpectViolation(absl::string_view json, absl::string_view field,
                       absl::string_view description_fragment = "") {
    absl::Status s = Check(json);
    ASSERT_FALSE(s.ok()) << "accepted: " << json;
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    google::rpc::BadRequest bad;
    ASSERT_TRUE(status::GetDetail(s, &bad)) << json << ": " << s;
    ASSERT_EQ(bad.field_violations_size(), 1) << json;
    EXPECT_EQ(bad.field_violations(0).field(), field) << json << ": " << s;
    EXPECT_TRUE(absl::StrContains(bad.field_violations(0).description(),
                                  description_fragment))
        << json << ": " << bad.field_violations(0).description();
  }

  std::shared_ptr<const api::ApiConfig> config_;
  const google::protobuf::Descriptor* get_ = nullptr;
};

TEST_F(JsonValuesTest, AcceptsWhatProto3JsonAccepts) {
  for (
      const char* ok : {
          R"({})",
          R"({"pageSize": 5, "filter": null})",  // null leaves the default
          R"({"pageSize": "5", "big": "9007199254740993", "u32": 4294967295})",
          R"({"big": -9223372036854775808, "ids": ["1", 2, "-3", 1e3]})",
          R"({"pageSize": 2.0, "u32": "-0"})",
          R"({"ratio": "NaN", "f": "-Infinity"})",
          R"({"ratio": 1.5e300, "f": "3.4e38"})",
          R"({"flag": false, "name": "n\u00e9", "tags": []})",
          R"({"color": "GREEN", "colors": ["RED", 2, 99]})",
          R"({"token": "aGk=", "inner": {"name": "x", "child": {"count": -1}}})",
          R"({"token": "aGk"})",    // unpadded
          R"({"token": "-_8="})",   // URL-safe
          R"({"token": "aG\/k"})",  // escaped '/'
          R"({"since": "2024-01-02T03:04:05Z", "timeout": "1.5s", "mask": "a.b,c"})",
          R"({"limit": 3, "filter": null, "weights": {"a": 1, "b": "2"}})",
          R"({"display_name_is_not_here": 1})",  // see AllowUnknown
      }) {
    absl::Status s =
        Check(ok, /*allow_unknown=*/absl::StrContains(ok, "not_here"));
    EXPECT_TRUE(s.ok()) << ok << ": " << s;
  }
}

TEST_F(JsonValuesTest, StringsAreNotBooleans) {
  ExpectViolation(R"({"flag": "yes"})", "flag",
                  "expected true or false, got a string");
  ExpectViolation(R"({"flag": "false"})", "flag", "true or false");
  ExpectViolation(R"({"flag": 1})", "flag", "got a number");
}

TEST_F(JsonValuesTest, DuplicateKeys) {
  ExpectViolation(R"({"name": "t", "name": "dup"})", "name", "more than once");
  // The same field under its JSON and its proto name.
  ExpectViolation(R"({"pageSize": 1, "page_size": 2})", "page_size",
                  "more than once");
  ExpectViolation(R"({"weights": {"a": 1, "a": 2}})", "weights[a]",
                  "more than once");
  ExpectViolation(R"({"inner": {"name": "a", "name": "b"}})", "inner.name");
}

TEST_F(JsonValuesTest, NumbersOutOfRange) {
  ExpectViolation(R"({"pageSize": 2147483648})", "page_size",
                  "out of range for int32");
  ExpectViolation(R"({"pageSize": "-2147483649"})", "page_size",
                  "out of range");
  ExpectViolation(R"({"u32": -1})", "u32", "out of range for uint32");
  ExpectViolation(R"({"u32": 4294967296})", "u32", "out of range");
  ExpectViolation(R"({"big": "9223372036854775808"})", "big",
                  "out of range for int64");
  ExpectViolation(R"({"ids": [1, 1e19]})", "ids[1]", "out of range");
  ExpectViolation(R"({"pageSize": 1.5})", "page_size", "expected an integer");
  ExpectViolation(R"({"pageSize": "1 "})", "page_size", "not a number");
  ExpectViolation(R"({"pageSize": "0x10"})", "page_size", "not a number");
  ExpectViolation(R"({"f": 3.5e38})", "f", "out of range for float");
  ExpectViolation(R"({"ratio": 1e400})", "ratio", "out of range for double");
  ExpectViolation(R"({"weights": {"a": 2147483648}})", "weights[a]",
                  "out of range");
  ExpectViolation(R"({"limit": 2147483648})", "limit", "out of range");
  ExpectViolation(R"({"inner": {"child": {"count": 1e10}}})",
                  "inner.child.count");
}

TEST_F(JsonValuesTest, WrongTypes) {
  ExpectViolation(R"({"name": {"a": 1}})", "name",
                  "expected a string, got an object");
  ExpectViolation(R"({"name": 5})", "name", "expected a string, got a number");
  ExpectViolation(R"({"tags": "a"})", "tags",
                  "expected an array, got a string");
  ExpectViolation(R"({"tags": ["a", 1]})", "tags[1]", "expected a string");
  ExpectViolation(R"({"tags": ["a", null]})", "tags[1]", "null");
  ExpectViolation(R"({"inner": "x"})", "inner", "expected an object");
  ExpectViolation(R"({"inner": [1]})", "inner",
                  "expected an object, got an array");
  ExpectViolation(R"({"pageSize": true})", "page_size", "got a boolean");
  ExpectViolation(R"({"ratio": {}})", "ratio", "expected a number");
  ExpectViolation(R"({"color": true})", "color");
  ExpectViolation(R"({"color": "PURPLE"})", "color", "not a value of");
  ExpectViolation(R"({"colors": ["RED", 2.5]})", "colors[1]");
  ExpectViolation(R"({"since": 5})", "since", "Timestamp");
  ExpectViolation(R"({"since": "yesterday"})", "since",
                  "not a valid Timestamp");
  ExpectViolation(R"({"timeout": "5 minutes"})", "timeout",
                  "not a valid Duration");
  ExpectViolation(R"({"filter": 7})", "filter", "expected a string");
  ExpectViolation(R"({"weights": []})", "weights", "expected an object");
  ExpectViolation(R"({"weights": {"a": null}})", "weights[a]", "null");
  ExpectViolation(R"({"bogus": 1})", "bogus", "no such field");
  ExpectViolation(R"({"inner": {"bogus": 1}})", "inner.bogus", "no such field");
}

TEST_F(JsonValuesTest, InvalidBase64) {
  ExpectViolation(R"({"token": "a"})", "token", "base64");
  ExpectViolation(R"({"token": "aGk*"})", "token", "base64");
  ExpectViolation(R"({"token": "aG="})", "token", "base64");  // padding to 3
  ExpectViolation(R"({"token": "a=Gk"})", "token", "base64");
  ExpectViolation(R"({"token": 12})", "token", "base64");
}

TEST_F(JsonValuesTest, PathPrefixAndSingleField) {
  JsonValueOptions options;
  options.path_prefix = "item";
  absl::Status s = CheckJsonValues(R"({"flag": "yes"})", get_, options);
  google::rpc::BadRequest bad;
  ASSERT_TRUE(status::GetDetail(s, &bad)) << s;
  EXPECT_EQ(bad.field_violations(0).field(), "item.flag");
  EXPECT_NE(s.message().find("field item.flag"), absl::string_view::npos) << s;

  const auto* tags = get_->FindFieldByName("tags");
  EXPECT_TRUE(CheckJsonFieldValue(R"(["a", "b"])", tags, {}).ok());
  s = CheckJsonFieldValue(R"(["a", false])", tags, {});
  ASSERT_TRUE(status::GetDetail(s, &bad)) << s;
  EXPECT_EQ(bad.field_violations(0).field(), "tags[1]");
}

}  // namespace
}  // namespace fineprint::gateway::transcode
