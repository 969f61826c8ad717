#include "services/analysis/tests/analysis_fixture.h"

#include "tests/testing/kit_options.h"
#include "tests/testing/service_test_util.h"

namespace fineprint::analysis::testing {

std::unique_ptr<identity::IdentityApp> AnalysisTest::identity_;
std::unique_ptr<idv1::IdentityService::Stub> AnalysisTest::identity_stub_;
std::unique_ptr<AnalysisApp> AnalysisTest::app_;
std::unique_ptr<v1::AnalysisService::Stub> AnalysisTest::stub_;

void AnalysisTest::StartApps(std::function<void(AnalysisAppOptions&)> customize,
                             const std::string& kafka) {
  auto identity = fineprint::testing::StartTestIdentity(kafka);
  ASSERT_TRUE(identity.ok()) << identity.status();
  identity_ = *std::move(identity);
  identity_stub_ = fineprint::testing::ConnectInsecure<idv1::IdentityService>(
      identity_->grpc_target());

  auto kit = fineprint::testing::LocalKitOptions("analysis", kafka,
                                                 identity_->grpc_target(), 8);
  ASSERT_TRUE(kit.ok()) << kit.status();
  AnalysisAppOptions options;
  static_cast<service::KitOptions&>(options) = *kit;
  if (customize) customize(options);
  auto app = AnalysisApp::Start(options);
  ASSERT_TRUE(app.ok()) << app.status();
  app_ = *std::move(app);
  stub_ = fineprint::testing::ConnectInsecure<v1::AnalysisService>(
      app_->grpc_target());
}

void AnalysisTest::TearDownTestSuite() {
  stub_.reset();
  app_.reset();
  identity_stub_.reset();
  identity_.reset();
}

std::unique_ptr<grpc::ClientContext> AnalysisTest::Ctx(const std::string& token,
                                                       int seconds) {
  return fineprint::testing::ClientContext(token, absl::Seconds(seconds));
}

Account AnalysisTest::SignUp(absl::string_view tag, idv1::Plan plan) {
  return fineprint::testing::SignUpOwner(*identity_stub_, tag, plan);
}

void AnalysisTest::ChangePlan(Account& owner, idv1::Plan plan) {
  fineprint::testing::ChangePlan(*identity_stub_, owner, plan);
}

Account AnalysisTest::AddUser(const Account& owner, idv1::Role role) {
  return fineprint::testing::AddMember(*identity_stub_, owner, role);
}

grpc::Status AnalysisTest::TrySubmit(const Account& a,
                                     const v1::SubmitDocumentRequest& req,
                                     v1::SubmitDocumentResponse* resp) {
  return stub_->SubmitDocument(Ctx(a.token).get(), req, resp);
}

v1::SubmitDocumentRequest AnalysisTest::SubmitRequest(const std::string& parent,
                                                      const std::string& text) {
  v1::SubmitDocumentRequest req;
  req.set_parent(parent);
  req.set_text(text);
  req.set_kind(v1::TERMS_OF_SERVICE);
  req.set_title("Acme Terms");
  return req;
}

v1::SubmitDocumentResponse AnalysisTest::Submit(const Account& a,
                                                const std::string& text,
                                                bool low_priority) {
  v1::SubmitDocumentRequest req = SubmitRequest(a.org.name(), text);
  req.set_low_priority(low_priority);
  v1::SubmitDocumentResponse resp;
  grpc::Status s = TrySubmit(a, req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return resp;
}

v1::AnalysisJob AnalysisTest::GetJob(const Account& a,
                                     const std::string& name) {
  v1::GetJobRequest req;
  req.set_name(name);
  v1::AnalysisJob job;
  grpc::Status s = stub_->GetJob(Ctx(a.token).get(), req, &job);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return job;
}

v1::AnalysisJob AnalysisTest::WaitForJob(const Account& a,
                                         const std::string& name,
                                         v1::JobState state,
                                         absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  v1::AnalysisJob job;
  while (absl::Now() < deadline) {
    job = GetJob(a, name);
    if (state == v1::JOB_STATE_UNSPECIFIED ? IsTerminal(job.state())
                                           : job.state() == state) {
      return job;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  ADD_FAILURE() << "job " << name << " stuck in "
                << v1::JobState_Name(job.state());
  return job;
}

absl::Status AnalysisTest::Exec(absl::string_view sql,
                                std::vector<db::Param> params) {
  return fineprint::testing::Exec(pool(), sql, std::move(params));
}

int64_t AnalysisTest::Count(absl::string_view sql,
                            std::vector<db::Param> params) {
  return fineprint::testing::QueryInt64(pool(), sql, std::move(params));
}

int64_t AnalysisTest::OutboxCount(absl::string_view event_type) {
  return Count("SELECT count(*) FROM outbox WHERE event_type = $1",
               {std::string(event_type)});
}

}  // namespace fineprint::analysis::testing
