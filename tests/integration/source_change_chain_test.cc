// Issue 9's event chain end to end, every hop real: a page served over
// loopback changes → monitoring's check records a version and writes
// SourceChanged → outbox relay → Kafka → analysis's consumer queues a
// re-analysis of the watch's document → worker → AnalysisCompleted whose
// delta names the added clause. Also the way back: analysis's
// DocumentSubmitted links the watch to its document. Prints the chain's
// latency (SourceChanged written → AnalysisCompleted written, both outbox
// timestamps on one PostgreSQL server's clock).

#include <cstdio>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "fineprint/analysis/events/v1/events.pb.h"
#include "fineprint/identity/v1/identity.grpc.pb.h"
#include "fineprint/monitoring/v1/monitoring.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "services/analysis/analysis_app.h"
#include "services/identity/identity_app.h"
#include "services/monitoring/monitoring_app.h"
#include "services/runtime/db/transaction.h"
#include "services/runtime/http/test_http_server.h"
#include "tests/testing/identity_test_client.h"
#include "tests/testing/kafka_broker.h"
#include "tests/testing/kit_options.h"
#include "tests/testing/shared_postgres.h"

namespace fineprint {
namespace {

namespace idv1 = ::fineprint::identity::v1;
namespace mv1 = ::fineprint::monitoring::v1;
using ::fineprint::analysis::events::v1::AnalysisCompleted;

constexpr char kPage[] =
    "<html><head><title>Acme terms</title></head><body>"
    "<nav>Home | Pricing</nav><main><h1>Terms of Service</h1>"
    "<h2>1. Billing</h2><p>Your subscription renews automatically.</p>"
    "%s</main><footer>(c) Acme</footer></body></html>";
constexpr char kArbitration[] =
    "<h2>2. Disputes</h2><p>Any dispute shall be resolved by binding "
    "arbitration.</p>";

std::string Page(bool with_arbitration) {
  std::string page = kPage;
  page.replace(page.find("%s"), 2, with_arbitration ? kArbitration : "");
  return page;
}

std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(30));
  if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
  return ctx;
}

class SourceChangeChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto bootstrap = broker_.Start();
    ASSERT_TRUE(bootstrap.ok()) << bootstrap.status();
    auto web = http::testing::TestHttpServer::Start("127.0.0.1");
    ASSERT_TRUE(web.ok()) << web.status();
    web_ = *std::move(web);

    auto identity = testing::StartTestIdentity(*bootstrap);
    ASSERT_TRUE(identity.ok()) << identity.status();
    identity_ = *std::move(identity);

    auto analysis_kit = testing::LocalKitOptions("analysis", *bootstrap,
                                                 identity_->grpc_target());
    ASSERT_TRUE(analysis_kit.ok()) << analysis_kit.status();
    analysis::AnalysisAppOptions an;
    static_cast<service::KitOptions&>(an) = *analysis_kit;
    auto analysis = analysis::AnalysisApp::Start(an);
    ASSERT_TRUE(analysis.ok()) << analysis.status();
    analysis_ = *std::move(analysis);

    auto monitoring_kit = testing::LocalKitOptions("monitoring", *bootstrap,
                                                   identity_->grpc_target());
    ASSERT_TRUE(monitoring_kit.ok()) << monitoring_kit.status();
    monitoring::MonitoringAppOptions mo;
    static_cast<service::KitOptions&>(mo) = *monitoring_kit;
    // The loopback server only; every other private address stays blocked.
    mo.fetcher.allow = *http::ParseIpRanges("127.0.0.1/32");
    mo.fetcher.domain_delay = absl::ZeroDuration();
    mo.config.check_now_min_interval = absl::ZeroDuration();
    mo.scheduler.poll = absl::Milliseconds(50);
    mo.workers.idle_poll = absl::Milliseconds(20);
    auto monitoring = monitoring::MonitoringApp::Start(mo);
    ASSERT_TRUE(monitoring.ok()) << monitoring.status();
    monitoring_ = *std::move(monitoring);

    identity_stub_ = idv1::IdentityService::NewStub(grpc::CreateChannel(
        identity_->grpc_target(), grpc::InsecureChannelCredentials()));
    monitoring_stub_ = mv1::MonitoringService::NewStub(grpc::CreateChannel(
        monitoring_->grpc_target(), grpc::InsecureChannelCredentials()));
  }

  // The newest AnalysisCompleted in analysis's outbox written after
  // `after_id`, with its outbox id and time; waits up to `timeout`.
  struct Completed {
    int64_t id = 0;
    absl::Time at;
    AnalysisCompleted event;
  };
  std::optional<Completed> WaitForCompleted(int64_t after_id,
                                            absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      std::optional<Completed> found;
      absl::Status s = db::RunInTransaction(
          analysis_->pool(), {}, [&](db::Tx& tx) -> absl::Status {
            auto r = tx.Execute(
                "SELECT id, occurred_at, encode(payload, 'hex') AS payload"
                " FROM outbox WHERE event_type = $1 AND id > $2"
                " ORDER BY id LIMIT 1",
                {AnalysisCompleted::descriptor()->full_name(), after_id});
            if (!r.ok()) return r.status();
            if (r->empty()) return absl::OkStatus();
            Completed c;
            auto id = (*r)[0].GetInt64("id");
            auto at = (*r)[0].GetTime("occurred_at");
            if (!id.ok()) return id.status();
            if (!at.ok()) return at.status();
            c.id = *id;
            c.at = *at;
            if (!c.event.ParseFromString(
                    absl::HexStringToBytes((*r)[0].Value("payload")))) {
              return absl::InternalError("unreadable AnalysisCompleted");
            }
            found = std::move(c);
            return absl::OkStatus();
          });
      EXPECT_TRUE(s.ok()) << s;
      if (found.has_value()) return found;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return std::nullopt;
  }

  // occurred_at of the SourceChanged monitoring wrote for `version`.
  absl::StatusOr<absl::Time> SourceChangedAt(const std::string& watch_id) {
    absl::Time at;
    FP_RETURN_IF_ERROR(db::RunInTransaction(
        monitoring_->pool(), {}, [&](db::Tx& tx) -> absl::Status {
          auto r = tx.Execute(
              "SELECT occurred_at FROM outbox WHERE event_type = $1"
              " AND aggregate_id = $2 ORDER BY id DESC LIMIT 1",
              {std::string("fineprint.monitoring.events.v1.SourceChanged"),
               watch_id});
          if (!r.ok()) return r.status();
          if (r->empty()) return absl::NotFoundError("no SourceChanged");
          auto t = (*r)[0].GetTime(0);
          if (!t.ok()) return t.status();
          at = *t;
          return absl::OkStatus();
        }));
    return at;
  }

  mv1::CheckNowResponse CheckNow(const std::string& token,
                                 const std::string& watch) {
    mv1::CheckNowRequest req;
    req.set_name(watch);
    mv1::CheckNowResponse resp;
    grpc::Status s = monitoring_stub_->CheckNow(Ctx(token).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  testing::KafkaBroker broker_;
  std::unique_ptr<http::testing::TestHttpServer> web_;
  std::unique_ptr<identity::IdentityApp> identity_;
  std::unique_ptr<analysis::AnalysisApp> analysis_;
  std::unique_ptr<monitoring::MonitoringApp> monitoring_;
  std::unique_ptr<idv1::IdentityService::Stub> identity_stub_;
  std::unique_ptr<mv1::MonitoringService::Stub> monitoring_stub_;
};

TEST_F(SourceChangeChainTest, APageChangeEndsInAnAnalysisNamingTheAddedClause) {
  idv1::SignUpRequest signup;
  signup.set_email("chain@example.com");
  signup.set_password("correct horse battery staple");
  signup.set_display_name("Chain");
  idv1::SignUpResponse account;
  grpc::Status s = identity_stub_->SignUp(Ctx("").get(), signup, &account);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const std::string token = account.tokens().access_token();

  web_->Handle(
      "/terms",
      {200, {{"Content-Type", "text/html; charset=utf-8"}}, Page(false)});
  mv1::CreateWatchRequest create;
  create.set_parent(account.organization().name());
  create.mutable_watch()->set_url(web_->Url("/terms"));
  create.mutable_watch()->set_display_name("Acme terms");
  create.mutable_watch()->set_kind(analysis::v1::TERMS_OF_SERVICE);
  mv1::Watch watch;
  s = monitoring_stub_->CreateWatch(Ctx(token).get(), create, &watch);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const std::string watch_id = watch.name().substr(watch.name().rfind('/') + 1);

  // The first version (the check the watch's creation schedules, or this
  // one) is analysed without a delta: there was nothing before it.
  CheckNow(token, watch.name());
  std::optional<Completed> first = WaitForCompleted(0, absl::Seconds(90));
  ASSERT_TRUE(first.has_value())
      << "no AnalysisCompleted for the first version";
  EXPECT_FALSE(first->event.has_delta());
  EXPECT_EQ(first->event.counts_per_category().count("BINDING_ARBITRATION"), 0);

  // analysis's DocumentSubmitted came back: the watch knows its document.
  const absl::Time link_deadline = absl::Now() + absl::Seconds(60);
  mv1::Watch linked;
  do {
    mv1::GetWatchRequest get;
    get.set_name(watch.name());
    linked.Clear();
    s = monitoring_stub_->GetWatch(Ctx(token).get(), get, &linked);
    ASSERT_TRUE(s.ok()) << s.error_message();
    if (!linked.document().empty()) break;
    absl::SleepFor(absl::Milliseconds(50));
  } while (absl::Now() < link_deadline);
  EXPECT_EQ(linked.document(), first->event.document());

  // The page gains a binding arbitration clause.
  web_->Handle(
      "/terms",
      {200, {{"Content-Type", "text/html; charset=utf-8"}}, Page(true)});
  const absl::Time asked = absl::Now();
  mv1::CheckNowResponse checked = CheckNow(token, watch.name());
  ASSERT_TRUE(checked.changed());
  EXPECT_GT(checked.version().lines_added(), 0);
  std::optional<Completed> second =
      WaitForCompleted(first->id, absl::Seconds(60));
  const absl::Time seen = absl::Now();
  ASSERT_TRUE(second.has_value()) << "no AnalysisCompleted for the change";

  const AnalysisCompleted& completed = second->event;
  EXPECT_EQ(completed.document(), first->event.document());
  EXPECT_NE(completed.version(), first->event.version());
  ASSERT_TRUE(completed.has_delta());
  ASSERT_GE(completed.delta().added_size(), 1);
  EXPECT_EQ(completed.delta().added(0).category(),
            analysis::v1::BINDING_ARBITRATION);
  EXPECT_NE(completed.delta().added(0).quote().find("binding arbitration"),
            std::string::npos);
  EXPECT_EQ(completed.delta().removed_size(), 0);
  EXPECT_EQ(completed.delta().previous_version(), first->event.version());
  EXPECT_EQ(completed.delta().score_before(), first->event.score());
  EXPECT_EQ(completed.delta().score_after(), completed.score());
  EXPECT_EQ(completed.delta().headline(),
            "A binding arbitration clause was added.");

  absl::StatusOr<absl::Time> noticed = SourceChangedAt(watch_id);
  ASSERT_TRUE(noticed.ok()) << noticed.status();
  const absl::Duration chain = second->at - *noticed;
  std::printf(
      "source change chain: SourceChanged written -> AnalysisCompleted "
      "written %.1f ms (CheckNow call -> AnalysisCompleted seen by the test "
      "%.1f ms); headline: %s\n",
      absl::ToDoubleMilliseconds(chain),
      absl::ToDoubleMilliseconds(seen - asked),
      completed.delta().headline().c_str());
  EXPECT_GE(chain, absl::ZeroDuration());
}

}  // namespace
}  // namespace fineprint
