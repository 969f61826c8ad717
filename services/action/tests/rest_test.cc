// Through the REST edge (the real route table from the contracts'
// descriptor set, real JWT checks against identity): suggestions listed,
// a letter created from JSON, and its PDF downloaded as application/pdf
// (google.api.HttpBody served as the body itself).

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/edge_app.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "services/action/tests/action_fixture.h"
#include "services/runtime/crypto/sha256.h"

namespace fineprint::action::testing {
namespace {

namespace gw = ::fineprint::gateway;

struct Reply {
  int status = 0;
  std::string headers;  // lower-cased
  std::string body;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Reply Curl(int port, const std::string& method, const std::string& path,
           const std::string& token, const std::string& body = "") {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir = tmp != nullptr ? tmp : "/tmp";
  const std::string head = dir + "/rest_head", out = dir + "/rest_body";
  std::string cmd = absl::StrCat("curl -s -X ", method, " -D ", head, " -o ",
                                 out, " 'http://127.0.0.1:", port, path,
                                 "' -H 'authorization: Bearer ", token, "'");
  if (!body.empty()) {
    absl::StrAppend(&cmd, " -H 'content-type: application/json'",
                    " --data-binary '", body, "'");
  }
  Reply r;
  if (std::system(cmd.c_str()) != 0) return r;
  r.headers = absl::AsciiStrToLower(ReadFile(head));
  r.body = ReadFile(out);
  std::sscanf(r.headers.c_str(), "http/1.1 %d", &r.status);
  return r;
}

std::string Field(const std::string& json, const std::string& name) {
  google::protobuf::Struct s;
  if (!google::protobuf::util::JsonStringToMessage(json, &s).ok()) return "";
  auto it = s.fields().find(name);
  return it == s.fields().end() ? "" : it->second.string_value();
}

class RestTest : public ActionTest {
 protected:
  static void SetUpTestSuite() {
    StartApps();
    gw::EdgeAppOptions edge;
    edge.host.host = "127.0.0.1";
    edge.host.admin_port = -1;
    const char* srcdir = std::getenv("TEST_SRCDIR");
    edge.descriptor_set =
        absl::StrCat(srcdir != nullptr ? srcdir : ".",
                     "/fineprint/protos/fineprint_descriptor_set.pb");
    edge.backends = {absl::StrCat("fineprint.identity.v1.IdentityService=",
                                  IdentityTarget()),
                     absl::StrCat("fineprint.action.v1.ActionService=",
                                  app().grpc_target())};
    edge.edge.auth_threads = 2;
    edge.http.host = "127.0.0.1";
    edge.http.port = 0;
    edge.http.threads = 2;
    auto started = gw::EdgeApp::Start(edge);
    ASSERT_TRUE(started.ok()) << started.status();
    edge_ = started->release();
  }
  static void TearDownTestSuite() {
    delete edge_;
    edge_ = nullptr;
    ActionTest::TearDownTestSuite();
  }
  static inline gw::EdgeApp* edge_ = nullptr;
};

TEST_F(RestTest, CreateThenDownloadThePdf) {
  Account a = SignUp();
  const int port = edge_->http_port();
  Reply list =
      Curl(port, "GET", absl::StrCat("/v1/", a.org.name(), "/suggestedActions"),
           a.token);
  ASSERT_EQ(list.status, 200) << list.body;

  Reply created = Curl(
      port, "POST", absl::StrCat("/v1/", a.org.name(), "/actions"), a.token,
      R"({"template":"templates/gdpr-access-de","requestId":"rest-1",)"
      R"("variables":{"user_name":"Zoë Müller","user_address":"Hauptstraße 5",)"
      R"("user_email":"zoe@example.com","company_name":"Acme Ltd.",)"
      R"("company_address":"1 Main Street"}})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string name = Field(created.body, "name");
  const std::string pdf_sha = Field(created.body, "pdfSha256");
  ASSERT_FALSE(name.empty());

  Reply pdf =
      Curl(port, "GET", absl::StrCat("/v1/", name, ":downloadLetter"), a.token);
  ASSERT_EQ(pdf.status, 200) << pdf.body;
  EXPECT_TRUE(absl::StrContains(pdf.headers, "content-type: application/pdf"))
      << pdf.headers;
  EXPECT_TRUE(absl::StartsWith(pdf.body, "%PDF-"));
  EXPECT_EQ(crypto::Sha256Hex(pdf.body), pdf_sha);

  // A missing field through the edge: 400 naming it.
  Reply bad = Curl(port, "POST", absl::StrCat("/v1/", a.org.name(), "/actions"),
                   a.token, R"({"template":"templates/gdpr-access-en"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(absl::StrContains(bad.body, "variables[company_name]"))
      << bad.body;
}

}  // namespace
}  // namespace fineprint::action::testing
