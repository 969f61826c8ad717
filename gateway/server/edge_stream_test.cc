// Long-lived streams through the edge, over loopback: HTTP client ->
// HttpServer -> EdgeHandler -> a real gRPC server streaming JobUpdates.
// An idle SSE stream gets `: heartbeat` comments (also before its first
// message, which sends the head early); a stream outlives the unary
// timeout and ends only at its own bound; unary calls keep theirs.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "fineprint/analysis/v1/analysis.grpc.pb.h"
#include "fineprint/identity/v1/identity.grpc.pb.h"
#include "gateway/api/api_config.h"
#include "gateway/api/test_descriptor_set.h"
#include "gateway/server/backends.h"
#include "gateway/server/edge_handler.h"
#include "gateway/server/http_server.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "services/runtime/auth/authenticator.h"
#include "services/runtime/auth/jwt.h"
#include "services/runtime/auth/key_ring.h"

namespace fineprint::gateway::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace anv1 = fineprint::analysis::v1;
namespace idv1 = fineprint::identity::v1;

constexpr absl::Duration kHeartbeat = absl::Milliseconds(200);
constexpr absl::Duration kUnaryTimeout = absl::Milliseconds(300);

// Job names pick the behaviour: "quiet" waits 700 ms, sends one update,
// is idle for 1.5 s, sends a second and ends; "silent" sends one update
// and then nothing until cancelled.
class StreamingAnalysis final : public anv1::AnalysisService::Service {
 public:
  grpc::Status WatchJob(grpc::ServerContext* ctx,
                        const anv1::WatchJobRequest* req,
                        grpc::ServerWriter<anv1::JobUpdate>* writer) override {
    anv1::JobUpdate update;
    update.mutable_job()->set_name(req->name());
    auto idle = [ctx](absl::Duration d) {
      const absl::Time end = absl::Now() + d;
      while (absl::Now() < end && !ctx->IsCancelled()) {
        absl::SleepFor(absl::Milliseconds(10));
      }
      return !ctx->IsCancelled();
    };
    if (absl::EndsWith(req->name(), "/quiet")) {
      if (!idle(absl::Milliseconds(700)) || !writer->Write(update)) {
        return grpc::Status::CANCELLED;
      }
      if (!idle(absl::Milliseconds(1500)) || !writer->Write(update)) {
        return grpc::Status::CANCELLED;
      }
      return grpc::Status::OK;
    }
    writer->Write(update);
    idle(absl::Minutes(1));
    return grpc::Status::CANCELLED;
  }
};

class SlowIdentity final : public idv1::IdentityService::Service {
 public:
  grpc::Status GetUser(grpc::ServerContext*, const idv1::GetUserRequest* req,
                       idv1::User* resp) override {
    absl::SleepFor(absl::Milliseconds(600));
    resp->set_name(req->name());
    return grpc::Status::OK;
  }
};

struct Timed {
  int status = 0;
  std::string content_type;
  absl::Duration total;  // request sent -> body complete
  std::string body;
};

class EdgeStreamTest : public ::testing::Test {
 protected:
  void Start(absl::Duration max_duration) {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&analysis_);
    builder.RegisterService(&identity_);
    backend_ = builder.BuildAndStart();
    ASSERT_NE(backend_, nullptr);
    auto config = api::ApiConfig::FromFile(api::TestDescriptorSetPath());
    ASSERT_TRUE(config.ok()) << config.status();
    holder_.Set(*config);
    const std::string target = absl::StrCat("127.0.0.1:", port);
    backends_ =
        std::make_unique<ChannelBackends>(std::map<std::string, std::string>{
            {"fineprint.analysis.v1.AnalysisService", target},
            {"fineprint.identity.v1.IdentityService", target}});
    key_ = auth::SigningKey::Generate("k1");
    keys_.Add(key_.kid, key_.public_key);
    authenticator_ = std::make_unique<auth::Authenticator>(&keys_, nullptr);

    EdgeOptions options;
    options.default_timeout = kUnaryTimeout;
    options.max_timeout = kUnaryTimeout;
    options.stream.heartbeat = kHeartbeat;
    options.stream.max_duration = max_duration;
    edge_ = std::make_unique<EdgeHandler>(
        &holder_, backends_.get(), authenticator_.get(), options, &registry_);
    HttpServerOptions http_options;
    http_options.host = "127.0.0.1";
    http_options.port = 0;
    http_options.threads = 2;
    http_ = std::make_unique<HttpServer>(
        http_options, [this](HttpRequest r, auto done, auto stream) {
          edge_->Handle(std::move(r), std::move(done), std::move(stream));
        });
    ASSERT_TRUE(http_->Start().ok());
  }

  void TearDown() override {
    if (http_ != nullptr) http_.reset();
    edge_.reset();
    if (backend_ != nullptr) backend_->Shutdown();
  }

  std::string Token() {
    auth::Claims c;
    c.subject = "orgs/o1/users/u1";
    c.organization = "orgs/o1";
    c.role = "ADMIN";
    c.plan = "FREE";
    c.token_id = "t1";
    c.issued_at = absl::Now() - absl::Seconds(1);
    c.expires_at = absl::Now() + absl::Hours(1);
    return "Bearer " + auth::SignAccessToken(c, key_);
  }

  // GETs `target` on a fresh connection and reads the whole (chunked)
  // response.
  Timed Get(const std::string& target, bool sse) {
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.connect({net::ip::make_address("127.0.0.1"),
                    static_cast<unsigned short>(http_->port())});
    http::request<http::empty_body> req(http::verb::get, target, 11);
    req.set(http::field::host, "localhost");
    req.set(http::field::authorization, Token());
    if (sse) req.set(http::field::accept, "text/event-stream");
    const absl::Time start = absl::Now();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1 << 20);
    Timed t;
    beast::error_code ec;
    http::read_header(stream, buffer, parser, ec);
    EXPECT_FALSE(ec) << ec.message();
    http::read(stream, buffer, parser, ec);
    EXPECT_FALSE(ec) << ec.message();
    t.total = absl::Now() - start;
    t.status = parser.get().result_int();
    t.content_type = std::string(parser.get()[http::field::content_type]);
    t.body = parser.get().body();
    return t;
  }

  StreamingAnalysis analysis_;
  SlowIdentity identity_;
  std::unique_ptr<grpc::Server> backend_;
  ConfigHolder holder_;
  std::unique_ptr<ChannelBackends> backends_;
  auth::SigningKey key_;
  auth::StaticKeyResolver keys_;
  std::unique_ptr<auth::Authenticator> authenticator_;
  metrics::Registry registry_;
  std::unique_ptr<EdgeHandler> edge_;
  std::unique_ptr<HttpServer> http_;
};

TEST_F(EdgeStreamTest, IdleSseStreamGetsHeartbeatsAndOutlivesUnaryTimeout) {
  Start(/*max_duration=*/absl::ZeroDuration());
  Timed t = Get("/v1/orgs/o1/jobs/quiet:watch", /*sse=*/true);
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(t.content_type, "text/event-stream");
  // 2.2 s of stream, far past the 300 ms unary timeout, ended by the
  // backend without an error.
  EXPECT_GE(t.total, absl::Milliseconds(2100)) << t.total;
  EXPECT_EQ(t.body.find("event: error"), std::string::npos) << t.body;
  std::vector<std::string> events =
      absl::StrSplit(t.body, "\n\n", absl::SkipEmpty());
  std::vector<int> data_at;
  int before_first = 0, between = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    if (absl::StartsWith(events[i], "data: {\"job\":")) {
      data_at.push_back(static_cast<int>(i));
    } else {
      ASSERT_EQ(events[i], ": heartbeat") << t.body;
      if (data_at.empty()) {
        ++before_first;
      } else if (data_at.size() == 1) {
        ++between;
      }
    }
  }
  ASSERT_EQ(data_at.size(), 2u) << t.body;
  // 700 ms of silence at 200 ms: nominally 3 beats, the first of which
  // sent the head; 1.5 s idle: nominally 7 (slack for a loaded machine).
  EXPECT_GE(before_first, 2) << t.body;
  EXPECT_GE(between, 4) << t.body;
  EXPECT_EQ(data_at[1], data_at[0] + between + 1) << t.body;
}

TEST_F(EdgeStreamTest, NdjsonStreamHasNoHeartbeats) {
  Start(absl::ZeroDuration());
  Timed t = Get("/v1/orgs/o1/jobs/quiet:watch", /*sse=*/false);
  ASSERT_EQ(t.status, 200) << t.body;
  std::vector<std::string> lines =
      absl::StrSplit(t.body, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << t.body;
  EXPECT_TRUE(absl::StartsWith(lines[1], "{\"job\":")) << t.body;
  EXPECT_GE(t.total, absl::Milliseconds(2100));
}

TEST_F(EdgeStreamTest, StreamEndsAtItsOwnBoundUnaryAtTheTimeout) {
  Start(/*max_duration=*/absl::Milliseconds(1200));
  Timed t = Get("/v1/orgs/o1/jobs/silent:watch", /*sse=*/true);
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_GE(t.total, absl::Milliseconds(1100)) << t.total;
  EXPECT_LT(t.total, absl::Seconds(10)) << t.total;
  EXPECT_TRUE(absl::StartsWith(t.body, "data: {\"job\":")) << t.body;
  EXPECT_NE(t.body.find(": heartbeat\n\n"), std::string::npos) << t.body;
  // DEADLINE_EXCEEDED, in band.
  EXPECT_NE(t.body.find("event: error\ndata: {\"code\":4"), std::string::npos)
      << t.body;

  Timed unary = Get("/v1/orgs/o1/users/u1", /*sse=*/false);
  // The backend takes 600 ms: the unary timeout (300 ms) still applies.
  EXPECT_EQ(unary.status, 504) << unary.body;
}

}  // namespace
}  // namespace fineprint::gateway::server
