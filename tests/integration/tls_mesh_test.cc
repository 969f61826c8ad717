// Transport security end to end, as `./fineprint up --tls` runs it: curl
// over HTTPS -> the REST edge -> gRPC over mutual TLS -> identity (whose
// allow-list names the edge) -> PostgreSQL. The edge's authenticator reaches
// identity's keys over the same mTLS channel. An edge presenting the
// certificate of a service not on identity's allow-list gets nothing
// through.

#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gateway/api/test_descriptor_set.h"
#include "gateway/edge_app.h"
#include "gtest/gtest.h"
#include "services/identity/identity_app.h"
#include "services/runtime/tls/test_certs.h"
#include "tests/testing/shared_postgres.h"

namespace fineprint {
namespace {

namespace gw = ::fineprint::gateway;

struct Reply {
  int status = 0;
  std::string body;
};

Reply Curl(const std::string& url, const std::string& ca,
           const std::string& extra) {
  const std::string cmd =
      absl::StrCat("curl -s --cacert '", ca, "' -w '\\n%{http_code}' ", extra,
                   " '", url, "'");
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  pclose(p);
  Reply r;
  const size_t nl = out.rfind('\n');
  if (nl == std::string::npos) return r;
  r.body = out.substr(0, nl);
  std::sscanf(out.c_str() + nl + 1, "%d", &r.status);
  return r;
}

tls::TlsOptions For(const std::string& dir, const std::string& name) {
  tls::TlsOptions o;
  o.cert_file = dir + "/" + name + ".pem";
  o.key_file = dir + "/" + name + ".key";
  o.ca_file = dir + "/ca.pem";
  return o;
}

class TlsMeshTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(tls::testing::NewCertDir());
    ASSERT_TRUE(tls::testing::MakeCerts(*dir_, {"identity", "edge", "analysis",
                                                "edge-https@localhost"})
                    .ok());
    auto dsn = testing::NewTestDatabase("tls_mesh");
    ASSERT_TRUE(dsn.ok()) << dsn.status();
    identity::IdentityAppOptions options;
    options.pg_dsn = *dsn;
    options.host.host = "127.0.0.1";
    options.host.admin_port = -1;
    options.host.tls = For(*dir_, "identity");
    options.host.tls.allowed_peers = {"edge"};
    options.config.password_cost = {1, 8 * 1024 * 1024};
    auto app = identity::IdentityApp::Start(options);
    ASSERT_TRUE(app.ok()) << app.status();
    identity_ = app->release();
  }
  static void TearDownTestSuite() {
    delete identity_;
    delete dir_;
  }

  // An edge in front of identity presenting `client_cert`'s certificate.
  static std::unique_ptr<gw::EdgeApp> StartEdge(
      const std::string& client_cert) {
    gw::EdgeAppOptions edge;
    edge.host.host = "127.0.0.1";
    edge.host.admin_port = -1;
    edge.host.tls = For(*dir_, client_cert);
    edge.descriptor_set = gw::api::TestDescriptorSetPath();
    edge.backends = {absl::StrCat("fineprint.identity.v1.IdentityService=",
                                  identity_->grpc_target())};
    edge.edge.auth_threads = 2;
    edge.http.host = "127.0.0.1";
    edge.http.port = 0;
    edge.http.threads = 2;
    edge.https_cert = *dir_ + "/edge-https.pem";
    edge.https_key = *dir_ + "/edge-https.key";
    auto started = gw::EdgeApp::Start(edge);
    EXPECT_TRUE(started.ok()) << started.status();
    return started.ok() ? *std::move(started) : nullptr;
  }

  static std::string Url(const gw::EdgeApp& edge, const std::string& path) {
    return absl::StrCat("https://localhost:", edge.http_port(), path);
  }

  static inline std::string* dir_ = nullptr;
  static inline identity::IdentityApp* identity_ = nullptr;
};

TEST_F(TlsMeshTest, SignUpAndAuthenticatedCallOverTlsEveryHop) {
  std::unique_ptr<gw::EdgeApp> edge = StartEdge("edge");
  ASSERT_NE(edge, nullptr);
  Reply signed_up = Curl(
      Url(*edge, "/v1/auth:signUp"), *dir_ + "/ca.pem",
      "-H 'content-type: application/json' --data-binary "
      "'{\"email\":\"tls@example.com\",\"password\":\"correct horse battery "
      "staple\",\"displayName\":\"Tls\"}'");
  ASSERT_EQ(signed_up.status, 201) << signed_up.body;
  const size_t at = signed_up.body.find("\"accessToken\":\"");
  ASSERT_NE(at, std::string::npos) << signed_up.body;
  const size_t start = at + 15;
  const std::string token =
      signed_up.body.substr(start, signed_up.body.find('"', start) - start);
  // A bearer token: the edge verifies it with keys fetched from identity
  // over the kit's mTLS channel, then calls identity over the backend one.
  Reply me = Curl(Url(*edge, "/v1/me"), *dir_ + "/ca.pem",
                  absl::StrCat("-H 'authorization: Bearer ", token, "'"));
  EXPECT_EQ(me.status, 200) << me.body;
  EXPECT_NE(me.body.find("tls@example.com"), std::string::npos) << me.body;
}

TEST_F(TlsMeshTest, EdgeWithACertificateNotAllowedGetsNothingThrough) {
  std::unique_ptr<gw::EdgeApp> edge = StartEdge("analysis");
  ASSERT_NE(edge, nullptr);
  Reply r = Curl(Url(*edge, "/v1/auth:signUp"), *dir_ + "/ca.pem",
                 "-H 'content-type: application/json' --data-binary "
                 "'{\"email\":\"no@example.com\",\"password\":\"correct horse "
                 "battery staple\",\"displayName\":\"No\"}'");
  EXPECT_EQ(r.status, 503) << r.body;
}

TEST_F(TlsMeshTest, PlainHttpClientGetsNoAnswerFromTheHttpsEdge) {
  std::unique_ptr<gw::EdgeApp> edge = StartEdge("edge");
  ASSERT_NE(edge, nullptr);
  Reply r = Curl(
      absl::StrCat("http://127.0.0.1:", edge->http_port(), "/v1/auth:signUp"),
      *dir_ + "/ca.pem", "--max-time 5 -X POST");
  EXPECT_EQ(r.status, 0) << r.body;
}

}  // namespace
}  // namespace fineprint
