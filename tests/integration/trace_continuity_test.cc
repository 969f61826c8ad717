// One trace id followed across every hop of the mesh, as a call causes
// work: a platform operator's call to identity (ChangePlan; plans are
// billing's, so it is not on the public edge) → its outbox → Kafka →
// analysis's consumer (PlanChanged) → the event analysis writes in reaction
// (JobReprioritized). Every hop is a real one: HTTP over loopback (the
// user's upload through the edge), gRPC, PostgreSQL, a Kafka broker.

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway/api/test_descriptor_set.h"
#include "gateway/edge_app.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "services/analysis/analysis_app.h"
#include "services/identity/identity_app.h"
#include "services/runtime/db/test_util.h"
#include "services/runtime/http/http_client.h"
#include "services/runtime/trace/trace.h"
#include "tests/testing/identity_test_client.h"
#include "tests/testing/kafka_broker.h"
#include "tests/testing/kit_options.h"
#include "tests/testing/shared_postgres.h"

namespace fineprint {
namespace {

constexpr char kTraceId[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kCallerSpan[] = "00f067aa0ba902b7";

class TraceContinuityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto bootstrap = broker_.Start();
    ASSERT_TRUE(bootstrap.ok()) << bootstrap.status();

    auto identity = testing::StartTestIdentity(*bootstrap);
    ASSERT_TRUE(identity.ok()) << identity.status();
    identity_ = *std::move(identity);

    auto kit = testing::LocalKitOptions("analysis", *bootstrap,
                                        identity_->grpc_target());
    ASSERT_TRUE(kit.ok()) << kit.status();
    analysis::AnalysisAppOptions an;
    static_cast<service::KitOptions&>(an) = *kit;
    // The job stays QUEUED, so the plan change moves it.
    an.workers.workers = 0;
    auto analysis = analysis::AnalysisApp::Start(an);
    ASSERT_TRUE(analysis.ok()) << analysis.status();
    analysis_ = *std::move(analysis);

    gateway::EdgeAppOptions edge;
    edge.host.host = "127.0.0.1";
    edge.host.admin_port = -1;
    edge.kafka_bootstrap_servers = *bootstrap;
    edge.descriptor_set = gateway::api::TestDescriptorSetPath();
    edge.backends = {absl::StrCat("fineprint.identity.v1.IdentityService=",
                                  identity_->grpc_target()),
                     absl::StrCat("fineprint.analysis.v1.AnalysisService=",
                                  analysis_->grpc_target())};
    edge.http.host = "127.0.0.1";
    edge.http.port = 0;
    edge.http.threads = 2;
    auto started = gateway::EdgeApp::Start(edge);
    ASSERT_TRUE(started.ok()) << started.status();
    edge_ = *std::move(started);

    http::ClientOptions client;
    client.allow = *http::ParseIpRanges("127.0.0.0/8");
    auto created = http::HttpClient::Create(client);
    ASSERT_TRUE(created.ok()) << created.status();
    client_ = *std::move(created);
  }

  google::protobuf::Struct Post(
      const std::string& path, const std::string& body,
      std::vector<std::pair<std::string, std::string>> headers,
      int want_status) {
    http::Request request;
    request.method = http::Method::kPost;
    request.url = absl::StrCat("http://127.0.0.1:", edge_->http_port(), path);
    request.headers = std::move(headers);
    request.headers.emplace_back("content-type", "application/json");
    request.body = body;
    google::protobuf::Struct json;
    auto response = client_->Send(request);
    EXPECT_TRUE(response.ok()) << response.status();
    if (!response.ok()) return json;
    EXPECT_EQ(response->status, want_status) << path << ": " << response->body;
    EXPECT_TRUE(
        google::protobuf::util::JsonStringToMessage(response->body, &json).ok())
        << response->body;
    return json;
  }

  // The traceparent of the newest outbox row of `event_type` in `pool`'s
  // schema, waiting up to a minute for it to appear.
  static std::string TraceOf(db::Pool& pool, const std::string& event_type) {
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (absl::Now() < deadline) {
      auto value = db::testing::QueryValue(
          pool,
          absl::StrCat("SELECT coalesce(traceparent, '-') FROM outbox WHERE "
                       "event_type = '",
                       event_type, "' ORDER BY id DESC LIMIT 1"));
      if (value.ok() && !value->empty()) return *value;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return "";
  }

  testing::KafkaBroker broker_;
  std::unique_ptr<identity::IdentityApp> identity_;
  std::unique_ptr<analysis::AnalysisApp> analysis_;
  std::unique_ptr<gateway::EdgeApp> edge_;
  std::unique_ptr<http::HttpClient> client_;
};

TEST_F(TraceContinuityTest,
       OneTraceFromTheEdgeToAnEventAnalysisWritesInReaction) {
  google::protobuf::Struct signed_up = Post(
      "/v1/auth:signUp",
      R"({"email":"trace@example.com","password":"correct horse battery staple",)"
      R"("displayName":"Trace"})",
      {}, 201);
  const std::string org = signed_up.fields()
                              .at("organization")
                              .struct_value()
                              .fields()
                              .at("name")
                              .string_value();
  const std::string token = signed_up.fields()
                                .at("tokens")
                                .struct_value()
                                .fields()
                                .at("accessToken")
                                .string_value();
  ASSERT_FALSE(org.empty());
  const std::pair<std::string, std::string> bearer{
      "authorization", absl::StrCat("Bearer ", token)};
  Post(
      absl::StrCat("/v1/", org, "/documents"),
      R"({"title":"Terms","text":"You agree to binding arbitration.","kind":"TERMS_OF_SERVICE"})",
      {bearer}, 201);

  const std::string caller =
      absl::StrCat("00-", kTraceId, "-", kCallerSpan, "-01");
  // The owner may not change its own plan, not even through the edge.
  Post(absl::StrCat("/v1/", org, ":changePlan"), R"({"plan":"ENTERPRISE"})",
       {bearer}, 403);
  {
    auto stub = identity::v1::IdentityService::NewStub(grpc::CreateChannel(
        identity_->grpc_target(), grpc::InsecureChannelCredentials()));
    std::unique_ptr<grpc::ClientContext> ctx = testing::OperatorContext();
    ctx->AddMetadata("traceparent", caller);
    identity::v1::ChangePlanRequest change;
    change.set_name(org);
    change.set_plan(identity::v1::ENTERPRISE);
    identity::v1::Organization changed;
    grpc::Status s = stub->ChangePlan(ctx.get(), change, &changed);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  // identity wrote PlanChanged in the span of the call the edge made.
  trace::TraceParent at_identity;
  const std::string identity_trace =
      TraceOf(identity_->pool(), "fineprint.identity.events.v1.PlanChanged");
  ASSERT_TRUE(trace::ParseTraceParent(identity_trace, &at_identity))
      << identity_trace;
  EXPECT_EQ(at_identity.trace_id, kTraceId);
  EXPECT_NE(at_identity.span_id, kCallerSpan);

  // analysis heard it over Kafka and wrote its reaction in a child span.
  trace::TraceParent at_analysis;
  const std::string analysis_trace = TraceOf(
      analysis_->pool(), "fineprint.analysis.events.v1.JobReprioritized");
  ASSERT_TRUE(trace::ParseTraceParent(analysis_trace, &at_analysis))
      << analysis_trace;
  EXPECT_EQ(at_analysis.trace_id, kTraceId);
  EXPECT_NE(at_analysis.span_id, at_identity.span_id);
  EXPECT_NE(at_analysis.span_id, kCallerSpan);
}

}  // namespace
}  // namespace fineprint
