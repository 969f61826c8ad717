#include "gateway/transcode/request_transcoder.h"

#include <memory>

#include "gateway/api/api_config.h"
#include "gateway/testdata/test_api.h"
#include "gateway/transcode/response_transcoder.h"
#include "gtest/gtest.h"
#include "services/runtime/status/status.h"

namespace fineprint::gateway::transcode {
namespace {

using routing::MatchResult;

class RequestTranscoderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = testing::LoadTestApi();
    ASSERT_TRUE(config.ok()) << config.status();
    config_ = *config;
  }

  // The request message as compact JSON, only populated fields.
  absl::StatusOr<std::string> Run(const char* method, const char* path,
                                  absl::string_view query = "",
                                  absl::string_view body = "",
                                  RequestOptions options = {}) {
    MatchResult m = config_->routes().Match(method, path);
    if (m.kind != MatchResult::Kind::kMatched) {
      return absl::NotFoundError("no route");
    }
    const auto& info = config_->method(m.route->target.id);
    std::unique_ptr<google::protobuf::Message> msg(
        config_->factory().GetPrototype(info.method->input_type())->New());
    HttpRequestParts parts;
    parts.bindings = &m.bindings;
    parts.query = query;
    parts.body = body;
    parts.body_field = m.route->target.body;
    absl::Status s =
        TranscodeRequest(parts, options, &config_->type_resolver(), msg.get());
    if (!s.ok()) return s;
    ResponseOptions print;
    print.emit_unpopulated = false;
    return TranscodeResponse(*msg, "", print, &config_->type_resolver());
  }

  void ExpectError(absl::StatusOr<std::string> r, absl::string_view fragment) {
    ASSERT_FALSE(r.ok()) << "accepted: " << *r;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument)
        << r.status();
    EXPECT_NE(r.status().message().find(fragment), absl::string_view::npos)
        << r.status().message();
  }

  std::shared_ptr<const api::ApiConfig> config_;
};

TEST_F(RequestTranscoderTest, PathBindingAndScalarsFromQuery) {
  auto r = Run("GET", "/v1/shelves/s1/items/i1",
               "pageSize=5&big=9007199254740993&u32=7&ratio=0.5&f=1.5&flag=true"
               "&color=GREEN&token=aGk%3D");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r,
            "{\"name\":\"shelves/s1/items/i1\",\"pageSize\":5,"
            "\"big\":\"9007199254740993\",\"u32\":7,\"ratio\":0.5,\"f\":1.5,"
            "\"flag\":true,\"color\":\"GREEN\",\"token\":\"aGk=\"}");
}

TEST_F(RequestTranscoderTest, AdditionalBindingAndProtoNames) {
  auto r = Run("GET", "/v1/items/i%20one", "page_size=3");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "{\"name\":\"i one\",\"pageSize\":3}");
}

TEST_F(RequestTranscoderTest, RepeatedEnumsByNameOrNumberNestedAndMaps) {
  auto r =
      Run("GET", "/v1/items",
          "tags=a&tags=b+c&colors=RED&colors=2&ids=1&ids=2"
          "&inner.name=n&inner.child.count=4&weights%5Bx%5D=1&weights[y]=2");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r,
            "{\"tags\":[\"a\",\"b c\"],\"colors\":[\"RED\",\"GREEN\"],"
            "\"inner\":{\"name\":\"n\",\"child\":{\"count\":4}},"
            "\"weights\":{\"x\":1,\"y\":2},\"ids\":[\"1\",\"2\"]}");
}

TEST_F(RequestTranscoderTest, WellKnownTypesFromQuery) {
  auto r = Run("GET", "/v1/items",
               "since=2024-05-01T10:00:00Z&timeout=1.5s&mask=displayName,size"
               "&limit=10&filter=x%3Dy");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r,
            "{\"since\":\"2024-05-01T10:00:00Z\",\"timeout\":\"1.500s\","
            "\"mask\":\"displayName,size\",\"limit\":10,\"filter\":\"x=y\"}");
  ExpectError(Run("GET", "/v1/items", "since=yesterday"), "since");
  ExpectError(Run("GET", "/v1/items", "timeout=5"), "timeout");
}

TEST_F(RequestTranscoderTest, BodyField) {
  auto r =
      Run("POST", "/v1/shelves/s1/items", "requestId=r1",
          R"({"displayName":"Lamp","size":"12","color":"RED","labels":{"k":"v"},
                   "create_time":"2024-01-01T00:00:00Z","blob":"AQI="})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r,
            "{\"parent\":\"shelves/s1\",\"item\":{\"displayName\":\"Lamp\","
            "\"size\":\"12\",\"color\":\"RED\",\"labels\":{\"k\":\"v\"},"
            "\"createTime\":\"2024-01-01T00:00:00Z\",\"blob\":\"AQI=\"},"
            "\"requestId\":\"r1\"}");
  // Query parameters cannot reach into the body field.
  ExpectError(Run("POST", "/v1/shelves/s1/items", "item.size=3", "{}"), "body");
}

TEST_F(RequestTranscoderTest, NestedPathBindingIntoBodyField) {
  auto r = Run("PATCH", "/v1/shelves/s1/items/i1", "updateMask=displayName",
               R"({"displayName":"New","name":"ignored"})");
  ASSERT_TRUE(r.ok()) << r.status();
  // The path wins over the body.
  EXPECT_EQ(
      *r,
      "{\"item\":{\"name\":\"shelves/s1/items/i1\",\"displayName\":\"New\"},"
      "\"updateMask\":\"displayName\"}");
}

TEST_F(RequestTranscoderTest, BodyStarAndCustomVerb) {
  auto r = Run("POST", "/v1/shelves/s1/items/i1:act", "",
               R"({"reason":"because","notes":["a","b"]})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r,
            "{\"name\":\"shelves/s1/items/i1\",\"reason\":\"because\","
            "\"notes\":[\"a\",\"b\"]}");
  // With body "*" nothing is left for the query string.
  ExpectError(Run("POST", "/v1/shelves/s1/items/i1:act", "reason=x", "{}"),
              "request body carries every field");
  auto lenient = RequestOptions{.allow_unknown_query_params = true};
  EXPECT_TRUE(
      Run("POST", "/v1/shelves/s1/items/i1:act", "reason=x", "{}", lenient)
          .ok());
}

TEST_F(RequestTranscoderTest, RepeatedBodyField) {
  auto r = Run("PUT", "/v1/shelves/s1/items/i1/tags", "", R"(["x","y"])");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "{\"name\":\"shelves/s1/items/i1\",\"tags\":[\"x\",\"y\"]}");
  // The wrapper must not let a body smuggle in other fields.
  ExpectError(Run("PUT", "/v1/shelves/s1/items/i1/tags", "",
                  R"(["x"], "name": "evil")"),
              "unexpected data after the JSON value");
}

TEST_F(RequestTranscoderTest, MultiSegmentBindingKeepsEncodedSlash) {
  auto r = Run("GET", "/v1/shelves/s1/items/a%2Fb");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "{\"name\":\"shelves/s1/items/a%2Fb\"}");
  auto f = Run("HEAD", "/v1/files/a/b/c%20d.txt");
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(*f, "{\"path\":\"files/a/b/c d.txt\"}");
}

TEST_F(RequestTranscoderTest, RejectsUnknownAndDuplicateQueryParams) {
  ExpectError(Run("GET", "/v1/items", "nope=1"), "no such field");
  ExpectError(Run("GET", "/v1/items", "inner.nope=1"), "no such field");
  ExpectError(Run("GET", "/v1/items", "pageSize=1&page_size=2"), "repeated");
  ExpectError(Run("GET", "/v1/shelves/s1/items/i1", "name=x"),
              "bound by the URL path");
  ExpectError(Run("GET", "/v1/items", "inner=x"), "subfields");
  ExpectError(Run("GET", "/v1/items", "pageSize=abc"), "pageSize");
  ExpectError(Run("GET", "/v1/items", "pageSize=99999999999"), "pageSize");
  ExpectError(Run("GET", "/v1/items", "color=PURPLE"), "color");
  ExpectError(Run("GET", "/v1/items", "color=7"), "color");
  ExpectError(Run("GET", "/v1/items", "flag=yes"), "flag");
  ExpectError(Run("GET", "/v1/items", "name=%zz"), "percent");
  ExpectError(Run("GET", "/v1/items", "name=%ff"), "UTF-8");
  ExpectError(Run("GET", "/v1/items", "weights[x=1"), "malformed");
  auto lenient = RequestOptions{.allow_unknown_query_params = true};
  auto r = Run("GET", "/v1/items", "nope=1&pageSize=2", "", lenient);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "{\"pageSize\":2}");
}

TEST_F(RequestTranscoderTest, RejectsBadJson) {
  ExpectError(Run("POST", "/v1/shelves/s1/items", "", R"({"displayName": )"),
              "JSON");
  ExpectError(Run("POST", "/v1/shelves/s1/items", "", R"({"unknownField": 1})"),
              "unknownField");
  ExpectError(Run("POST", "/v1/shelves/s1/items", "", R"({"size": "x"})"),
              "JSON");
  ExpectError(
      Run("POST", "/v1/shelves/s1/items", "", "{\"displayName\":\"\xff\"}"),
      "UTF-8");
  ExpectError(Run("POST", "/v1/shelves/s1/items", "", R"([1,2])"), "JSON");
  auto lenient = RequestOptions{.allow_unknown_json_fields = true};
  auto r = Run("POST", "/v1/shelves/s1/items", "",
               R"({"unknownField":1,"size":"2"})", lenient);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "{\"parent\":\"shelves/s1\",\"item\":{\"size\":\"2\"}}");
  // An empty body sets nothing.
  EXPECT_TRUE(Run("POST", "/v1/shelves/s1/items", "", "").ok());
}

// What proto3 JSON rejects is rejected before anything reaches a backend,
// with a BadRequest naming the field by its proto path under the body field.
TEST_F(RequestTranscoderTest, StrictJsonBodies) {
  auto violation = [&](absl::StatusOr<std::string> r) -> std::string {
    if (r.ok()) return "accepted: " + *r;
    google::rpc::BadRequest bad;
    if (!status::GetDetail(r.status(), &bad) ||
        bad.field_violations_size() != 1) {
      return "no violation: " + std::string(r.status().message());
    }
    return bad.field_violations(0).field();
  };
  const char* create = "/v1/shelves/s1/items";
  EXPECT_EQ(violation(Run("POST", create, "",
                          R"({"displayName":"t","displayName":"d"})")),
            "item.display_name");
  EXPECT_EQ(
      violation(Run("POST", create, "", R"({"size":2147483648000000000000})")),
      "item.size");
  EXPECT_EQ(violation(Run("POST", create, "", R"({"blob":"not base64!"})")),
            "item.blob");
  EXPECT_EQ(violation(Run("POST", create, "", R"({"inner":{"count":"yes"}})")),
            "item.inner.count");
  EXPECT_EQ(violation(Run("POST", create, "", R"({"labels":{"a":{}}})")),
            "item.labels[a]");
  const char* act = "/v1/shelves/s1/items/i1:act";
  EXPECT_EQ(violation(Run("POST", act, "", R"({"reason":"a","reason":"b"})")),
            "reason");
  EXPECT_EQ(violation(Run("POST", act, "", R"({"notes":["a",{}]})")),
            "notes[1]");
  EXPECT_EQ(violation(Run("PUT", "/v1/shelves/s1/items/i1/tags", "",
                          R"(["x",true])")),
            "tags[1]");

  // Quoted 64-bit integers, proto field names and exponent forms stay fine.
  auto r = Run("POST", create, "",
               R"({"size":"12","display_name":"x","inner":{"count":1e2}})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r,
            "{\"parent\":\"shelves/"
            "s1\",\"item\":{\"displayName\":\"x\",\"size\":\"12\","
            "\"inner\":{\"count\":100}}}");
}

}  // namespace
}  // namespace fineprint::gateway::transcode
