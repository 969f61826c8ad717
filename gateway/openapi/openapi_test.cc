#include "gateway/openapi/openapi.h"

#include "gateway/api/api_config.h"
#include "gateway/api/test_descriptor_set.h"
#include "gateway/testdata/test_api.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace fineprint::gateway::openapi {
namespace {

namespace pb = ::google::protobuf;

const pb::Value& At(const pb::Value& v,
                    std::initializer_list<const char*> path) {
  static const pb::Value kMissing;
  const pb::Value* cur = &v;
  for (const char* key : path) {
    const auto& fields = cur->struct_value().fields();
    auto it = fields.find(key);
    if (it == fields.end()) {
      ADD_FAILURE() << "missing key " << key;
      return kMissing;
    }
    cur = &it->second;
  }
  return *cur;
}

pb::Value Parse(const std::string& json) {
  pb::Value v;
  EXPECT_TRUE(pb::util::JsonStringToMessage(json, &v).ok());
  return v;
}

TEST(OpenApiTest, RealContract) {
  auto config = api::ApiConfig::FromFile(api::TestDescriptorSetPath());
  ASSERT_TRUE(config.ok()) << config.status();
  auto json = GenerateOpenApi(**config, {.server_url = "https://api.example"});
  ASSERT_TRUE(json.ok()) << json.status();
  pb::Value doc = Parse(*json);
  EXPECT_EQ(At(doc, {"openapi"}).string_value(), "3.1.0");
  const pb::Value& get_user =
      At(doc, {"paths", "/v1/orgs/{org_id}/users/{user_id}", "get"});
  EXPECT_EQ(At(get_user, {"operationId"}).string_value(),
            "IdentityService_GetUser");
  EXPECT_EQ(At(get_user, {"summary"}).string_value(), "Returns a user.");
  EXPECT_EQ(At(get_user, {"parameters"}).list_value().values_size(), 2);
  EXPECT_EQ(At(get_user, {"responses", "200", "content", "application/json",
                          "schema", "$ref"})
                .string_value(),
            "#/components/schemas/fineprint.identity.v1.User");
  EXPECT_EQ(At(get_user, {"security"}).list_value().values_size(), 2);

  const pb::Value& signup = At(doc, {"paths", "/v1/auth:signUp", "post"});
  EXPECT_EQ(At(signup, {"security"}).list_value().values_size(), 0);
  At(signup, {"responses", "201"});
  At(doc, {"paths", "/v1/orgs/{org_id}/users/{user_id}", "delete", "responses",
           "204"});
  At(doc, {"paths", "/.well-known/jwks.json", "get"});
  // Streams: NDJSON and SSE, described with what OpenAPI 3.1 has (3.2's
  // itemSchema would make a 3.1 validator reject the document).
  const pb::Value& stream =
      At(doc, {"paths", "/v1/orgs/{org_id}/jobs/{job_id}:watch", "get",
               "responses", "200", "content"});
  for (const char* media : {"application/x-ndjson", "text/event-stream"}) {
    EXPECT_EQ(At(stream, {media, "schema", "type"}).string_value(), "string")
        << media;
    EXPECT_EQ(At(stream, {media, "x-item-schema", "$ref"}).string_value(),
              "#/components/schemas/fineprint.analysis.v1.JobUpdate")
        << media;
    EXPECT_EQ(At(stream, {media}).struct_value().fields().count("itemSchema"),
              0u)
        << media;
  }
  EXPECT_NE(At(stream, {"text/event-stream", "schema", "description"})
                .string_value()
                .find("event: error"),
            std::string::npos);
  EXPECT_EQ(json->find("itemSchema"), std::string::npos);

  const pb::Value& user =
      At(doc, {"components", "schemas", "fineprint.identity.v1.User"});
  EXPECT_EQ(At(user, {"properties", "createTime", "format"}).string_value(),
            "date-time");
  EXPECT_TRUE(At(user, {"properties", "name", "readOnly"}).bool_value());
  EXPECT_EQ(At(user, {"properties", "role", "enum"})
                .list_value()
                .values(1)
                .string_value(),
            "OWNER");
  At(doc, {"components", "schemas", "google.rpc.Status"});
  At(doc, {"components", "securitySchemes", "bearerAuth"});
}

TEST(OpenApiTest, QueryParametersAndBodies) {
  auto config = testing::LoadTestApi();
  ASSERT_TRUE(config.ok()) << config.status();
  auto json = GenerateOpenApi(**config);
  ASSERT_TRUE(json.ok()) << json.status();
  pb::Value doc = Parse(*json);
  const pb::Value& list = At(doc, {"paths", "/v1/items", "get"});
  std::set<std::string> names;
  for (const auto& p : At(list, {"parameters"}).list_value().values()) {
    names.insert(At(p, {"name"}).string_value());
  }
  EXPECT_TRUE(names.count("pageSize"));
  EXPECT_TRUE(names.count("inner.name"));
  EXPECT_TRUE(names.count("since"));
  EXPECT_EQ(At(list, {"responses", "200", "content", "application/json",
                      "schema", "type"})
                .string_value(),
            "array");  // response_body: items
  const pb::Value& create =
      At(doc, {"paths", "/v1/shelves/{shelve_id}/items", "post"});
  EXPECT_EQ(At(create,
               {"requestBody", "content", "application/json", "schema", "$ref"})
                .string_value(),
            "#/components/schemas/fineprint.gateway.test.v1.Item");
  const pb::Value& file = At(doc, {"paths", "/v1/files/{path}", "head"});
  EXPECT_EQ(At(file, {"operationId"}).string_value(), "ItemService_GetFile");
  // The additional binding gets its own operation id.
  EXPECT_EQ(At(doc, {"paths", "/v1/items/{name}", "get", "operationId"})
                .string_value(),
            "ItemService_GetItem_1");
}

}  // namespace
}  // namespace fineprint::gateway::openapi
