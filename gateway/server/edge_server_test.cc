// End to end over loopback: HTTP client -> HttpServer -> EdgeHandler ->
// generic gRPC -> an in-process IdentityService, with the real contract's
// descriptor set.

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "brotli/decode.h"
#include "fineprint/analysis/v1/analysis.grpc.pb.h"
#include "fineprint/identity/v1/identity.grpc.pb.h"
#include "gateway/api/api_config.h"
#include "gateway/api/test_descriptor_set.h"
#include "gateway/server/backends.h"
#include "gateway/server/compression.h"
#include "gateway/server/edge_handler.h"
#include "gateway/server/http_server.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "services/runtime/auth/authenticator.h"
#include "services/runtime/auth/identity_clients.h"
#include "services/runtime/auth/key_ring.h"
#include "services/runtime/status/status.h"

namespace fineprint::gateway::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace idv1 = fineprint::identity::v1;

class FakeIdentity final : public idv1::IdentityService::Service {
 public:
  grpc::Status GetUser(grpc::ServerContext* ctx,
                       const idv1::GetUserRequest* req,
                       idv1::User* resp) override {
    Record(ctx);
    if (absl::EndsWith(req->name(), "/missing")) {
      return status::ToGrpc(
          status::WithReason(absl::NotFoundError("no such user"),
                             "USER_NOT_FOUND", {{"user", req->name()}}));
    }
    if (absl::EndsWith(req->name(), "/slow"))
      absl::SleepFor(absl::Milliseconds(500));
    resp->set_name(req->name());
    resp->set_email("u@example.com");
    resp->set_role(idv1::ADMIN);
    return grpc::Status::OK;
  }
  grpc::Status SignUp(grpc::ServerContext* ctx, const idv1::SignUpRequest* req,
                      idv1::SignUpResponse* resp) override {
    Record(ctx);
    resp->mutable_user()->set_email(req->email());
    resp->mutable_user()->set_display_name(req->display_name());
    return grpc::Status::OK;
  }
  grpc::Status DeleteUser(grpc::ServerContext* ctx,
                          const idv1::DeleteUserRequest* req,
                          google::protobuf::Empty*) override {
    Record(ctx);
    return grpc::Status::OK;
  }
  grpc::Status CreateUser(grpc::ServerContext* ctx,
                          const idv1::CreateUserRequest* req,
                          idv1::User* resp) override {
    Record(ctx);
    *resp = req->user();
    resp->set_name(req->parent() + "/users/new");
    return grpc::Status::OK;
  }

  grpc::Status VerifyApiKey(grpc::ServerContext* ctx,
                            const idv1::VerifyApiKeyRequest* req,
                            idv1::Principal* resp) override {
    if (req->api_key() != "fp_live_good") {
      return status::ToGrpc(absl::UnauthenticatedError("unknown API key"));
    }
    resp->set_organization("orgs/o1");
    resp->set_role(idv1::ADMIN);
    resp->set_plan(idv1::PREMIUM);
    resp->set_api_key("orgs/o1/apiKeys/k1");
    return grpc::Status::OK;
  }

  int calls() {
    absl::MutexLock l(&mu_);
    return calls_;
  }
  std::multimap<std::string, std::string> last_metadata() {
    absl::MutexLock l(&mu_);
    return last_;
  }

 private:
  void Record(grpc::ServerContext* ctx) {
    absl::MutexLock l(&mu_);
    ++calls_;
    last_.clear();
    for (const auto& [k, v] : ctx->client_metadata()) {
      last_.emplace(std::string(k.data(), k.size()),
                    std::string(v.data(), v.size()));
    }
  }
  absl::Mutex mu_;
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::multimap<std::string, std::string> last_ ABSL_GUARDED_BY(mu_);
};

namespace anv1 = fineprint::analysis::v1;

class FakeAnalysis final : public anv1::AnalysisService::Service {
 public:
  grpc::Status WatchJob(grpc::ServerContext* ctx,
                        const anv1::WatchJobRequest* req,
                        grpc::ServerWriter<anv1::JobUpdate>* writer) override {
    anv1::JobUpdate update;
    update.mutable_job()->set_name(req->name());
    if (absl::EndsWith(req->name(), "/none")) {
      return status::ToGrpc(absl::NotFoundError("no such job"));
    }
    if (absl::EndsWith(req->name(), "/forever")) {
      while (!ctx->IsCancelled()) {
        writer->Write(update);
        absl::SleepFor(absl::Milliseconds(10));
      }
      cancelled_ = true;
      return grpc::Status::CANCELLED;
    }
    const int n = absl::EndsWith(req->name(), "/fail") ? 1 : 3;
    for (int i = 0; i < n; ++i) writer->Write(update);
    if (n == 1) {
      return status::ToGrpc(
          status::WithReason(absl::AbortedError("job exploded"), "BOOM"));
    }
    return grpc::Status::OK;
  }
  grpc::Status SubmitDocument(grpc::ServerContext*,
                              const anv1::SubmitDocumentRequest* req,
                              anv1::SubmitDocumentResponse*) override {
    ++submitted_;
    return grpc::Status::OK;
  }
  std::atomic<bool> cancelled_{false};
  std::atomic<int> submitted_{0};
};

struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
};

class Client {
 public:
  explicit Client(int port) : stream_(ioc_) {
    net::ip::tcp::endpoint ep(net::ip::make_address("127.0.0.1"),
                              static_cast<unsigned short>(port));
    stream_.connect(ep);
  }
  Reply Send(http::verb method, const std::string& target,
             const std::string& body = "",
             std::map<std::string, std::string> headers = {}) {
    http::request<http::string_body> req(method, target, 11);
    req.set(http::field::host, "localhost");
    for (const auto& [k, v] : headers) req.set(k, v);
    if (!body.empty() && !headers.count("content-type")) {
      req.set(http::field::content_type, "application/json");
    }
    req.body() = body;
    req.prepare_payload();
    http::write(stream_, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream_, buffer, res);
    Reply r;
    r.status = res.result_int();
    for (const auto& f : res) {
      r.headers[absl::AsciiStrToLower(std::string(f.name_string()))] =
          std::string(f.value());
    }
    r.body = res.body();
    return r;
  }
  // A HEAD request: the reply's body is whatever followed the header (it
  // must be nothing; the next request on the connection proves it).
  Reply Head(const std::string& target,
             std::map<std::string, std::string> headers = {}) {
    http::request<http::empty_body> req(http::verb::head, target, 11);
    req.set(http::field::host, "localhost");
    for (const auto& [k, v] : headers) req.set(k, v);
    http::write(stream_, req);
    beast::flat_buffer buffer;
    http::response_parser<http::empty_body> parser;
    parser.skip(true);  // a HEAD response has no body whatever its length says
    http::read(stream_, buffer, parser);
    Reply r;
    r.status = parser.get().result_int();
    for (const auto& f : parser.get()) {
      r.headers[absl::AsciiStrToLower(std::string(f.name_string()))] =
          std::string(f.value());
    }
    r.body = std::string(static_cast<const char*>(buffer.data().data()),
                         buffer.size());
    return r;
  }

 private:
  net::io_context ioc_;
  beast::tcp_stream stream_;
};

class EdgeServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ = std::make_unique<metrics::Registry>();
    grpc::ServerBuilder builder;
    int backend_port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &backend_port);
    builder.RegisterService(&identity_);
    builder.RegisterService(&analysis_);
    backend_ = builder.BuildAndStart();
    ASSERT_NE(backend_, nullptr);

    auto config = api::ApiConfig::FromFile(api::TestDescriptorSetPath());
    ASSERT_TRUE(config.ok()) << config.status();
    holder_.Set(*config);
    backends_ =
        std::make_unique<ChannelBackends>(std::map<std::string, std::string>{
            {"fineprint.identity.v1.IdentityService",
             "127.0.0.1:" + std::to_string(backend_port)},
            {"fineprint.analysis.v1.AnalysisService",
             "127.0.0.1:" + std::to_string(backend_port)}});

    key_ = auth::SigningKey::Generate("k1");
    keys_.Add(key_.kid, key_.public_key);
    api_keys_ = std::make_unique<auth::GrpcApiKeyVerifier>(
        idv1::IdentityService::NewStub(
            backends_->ChannelFor("fineprint.identity.v1.IdentityService")));
    authenticator_ =
        std::make_unique<auth::Authenticator>(&keys_, api_keys_.get());

    EdgeOptions options;
    options.max_body_bytes = 1024;
    options.forward_headers = {"accept-language"};
    options.cors.allowed_origins = {"https://app.example"};
    options.auth_threads = 2;
    Tune(options);
    edge_ = std::make_unique<EdgeHandler>(&holder_, backends_.get(),
                                          authenticator_.get(), options,
                                          registry_.get());
    HttpServerOptions http_options;
    http_options.host = "127.0.0.1";
    http_options.port = 0;
    http_options.threads = 2;
    http_options.max_body_bytes = 2048;
    http_ = std::make_unique<HttpServer>(
        http_options, [this](HttpRequest r, auto done, auto stream) {
          edge_->Handle(std::move(r), std::move(done), std::move(stream));
        });
    ASSERT_TRUE(http_->Start().ok());
  }

  virtual void Tune(EdgeOptions& options) {}

  void TearDown() override {
    http_.reset();
    edge_.reset();
    backend_->Shutdown();
  }

  std::string Token(const std::string& role, const std::string& org = "orgs/o1",
                    const std::string& plan = "FREE") {
    auth::Claims c;
    c.subject = "orgs/o1/users/u1";
    c.organization = org;
    c.role = role;
    c.plan = plan;
    c.token_id = "t1";
    c.issued_at = absl::Now() - absl::Seconds(1);
    c.expires_at = absl::Now() + absl::Hours(1);
    return "Bearer " + auth::SignAccessToken(c, key_);
  }

  FakeIdentity identity_;
  FakeAnalysis analysis_;
  std::unique_ptr<grpc::Server> backend_;
  ConfigHolder holder_;
  std::unique_ptr<ChannelBackends> backends_;
  auth::SigningKey key_;
  auth::StaticKeyResolver keys_;
  std::unique_ptr<auth::GrpcApiKeyVerifier> api_keys_;
  std::unique_ptr<auth::Authenticator> authenticator_;
  std::unique_ptr<metrics::Registry> registry_;
  std::unique_ptr<EdgeHandler> edge_;
  std::unique_ptr<HttpServer> http_;
};

TEST_F(EdgeServerTest, AuthenticatedGetForwardsIdsAndCredentials) {
  Client c(http_->port());
  Reply r = c.Send(http::verb::get, "/v1/orgs/o1/users/u1", "",
                   {{"authorization", Token("ADMIN")},
                    {"accept-language", "fr"},
                    {"x-fineprint-principal", "orgs/evil"},
                    {"grpc-foo", "x"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["content-type"], "application/json");
  EXPECT_NE(r.body.find("\"name\":\"orgs/o1/users/u1\""), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("\"role\":\"ADMIN\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"displayName\":\"\""), std::string::npos) << r.body;
  auto md = identity_.last_metadata();
  EXPECT_EQ(md.count("authorization"), 1u);
  EXPECT_EQ(md.find("accept-language")->second, "fr");
  EXPECT_EQ(md.count("x-fineprint-principal"), 0u);
  EXPECT_EQ(md.count("grpc-foo"), 0u);
  ASSERT_EQ(md.count("x-request-id"), 1u);
  EXPECT_EQ(md.find("x-request-id")->second, r.headers["x-request-id"]);
  ASSERT_EQ(md.count("traceparent"), 1u);
  EXPECT_EQ(md.find("traceparent")->second.size(), 55u);
  EXPECT_EQ(md.find("x-forwarded-for")->second, "127.0.0.1");

  // Keep-alive: a second request on the same connection, client ids kept.
  r = c.Send(http::verb::get, "/v1/orgs/o1/users/u2", "",
             {{"authorization", Token("VIEWER")}, {"x-request-id", "req-7"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["x-request-id"], "req-7");
  EXPECT_EQ(identity_.last_metadata().find("x-request-id")->second, "req-7");
}

TEST_F(EdgeServerTest, RejectsBeforeCallingBackend) {
  Client c(http_->port());
  Reply r = c.Send(http::verb::get, "/v1/orgs/o1/users/u1");
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_NE(r.body.find("\"code\":16"), std::string::npos) << r.body;
  r = c.Send(http::verb::get, "/v1/orgs/o1/users/u1", "",
             {{"authorization", "Bearer not.a.jwt"}});
  EXPECT_EQ(r.status, 401) << r.body;
  r = c.Send(http::verb::delete_, "/v1/orgs/o1/users/u1", "",
             {{"authorization", Token("VIEWER")}});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(r.body.find("ROLE_NOT_ALLOWED"), std::string::npos) << r.body;
  EXPECT_EQ(identity_.calls(), 0);
}

TEST_F(EdgeServerTest, ApiKeysVerifiedThroughIdentity) {
  Client c(http_->port());
  Reply r = c.Send(http::verb::get, "/v1/orgs/o1/users/u1", "",
                   {{"x-api-key", "fp_live_good"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["ratelimit-limit"], "1000");  // the key's org is PREMIUM
  EXPECT_EQ(identity_.last_metadata().find("x-api-key")->second,
            "fp_live_good");
  r = c.Send(http::verb::get, "/v1/orgs/o1/users/u1", "",
             {{"x-api-key", "fp_live_bad"}});
  EXPECT_EQ(r.status, 401) << r.body;
  r = c.Send(http::verb::get, "/v1/orgs/o1/users/u1", "",
             {{"authorization", "ApiKey fp_live_good"}});
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(EdgeServerTest, PublicCreateAndEmptyResponses) {
  Client c(http_->port());
  Reply r = c.Send(http::verb::post, "/v1/auth:signUp",
                   R"({"email":"a@b.c","display_name":"Ann","password":"pw"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_NE(r.body.find("\"displayName\":\"Ann\""), std::string::npos)
      << r.body;
  r = c.Send(http::verb::delete_, "/v1/orgs/o1/users/u1", "",
             {{"authorization", Token("OWNER")}});
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.headers.count("content-length"), 0u);
  r = c.Send(http::verb::post, "/v1/orgs/o1/users", R"({"email":"n@b.c"})",
             {{"authorization", Token("ADMIN")}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_NE(r.body.find("\"name\":\"orgs/o1/users/new\""), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("\"email\":\"n@b.c\""), std::string::npos) << r.body;
}

TEST_F(EdgeServerTest, EdgeErrors) {
  Client c(http_->port());
  Reply r = c.Send(http::verb::get, "/v2/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("\"code\":5"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"details\":[{\"@type\":\"type.googleapis.com/"
                        "google.rpc.ErrorInfo\""),
            std::string::npos)
      << r.body;
  r = c.Send(http::verb::put, "/v1/orgs/o1/users/u1");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers["allow"], "DELETE, GET, HEAD, PATCH");
  r = c.Send(http::verb::post, "/v1/auth:signUp", "email=a",
             {{"content-type", "text/plain"}});
  EXPECT_EQ(r.status, 415) << r.body;
  r = c.Send(http::verb::post, "/v1/auth:signUp", R"({"email": )");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("malformed JSON"), std::string::npos) << r.body;
  r = c.Send(http::verb::post, "/v1/auth:signUp", R"({"emial":"x"})");
  EXPECT_EQ(r.status, 400) << r.body;
  r = c.Send(http::verb::get, "/v1/orgs/o1/users/u1?bogus=1", "",
             {{"authorization", Token("ADMIN")}});
  EXPECT_EQ(r.status, 400) << r.body;
  r = c.Send(http::verb::get, "/v1/orgs/o1/../x");
  EXPECT_EQ(r.status, 400) << r.body;
  // Over the edge's limit (1 KiB) but under the transport's (2 KiB).
  r = c.Send(http::verb::post, "/v1/auth:signUp",
             "{\"email\":\"" + std::string(1500, 'a') + "\"}");
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(identity_.calls(), 0);
  r = c.Send(http::verb::get, "/healthz");
  EXPECT_EQ(r.status, 200);
}

TEST_F(EdgeServerTest, ExpectContinue) {
  net::io_context ioc;
  net::ip::tcp::socket socket(ioc);
  socket.connect({net::ip::make_address("127.0.0.1"),
                  static_cast<unsigned short>(http_->port())});
  const std::string body = R"({"email":"a@b.c"})";
  std::string head =
      "POST /v1/auth:signUp HTTP/1.1\r\nHost: x\r\n"
      "Content-Type: application/json\r\nExpect: 100-continue\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  net::write(socket, net::buffer(head));
  beast::flat_buffer buffer;
  http::response<http::empty_body> interim;
  http::read(socket, buffer, interim);
  EXPECT_EQ(interim.result_int(), 100);
  net::write(socket, net::buffer(body));
  http::response<http::string_body> final_response;
  http::read(socket, buffer, final_response);
  EXPECT_EQ(final_response.result_int(), 201) << final_response.body();
}

TEST_F(EdgeServerTest, HeadHasLengthButNoBody) {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect({net::ip::make_address("127.0.0.1"),
                  static_cast<unsigned short>(http_->port())});
  http::request<http::empty_body> head(http::verb::head, "/healthz", 11);
  head.set(http::field::host, "x");
  http::write(stream, head);
  beast::flat_buffer buffer;
  http::response_parser<http::empty_body> parser;
  parser.skip(true);  // a HEAD response has no body whatever its length says
  http::read(stream, buffer, parser);
  EXPECT_EQ(parser.get().result_int(), 200);
  EXPECT_EQ(parser.get()[http::field::content_length], "20");
  // The next response on the connection starts right away: no stray body.
  http::request<http::empty_body> get(http::verb::get, "/healthz", 11);
  get.set(http::field::host, "x");
  http::write(stream, get);
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "{\"status\":\"SERVING\"}");
}

TEST_F(EdgeServerTest, TransportBodyLimit) {
  Client c(http_->port());
  Reply r = c.Send(http::verb::post, "/v1/auth:signUp",
                   "{\"email\":\"" + std::string(5000, 'a') + "\"}");
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(r.headers["content-type"], "application/json");
}

TEST_F(EdgeServerTest, BackendErrorsKeepDetails) {
  Client c(http_->port());
  Reply r = c.Send(http::verb::get, "/v1/orgs/o1/users/missing", "",
                   {{"authorization", Token("ADMIN")}});
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_NE(r.body.find("\"message\":\"no such user\""), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("\"reason\":\"USER_NOT_FOUND\""), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("\"domain\":\"fineprint.dev\""), std::string::npos)
      << r.body;
}

TEST_F(EdgeServerTest, DeadlineFromHeader) {
  Client c(http_->port());
  Reply r = c.Send(
      http::verb::get, "/v1/orgs/o1/users/slow", "",
      {{"authorization", Token("ADMIN")}, {"x-request-timeout", "50ms"}});
  EXPECT_EQ(r.status, 504) << r.body;
  r = c.Send(http::verb::get, "/v1/orgs/o1/users/slow", "",
             {{"authorization", Token("ADMIN")}, {"grpc-timeout", "5S"}});
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(EdgeServerTest, MissingBackendIsUnavailable) {
  Client c(http_->port());
  Reply r = c.Send(http::verb::get, "/v1/orgs/o1/watches/w1", "",
                   {{"authorization", Token("ADMIN")}});
  EXPECT_EQ(r.status, 503) << r.body;
}

TEST_F(EdgeServerTest, ServerStreamingNdjsonAndSse) {
  const std::string token = Token("ADMIN");
  {
    Client c(http_->port());
    Reply r = c.Send(http::verb::get, "/v1/orgs/o1/jobs/ok:watch", "",
                     {{"authorization", token}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers["content-type"], "application/x-ndjson");
    EXPECT_EQ(r.headers["transfer-encoding"], "chunked");
    EXPECT_FALSE(r.headers["x-request-id"].empty());
    std::vector<std::string> lines =
        absl::StrSplit(r.body, '\n', absl::SkipEmpty());
    ASSERT_EQ(lines.size(), 3u) << r.body;
    EXPECT_NE(lines[0].find("\"name\":\"orgs/o1/jobs/ok\""), std::string::npos)
        << lines[0];
  }
  {
    Client c(http_->port());
    Reply r =
        c.Send(http::verb::get, "/v1/orgs/o1/jobs/ok:watch", "",
               {{"authorization", token}, {"accept", "text/event-stream"}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers["content-type"], "text/event-stream");
    std::vector<std::string> events =
        absl::StrSplit(r.body, "\n\n", absl::SkipEmpty());
    ASSERT_EQ(events.size(), 3u) << r.body;
    EXPECT_TRUE(absl::StartsWith(events[0], "data: {\"job\":")) << events[0];
  }
}

TEST_F(EdgeServerTest, StreamErrors) {
  const std::string token = Token("ADMIN");
  {
    Client c(http_->port());
    Reply r = c.Send(http::verb::get, "/v1/orgs/o1/jobs/none:watch", "",
                     {{"authorization", token}});
    EXPECT_EQ(r.status, 404) << r.body;
    EXPECT_NE(r.body.find("\"code\":5"), std::string::npos) << r.body;
  }
  {
    Client c(http_->port());
    Reply r = c.Send(http::verb::get, "/v1/orgs/o1/jobs/fail:watch", "",
                     {{"authorization", token}});
    ASSERT_EQ(r.status, 200) << r.body;
    std::vector<std::string> lines =
        absl::StrSplit(r.body, '\n', absl::SkipEmpty());
    ASSERT_EQ(lines.size(), 2u) << r.body;
    EXPECT_TRUE(absl::StartsWith(lines[1], "{\"error\":{\"code\":10,"))
        << lines[1];
    EXPECT_NE(lines[1].find("BOOM"), std::string::npos) << lines[1];
  }
  {
    Client c(http_->port());
    Reply r =
        c.Send(http::verb::get, "/v1/orgs/o1/jobs/fail:watch", "",
               {{"authorization", token}, {"accept", "text/event-stream"}});
    EXPECT_NE(r.body.find("event: error\ndata: {\"code\":10"),
              std::string::npos)
        << r.body;
  }
}

TEST_F(EdgeServerTest, ClientDisconnectCancelsStream) {
  net::io_context ioc;
  net::ip::tcp::socket socket(ioc);
  socket.connect({net::ip::make_address("127.0.0.1"),
                  static_cast<unsigned short>(http_->port())});
  std::string request =
      "GET /v1/orgs/o1/jobs/forever:watch HTTP/1.1\r\nHost: x\r\n"
      "Authorization: " +
      Token("ADMIN") + "\r\n\r\n";
  net::write(socket, net::buffer(request));
  std::array<char, 1024> buf;
  size_t n = socket.read_some(net::buffer(buf));
  EXPECT_TRUE(
      absl::StartsWith(absl::string_view(buf.data(), n), "HTTP/1.1 200"));
  socket.close();
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (!analysis_.cancelled_ && absl::Now() < deadline)
    absl::SleepFor(absl::Milliseconds(10));
  EXPECT_TRUE(analysis_.cancelled_);
}

TEST_F(EdgeServerTest, MetricsPerRoute) {
  Client c(http_->port());
  c.Send(http::verb::get, "/v1/orgs/o1/users/u1", "",
         {{"authorization", Token("ADMIN")}});
  std::string text = registry_->Expose();
  EXPECT_NE(
      text.find("fineprint_edge_requests_total{code=\"200\",method=\"GET\","
                "route=\"/v1/{name=orgs/*/users/*}\"} 1"),
      std::string::npos)
      << text;
}

TEST_F(EdgeServerTest, ConcurrentClients) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  const std::string token = Token("ADMIN", "orgs/o1", "PREMIUM");
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Client c(http_->port());
      for (int i = 0; i < 25; ++i) {
        Reply r = c.Send(http::verb::get,
                         "/v1/orgs/o1/users/u" + std::to_string(t * 100 + i),
                         "", {{"authorization", token}});
        if (r.status == 200) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 100);
}

TEST_F(EdgeServerTest, ReloadSwapsRoutes) {
  Client c(http_->port());
  EXPECT_EQ(c.Send(http::verb::get, "/v1/items").status, 404);
  auto previous = holder_.Get();
  auto test_api = api::ApiConfig::FromFile(
      std::string(std::getenv("TEST_SRCDIR")) +
      "/fineprint/gateway/testdata/transcode_test_descriptor_set.pb");
  ASSERT_TRUE(test_api.ok()) << test_api.status();
  holder_.Set(*test_api);
  // The new contract's route exists (its service has no backend here).
  EXPECT_EQ(c.Send(http::verb::get, "/v1/items").status, 503);
  EXPECT_EQ(c.Send(http::verb::post, "/v1/auth:signUp", "{}").status, 404);
  holder_.Set(previous);
  EXPECT_EQ(c.Send(http::verb::post, "/v1/auth:signUp", "{}").status, 201);
}

TEST_F(EdgeServerTest, ServesOpenApi) {
  Client c(http_->port());
  Reply r = c.Send(http::verb::get, "/openapi.json");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"openapi\":\"3.1.0\""), std::string::npos);
  EXPECT_NE(r.body.find("/v1/orgs/{org_id}/users/{user_id}"),
            std::string::npos);
  // Cached per config: the same bytes again.
  EXPECT_EQ(c.Send(http::verb::get, "/openapi.json").body, r.body);
}

TEST_F(EdgeServerTest, Cors) {
  Client c(http_->port());
  Reply r =
      c.Send(http::verb::options, "/v1/orgs/o1/users/u1", "",
             {{"origin", "https://app.example"},
              {"access-control-request-method", "DELETE"},
              {"access-control-request-headers", "Authorization, X-Evil"}});
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(r.headers["access-control-allow-origin"], "https://app.example");
  EXPECT_EQ(r.headers["access-control-allow-methods"], "DELETE");
  EXPECT_EQ(r.headers["access-control-allow-headers"], "authorization");
  EXPECT_EQ(r.headers["vary"], "Origin");
  r = c.Send(http::verb::post, "/v1/auth:signUp", R"({"email":"a@b.c"})",
             {{"origin", "https://app.example"}});
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.headers["access-control-allow-origin"], "https://app.example");
  r = c.Send(http::verb::post, "/v1/auth:signUp", R"({"email":"a@b.c"})",
             {{"origin", "https://evil.example"}});
  EXPECT_EQ(r.headers.count("access-control-allow-origin"), 0u);
}

class EdgeRateLimitTest : public EdgeServerTest {
 protected:
  void Tune(EdgeOptions& options) override {
    options.auth_threads = 0;  // inline authentication works the same
    options.rate_limit.plans.free_per_minute = 3;
    options.rate_limit.plans.premium_per_minute = 30;
    options.rate_limit.public_per_ip_per_minute = 2;
  }
};

TEST_F(EdgeRateLimitTest, PerOrganisationByPlan) {
  Client c(http_->port());
  const std::string free_token = Token("ADMIN", "orgs/free");
  for (int i = 0; i < 3; ++i) {
    Reply r = c.Send(http::verb::get, "/v1/orgs/free/users/u1", "",
                     {{"authorization", free_token}});
    ASSERT_EQ(r.status, 200) << i;
    EXPECT_EQ(r.headers["ratelimit-limit"], "3");
    EXPECT_EQ(r.headers["ratelimit-remaining"], std::to_string(2 - i));
  }
  const int calls = identity_.calls();
  Reply r = c.Send(http::verb::get, "/v1/orgs/free/users/u1", "",
                   {{"authorization", free_token}});
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(r.headers["retry-after"], "20");
  EXPECT_NE(r.body.find("RATE_LIMITED"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("google.rpc.RetryInfo"), std::string::npos) << r.body;
  EXPECT_EQ(identity_.calls(), calls);
  // Another organisation on a bigger plan is unaffected.
  r = c.Send(http::verb::get, "/v1/orgs/rich/users/u1", "",
             {{"authorization", Token("ADMIN", "orgs/rich", "PREMIUM")}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["ratelimit-limit"], "30");
}

TEST_F(EdgeRateLimitTest, PerIpOnPublicRoutes) {
  Client c(http_->port());
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(
        c.Send(http::verb::post, "/v1/auth:signUp", R"({"email":"a@b.c"})")
            .status,
        201);
  }
  EXPECT_EQ(c.Send(http::verb::post, "/v1/auth:signUp", R"({"email":"a@b.c"})")
                .status,
            429);
}

// Black-box finding: strings for bools and duplicate keys were accepted.
TEST_F(EdgeServerTest, StrictJsonRejectedWithFieldViolationAndNothingStored) {
  Client c(http_->port());
  const std::map<std::string, std::string> auth = {
      {"authorization", Token("ADMIN")}};
  const std::pair<const char*, const char*> cases[] = {
      {R"({"title":"t","lowPriority":"yes"})", "low_priority"},
      {R"({"title":"t","lowPriority":"false"})", "low_priority"},
      {R"({"title":"t","title":"dup"})", "title"},
      {R"({"title":"t","low_priority":true,"lowPriority":false})",
       "low_priority"},
      {R"({"title":{"a":1}})", "title"},
      {R"({"kind":2147483648})", "kind"},
  };
  for (const auto& [body, field] : cases) {
    Reply r = c.Send(http::verb::post, "/v1/orgs/o1/documents", body, auth);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    EXPECT_NE(
        r.body.find("\"@type\":\"type.googleapis.com/google.rpc.BadRequest\""),
        std::string::npos)
        << r.body;
    EXPECT_NE(r.body.find(absl::StrCat("\"field\":\"", field, "\"")),
              std::string::npos)
        << body << " -> " << r.body;
  }
  EXPECT_EQ(analysis_.submitted_.load(), 0);
  // What proto3 JSON accepts still goes through: proto names, real bools.
  Reply r = c.Send(http::verb::post, "/v1/orgs/o1/documents",
                   R"({"title":"t","low_priority":true,"text":"x"})", auth);
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(analysis_.submitted_.load(), 1);
}

// HEAD answers wherever GET does, with GET's status and headers.
TEST_F(EdgeServerTest, HeadOnEveryGetRoute) {
  Client c(http_->port());
  const std::map<std::string, std::string> auth = {
      {"authorization", Token("ADMIN")}};
  for (const auto& [target, headers] :
       std::vector<std::pair<std::string, std::map<std::string, std::string>>>{
           {"/v1/orgs/o1/users/u1", auth},
           {"/v1/orgs/o1/users/missing", auth},
           {"/v1/orgs/o1/users/u1", {}},  // 401
           {"/openapi.json", {}},
           {"/.well-known/jwks.json", {}},
           {"/v1/auth/jwks", {}},
           {"/healthz", {}}}) {
    Reply get = c.Send(http::verb::get, target, "", headers);
    Reply head = c.Head(target, headers);
    EXPECT_NE(head.status, 405) << target;
    EXPECT_EQ(head.status, get.status) << target;
    EXPECT_EQ(head.body, "") << target;
    EXPECT_EQ(head.headers["content-length"], std::to_string(get.body.size()))
        << target;
    for (const char* name :
         {"content-type", "cache-control", "www-authenticate",
          "x-content-type-options", "referrer-policy"}) {
      EXPECT_EQ(head.headers[name], get.headers[name]) << target << " " << name;
    }
  }
  // A streaming method: the stream's headers, no backend stream held open.
  Reply head = c.Head("/v1/orgs/o1/jobs/forever:watch", auth);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.headers["content-type"], "application/x-ndjson");
  EXPECT_EQ(head.headers.count("content-length"), 0u);
  EXPECT_EQ(head.body, "");
  // The connection is still in step after all of that.
  EXPECT_EQ(c.Send(http::verb::get, "/healthz").status, 200);
  // HEAD where no GET is: 405 naming what is allowed.
  Reply r = c.Head("/v1/auth:signUp");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers["allow"], "POST");
}

TEST_F(EdgeServerTest, UnauthorizedCarriesBearerChallenge) {
  Client c(http_->port());
  Reply r = c.Send(http::verb::get, "/v1/orgs/o1/users/u1");
  ASSERT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(r.headers["www-authenticate"], "Bearer realm=\"fineprint\"");
  r = c.Send(http::verb::get, "/v1/orgs/o1/users/u1", "",
             {{"authorization", "Bearer not.a.jwt"}});
  ASSERT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(r.headers["www-authenticate"],
            "Bearer realm=\"fineprint\", error=\"invalid_token\"");
  r = c.Send(http::verb::get, "/v1/orgs/o1/users/u1", "",
             {{"x-api-key", "fp_live_bad"}});
  ASSERT_EQ(r.status, 401) << r.body;
  EXPECT_NE(r.headers["www-authenticate"].find("error=\"invalid_token\""),
            std::string::npos);
  // Not on other errors.
  r = c.Send(http::verb::delete_, "/v1/orgs/o1/users/u1", "",
             {{"authorization", Token("VIEWER")}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.headers.count("www-authenticate"), 0u);
}

TEST_F(EdgeServerTest, SecurityHeadersOnEveryResponse) {
  Client c(http_->port());
  const std::string token = Token("ADMIN");
  std::vector<Reply> replies;
  replies.push_back(c.Send(http::verb::get, "/v1/orgs/o1/users/u1", "",
                           {{"authorization", token}}));
  replies.push_back(c.Send(http::verb::get, "/v2/nothing"));
  replies.push_back(c.Send(http::verb::get, "/openapi.json"));
  replies.push_back(
      c.Send(http::verb::post, "/v1/auth:signUp", R"({"email":"a@b.c"})"));
  {
    Client stream(http_->port());  // a stream ends its connection
    replies.push_back(stream.Send(http::verb::get, "/v1/orgs/o1/jobs/ok:watch",
                                  "", {{"authorization", token}}));
  }
  {
    Client fresh(
        http_->port());  // the transport's own 413 closes the connection
    replies.push_back(
        fresh.Send(http::verb::post, "/v1/auth:signUp",
                   "{\"email\":\"" + std::string(5000, 'a') + "\"}"));
  }
  for (Reply& r : replies) {
    EXPECT_EQ(r.headers["x-content-type-options"], "nosniff")
        << r.status << r.body;
    EXPECT_EQ(r.headers["referrer-policy"], "no-referrer")
        << r.status << r.body;
    EXPECT_EQ(r.headers.count("content-security-policy"), 0u);  // not HTML
  }
  // Authenticated answers are never cached; public ones may be.
  EXPECT_EQ(replies[0].headers["cache-control"], "no-store");
  EXPECT_EQ(replies[4].headers["cache-control"], "no-store");
  EXPECT_EQ(replies[3].headers.count("cache-control"), 0u);
  Reply denied = c.Send(http::verb::get, "/v1/orgs/o1/users/u1");
  EXPECT_EQ(denied.headers["cache-control"], "no-store");
}

TEST(SecureResponseTest, HtmlGetsARestrictiveContentSecurityPolicy) {
  HttpResponse html;
  html.SetHeader("Content-Type", "text/html; charset=utf-8");
  SecureResponse(html, /*private_answer=*/false);
  auto csp = html.Header("content-security-policy");
  ASSERT_TRUE(csp.has_value());
  EXPECT_NE(csp->find("default-src 'none'"), std::string::npos) << *csp;
  EXPECT_NE(csp->find("frame-ancestors 'none'"), std::string::npos) << *csp;
  EXPECT_FALSE(html.Header("cache-control").has_value());

  HttpResponse own;  // a page with its own policy keeps it
  own.SetHeader("content-type", "text/html");
  own.SetHeader("content-security-policy", "script-src 'self'");
  SecureResponse(own, /*private_answer=*/true);
  EXPECT_EQ(*own.Header("content-security-policy"), "script-src 'self'");
  EXPECT_EQ(*own.Header("cache-control"), "no-store");

  HttpResponse json;
  json.SetHeader("content-type", "application/json");
  SecureResponse(json, false);
  EXPECT_FALSE(json.Header("content-security-policy").has_value());
}

std::string Unbrotli(const std::string& data) {
  std::string out(1 << 20, '\0');
  size_t size = out.size();
  if (BrotliDecoderDecompress(data.size(),
                              reinterpret_cast<const uint8_t*>(data.data()),
                              &size, reinterpret_cast<uint8_t*>(out.data())) !=
      BROTLI_DECODER_RESULT_SUCCESS) {
    return "<not brotli>";
  }
  out.resize(size);
  return out;
}

TEST_F(EdgeServerTest, CompressesLargeAnswersByAcceptEncoding) {
  Client c(http_->port());
  Reply plain = c.Send(http::verb::get, "/openapi.json");
  ASSERT_EQ(plain.status, 200);
  ASSERT_GT(plain.body.size(), 1024u);
  EXPECT_EQ(plain.headers.count("content-encoding"), 0u);
  EXPECT_EQ(plain.headers["vary"], "Accept-Encoding");

  Reply gz = c.Send(http::verb::get, "/openapi.json", "",
                    {{"accept-encoding", "gzip, deflate"}});
  EXPECT_EQ(gz.headers["content-encoding"], "gzip");
  EXPECT_EQ(gz.headers["vary"], "Accept-Encoding");
  EXPECT_LT(gz.body.size(), plain.body.size() / 3);
  auto inflated = Gunzip(gz.body, 16 << 20);
  ASSERT_TRUE(inflated.ok()) << inflated.status();
  EXPECT_EQ(*inflated, plain.body);

  Reply br = c.Send(http::verb::get, "/openapi.json", "",
                    {{"accept-encoding", "gzip, br"}});
  EXPECT_EQ(br.headers["content-encoding"], "br");
  EXPECT_EQ(Unbrotli(br.body), plain.body);
  // HEAD: the length of what GET would send, encoded.
  Reply head = c.Head("/openapi.json", {{"accept-encoding", "gzip, br"}});
  EXPECT_EQ(head.headers["content-encoding"], "br");
  EXPECT_EQ(head.headers["content-length"], std::to_string(br.body.size()));

  Reply refused = c.Send(http::verb::get, "/openapi.json", "",
                         {{"accept-encoding", "gzip;q=0, br;q=0"}});
  EXPECT_EQ(refused.headers.count("content-encoding"), 0u);
  EXPECT_EQ(refused.body, plain.body);
  // Small answers go out as they are.
  Reply small =
      c.Send(http::verb::get, "/healthz", "", {{"accept-encoding", "gzip"}});
  EXPECT_EQ(small.headers.count("content-encoding"), 0u);
  EXPECT_EQ(small.headers.count("vary"), 0u);
  // Vary keeps what CORS put there.
  Reply cors =
      c.Send(http::verb::get, "/openapi.json", "",
             {{"accept-encoding", "gzip"}, {"origin", "https://app.example"}});
  EXPECT_EQ(cors.headers["vary"], "Origin, Accept-Encoding");
}

TEST_F(EdgeServerTest, GzipRequestBodies) {
  Client c(http_->port());
  const std::map<std::string, std::string> gzip = {
      {"content-type", "application/json"}, {"content-encoding", "gzip"}};
  auto body = Compress(R"({"email":"a@b.c","displayName":"Zed"})",
                       ContentCoding::kGzip);
  ASSERT_TRUE(body.ok());
  Reply r = c.Send(http::verb::post, "/v1/auth:signUp", *body, gzip);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_NE(r.body.find("\"displayName\":\"Zed\""), std::string::npos)
      << r.body;
  EXPECT_EQ(identity_.calls(), 1);

  // A zip bomb: tiny on the wire, far over the transport's limit inflated.
  auto bomb = Compress("{\"email\":\"" + std::string(1 << 20, 'a') + "\"}",
                       ContentCoding::kGzip);
  ASSERT_LT(bomb->size(), 2048u);
  r = c.Send(http::verb::post, "/v1/auth:signUp", *bomb, gzip);
  EXPECT_EQ(r.status, 413) << r.body;
  // Over the edge's own limit (1 KiB) once inflated, under the transport's.
  auto over = Compress("{\"email\":\"" + std::string(1500, 'a') + "\"}",
                       ContentCoding::kGzip);
  r = c.Send(http::verb::post, "/v1/auth:signUp", *over, gzip);
  EXPECT_EQ(r.status, 413) << r.body;
  r = c.Send(http::verb::post, "/v1/auth:signUp", "definitely not gzip", gzip);
  EXPECT_EQ(r.status, 400) << r.body;
  r = c.Send(
      http::verb::post, "/v1/auth:signUp", "xx",
      {{"content-type", "application/json"}, {"content-encoding", "br"}});
  EXPECT_EQ(r.status, 415) << r.body;
  EXPECT_EQ(r.headers["accept-encoding"], "gzip");
  EXPECT_EQ(identity_.calls(), 1);
}

}  // namespace
}  // namespace fineprint::gateway::server
