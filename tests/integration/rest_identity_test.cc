// End to end over HTTP: curl -> the REST edge (real route table from the
// contract's descriptor set, real JWKS and API-key checks against identity)
// -> the real identity service -> PostgreSQL.

#include <cstdio>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/api/api_config.h"
#include "gateway/api/test_descriptor_set.h"
#include "gateway/edge_app.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "services/identity/identity_app.h"
#include "services/runtime/auth/identity_clients.h"
#include "services/runtime/auth/jwt.h"
#include "tests/testing/shared_postgres.h"

namespace fineprint {
namespace {

namespace gw = ::fineprint::gateway;

struct HttpReply {
  int status = 0;
  std::string headers;
  google::protobuf::Struct json;
  std::string body;
  std::string Field(const std::string& path) const {
    const google::protobuf::Struct* s = &json;
    std::vector<std::string> parts = absl::StrSplit(path, '.');
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      auto it = s->fields().find(parts[i]);
      if (it == s->fields().end()) return "";
      s = &it->second.struct_value();
    }
    auto it = s->fields().find(parts.back());
    if (it == s->fields().end()) return "";
    if (it->second.has_number_value())
      return absl::StrCat(it->second.number_value());
    return it->second.string_value();
  }
};

// Runs curl; headers and body are separated by curl's own output format.
HttpReply Curl(int port, const std::string& method, const std::string& path,
               const std::string& body = "",
               const std::vector<std::string>& headers = {}) {
  std::string cmd = absl::StrCat("curl -s -i -X ", method,
                                 " 'http://127.0.0.1:", port, path, "'");
  for (const auto& h : headers) absl::StrAppend(&cmd, " -H '", h, "'");
  if (!body.empty()) {
    absl::StrAppend(&cmd,
                    " -H 'content-type: application/json' --data-binary '",
                    body, "'");
  }
  HttpReply reply;
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  pclose(p);
  const size_t split = out.find("\r\n\r\n");
  reply.headers = out.substr(0, split);
  reply.body = split == std::string::npos ? "" : out.substr(split + 4);
  std::sscanf(out.c_str(), "HTTP/1.1 %d", &reply.status);
  if (!reply.body.empty()) {
    (void)google::protobuf::util::JsonStringToMessage(reply.body, &reply.json);
  }
  return reply;
}

class RestIdentityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto dsn = testing::NewTestDatabase("rest");
    ASSERT_TRUE(dsn.ok()) << dsn.status();
    identity::IdentityAppOptions options;
    options.pg_dsn = *dsn;
    options.host.host = "127.0.0.1";
    options.host.admin_port = -1;
    options.config.password_cost = {1, 8 * 1024 * 1024};
    auto app = identity::IdentityApp::Start(options);
    ASSERT_TRUE(app.ok()) << app.status();
    app_ = app->release();

    // The edge exactly as fineprint_edge assembles it.
    gw::EdgeAppOptions edge;
    edge.host.host = "127.0.0.1";
    edge.host.admin_port = -1;
    edge.descriptor_set = gw::api::TestDescriptorSetPath();
    edge.backends = {absl::StrCat("fineprint.identity.v1.IdentityService=",
                                  app_->grpc_target())};
    edge.edge.auth_threads = 2;
    edge.edge.rate_limit.plans.free_per_minute = 30;
    edge.edge.rate_limit.public_per_ip_per_minute = 1000;
    edge.http.host = "127.0.0.1";
    edge.http.port = 0;
    edge.http.threads = 2;
    auto started = gw::EdgeApp::Start(edge);
    ASSERT_TRUE(started.ok()) << started.status();
    edge_ = started->release();
  }

  static int port() { return edge_->http_port(); }

  static HttpReply SignUp(const std::string& email) {
    return Curl(
        port(), "POST", "/v1/auth:signUp",
        absl::StrCat(
            R"({"email":")", email,
            R"(","password":"correct horse battery staple","displayName":"Rest"})"));
  }

  static inline identity::IdentityApp* app_ = nullptr;
  static inline gw::EdgeApp* edge_ = nullptr;
};

TEST_F(RestIdentityTest, SignUpLoginRefreshGetMeListUsers) {
  const std::string email = absl::StrCat("rest", getpid(), "@example.com");
  HttpReply signup = SignUp(email);
  ASSERT_EQ(signup.status, 201) << signup.body;
  const std::string org = signup.Field("organization.name");
  EXPECT_EQ(org.rfind("orgs/", 0), 0u);
  EXPECT_EQ(signup.Field("user.role"), "OWNER");

  HttpReply login =
      Curl(port(), "POST", "/v1/auth:login",
           absl::StrCat(R"({"email":")", email,
                        R"(","password":"correct horse battery staple"})"));
  ASSERT_EQ(login.status, 200) << login.body;
  const std::string access = login.Field("accessToken");
  const std::string refresh = login.Field("refreshToken");
  ASSERT_FALSE(access.empty());

  HttpReply refreshed =
      Curl(port(), "POST", "/v1/auth:refresh",
           absl::StrCat(R"({"refreshToken":")", refresh, R"("})"));
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  EXPECT_NE(refreshed.Field("refreshToken"), refresh);

  HttpReply me =
      Curl(port(), "GET", "/v1/me", "", {"authorization: Bearer " + access});
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.Field("user.email"), email);
  EXPECT_EQ(me.Field("principal.plan"), "FREE");
  EXPECT_NE(me.headers.find("x-request-id"), std::string::npos);

  HttpReply users =
      Curl(port(), "GET", absl::StrCat("/v1/", org, "/users?pageSize=10"), "",
           {"authorization: Bearer " + access});
  ASSERT_EQ(users.status, 200) << users.body;
  EXPECT_EQ(users.Field("totalSize"), "1");

  HttpReply jwks = Curl(port(), "GET", "/.well-known/jwks.json");
  ASSERT_EQ(jwks.status, 200) << jwks.body;
  EXPECT_NE(jwks.body.find("\"EdDSA\""), std::string::npos);
}

TEST_F(RestIdentityTest, ErrorsAreGoogleRpcStatusJson) {
  HttpReply bad =
      Curl(port(), "POST", "/v1/auth:signUp",
           R"({"email":"not-an-email","password":"short","displayName":""})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Field("code"), "3");
  EXPECT_NE(bad.body.find("google.rpc.BadRequest"), std::string::npos)
      << bad.body;
  EXPECT_NE(bad.body.find("\"field\":\"email\""), std::string::npos)
      << bad.body;

  const std::string email = absl::StrCat("dup", getpid(), "@example.com");
  ASSERT_EQ(SignUp(email).status, 201);
  HttpReply dup = SignUp(email);
  EXPECT_EQ(dup.status, 409);
  EXPECT_NE(dup.body.find("EMAIL_TAKEN"), std::string::npos) << dup.body;
}

TEST_F(RestIdentityTest, ForgedTokenIsRejectedAtTheEdge) {
  auth::Claims c;
  c.subject = "orgs/x/users/y";
  c.organization = "orgs/x";
  c.role = "OWNER";
  c.plan = "ENTERPRISE";
  c.token_id = "forged";
  c.issued_at = absl::Now();
  c.expires_at = absl::Now() + absl::Minutes(5);
  const std::string forged =
      auth::SignAccessToken(c, auth::SigningKey::Generate("nope"));
  HttpReply r =
      Curl(port(), "GET", "/v1/me", "", {"authorization: Bearer " + forged});
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(r.Field("code"), "16");
  HttpReply none = Curl(port(), "GET", "/v1/me");
  EXPECT_EQ(none.status, 401);
}

TEST_F(RestIdentityTest, FreePlanIsRateLimited) {
  HttpReply signup = SignUp(absl::StrCat("limited", getpid(), "@example.com"));
  ASSERT_EQ(signup.status, 201);
  const std::string access = signup.Field("tokens.accessToken");
  int ok = 0, limited = 0;
  HttpReply last;
  for (int i = 0; i < 40; ++i) {
    last =
        Curl(port(), "GET", "/v1/me", "", {"authorization: Bearer " + access});
    if (last.status == 200) ++ok;
    if (last.status == 429) {
      ++limited;
      EXPECT_NE(absl::AsciiStrToLower(last.headers).find("retry-after:"),
                std::string::npos)
          << last.headers;
    }
  }
  EXPECT_EQ(ok, 30) << "FREE allowance in this test: 30/minute";
  EXPECT_EQ(limited, 10);
  EXPECT_EQ(last.Field("code"), "8") << last.body;  // RESOURCE_EXHAUSTED
  EXPECT_NE(last.body.find("google.rpc.RetryInfo"), std::string::npos)
      << last.body;
}

}  // namespace
}  // namespace fineprint
