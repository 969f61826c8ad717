#include "services/analysis/tests/analysis_fixture.h"

#include "absl/strings/str_cat.h"
#include "tests/testing/service_test_util.h"
#include "tests/testing/shared_postgres.h"

namespace fineprint::analysis::testing {

std::unique_ptr<identity::IdentityApp> AnalysisTest::identity_;
std::unique_ptr<idv1::IdentityService::Stub> AnalysisTest::identity_stub_;
std::unique_ptr<AnalysisApp> AnalysisTest::app_;
std::unique_ptr<v1::AnalysisService::Stub> AnalysisTest::stub_;

void AnalysisTest::StartApps(std::function<void(AnalysisAppOptions&)> customize,
                             const std::string& kafka) {
  auto identity_dsn = fineprint::testing::NewTestDatabase("identity");
  ASSERT_TRUE(identity_dsn.ok()) << identity_dsn.status();
  identity::IdentityAppOptions id_options;
  id_options.pg_dsn = *identity_dsn;
  id_options.pg_pool_size = 4;
  id_options.host.host = "127.0.0.1";
  id_options.host.admin_port = -1;
  id_options.config.password_cost = {1, 8 * 1024 * 1024};
  id_options.kafka_bootstrap_servers = kafka;
  auto identity = identity::IdentityApp::Start(id_options);
  ASSERT_TRUE(identity.ok()) << identity.status();
  identity_ = *std::move(identity);
  identity_stub_ = fineprint::testing::ConnectInsecure<idv1::IdentityService>(
      identity_->grpc_target());

  auto dsn = fineprint::testing::NewTestDatabase("analysis");
  ASSERT_TRUE(dsn.ok()) << dsn.status();
  AnalysisAppOptions options;
  options.pg_dsn = *dsn;
  options.pg_pool_size = 8;
  options.host.host = "127.0.0.1";
  options.host.admin_port = -1;
  options.identity_target = identity_->grpc_target();
  options.kafka_bootstrap_servers = kafka;
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

Account AnalysisTest::SignUp(absl::string_view tag) {
  idv1::SignUpRequest req;
  req.set_email(fineprint::testing::UniqueEmail(tag));
  req.set_password("correct horse battery staple");
  req.set_display_name("Test");
  idv1::SignUpResponse resp;
  grpc::Status s = identity_stub_->SignUp(Ctx("").get(), req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  Account a;
  a.user = resp.user();
  a.org = resp.organization();
  a.token = resp.tokens().access_token();
  // Keep the credentials to log in again after a plan change.
  a.user.set_email(req.email());
  return a;
}

void AnalysisTest::ChangePlan(Account& owner, idv1::Plan plan) {
  idv1::ChangePlanRequest req;
  req.set_name(owner.org.name());
  req.set_plan(plan);
  grpc::Status s =
      identity_stub_->ChangePlan(Ctx(owner.token).get(), req, &owner.org);
  ASSERT_TRUE(s.ok()) << s.error_message();
  idv1::LoginRequest login;
  login.set_email(owner.user.email());
  login.set_password("correct horse battery staple");
  idv1::AuthTokens tokens;
  s = identity_stub_->Login(Ctx("").get(), login, &tokens);
  ASSERT_TRUE(s.ok()) << s.error_message();
  owner.token = tokens.access_token();
}

Account AnalysisTest::AddUser(const Account& owner, idv1::Role role) {
  Account a;
  a.org = owner.org;
  idv1::CreateUserRequest req;
  req.set_parent(owner.org.name());
  req.mutable_user()->set_email(
      fineprint::testing::UniqueEmail(idv1::Role_Name(role)));
  req.mutable_user()->set_display_name("Member");
  req.mutable_user()->set_role(role);
  req.set_password("correct horse battery staple");
  grpc::Status s =
      identity_stub_->CreateUser(Ctx(owner.token).get(), req, &a.user);
  EXPECT_TRUE(s.ok()) << s.error_message();
  idv1::LoginRequest login;
  login.set_email(req.user().email());
  login.set_password(req.password());
  idv1::AuthTokens tokens;
  s = identity_stub_->Login(Ctx("").get(), login, &tokens);
  EXPECT_TRUE(s.ok()) << s.error_message();
  a.token = tokens.access_token();
  return a;
}

grpc::Status AnalysisTest::TrySubmit(const Account& a,
                                     const v1::SubmitDocumentRequest& req,
                                     v1::SubmitDocumentResponse* resp) {
  return stub_->SubmitDocument(Ctx(a.token).get(), req, resp);
}

v1::SubmitDocumentResponse AnalysisTest::Submit(const Account& a,
                                                const std::string& text,
                                                bool low_priority) {
  v1::SubmitDocumentRequest req;
  req.set_parent(a.org.name());
  req.set_text(text);
  req.set_kind(v1::TERMS_OF_SERVICE);
  req.set_title("Acme Terms");
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
