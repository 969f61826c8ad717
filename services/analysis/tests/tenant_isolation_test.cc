// One organisation can neither see nor touch another's documents, versions,
// jobs or results; every name of another tenant is PERMISSION_DENIED, and
// lists only ever show the caller's own rows.

#include "services/analysis/tests/analysis_fixture.h"

namespace fineprint::analysis::testing {
namespace {

using TenantIsolationTest = AnalysisTest;

TEST_F(TenantIsolationTest, AnotherOrganisationsResourcesAreOutOfReach) {
  Account a = SignUp("alice");
  Account b = SignUp("bob");
  v1::SubmitDocumentResponse mine = Submit(a, kTermsText);
  ASSERT_EQ(WaitForJob(a, mine.job().name()).state(), v1::SUCCEEDED);
  const auto denied = grpc::StatusCode::PERMISSION_DENIED;
  auto ctx = [&] { return Ctx(b.token); };

  v1::GetDocumentRequest gd;
  gd.set_name(mine.document().name());
  v1::Document doc;
  EXPECT_EQ(stub().GetDocument(ctx().get(), gd, &doc).error_code(), denied);

  v1::GetDocumentVersionRequest gv;
  gv.set_name(mine.version().name());
  gv.set_view(v1::FULL);
  v1::DocumentVersion version;
  EXPECT_EQ(stub().GetDocumentVersion(ctx().get(), gv, &version).error_code(),
            denied);

  v1::ListDocumentVersionsRequest lv;
  lv.set_parent(mine.document().name());
  v1::ListDocumentVersionsResponse versions;
  EXPECT_EQ(
      stub().ListDocumentVersions(ctx().get(), lv, &versions).error_code(),
      denied);

  v1::GetJobRequest gj;
  gj.set_name(mine.job().name());
  v1::AnalysisJob job;
  EXPECT_EQ(stub().GetJob(ctx().get(), gj, &job).error_code(), denied);

  v1::GetAnalysisRequest ga;
  ga.set_name(mine.job().name() + "/analysis");
  v1::Analysis analysis;
  EXPECT_EQ(stub().GetAnalysis(ctx().get(), ga, &analysis).error_code(),
            denied);

  v1::CancelJobRequest cj;
  cj.set_name(mine.job().name());
  EXPECT_EQ(stub().CancelJob(ctx().get(), cj, &job).error_code(), denied);
  v1::RequeueJobRequest rj;
  rj.set_name(mine.job().name());
  EXPECT_EQ(stub().RequeueJob(ctx().get(), rj, &job).error_code(), denied);

  v1::ListDocumentsRequest ld;
  ld.set_parent(a.org.name());
  v1::ListDocumentsResponse docs;
  EXPECT_EQ(stub().ListDocuments(ctx().get(), ld, &docs).error_code(), denied);
  v1::ListJobsRequest lj;
  lj.set_parent(a.org.name());
  v1::ListJobsResponse jobs;
  EXPECT_EQ(stub().ListJobs(ctx().get(), lj, &jobs).error_code(), denied);

  // Submitting into another org, or as a new version of its document.
  v1::SubmitDocumentRequest sd = SubmitRequest(a.org.name(), "x");
  v1::SubmitDocumentResponse resp;
  EXPECT_EQ(TrySubmit(b, sd, &resp).error_code(), denied);
  sd.set_parent(b.org.name());
  sd.set_document(mine.document().name());
  EXPECT_EQ(TrySubmit(b, sd, &resp).error_code(), denied);
  // The same ids under B's own org are simply not found.
  gj.set_name(JobName(
      b.org_id(), mine.job().name().substr(mine.job().name().rfind('/') + 1)));
  EXPECT_EQ(stub().GetJob(ctx().get(), gj, &job).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // B's own lists do not include A's rows.
  ld.set_parent(b.org.name());
  ASSERT_TRUE(stub().ListDocuments(ctx().get(), ld, &docs).ok());
  EXPECT_EQ(docs.documents_size(), 0);
  lj.set_parent(b.org.name());
  ASSERT_TRUE(stub().ListJobs(ctx().get(), lj, &jobs).ok());
  EXPECT_EQ(jobs.jobs_size(), 0);
  // A page token of A's list does not work on B's.
  ld.set_parent(a.org.name());
  ld.set_page_size(1);
  Submit(a, "second doc");
  ASSERT_TRUE(stub().ListDocuments(Ctx(a.token).get(), ld, &docs).ok());
  ASSERT_FALSE(docs.next_page_token().empty());
  ld.set_parent(b.org.name());
  ld.set_page_token(docs.next_page_token());
  EXPECT_EQ(stub().ListDocuments(ctx().get(), ld, &docs).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace fineprint::analysis::testing
