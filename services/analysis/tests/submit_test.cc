// Submission end to end with the real rule engine: results, events, the
// result cache, idempotency, versions and listing.

#include "services/analysis/tests/analysis_fixture.h"

namespace fineprint::analysis::testing {
namespace {

using SubmitTest = AnalysisTest;

TEST_F(SubmitTest, AnalysesTheDocumentAndPublishesTheResult) {
  Account a = SignUp();
  const int64_t completed_before =
      OutboxCount("fineprint.analysis.events.v1.AnalysisCompleted");
  v1::SubmitDocumentResponse resp = Submit(a, kTermsText);
  EXPECT_EQ(resp.job().state(), v1::QUEUED);
  EXPECT_EQ(resp.job().priority(), v1::PRIORITY_NORMAL);  // FREE plan
  EXPECT_FALSE(resp.job().cached());
  EXPECT_EQ(resp.version().size_bytes(),
            static_cast<int64_t>(strlen(kTermsText)));
  EXPECT_EQ(resp.version().sha256().size(), 64u);
  EXPECT_EQ(resp.document().current_version(), resp.version().name());
  EXPECT_EQ(resp.document().latest_job(), resp.job().name());

  v1::AnalysisJob job = WaitForJob(a, resp.job().name());
  ASSERT_EQ(job.state(), v1::SUCCEEDED);
  EXPECT_EQ(job.progress_percent(), 100);
  EXPECT_EQ(job.attempt(), 1);
  EXPECT_EQ(job.analyzer_version(), app().analyzer_version());
  EXPECT_EQ(job.analysis(), resp.job().name() + "/analysis");

  v1::GetAnalysisRequest get;
  get.set_name(job.analysis());
  v1::Analysis analysis;
  ASSERT_TRUE(stub().GetAnalysis(Ctx(a.token).get(), get, &analysis).ok());
  EXPECT_EQ(analysis.name(), job.analysis());
  EXPECT_EQ(analysis.version(), resp.version().name());
  EXPECT_GE(analysis.findings_size(), 3);
  EXPECT_LT(analysis.score(), 100);
  EXPECT_FALSE(analysis.degraded());
  bool arbitration = false;
  for (const v1::Finding& f : analysis.findings()) {
    arbitration |= f.category() == v1::BINDING_ARBITRATION;
    EXPECT_EQ(std::string(kTermsText)
                  .substr(f.start_offset(), f.end_offset() - f.start_offset()),
              f.quote());
  }
  EXPECT_TRUE(arbitration);

  v1::GetDocumentRequest get_doc;
  get_doc.set_name(resp.document().name());
  v1::Document doc;
  ASSERT_TRUE(stub().GetDocument(Ctx(a.token).get(), get_doc, &doc).ok());
  EXPECT_EQ(doc.score(), analysis.score());
  EXPECT_EQ(doc.grade(), analysis.grade());

  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE event_type = $1 AND "
                  "aggregate_id = $2",
                  {"fineprint.analysis.events.v1.DocumentSubmitted",
                   resp.document().name().substr(
                       resp.document().name().rfind('/') + 1)}),
            1);
  EXPECT_EQ(OutboxCount("fineprint.analysis.events.v1.AnalysisCompleted"),
            completed_before + 1);
}

TEST_F(SubmitTest, IdenticalTextReusesTheCachedResult) {
  Account a = SignUp();
  const std::string text = std::string(kTermsText) + "\nCache probe.\n";
  v1::SubmitDocumentResponse first = Submit(a, text);
  ASSERT_EQ(WaitForJob(a, first.job().name()).state(), v1::SUCCEEDED);
  const int64_t analyses = Count("SELECT count(*) FROM analyses");
  const int64_t completed =
      OutboxCount("fineprint.analysis.events.v1.AnalysisCompleted");
  const int64_t claimed = app().workers().completed();

  v1::SubmitDocumentResponse second = Submit(a, text);
  EXPECT_EQ(second.job().state(), v1::SUCCEEDED);
  EXPECT_TRUE(second.job().cached());
  EXPECT_EQ(second.job().progress_percent(), 100);
  EXPECT_NE(second.document().name(), first.document().name());
  EXPECT_EQ(second.version().sha256(), first.version().sha256());
  // A copy of the stored result, and no analysis ran.
  EXPECT_EQ(Count("SELECT count(*) FROM analyses"), analyses + 1);
  EXPECT_EQ(OutboxCount("fineprint.analysis.events.v1.AnalysisCompleted"),
            completed + 1);
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(app().workers().completed(), claimed);
  v1::GetAnalysisRequest get;
  get.set_name(second.job().analysis());
  v1::Analysis analysis;
  ASSERT_TRUE(stub().GetAnalysis(Ctx(a.token).get(), get, &analysis).ok());
  EXPECT_EQ(analysis.name(), second.job().analysis());
  EXPECT_EQ(analysis.document(), second.document().name());
  EXPECT_GE(analysis.findings_size(), 3);

  // Another organisation never hits this org's cache.
  Account b = SignUp("other");
  EXPECT_FALSE(Submit(b, text).job().cached());
}

TEST_F(SubmitTest, RequestIdReplaysTheFirstResponse) {
  Account a = SignUp();
  v1::SubmitDocumentRequest req;
  req.set_parent(a.org.name());
  req.set_request_id("submit-once-1");
  req.set_text("Some terms. We may terminate your account at any time.");
  req.set_kind(v1::EULA);
  req.set_title("Replay");
  v1::SubmitDocumentResponse first, second;
  ASSERT_TRUE(TrySubmit(a, req, &first).ok());
  ASSERT_TRUE(TrySubmit(a, req, &second).ok());
  EXPECT_EQ(first.job().name(), second.job().name());
  EXPECT_EQ(
      Count("SELECT count(*) FROM documents WHERE org_id = $1", {a.org_id()}),
      1);
  req.set_title("Different");
  v1::SubmitDocumentResponse third;
  EXPECT_EQ(TrySubmit(a, req, &third).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(SubmitTest, NewVersionsAndListing) {
  Account a = SignUp();
  v1::SubmitDocumentResponse first = Submit(a, "Version one of the terms.");
  v1::SubmitDocumentRequest req;
  req.set_parent(a.org.name());
  req.set_document(first.document().name());
  req.set_text("Version two of the terms.");
  v1::SubmitDocumentResponse second;
  ASSERT_TRUE(TrySubmit(a, req, &second).ok());
  EXPECT_EQ(second.document().name(), first.document().name());
  EXPECT_NE(second.version().name(), first.version().name());
  EXPECT_EQ(second.document().kind(), v1::TERMS_OF_SERVICE);  // kept
  // Same text as the current version: that version is reused.
  v1::SubmitDocumentResponse third;
  ASSERT_TRUE(TrySubmit(a, req, &third).ok());
  EXPECT_EQ(third.version().name(), second.version().name());

  v1::ListDocumentVersionsRequest lv;
  lv.set_parent(first.document().name());
  lv.set_page_size(1);
  v1::ListDocumentVersionsResponse versions;
  ASSERT_TRUE(
      stub().ListDocumentVersions(Ctx(a.token).get(), lv, &versions).ok());
  ASSERT_EQ(versions.versions_size(), 1);
  EXPECT_EQ(versions.versions(0).name(), second.version().name());
  EXPECT_TRUE(versions.versions(0).text().empty());
  lv.set_page_token(versions.next_page_token());
  ASSERT_TRUE(
      stub().ListDocumentVersions(Ctx(a.token).get(), lv, &versions).ok());
  ASSERT_EQ(versions.versions_size(), 1);
  EXPECT_EQ(versions.versions(0).name(), first.version().name());
  EXPECT_TRUE(versions.next_page_token().empty());

  v1::GetDocumentVersionRequest gv;
  gv.set_name(first.version().name());
  gv.set_view(v1::FULL);
  v1::DocumentVersion full;
  ASSERT_TRUE(stub().GetDocumentVersion(Ctx(a.token).get(), gv, &full).ok());
  EXPECT_EQ(full.text(), "Version one of the terms.");

  Submit(a, "Another document.");
  v1::ListDocumentsRequest ld;
  ld.set_parent(a.org.name());
  ld.set_page_size(1);
  std::vector<std::string> names;
  do {
    v1::ListDocumentsResponse page;
    ASSERT_TRUE(stub().ListDocuments(Ctx(a.token).get(), ld, &page).ok());
    for (const auto& d : page.documents()) names.push_back(d.name());
    ld.set_page_token(page.next_page_token());
  } while (!ld.page_token().empty());
  EXPECT_EQ(names.size(), 2u);

  v1::ListJobsRequest lj;
  lj.set_parent(a.org.name());
  lj.set_document(first.document().name());
  v1::ListJobsResponse jobs;
  ASSERT_TRUE(stub().ListJobs(Ctx(a.token).get(), lj, &jobs).ok());
  EXPECT_EQ(jobs.jobs_size(), 3);
  for (const auto& j : jobs.jobs()) WaitForJob(a, j.name());
  lj.add_states(v1::SUCCEEDED);
  ASSERT_TRUE(stub().ListJobs(Ctx(a.token).get(), lj, &jobs).ok());
  EXPECT_EQ(jobs.jobs_size(), 3);
  lj.clear_states();
  lj.add_states(v1::QUEUED);
  ASSERT_TRUE(stub().ListJobs(Ctx(a.token).get(), lj, &jobs).ok());
  EXPECT_EQ(jobs.jobs_size(), 0);
}

TEST_F(SubmitTest, ViewersCannotSubmit) {
  Account a = SignUp();
  Account viewer = AddUser(a, idv1::VIEWER);
  const v1::SubmitDocumentRequest req = SubmitRequest(a.org.name(), "x");
  v1::SubmitDocumentResponse resp;
  EXPECT_EQ(TrySubmit(viewer, req, &resp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(TrySubmit(Account{a.user, a.org, ""}, req, &resp).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

}  // namespace
}  // namespace fineprint::analysis::testing
