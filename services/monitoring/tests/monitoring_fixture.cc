#include "services/monitoring/tests/monitoring_fixture.h"

#include <atomic>

#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "services/runtime/db/transaction.h"
#include "tests/testing/shared_postgres.h"

namespace fineprint::monitoring::testing {

std::unique_ptr<identity::IdentityApp> MonitoringTest::identity_;
std::unique_ptr<idv1::IdentityService::Stub> MonitoringTest::identity_stub_;
std::unique_ptr<MonitoringApp> MonitoringTest::app_;
std::unique_ptr<v1::MonitoringService::Stub> MonitoringTest::stub_;
std::unique_ptr<http::testing::TestHttpServer> MonitoringTest::web_;

void MonitoringTest::StartApps(
    std::function<void(MonitoringAppOptions&)> customize) {
  auto web = http::testing::TestHttpServer::Start("127.0.0.1");
  ASSERT_TRUE(web.ok()) << web.status();
  web_ = *std::move(web);

  auto identity_dsn = fineprint::testing::NewTestDatabase("identity");
  ASSERT_TRUE(identity_dsn.ok()) << identity_dsn.status();
  identity::IdentityAppOptions id_options;
  id_options.pg_dsn = *identity_dsn;
  id_options.pg_pool_size = 4;
  id_options.host.host = "127.0.0.1";
  id_options.host.admin_port = -1;
  id_options.config.password_cost = {1, 8 * 1024 * 1024};
  auto identity = identity::IdentityApp::Start(id_options);
  ASSERT_TRUE(identity.ok()) << identity.status();
  identity_ = *std::move(identity);
  identity_stub_ = idv1::IdentityService::NewStub(grpc::CreateChannel(
      identity_->grpc_target(), grpc::InsecureChannelCredentials()));

  auto dsn = fineprint::testing::NewTestDatabase("monitoring");
  ASSERT_TRUE(dsn.ok()) << dsn.status();
  MonitoringAppOptions options;
  options.pg_dsn = *dsn;
  options.pg_pool_size = 8;
  options.host.host = "127.0.0.1";
  options.host.admin_port = -1;
  options.identity_target = identity_->grpc_target();
  options.fetcher.allow = *http::ParseIpRanges("127.0.0.1/32");
  options.fetcher.domain_delay = absl::ZeroDuration();
  options.fetcher.total_timeout = absl::Seconds(2);
  options.config.check_now_min_interval = absl::ZeroDuration();
  options.scheduler.poll = absl::Milliseconds(50);
  options.workers.idle_poll = absl::Milliseconds(20);
  if (customize) customize(options);
  auto app = MonitoringApp::Start(options);
  ASSERT_TRUE(app.ok()) << app.status();
  app_ = *std::move(app);
  stub_ = v1::MonitoringService::NewStub(grpc::CreateChannel(
      app_->grpc_target(), grpc::InsecureChannelCredentials()));
}

void MonitoringTest::TearDownTestSuite() {
  stub_.reset();
  app_.reset();
  identity_stub_.reset();
  identity_.reset();
  web_.reset();
}

std::unique_ptr<grpc::ClientContext> MonitoringTest::Ctx(
    const std::string& token, int seconds) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(seconds));
  if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
  return ctx;
}

Account MonitoringTest::SignUp(idv1::Plan plan) {
  static std::atomic<int> n{0};
  idv1::SignUpRequest req;
  req.set_email(absl::StrCat("owner.", getpid(), ".", n++, "@example.com"));
  req.set_password("correct horse battery staple");
  req.set_display_name("Test");
  idv1::SignUpResponse resp;
  grpc::Status s = identity_stub_->SignUp(Ctx("").get(), req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  Account a;
  a.user = resp.user();
  a.org = resp.organization();
  a.token = resp.tokens().access_token();
  if (plan != idv1::FREE) {
    idv1::ChangePlanRequest change;
    change.set_name(a.org.name());
    change.set_plan(plan);
    s = identity_stub_->ChangePlan(Ctx(a.token).get(), change, &a.org);
    EXPECT_TRUE(s.ok()) << s.error_message();
    idv1::LoginRequest login;
    login.set_email(req.email());
    login.set_password(req.password());
    idv1::AuthTokens tokens;
    s = identity_stub_->Login(Ctx("").get(), login, &tokens);
    EXPECT_TRUE(s.ok()) << s.error_message();
    a.token = tokens.access_token();
  }
  return a;
}

grpc::Status MonitoringTest::TryCreate(const Account& a, const v1::Watch& watch,
                                       v1::Watch* out,
                                       const std::string& request_id) {
  v1::CreateWatchRequest req;
  req.set_parent(a.org.name());
  *req.mutable_watch() = watch;
  req.set_request_id(request_id);
  return stub_->CreateWatch(Ctx(a.token).get(), req, out);
}

v1::Watch MonitoringTest::Create(const Account& a, const std::string& path,
                                 std::function<void(v1::Watch&)> customize) {
  v1::Watch w;
  w.set_url(web_->Url(path));
  w.set_display_name("Acme terms");
  w.set_kind(analysis::v1::TERMS_OF_SERVICE);
  if (customize) customize(w);
  v1::Watch out;
  grpc::Status s = TryCreate(a, w, &out);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return out;
}

v1::Watch MonitoringTest::Get(const Account& a, const std::string& name) {
  v1::GetWatchRequest req;
  req.set_name(name);
  v1::Watch w;
  grpc::Status s = stub_->GetWatch(Ctx(a.token).get(), req, &w);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return w;
}

v1::CheckNowResponse MonitoringTest::CheckNow(const Account& a,
                                              const std::string& name) {
  v1::CheckNowRequest req;
  req.set_name(name);
  v1::CheckNowResponse resp;
  grpc::Status s = stub_->CheckNow(Ctx(a.token, 20).get(), req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return resp;
}

absl::Status MonitoringTest::Exec(absl::string_view sql,
                                  std::vector<db::Param> params) {
  return db::RunInTransaction(pool(), {}, [&](db::Tx& tx) -> absl::Status {
    return tx.Execute(sql, params).status();
  });
}

int64_t MonitoringTest::Count(absl::string_view sql,
                              std::vector<db::Param> params) {
  int64_t n = -1;
  absl::Status s =
      db::RunInTransaction(pool(), {}, [&](db::Tx& tx) -> absl::Status {
        auto r = tx.Execute(sql, params);
        if (!r.ok()) return r.status();
        auto v = (*r)[0].GetInt64(0);
        if (!v.ok()) return v.status();
        n = *v;
        return absl::OkStatus();
      });
  EXPECT_TRUE(s.ok()) << s;
  return n;
}

}  // namespace fineprint::monitoring::testing
