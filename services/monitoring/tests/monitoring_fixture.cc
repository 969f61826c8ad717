#include "services/monitoring/tests/monitoring_fixture.h"

#include "services/runtime/db/transaction.h"
#include "tests/testing/kit_options.h"
#include "tests/testing/service_test_util.h"

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

  auto identity = fineprint::testing::StartTestIdentity();
  ASSERT_TRUE(identity.ok()) << identity.status();
  identity_ = *std::move(identity);
  identity_stub_ = fineprint::testing::ConnectInsecure<idv1::IdentityService>(
      identity_->grpc_target());

  auto kit = fineprint::testing::LocalKitOptions("monitoring", "",
                                                 identity_->grpc_target(), 8);
  ASSERT_TRUE(kit.ok()) << kit.status();
  MonitoringAppOptions options;
  static_cast<service::KitOptions&>(options) = *kit;
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
  stub_ = fineprint::testing::ConnectInsecure<v1::MonitoringService>(
      app_->grpc_target());
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
  return fineprint::testing::ClientContext(token, absl::Seconds(seconds));
}

Account MonitoringTest::SignUp(idv1::Plan plan) {
  return fineprint::testing::SignUpOwner(*identity_stub_, "owner", plan);
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
