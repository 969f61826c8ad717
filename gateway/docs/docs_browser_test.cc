// /docs in a real browser: the real identity service on a fresh database,
// the edge as fineprint_edge assembles it, and Debian's headless Chromium
// driven over the DevTools protocol by docs_browser_check.py (the page
// loads with no console error or CSP violation, lists every operation of
// /openapi.json, and "try it out" on GET /v1/auth/jwks answers 200).
// Needs `chromium` and the swagger-ui-dist files, both from
// infra/install.sh.

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/api/test_descriptor_set.h"
#include "gateway/docs/docs_site.h"
#include "gateway/edge_app.h"
#include "gtest/gtest.h"
#include "tests/testing/identity_test_client.h"

namespace fineprint::gateway {
namespace {

std::string RunCommand(const std::string& cmd, int* exit_code) {
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while (p != nullptr && (n = fread(buf, 1, sizeof(buf), p)) > 0) {
    out.append(buf, n);
  }
  const int status = p != nullptr ? pclose(p) : -1;
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

class DocsBrowserTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto identity = testing::StartTestIdentity();
    ASSERT_TRUE(identity.ok()) << identity.status();
    identity_ = identity->release();
    EdgeAppOptions edge;
    edge.host.host = "127.0.0.1";
    edge.host.admin_port = -1;
    edge.descriptor_set = api::TestDescriptorSetPath();
    edge.backends = {absl::StrCat("fineprint.identity.v1.IdentityService=",
                                  identity_->grpc_target())};
    edge.http.host = "127.0.0.1";
    edge.http.port = 0;
    edge.http.threads = 2;
    auto started = EdgeApp::Start(edge);
    ASSERT_TRUE(started.ok()) << started.status();
    edge_ = started->release();
  }

  static std::string Base() {
    return absl::StrCat("http://127.0.0.1:", edge_->http_port());
  }

  static inline identity::IdentityApp* identity_ = nullptr;
  static inline EdgeApp* edge_ = nullptr;
};

TEST_F(DocsBrowserTest, PageServedWithItsPolicy) {
  int rc = 0;
  const std::string head = RunCommand(
      absl::StrCat("curl -s -D - -o /dev/null ", Base(), "/docs"), &rc);
  ASSERT_TRUE(absl::StartsWith(head, "HTTP/1.1 200")) << head;
  EXPECT_TRUE(absl::StrContains(head, "content-type: text/html")) << head;
  EXPECT_TRUE(absl::StrContains(
      head, absl::StrCat("content-security-policy: ", docs::kDocsCsp)))
      << head;
  EXPECT_TRUE(absl::StrContains(head, "x-content-type-options: nosniff"));
  const std::string bundle = RunCommand(
      absl::StrCat("curl -s -o /dev/null -w '%{http_code} %{content_type}' ",
                   Base(), "/docs/swagger-ui-bundle.js"),
      &rc);
  EXPECT_EQ(bundle, "200 text/javascript; charset=utf-8");
  const std::string missing =
      RunCommand(absl::StrCat("curl -s -o /dev/null -w '%{http_code}' ", Base(),
                              "/docs/nothing.js"),
                 &rc);
  EXPECT_EQ(missing, "404");
}

TEST_F(DocsBrowserTest, HeadlessChromiumLoadsListsAndTriesOut) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const std::string script =
      absl::StrCat(srcdir != nullptr ? srcdir : ".",
                   "/fineprint/gateway/docs/docs_browser_check.py");
  int rc = -1;
  const std::string report = RunCommand(
      absl::StrCat("/usr/bin/python3 ", script, " ", Base(), " 2>&1"), &rc);
  std::cout << "browser check: " << report << std::endl;
  EXPECT_EQ(rc, 0) << report;
  EXPECT_TRUE(absl::StrContains(report, "\"ok\": true")) << report;
  EXPECT_TRUE(absl::StrContains(report, "\"missing\": []")) << report;
  EXPECT_TRUE(absl::StrContains(report, "\"try_it_out_status\": \"200\""))
      << report;
  EXPECT_TRUE(absl::StrContains(report, "\"errors\": []")) << report;
}

}  // namespace
}  // namespace fineprint::gateway
