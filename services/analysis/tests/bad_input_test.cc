// Bad submissions are refused with INVALID_ARGUMENT and a field violation,
// and leave nothing behind: no rows, no events.

#include <functional>

#include "google/rpc/error_details.pb.h"
#include "services/analysis/tests/analysis_fixture.h"
#include "services/runtime/server/call_context.h"
#include "services/runtime/status/status.h"

namespace fineprint::analysis::testing {
namespace {

class BadInputTest : public AnalysisTest {
 protected:
  static void SetUpTestSuite() {
    StartApps(
        [](AnalysisAppOptions& o) { o.config.max_document_bytes = 1024; });
  }

  v1::SubmitDocumentRequest Valid() {
    v1::SubmitDocumentRequest req;
    req.set_parent(account_.org.name());
    req.set_text("Fine text.");
    req.set_kind(v1::PRIVACY_POLICY);
    req.set_title("Policy");
    return req;
  }

  // The handler itself, called in-process as the call guard would after
  // authenticating the account's owner. Needed for bytes a proto3 string
  // cannot carry over gRPC (invalid UTF-8 fails parsing before the handler).
  grpc::Status SubmitDirect(const v1::SubmitDocumentRequest& req,
                            v1::SubmitDocumentResponse* resp) {
    server::CallContext call;
    call.method = "/fineprint.analysis.v1.AnalysisService/SubmitDocument";
    call.principal = auth::Principal{account_.user.name(), account_.org.name(),
                                     "OWNER", "FREE", ""};
    call.deadline = absl::Now() + absl::Seconds(10);
    server::ScopedCallContext scope(&call);
    return app().service().SubmitDocument(nullptr, &req, resp);
  }

  // Everything a submission writes: documents, versions, jobs and events.
  static int64_t StoredRows() {
    return Count(
        "SELECT (SELECT count(*) FROM documents) + (SELECT count(*) FROM"
        " document_versions) + (SELECT count(*) FROM jobs) + (SELECT count(*)"
        " FROM outbox)");
  }

  // Submits `req`, expects INVALID_ARGUMENT naming `field`, and nothing stored.
  void ExpectRejected(const v1::SubmitDocumentRequest& req,
                      const std::string& field, bool direct = false) {
    const int64_t rows = StoredRows();
    v1::SubmitDocumentResponse resp;
    grpc::Status s =
        direct ? SubmitDirect(req, &resp) : TrySubmit(account_, req, &resp);
    ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << s.error_message();
    google::rpc::BadRequest bad;
    ASSERT_TRUE(status::GetDetail(status::FromGrpc(s), &bad));
    bool found = false;
    for (const auto& v : bad.field_violations()) found |= v.field() == field;
    EXPECT_TRUE(found) << field << " not among " << bad.DebugString();
    EXPECT_EQ(StoredRows(), rows);
  }

  Account account_ = SignUp();
};

TEST_F(BadInputTest, InvalidUtf8OverGrpcNeverReachesTheService) {
  // proto3 refuses to parse a string field that is not UTF-8, so the call
  // guard answers INVALID_ARGUMENT before any handler runs; nothing is stored.
  const int64_t rows = Count("SELECT count(*) FROM outbox");
  const int64_t docs = Count("SELECT count(*) FROM documents");
  auto req = Valid();
  req.set_text(std::string("\xff\xfe", 2));
  v1::SubmitDocumentResponse resp;
  grpc::Status s = TrySubmit(account_, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << s.error_message();
  EXPECT_EQ(status::Reason(status::FromGrpc(s)), "MALFORMED_REQUEST");
  EXPECT_EQ(Count("SELECT count(*) FROM outbox"), rows);
  EXPECT_EQ(Count("SELECT count(*) FROM documents"), docs);
}

// A request valid but for one field, and that field's name.
struct BadField {
  const char* what;
  const char* field;
  std::function<void(v1::SubmitDocumentRequest&)> spoil;
  // Bytes gRPC itself would refuse go straight to the handler.
  bool direct = false;
};

TEST_F(BadInputTest, EachBadFieldIsNamed) {
  const BadField cases[] = {
      {"invalid UTF-8", "text",
       [](auto& r) { r.set_text(std::string("caf\xc3", 4) + "\xff tail"); },
       /*direct=*/true},
      {"overlong UTF-8", "text",
       [](auto& r) { r.set_text(std::string("\xc0\xaf", 2)); },
       /*direct=*/true},
      {"empty text", "text", [](auto& r) { r.clear_text(); }},
      {"oversized text", "text",
       [](auto& r) { r.set_text(std::string(1025, 'a')); }},
      {"unknown kind", "kind",
       [](auto& r) { r.set_kind(static_cast<v1::DocumentKind>(42)); }},
      {"script source URL", "source_url",
       [](auto& r) { r.set_source_url("javascript:alert(1)"); }},
      {"malformed language", "language",
       [](auto& r) { r.set_language("en us"); }},
      {"request id with spaces", "request_id",
       [](auto& r) { r.set_request_id("has spaces"); }},
      {"malformed document id", "document",
       [](auto& r) { r.set_document(r.parent() + "/documents/NOT_AN_ID"); }},
  };
  for (const BadField& c : cases) {
    SCOPED_TRACE(c.what);
    auto req = Valid();
    c.spoil(req);
    ExpectRejected(req, c.field, c.direct);
  }
}

TEST_F(BadInputTest, MissingKindAndTitle) {
  auto req = Valid();
  req.clear_kind();
  req.clear_title();
  ExpectRejected(req, "kind");
  ExpectRejected(req, "title");
}

TEST_F(BadInputTest, ExactlyTheLimitIsAccepted) {
  auto req = Valid();
  req.set_text(std::string(1024, 'a'));
  v1::SubmitDocumentResponse resp;
  EXPECT_TRUE(TrySubmit(account_, req, &resp).ok());
}

}  // namespace
}  // namespace fineprint::analysis::testing
