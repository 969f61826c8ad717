#include "gateway/transcode/response_transcoder.h"

#include <memory>

#include "gateway/api/api_config.h"
#include "gateway/testdata/test_api.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "services/runtime/status/status.h"

namespace fineprint::gateway::transcode {
namespace {

namespace pb = ::google::protobuf;

class ResponseTranscoderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = testing::LoadTestApi();
    ASSERT_TRUE(config.ok()) << config.status();
    config_ = *config;
  }

  std::unique_ptr<pb::Message> Make(const char* type, const char* json) {
    const pb::Descriptor* d = config_->pool().FindMessageTypeByName(type);
    std::unique_ptr<pb::Message> m(config_->factory().GetPrototype(d)->New());
    EXPECT_TRUE(pb::util::JsonStringToMessage(json, m.get()).ok());
    return m;
  }

  std::shared_ptr<const api::ApiConfig> config_;
};

TEST_F(ResponseTranscoderTest, WholeMessageEmitsDefaults) {
  auto item = Make("fineprint.gateway.test.v1.Item",
                   R"({"name":"a","size":"5","color":"RED"})");
  auto json = TranscodeResponse(*item, "", {}, &config_->type_resolver());
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(
      *json,
      "{\"name\":\"a\",\"displayName\":\"\",\"size\":\"5\",\"color\":\"RED\","
      "\"tags\":[],\"labels\":{},\"blob\":\"\"}");
  ResponseOptions sparse{.emit_unpopulated = false, .proto_field_names = true};
  auto item2 = Make("fineprint.gateway.test.v1.Item", R"({"displayName":"x"})");
  json = TranscodeResponse(*item2, "", sparse, &config_->type_resolver());
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(*json, "{\"display_name\":\"x\"}");
}

TEST_F(ResponseTranscoderTest, ResponseBodyField) {
  auto list =
      Make("fineprint.gateway.test.v1.ListItemsResponse",
           R"({"items":[{"name":"a"},{"name":"b"}],"nextPageToken":"t"})");
  ResponseOptions sparse{.emit_unpopulated = false};
  auto json =
      TranscodeResponse(*list, "items", sparse, &config_->type_resolver());
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(*json, "[{\"name\":\"a\"},{\"name\":\"b\"}]");
  json = TranscodeResponse(*list, "next_page_token", sparse,
                           &config_->type_resolver());
  EXPECT_EQ(*json, "\"t\"");
  auto empty = Make("fineprint.gateway.test.v1.ListItemsResponse", "{}");
  json = TranscodeResponse(*empty, "items", sparse, &config_->type_resolver());
  EXPECT_EQ(*json, "[]");
}

TEST(StatusMappingTest, GrpcGatewayTable) {
  const std::pair<int, int> table[] = {
      {0, 200},  {1, 499},  {2, 500},  {3, 400},  {4, 504},  {5, 404},
      {6, 409},  {7, 403},  {8, 429},  {9, 400},  {10, 409}, {11, 400},
      {12, 501}, {13, 500}, {14, 503}, {15, 500}, {16, 401}, {99, 500}};
  for (auto [grpc, http] : table)
    EXPECT_EQ(HttpStatusFromGrpcCode(grpc), http) << grpc;
}

TEST_F(ResponseTranscoderTest, ErrorBodyKeepsDetails) {
  absl::Status error = status::InvalidArgument(
      "bad page size", {{"page_size", "must be positive"}}, "BAD_PAGE_SIZE");
  grpc::Status wire = status::ToGrpc(error);
  std::string body =
      ErrorBodyJson(wire.error_code(), wire.error_message(),
                    wire.error_details(), &config_->type_resolver());
  EXPECT_NE(body.find("\"code\":3"), std::string::npos) << body;
  EXPECT_NE(body.find("\"message\":\"bad page size\""), std::string::npos)
      << body;
  EXPECT_NE(
      body.find("\"@type\":\"type.googleapis.com/google.rpc.BadRequest\""),
      std::string::npos)
      << body;
  EXPECT_NE(body.find("\"field\":\"page_size\""), std::string::npos) << body;
  EXPECT_NE(body.find("\"reason\":\"BAD_PAGE_SIZE\""), std::string::npos)
      << body;
  // Parses back as a google.rpc.Status.
  google::rpc::Status parsed;
  // (Any details need the pool's resolver; check the envelope only.)
  pb::util::JsonParseOptions lenient;
  lenient.ignore_unknown_fields = true;
  EXPECT_EQ(ErrorBodyJson(5, "no \"x\"\n", "", nullptr),
            "{\"code\":5,\"message\":\"no \\\"x\\\"\\n\",\"details\":[]}");
  // Garbage trailer bytes do not break the body.
  EXPECT_EQ(ErrorBodyJson(13, "m", "\xff\xff", &config_->type_resolver()),
            "{\"code\":13,\"message\":\"m\",\"details\":[]}");
}

}  // namespace
}  // namespace fineprint::gateway::transcode
