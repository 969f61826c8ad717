// Watch CRUD through real gRPC: validation, idempotency, paging, plans,
// pause/resume, CheckNow's rate limit, tenancy.

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "services/monitoring/tests/monitoring_fixture.h"
#include "services/runtime/status/status.h"

namespace fineprint::monitoring::testing {
namespace {

class WatchesTest : public MonitoringTest {
 protected:
  static void SetUpTestSuite() {
    StartApps([](MonitoringAppOptions& o) {
      o.config.check_now_min_interval = absl::Seconds(30);
      o.workers.workers = 1;
    });
  }
};

std::vector<std::string> ViolatedFields(const grpc::Status& s) {
  google::rpc::BadRequest bad;
  status::GetDetail(status::FromGrpc(s), &bad);
  std::vector<std::string> fields;
  for (const auto& v : bad.field_violations()) fields.push_back(v.field());
  return fields;
}

TEST_F(WatchesTest, CreateGetAndSchedule) {
  Account a = SignUp();
  web().Handle("/crud", {200, {{"Content-Type", "text/plain"}}, "Terms"});
  v1::Watch w = Create(a, "/crud");
  EXPECT_TRUE(absl::StartsWith(w.name(), a.org.name() + "/watches/"));
  EXPECT_EQ(w.state(), v1::ACTIVE);
  EXPECT_EQ(w.check_interval().seconds(), 24 * 3600);
  EXPECT_EQ(w.kind(), analysis::v1::TERMS_OF_SERVICE);
  EXPECT_TRUE(w.has_next_check_time());  // due at once
  EXPECT_EQ(Get(a, w.name()).url(), w.url());
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE event_type = $1 AND "
                  "aggregate_id = $2",
                  {"fineprint.monitoring.events.v1.WatchCreated",
                   w.name().substr(w.name().rfind('/') + 1)}),
            1);
}

TEST_F(WatchesTest, BadInputIsRejectedAndNothingStored) {
  Account a = SignUp();
  const int64_t before = Count("SELECT count(*) FROM watches");
  struct Case {
    std::string field;
    std::function<void(v1::Watch&)> edit;
  };
  std::vector<Case> cases = {
      {"watch.url", [](v1::Watch& w) { w.set_url("not a url"); }},
      {"watch.url", [](v1::Watch& w) { w.set_url("file:///etc/passwd"); }},
      {"watch.url", [](v1::Watch& w) { w.set_url("ftp://example.com/terms"); }},
      {"watch.url", [](v1::Watch& w) { w.set_url("gopher://example.com/"); }},
      {"watch.url", [](v1::Watch& w) { w.set_url(""); }},
      {"watch.url",
       [](v1::Watch& w) {
         w.set_url("http://example.com/" + std::string(3000, 'a'));
       }},
      // Loopback outside the allow-list, private, link-local (metadata).
      {"watch.url", [](v1::Watch& w) { w.set_url("http://127.0.0.2/terms"); }},
      {"watch.url", [](v1::Watch& w) { w.set_url("http://10.1.2.3/terms"); }},
      {"watch.url",
       [](v1::Watch& w) { w.set_url("http://169.254.169.254/latest"); }},
      {"watch.url", [](v1::Watch& w) { w.set_url("http://[::1]/terms"); }},
      {"watch.css_selector",
       [](v1::Watch& w) { w.set_css_selector("div > p"); }},
      {"watch.css_selector",
       [](v1::Watch& w) { w.set_css_selector("a[href"); }},
      {"watch.ignore_patterns[0]",
       [](v1::Watch& w) { w.add_ignore_patterns("(unclosed"); }},
      {"watch.check_interval",
       [](v1::Watch& w) { w.mutable_check_interval()->set_seconds(3600); }},
      {"watch.kind",
       [](v1::Watch& w) {
         w.set_kind(static_cast<analysis::v1::DocumentKind>(99));
       }},
      {"watch.confirm_checks", [](v1::Watch& w) { w.set_confirm_checks(11); }},
      {"watch.confirm_checks", [](v1::Watch& w) { w.set_confirm_checks(-1); }},
  };
  for (const Case& c : cases) {
    v1::Watch w;
    w.set_url(web().Url("/ok"));
    c.edit(w);
    v1::Watch out;
    grpc::Status s = TryCreate(a, w, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_EQ(ViolatedFields(s), std::vector<std::string>{c.field}) << w.url();
  }
  EXPECT_EQ(Count("SELECT count(*) FROM watches"), before);
  EXPECT_EQ(Count("SELECT count(*) FROM checks"), before);
}

TEST_F(WatchesTest, PlanMinimumInterval) {
  Account premium = SignUp(idv1::PREMIUM);
  v1::Watch w;
  w.set_url(web().Url("/plan"));
  w.mutable_check_interval()->set_seconds(3600);
  v1::Watch out;
  EXPECT_TRUE(TryCreate(premium, w, &out).ok());
  w.mutable_check_interval()->set_seconds(15 * 60);
  grpc::Status s = TryCreate(premium, w, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  Account enterprise = SignUp(idv1::ENTERPRISE);
  EXPECT_TRUE(TryCreate(enterprise, w, &out).ok());
  EXPECT_EQ(out.check_interval().seconds(), 15 * 60);
}

TEST_F(WatchesTest, CreateIsIdempotentByRequestId) {
  Account a = SignUp();
  v1::Watch w;
  w.set_url(web().Url("/idem"));
  v1::Watch first, second;
  ASSERT_TRUE(TryCreate(a, w, &first, "req-1").ok());
  ASSERT_TRUE(TryCreate(a, w, &second, "req-1").ok());
  EXPECT_EQ(first.name(), second.name());
  EXPECT_EQ(
      Count("SELECT count(*) FROM watches WHERE org_id = $1", {a.org_id()}), 1);
  w.set_display_name("different");
  EXPECT_EQ(TryCreate(a, w, &second, "req-1").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(WatchesTest, ListPagesInCreationOrder) {
  Account a = SignUp();
  std::vector<std::string> names;
  for (int i = 0; i < 5; ++i)
    names.push_back(Create(a, absl::StrCat("/list", i)).name());
  std::vector<std::string> seen;
  std::string token;
  do {
    v1::ListWatchesRequest req;
    req.set_parent(a.org.name());
    req.set_page_size(2);
    req.set_page_token(token);
    v1::ListWatchesResponse resp;
    grpc::Status s = stub().ListWatches(Ctx(a.token).get(), req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_LE(resp.watches_size(), 2);
    for (const auto& w : resp.watches()) seen.push_back(w.name());
    token = resp.next_page_token();
  } while (!token.empty());
  EXPECT_EQ(seen, names);
}

TEST_F(WatchesTest, PauseResumeAndUpdate) {
  Account a = SignUp();
  v1::Watch w = Create(a, "/pause");
  v1::UpdateWatchRequest req;
  *req.mutable_watch() = w;
  req.mutable_watch()->set_state(v1::PAUSED);
  req.mutable_update_mask()->add_paths("state");
  v1::Watch paused;
  // The first check may still be running; it reschedules into PAUSED.
  ASSERT_TRUE(stub().UpdateWatch(Ctx(a.token).get(), req, &paused).ok());
  EXPECT_EQ(paused.state(), v1::PAUSED);
  absl::SleepFor(absl::Milliseconds(500));
  paused = Get(a, w.name());
  EXPECT_FALSE(paused.has_next_check_time());
  EXPECT_EQ(
      Count(
          "SELECT count(*) FROM checks WHERE org_id = $1 AND state = 'PAUSED'",
          {a.org_id()}),
      1);

  // A stale etag is refused.
  req.mutable_watch()->set_state(v1::ACTIVE);
  req.mutable_watch()->set_etag(w.etag());
  v1::Watch resumed;
  EXPECT_EQ(stub().UpdateWatch(Ctx(a.token).get(), req, &resumed).error_code(),
            grpc::StatusCode::ABORTED);
  req.mutable_watch()->set_etag(paused.etag());
  req.mutable_update_mask()->add_paths("css_selector");
  req.mutable_update_mask()->add_paths("ignore_patterns");
  req.mutable_watch()->set_css_selector("main .terms");
  req.mutable_watch()->add_ignore_patterns("^Last updated");
  ASSERT_TRUE(stub().UpdateWatch(Ctx(a.token).get(), req, &resumed).ok());
  EXPECT_EQ(resumed.state(), v1::ACTIVE);
  EXPECT_TRUE(resumed.has_next_check_time());
  EXPECT_EQ(resumed.css_selector(), "main .terms");
  ASSERT_EQ(resumed.ignore_patterns_size(), 1);

  req.mutable_watch()->set_etag("");
  req.mutable_watch()->set_css_selector("p:hover");
  v1::Watch bad;
  grpc::Status s = stub().UpdateWatch(Ctx(a.token).get(), req, &bad);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Get(a, w.name()).css_selector(), "main .terms");
}

TEST_F(WatchesTest, CheckNowIsRateLimitedPerWatch) {
  Account a = SignUp();
  web().Handle("/rate", {200, {{"Content-Type", "text/plain"}}, "Terms v1"});
  v1::Watch w = Create(a, "/rate");
  v1::CheckNowResponse first = CheckNow(a, w.name());
  EXPECT_EQ(first.watch().check_status(), v1::CHECK_OK);
  v1::CheckNowRequest req;
  req.set_name(w.name());
  v1::CheckNowResponse resp;
  grpc::Status s = stub().CheckNow(Ctx(a.token).get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  // Another watch is not affected.
  v1::Watch other = Create(a, "/rate");
  EXPECT_TRUE(CheckNow(a, other.name()).watch().has_last_check_time());
}

TEST_F(WatchesTest, TenantsAreIsolated) {
  Account a = SignUp(), b = SignUp();
  v1::Watch w = Create(a, "/tenant");
  v1::GetWatchRequest get;
  get.set_name(w.name());
  v1::Watch out;
  EXPECT_EQ(stub().GetWatch(Ctx(b.token).get(), get, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::ListWatchesRequest list;
  list.set_parent(a.org.name());
  v1::ListWatchesResponse resp;
  EXPECT_EQ(stub().ListWatches(Ctx(b.token).get(), list, &resp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::DeleteWatchRequest del;
  del.set_name(w.name());
  google::protobuf::Empty empty;
  EXPECT_EQ(stub().DeleteWatch(Ctx(b.token).get(), del, &empty).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(stub().DeleteWatch(Ctx(a.token).get(), del, &empty).ok());
  EXPECT_EQ(stub().GetWatch(Ctx(a.token).get(), get, &out).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(
      Count("SELECT count(*) FROM checks WHERE org_id = $1", {a.org_id()}), 0);
}

}  // namespace
}  // namespace fineprint::monitoring::testing
