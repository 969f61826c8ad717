// Webhooks end to end: a Python receiver verifies every delivery with the
// Standard Webhooks reference library (PyPI standardwebhooks); retries on a
// compressed schedule, re-signed per attempt (a rotation mid-retry adds the
// new signature); 410 disables; Retry-After is honoured; a webhook failing
// past the limit is disabled and its owners told; bad input is refused with
// field violations and nothing stored.

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fineprint/analysis/events/v1/events.pb.h"
#include "fineprint/monitoring/events/v1/events.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "services/notification/delivery.h"
#include "services/notification/tests/notification_fixture.h"
#include "services/runtime/status/status.h"

namespace fineprint::notification::testing {
namespace {

namespace aev1 = ::fineprint::analysis::events::v1;
namespace mev1 = ::fineprint::monitoring::events::v1;

constexpr char kSourceChanged[] =
    "fineprint.monitoring.events.v1.SourceChanged";

struct Receipt {
  std::string path;
  std::string webhook_id;
  double received_at = 0;
  std::set<int> verified;
  int signatures = 0;
  std::string type;
};

std::vector<Receipt> Receipts(Receiver& r, const std::string& path) {
  google::protobuf::ListValue list;
  EXPECT_TRUE(
      google::protobuf::util::JsonStringToMessage(r.LogJson(), &list).ok());
  std::vector<Receipt> out;
  for (const auto& v : list.values()) {
    const auto& f = v.struct_value().fields();
    if (f.at("path").string_value() != path) continue;
    Receipt rc;
    rc.path = path;
    rc.webhook_id = f.at("webhook_id").string_value();
    rc.received_at = f.at("received_at").number_value();
    for (const auto& i : f.at("verified").list_value().values()) {
      rc.verified.insert(static_cast<int>(i.number_value()));
    }
    rc.signatures = static_cast<int>(f.at("signatures").number_value());
    rc.type = f.at("type").string_value();
    out.push_back(rc);
  }
  return out;
}

class WebhooksTest : public NotificationTest {
 protected:
  static void SetUpTestSuite() {
    receiver_ = Receiver::Start();
    ASSERT_NE(receiver_, nullptr);
    StartApps([](NotificationAppOptions& o) {
      o.config.allow_http_webhooks = true;
      o.outbound_allow = *http::ParseIpRanges("127.0.0.1/32");
      o.config.retry_schedule = {absl::Milliseconds(300),
                                 absl::Milliseconds(600)};
      o.config.disable_after = absl::Seconds(3);
      o.jitter_unit = [] { return 0.5; };  // delays exactly as scheduled
    });
  }
  static void TearDownTestSuite() {
    NotificationTest::TearDownTestSuite();
    receiver_.reset();
  }

  static grpc::Status TryCreate(const Account& a, const v1::Webhook& w,
                                v1::CreateWebhookResponse* out) {
    v1::CreateWebhookRequest req;
    req.set_parent(a.org.name());
    *req.mutable_webhook() = w;
    return stub().CreateWebhook(Ctx(a.token).get(), req, out);
  }

  static v1::CreateWebhookResponse Create(const Account& a,
                                          const std::string& path,
                                          std::vector<std::string> types = {
                                              kSourceChanged}) {
    v1::Webhook w;
    w.set_url(receiver_->Url(path));
    w.set_active(true);
    w.set_display_name("receiver");
    for (auto& t : types) w.add_event_types(t);
    v1::CreateWebhookResponse out;
    grpc::Status s = TryCreate(a, w, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  static mev1::SourceChanged Changed(const Account& a) {
    mev1::SourceChanged e;
    e.set_organization(a.org.name());
    e.set_watch(absl::StrCat(a.org.name(), "/watches/w1"));
    e.set_display_name("Acme terms");
    e.set_url("https://acme.example/terms");
    e.set_diff_summary("1 hunk");
    e.set_lines_added(2);
    return e;
  }

  static std::vector<v1::Delivery> Deliveries(const Account& a,
                                              const std::string& webhook) {
    v1::ListDeliveriesRequest req;
    req.set_parent(webhook);
    v1::ListDeliveriesResponse resp;
    grpc::Status s = stub().ListDeliveries(Ctx(a.token).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {resp.deliveries().begin(), resp.deliveries().end()};
  }

  static bool WaitForStatus(const Account& a, const std::string& webhook,
                            v1::DeliveryStatus status, int attempts) {
    return WaitUntil([&] {
      auto d = Deliveries(a, webhook);
      return d.size() == 1 && d[0].status() == status &&
             d[0].attempts() == attempts;
    });
  }

  static inline std::unique_ptr<Receiver> receiver_;
};

TEST_F(WebhooksTest, BadInputRefusedWithFieldViolations) {
  Account owner = SignUp();
  v1::Webhook w;
  w.set_url("http://10.1.2.3/hook");  // private
  w.add_event_types("fineprint.analysis.events.v1.Nope");
  w.add_event_types(kSourceChanged);
  w.add_event_types(kSourceChanged);
  v1::CreateWebhookResponse out;
  grpc::Status s = TryCreate(owner, w, &out);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::BadRequest br;
  ASSERT_TRUE(status::GetDetail(status::FromGrpc(s), &br));
  std::set<std::string> fields;
  for (const auto& v : br.field_violations()) fields.insert(v.field());
  EXPECT_EQ(fields,
            (std::set<std::string>{"webhook.url", "webhook.event_types[0]",
                                   "webhook.event_types[2]"}));
  for (const char* url :
       {"ftp://127.0.0.1/x", "not a url", "", "http://127.0.0.2:9/x"}) {
    v1::Webhook bad;
    bad.set_url(url);
    s = TryCreate(owner, bad, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << url;
  }
  EXPECT_EQ(Count("SELECT count(*) FROM webhooks WHERE org_id = $1",
                  {owner.org_id()}),
            0);
  // https is required unless the development flag allows http.
  EXPECT_EQ(WebhookUrlProblem("http://example.com/", false),
            "must be an https URL");
  EXPECT_EQ(WebhookUrlProblem("https://example.com/", false), "");
  // Members may not manage webhooks.
  Account member = Add(owner, idv1::MEMBER);
  EXPECT_EQ(TryCreate(member, w, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(WebhooksTest, DeliversOnlyFilteredTypesVerifiedByReferenceLibrary) {
  Account owner = SignUp();
  v1::CreateWebhookResponse hook = Create(owner, "/ok");
  ASSERT_TRUE(absl::StartsWith(hook.signing_secret(), "whsec_"));
  receiver_->Configure({hook.signing_secret()});
  // The secret is shown once.
  v1::GetWebhookRequest get;
  get.set_name(hook.webhook().name());
  v1::Webhook got;
  ASSERT_TRUE(stub().GetWebhook(Ctx(owner.token).get(), get, &got).ok());
  EXPECT_EQ(got.url(), hook.webhook().url());

  aev1::AnalysisCompleted other;
  other.set_organization(owner.org.name());
  other.set_title("not subscribed");
  Publish(other, "analysis");
  const std::string id = Publish(Changed(owner), "monitoring");
  ASSERT_TRUE(WaitForStatus(owner, hook.webhook().name(), v1::SUCCEEDED, 1));
  auto receipts = Receipts(*receiver_, "/ok");
  ASSERT_EQ(receipts.size(), 1u);
  EXPECT_EQ(receipts[0].verified, std::set<int>{0});
  EXPECT_EQ(receipts[0].webhook_id, id);
  EXPECT_EQ(receipts[0].type, kSourceChanged);
  auto d = Deliveries(owner, hook.webhook().name());
  ASSERT_EQ(d[0].attempt_log_size(), 1);
  EXPECT_EQ(d[0].attempt_log(0).http_status(), 200);
  EXPECT_EQ(d[0].event_type(), kSourceChanged);
}

TEST_F(WebhooksTest, RetriesOnScheduleResignedEachAttemptAcrossRotation) {
  Account owner = SignUp();
  v1::CreateWebhookResponse hook = Create(owner, "/retry");
  const std::string first_secret = hook.signing_secret();
  receiver_->Configure({first_secret},
                       R"({"/retry": [[500, {}], [500, {}], [200, {}]]})");
  Publish(Changed(owner), "monitoring");
  // After the first failure, rotate: later attempts carry both signatures.
  ASSERT_TRUE(WaitUntil([&] { return receiver_->CountAt("/retry") >= 1; }));
  v1::RotateWebhookSecretRequest rotate;
  rotate.set_name(hook.webhook().name());
  v1::RotateWebhookSecretResponse rotated;
  ASSERT_TRUE(stub()
                  .RotateWebhookSecret(Ctx(owner.token).get(), rotate, &rotated)
                  .ok());
  receiver_->Configure({first_secret, rotated.signing_secret()},
                       R"({"/retry": [[500, {}], [200, {}]]})");
  ASSERT_TRUE(WaitForStatus(owner, hook.webhook().name(), v1::SUCCEEDED, 3));
  auto r = Receipts(*receiver_, "/retry");
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].verified, std::set<int>{0});
  EXPECT_EQ(r[0].signatures, 1);
  for (int i : {1, 2}) {
    EXPECT_EQ(r[i].signatures, 2) << i;
    EXPECT_EQ(r[i].verified, (std::set<int>{0, 1})) << i;
    EXPECT_EQ(r[i].webhook_id, r[0].webhook_id);
  }
  // 300 ms then 600 ms (jitter pinned to its midpoint), plus processing.
  const double gap1 = r[1].received_at - r[0].received_at;
  const double gap2 = r[2].received_at - r[1].received_at;
  EXPECT_GE(gap1, 0.3);
  EXPECT_LT(gap1, 1.3);
  EXPECT_GE(gap2, 0.6);
  EXPECT_LT(gap2, 1.6);
  auto d = Deliveries(owner, hook.webhook().name());
  ASSERT_EQ(d[0].attempt_log_size(), 3);
  EXPECT_EQ(d[0].attempt_log(0).http_status(), 500);
  EXPECT_EQ(d[0].attempt_log(2).http_status(), 200);
}

TEST_F(WebhooksTest, ExhaustedThenRedelivered) {
  Account owner = SignUp();
  v1::CreateWebhookResponse hook = Create(owner, "/exhaust");
  receiver_->Configure({hook.signing_secret()},
                       R"({"/exhaust": [[500, {}], [500, {}], [502, {}]]})");
  Publish(Changed(owner), "monitoring");
  ASSERT_TRUE(WaitForStatus(owner, hook.webhook().name(), v1::FAILED, 3));
  auto d = Deliveries(owner, hook.webhook().name());
  EXPECT_EQ(d[0].last_http_status(), 502);
  EXPECT_FALSE(d[0].has_next_attempt_time());
  v1::RedeliverDeliveryRequest again;
  again.set_name(d[0].name());
  v1::Delivery pending;
  ASSERT_TRUE(
      stub().RedeliverDelivery(Ctx(owner.token).get(), again, &pending).ok());
  EXPECT_EQ(pending.status(), v1::PENDING);
  ASSERT_TRUE(WaitForStatus(owner, hook.webhook().name(), v1::SUCCEEDED, 4));
  EXPECT_EQ(receiver_->CountAt("/exhaust"), 4);
}

TEST_F(WebhooksTest, GoneDisablesTheWebhook) {
  Account owner = SignUp();
  v1::CreateWebhookResponse hook = Create(owner, "/gone");
  receiver_->Configure({hook.signing_secret()}, R"({"/gone": [[410, {}]]})");
  Publish(Changed(owner), "monitoring");
  ASSERT_TRUE(WaitForStatus(owner, hook.webhook().name(), v1::FAILED, 1));
  v1::GetWebhookRequest get;
  get.set_name(hook.webhook().name());
  v1::Webhook w;
  ASSERT_TRUE(stub().GetWebhook(Ctx(owner.token).get(), get, &w).ok());
  EXPECT_FALSE(w.active());
  EXPECT_EQ(w.disabled_reason(), "endpoint answered 410 Gone");
  // A disabled webhook gets no more deliveries.
  const std::string next = Publish(Changed(owner), "monitoring");
  ASSERT_TRUE(WaitUntil([&] {
    return Count(
               "SELECT count(*) FROM notifications WHERE org_id = $1"
               " AND event_id = $2",
               {owner.org_id(), next}) == 1;
  }));
  EXPECT_EQ(Deliveries(owner, hook.webhook().name()).size(), 1u);
  EXPECT_EQ(receiver_->CountAt("/gone"), 1);
}

TEST_F(WebhooksTest, RetryAfterIsHonoured) {
  Account owner = SignUp();
  v1::CreateWebhookResponse hook = Create(owner, "/busy");
  receiver_->Configure({hook.signing_secret()},
                       R"({"/busy": [[429, {"Retry-After": "2"}]]})");
  Publish(Changed(owner), "monitoring");
  ASSERT_TRUE(WaitForStatus(owner, hook.webhook().name(), v1::SUCCEEDED, 2));
  auto r = Receipts(*receiver_, "/busy");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_GE(r[1].received_at - r[0].received_at, 2.0);  // not 300 ms
}

TEST_F(WebhooksTest, FailingPastTheLimitDisablesAndTellsOwners) {
  Account owner = SignUp();
  v1::CreateWebhookResponse hook = Create(owner, "/down");
  receiver_->Configure(
      {hook.signing_secret()},
      R"({"/down": [[503, {"Retry-After": "2"}], [503, {"Retry-After": "2"}],
                    [503, {}]]})");
  Publish(Changed(owner), "monitoring");
  ASSERT_TRUE(WaitForStatus(owner, hook.webhook().name(), v1::FAILED, 3));
  v1::GetWebhookRequest get;
  get.set_name(hook.webhook().name());
  v1::Webhook w;
  ASSERT_TRUE(stub().GetWebhook(Ctx(owner.token).get(), get, &w).ok());
  EXPECT_FALSE(w.active());
  EXPECT_TRUE(absl::StrContains(w.disabled_reason(), "failing since"))
      << w.disabled_reason();
  EXPECT_EQ(Count("SELECT count(*) FROM notifications WHERE org_id = $1"
                  " AND kind = 'WEBHOOK_FAILING' AND link = $2",
                  {owner.org_id(), hook.webhook().name()}),
            1);
}

}  // namespace
}  // namespace fineprint::notification::testing
