// Plan limits across edge replicas, end to end: two real edges (EdgeApp)
// in front of a real identity, sharing one real redis-server, hearing
// identity's PlanChanged events from a real Kafka broker.

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "fineprint/identity/v1/identity.grpc.pb.h"
#include "gateway/api/test_descriptor_set.h"
#include "gateway/edge_app.h"
#include "gateway/ratelimit/redis_test_server.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "services/identity/identity_app.h"
#include "services/runtime/http/http_client.h"
#include "tests/testing/identity_test_client.h"
#include "tests/testing/kafka_broker.h"
#include "tests/testing/service_test_util.h"

namespace fineprint::gateway {
namespace {

namespace idv1 = ::fineprint::identity::v1;

constexpr int kFree = 60;      // per minute
constexpr int kPremium = 600;  // per minute
constexpr int kEnterprise = 6000;

struct Answer {
  int status = 0;
  int64_t limit = -1;
  int64_t remaining = -1;
};

class EdgeSharedLimitTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto kafka = fineprint::testing::SharedKafka();
    ASSERT_TRUE(kafka.ok()) << kafka.status();
    bootstrap_ = new std::string((*kafka)->bootstrap_servers());
    auto identity = fineprint::testing::StartTestIdentity(*bootstrap_);
    ASSERT_TRUE(identity.ok()) << identity.status();
    identity_ = identity->release();
    stub_ = idv1::IdentityService::NewStub(
                grpc::CreateChannel(identity_->grpc_target(),
                                    grpc::InsecureChannelCredentials()))
                .release();
  }
  static void TearDownTestSuite() {
    delete stub_;
    delete identity_;
    delete bootstrap_;
  }

  void SetUp() override {
    auto redis = ratelimit::testing::RedisTestServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = *std::move(redis);
    for (int i = 0; i < 2; ++i) {
      EdgeAppOptions edge;
      edge.host.host = "127.0.0.1";
      edge.host.admin_port = -1;
      edge.kafka_bootstrap_servers = *bootstrap_;
      edge.descriptor_set = api::TestDescriptorSetPath();
      edge.backends = {absl::StrCat("fineprint.identity.v1.IdentityService=",
                                    identity_->grpc_target())};
      edge.http.host = "127.0.0.1";
      edge.http.port = 0;
      edge.http.threads = 2;
      edge.edge.rate_limit.plans.free_per_minute = kFree;
      edge.edge.rate_limit.plans.premium_per_minute = kPremium;
      edge.edge.rate_limit.plans.enterprise_per_minute = kEnterprise;
      edge.edge.rate_limit.redis.address = redis_->address();
      edge.edge.rate_limit.redis.min_backoff = absl::Milliseconds(50);
      edge.edge.rate_limit.redis.max_backoff = absl::Milliseconds(200);
      auto started = EdgeApp::Start(edge);
      ASSERT_TRUE(started.ok()) << started.status();
      edges_.push_back(*std::move(started));
    }
    http::ClientOptions client;
    client.allow = *http::ParseIpRanges("127.0.0.0/8");
    auto created = http::HttpClient::Create(client);
    ASSERT_TRUE(created.ok()) << created.status();
    client_ = *std::move(created);
  }

  void TearDown() override {
    for (auto& e : edges_) e->Shutdown();
  }

  // GET /v1/me on edge `i` as `token`.
  Answer Me(int i, const std::string& token) {
    http::Request request;
    request.method = http::Method::kGet;
    request.url =
        absl::StrCat("http://127.0.0.1:", edges_[i]->http_port(), "/v1/me");
    request.headers = {{"authorization", absl::StrCat("Bearer ", token)}};
    Answer a;
    auto response = client_->Send(request);
    EXPECT_TRUE(response.ok()) << response.status();
    if (!response.ok()) return a;
    a.status = response->status;
    if (auto v = response->headers.Get("ratelimit-limit")) {
      EXPECT_TRUE(absl::SimpleAtoi(*v, &a.limit));
    }
    if (auto v = response->headers.Get("ratelimit-remaining")) {
      EXPECT_TRUE(absl::SimpleAtoi(*v, &a.remaining));
    }
    return a;
  }

  // Sends `n` requests alternating between the edges (or only to `only`);
  // returns how many were admitted. Every answer must be 200 or 429.
  int Burst(const std::string& token, int n, int only = -1) {
    int admitted = 0;
    for (int k = 0; k < n; ++k) {
      Answer a = Me(only >= 0 ? only : k % 2, token);
      EXPECT_TRUE(a.status == 200 || a.status == 429) << a.status;
      admitted += a.status == 200;
    }
    return admitted;
  }

  static std::string* bootstrap_;
  static identity::IdentityApp* identity_;
  static idv1::IdentityService::Stub* stub_;
  std::unique_ptr<ratelimit::testing::RedisTestServer> redis_;
  std::vector<std::unique_ptr<EdgeApp>> edges_;
  std::unique_ptr<http::HttpClient> client_;
};

std::string* EdgeSharedLimitTest::bootstrap_ = nullptr;
identity::IdentityApp* EdgeSharedLimitTest::identity_ = nullptr;
idv1::IdentityService::Stub* EdgeSharedLimitTest::stub_ = nullptr;

TEST_F(EdgeSharedLimitTest, TwoEdgesAdmitThePlanOnceAndSurviveARedisOutage) {
  fineprint::testing::IdentityAccount owner =
      fineprint::testing::SignUpOwner(*stub_, "shared");

  // Shared: both edges together admit the FREE bucket once (plus what it
  // refills meanwhile, one a second), not once each.
  absl::Time start = absl::Now();
  int admitted = Burst(owner.token, 150);
  double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  EXPECT_GE(admitted, kFree);
  EXPECT_LE(admitted, kFree + static_cast<int>(seconds) + 1)
      << "in " << seconds << " s";

  // Redis dies: requests keep flowing, each edge on its own local bucket
  // (fail open at the local limit), never an error.
  redis_->Kill();
  for (int i = 0; i < 2; ++i) {
    start = absl::Now();
    admitted = Burst(owner.token, 100, i);
    seconds = absl::ToDoubleSeconds(absl::Now() - start);
    EXPECT_GE(admitted, kFree) << "edge " << i;
    EXPECT_LE(admitted, kFree + static_cast<int>(seconds) + 1) << "edge " << i;
  }

  // Redis is back (empty): each edge returns to the shared bucket within
  // its reconnect backoff. Its local bucket is spent, so a near-full
  // bucket in the answer can only be the shared one.
  ASSERT_TRUE(redis_->Restart().ok());
  for (int i = 0; i < 2; ++i) {
    const absl::Time deadline = absl::Now() + absl::Seconds(5);
    Answer a;
    while (absl::Now() < deadline) {
      a = Me(i, owner.token);
      if (a.status == 200 && a.remaining >= kFree / 2) break;
      absl::SleepFor(absl::Milliseconds(20));
    }
    EXPECT_EQ(a.status, 200) << "edge " << i;
    EXPECT_GE(a.remaining, kFree / 2) << "edge " << i << " still local";
  }
  start = absl::Now();
  admitted = Burst(owner.token, 150);
  seconds = absl::ToDoubleSeconds(absl::Now() - start);
  // Two probes above already spent two tokens of the fresh bucket.
  EXPECT_LE(admitted, kFree + static_cast<int>(seconds) + 1);
  EXPECT_GE(admitted, kFree - 2 - 2);
}

TEST_F(EdgeSharedLimitTest, EdgesApplyAPlanChangeWithinASecond) {
  fineprint::testing::IdentityAccount owner =
      fineprint::testing::SignUpOwner(*stub_, "plans");
  // The token says FREE throughout: only the events can move the limit.
  const std::string token = owner.token;
  ASSERT_EQ(Me(0, token).limit, kFree);

  const idv1::Plan plans[] = {idv1::PREMIUM, idv1::ENTERPRISE, idv1::FREE};
  auto limit_of = [](idv1::Plan p) {
    return p == idv1::PREMIUM      ? kPremium
           : p == idv1::ENTERPRISE ? kEnterprise
                                   : kFree;
  };
  std::vector<double> delays_ms;
  constexpr int kChanges = 31;  // the first warms the subscribers up
  for (int n = 0; n < kChanges; ++n) {
    const idv1::Plan plan = plans[n % 3];
    idv1::ChangePlanRequest req;
    req.set_name(owner.org.name());
    req.set_plan(plan);
    idv1::Organization org;
    grpc::Status s = stub_->ChangePlan(
        fineprint::testing::OperatorContext().get(), req, &org);
    ASSERT_TRUE(s.ok()) << s.error_message();
    const absl::Time changed = absl::Now();
    bool seen[2] = {false, false};
    const absl::Time deadline = changed + absl::Seconds(10);
    while (!(seen[0] && seen[1]) && absl::Now() < deadline) {
      for (int i = 0; i < 2; ++i) {
        if (!seen[i]) seen[i] = Me(i, token).limit == limit_of(plan);
      }
      if (!(seen[0] && seen[1])) absl::SleepFor(absl::Milliseconds(2));
    }
    ASSERT_TRUE(seen[0] && seen[1]) << "change " << n << " never applied";
    if (n > 0) {
      delays_ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - changed));
    }
  }
  std::sort(delays_ms.begin(), delays_ms.end());
  const double p50 = delays_ms[delays_ms.size() / 2];
  const double p99 = delays_ms[std::min(
      delays_ms.size() - 1, static_cast<size_t>(delays_ms.size() * 0.99))];
  std::printf(
      "plan change applied by both edges (%zu changes): p50 %.1f ms, p99 %.1f "
      "ms, max %.1f ms\n",
      delays_ms.size(), p50, p99, delays_ms.back());
  EXPECT_LT(p99, 1000.0);
}

TEST_F(EdgeSharedLimitTest, OwnerCannotRaiseItsOwnPlan) {
  fineprint::testing::IdentityAccount owner =
      fineprint::testing::SignUpOwner(*stub_, "greedy");
  idv1::ChangePlanRequest req;
  req.set_name(owner.org.name());
  req.set_plan(idv1::ENTERPRISE);
  idv1::Organization org;
  EXPECT_EQ(
      stub_
          ->ChangePlan(fineprint::testing::ClientContext(owner.token).get(),
                       req, &org)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  // Nor through the edge.
  http::Request request;
  request.method = http::Method::kPost;
  request.url = absl::StrCat("http://127.0.0.1:", edges_[0]->http_port(),
                             "/v1/", owner.org.name(), ":changePlan");
  request.headers = {{"authorization", absl::StrCat("Bearer ", owner.token)},
                     {"content-type", "application/json"}};
  request.body = R"({"plan":"ENTERPRISE"})";
  auto response = client_->Send(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 403) << response->body;
  EXPECT_EQ(Me(0, owner.token).limit, kFree);
}

}  // namespace
}  // namespace fineprint::gateway
