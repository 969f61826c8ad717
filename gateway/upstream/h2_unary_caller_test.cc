// The edge's HTTP/2 client against a real gRPC C++ server on a free port:
// what gRPC's own client would give the edge, it must give too.

#include "gateway/upstream/h2_unary_caller.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/post.hpp"
#include "gateway/server/io_thread.h"
#include "gateway/upstream/grpc_unary_caller.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"

namespace fineprint::gateway::upstream {
namespace {

namespace net = boost::asio;

std::string Flatten(const grpc::ByteBuffer& b) {
  std::vector<grpc::Slice> slices;
  std::string out;
  (void)b.Dump(&slices);
  for (const auto& s : slices)
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

// Answers by method name: /t.T/Echo returns the request with the x-echo
// metadata prepended; /t.T/Fail fails with details and a non-ASCII message;
// /t.T/Slow answers after 2 s; /t.T/Big answers `request` bytes of 'b'.
class Reactor : public grpc::ServerGenericBidiReactor {
 public:
  explicit Reactor(grpc::GenericCallbackServerContext* ctx) : ctx_(ctx) {
    StartRead(&request_);
  }
  void OnReadDone(bool ok) override {
    if (!ok)
      return Finish(grpc::Status(grpc::StatusCode::INTERNAL, "no request"));
    const std::string method = ctx_->method();
    const std::string body = Flatten(request_);
    if (method == "/t.T/Echo") {
      std::string echo;
      auto it = ctx_->client_metadata().find("x-echo");
      if (it != ctx_->client_metadata().end())
        echo.assign(it->second.data(), it->second.size());
      return Reply(echo + body);
    }
    if (method == "/t.T/Big") return Reply(std::string(std::stoul(body), 'b'));
    if (method == "/t.T/Fail") {
      google::rpc::Status details;
      details.set_code(5);
      details.set_message("not här");
      return Finish(grpc::Status(grpc::StatusCode::NOT_FOUND, "not här: 100%",
                                 details.SerializeAsString()));
    }
    if (method == "/t.T/Slow") {
      std::thread([this] {
        std::this_thread::sleep_for(std::chrono::seconds(2));
        Finish(grpc::Status(grpc::StatusCode::ABORTED, "too late"));
      }).detach();
      return;
    }
    Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no such method"));
  }
  void OnDone() override { delete this; }

 private:
  void Reply(const std::string& s) {
    grpc::Slice slice(s);
    response_ = grpc::ByteBuffer(&slice, 1);
    StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
  }
  grpc::GenericCallbackServerContext* ctx_;
  grpc::ByteBuffer request_, response_;
};

class Service : public grpc::CallbackGenericService {
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* ctx) override {
    return new Reactor(ctx);
  }
};

struct Backend {
  explicit Backend(int port = 0) {
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:" + std::to_string(port),
                       grpc::InsecureServerCredentials(), &this->port);
    b.RegisterCallbackGenericService(&service);
    server = b.BuildAndStart();
  }
  Service service;
  int port = 0;
  std::unique_ptr<grpc::Server> server;
};

// A fallback that counts what reaches it (calls made off an I/O thread).
class CountingCaller : public UnaryCaller {
 public:
  void Call(UnaryCall, UnaryDone done) override {
    ++calls;
    done(grpc::Status(grpc::StatusCode::UNAVAILABLE, "fallback"), "");
  }
  std::atomic<int> calls{0};
};

// One I/O thread, as the HTTP server runs them.
class IoLoop {
 public:
  IoLoop()
      : guard_(net::make_work_guard(io_)),
        thread_([this] { server::IoThread::Run(io_); }) {}
  ~IoLoop() {
    guard_.reset();
    io_.stop();
    thread_.join();
  }
  struct Result {
    grpc::Status status;
    std::string response;
    absl::Duration took;
  };
  Result Call(UnaryCaller& caller, UnaryCall call) {
    Result r;
    absl::Notification done;
    const absl::Time start = absl::Now();
    net::post(io_, [&] {
      caller.Call(std::move(call), [&](const grpc::Status& s,
                                       std::string resp) {
        EXPECT_NE(server::IoThread::Current(), nullptr);  // on the I/O thread
        r.status = s;
        r.response = std::move(resp);
        r.took = absl::Now() - start;
        done.Notify();
      });
    });
    done.WaitForNotification();
    return r;
  }

 private:
  net::io_context io_;
  net::executor_work_guard<net::io_context::executor_type> guard_;
  std::thread thread_;
};

UnaryCall Make(absl::string_view method, std::string request,
               absl::Duration timeout = absl::Seconds(5)) {
  UnaryCall c;
  c.method = std::string(method);
  c.request = std::move(request);
  c.deadline = absl::Now() + timeout;
  return c;
}

H2UnaryCaller CallerFor(int port, CountingCaller* fallback,
                        H2ConnectionOptions options = {}) {
  return H2UnaryCaller(*ParseH2Target("127.0.0.1:" + std::to_string(port)),
                       options, fallback);
}

TEST(H2UnaryCaller, RoundTripWithMetadataOverOneConnection) {
  Backend backend;
  CountingCaller fallback;
  H2UnaryCaller caller = CallerFor(backend.port, &fallback);
  IoLoop loop;
  for (int i = 0; i < 3; ++i) {
    UnaryCall call = Make("/t.T/Echo", "payload" + std::to_string(i));
    call.metadata = {{"x-echo", "meta:"}};
    IoLoop::Result r = loop.Call(caller, std::move(call));
    ASSERT_TRUE(r.status.ok()) << r.status.error_message();
    EXPECT_EQ(r.response, "meta:payload" + std::to_string(i));
  }
  // An empty request message is a valid one.
  IoLoop::Result empty = loop.Call(caller, Make("/t.T/Echo", ""));
  ASSERT_TRUE(empty.status.ok());
  EXPECT_EQ(empty.response, "");
  EXPECT_EQ(fallback.calls, 0);
}

TEST(H2UnaryCaller, LargeMessagesCrossFlowControlWindows) {
  Backend backend;
  CountingCaller fallback;
  H2UnaryCaller caller = CallerFor(backend.port, &fallback);
  IoLoop loop;
  // Request: 3 MiB (beyond the 64 KiB default window); response 3 MiB.
  std::string big(3 << 20, 'x');
  IoLoop::Result echo = loop.Call(caller, Make("/t.T/Echo", big));
  ASSERT_TRUE(echo.status.ok()) << echo.status.error_message();
  EXPECT_EQ(echo.response, big);
  IoLoop::Result r =
      loop.Call(caller, Make("/t.T/Big", std::to_string(3 << 20)));
  ASSERT_TRUE(r.status.ok()) << r.status.error_message();
  EXPECT_EQ(r.response.size(), 3u << 20);
}

TEST(H2UnaryCaller, ResponseOverTheLimitIsResourceExhausted) {
  Backend backend;
  CountingCaller fallback;
  H2UnaryCaller caller =
      CallerFor(backend.port, &fallback, {.max_response_bytes = 1024});
  IoLoop loop;
  IoLoop::Result r = loop.Call(caller, Make("/t.T/Big", "5000"));
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  // The connection is still good for the next call.
  IoLoop::Result ok = loop.Call(caller, Make("/t.T/Big", "1000"));
  EXPECT_TRUE(ok.status.ok()) << ok.status.error_message();
}

TEST(H2UnaryCaller, ErrorsKeepCodeMessageAndDetails) {
  Backend backend;
  CountingCaller fallback;
  H2UnaryCaller caller = CallerFor(backend.port, &fallback);
  IoLoop loop;
  IoLoop::Result r = loop.Call(caller, Make("/t.T/Fail", ""));
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(r.status.error_message(), "not här: 100%");  // percent-decoded
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(r.status.error_details()));
  EXPECT_EQ(details.message(), "not här");
  IoLoop::Result unknown = loop.Call(caller, Make("/t.T/Nope", ""));
  EXPECT_EQ(unknown.status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

TEST(H2UnaryCaller, DeadlineEndsTheCallAndTheServerSeesIt) {
  Backend backend;
  CountingCaller fallback;
  H2UnaryCaller caller = CallerFor(backend.port, &fallback);
  IoLoop loop;
  IoLoop::Result r =
      loop.Call(caller, Make("/t.T/Slow", "", absl::Milliseconds(200)));
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_LT(r.took, absl::Seconds(1));
  // A deadline already past never leaves the edge.
  IoLoop::Result past =
      loop.Call(caller, Make("/t.T/Echo", "", -absl::Seconds(1)));
  EXPECT_EQ(past.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_TRUE(loop.Call(caller, Make("/t.T/Echo", "x")).status.ok());
}

TEST(H2UnaryCaller, BackendDownIsUnavailableAndComingBackIsServed) {
  int port;
  {
    Backend probe;
    port = probe.port;
  }  // nothing listens on `port` now
  CountingCaller fallback;
  H2UnaryCaller caller = CallerFor(port, &fallback);
  IoLoop loop;
  IoLoop::Result down = loop.Call(caller, Make("/t.T/Echo", "x"));
  EXPECT_EQ(down.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  Backend backend(port);
  ASSERT_EQ(backend.port, port);
  // After the reconnect backoff the next call connects again.
  absl::SleepFor(absl::Milliseconds(150));
  IoLoop::Result up = loop.Call(caller, Make("/t.T/Echo", "x"));
  EXPECT_TRUE(up.status.ok()) << up.status.error_message();
}

TEST(H2UnaryCaller, ServerRestartIsFollowedByANewConnection) {
  auto backend = std::make_unique<Backend>();
  const int port = backend->port;
  CountingCaller fallback;
  H2UnaryCaller caller = CallerFor(port, &fallback);
  IoLoop loop;
  ASSERT_TRUE(loop.Call(caller, Make("/t.T/Echo", "a")).status.ok());
  backend->server->Shutdown(std::chrono::system_clock::now());  // GOAWAY
  backend.reset();
  backend = std::make_unique<Backend>(port);
  absl::SleepFor(absl::Milliseconds(150));
  IoLoop::Result r = loop.Call(caller, Make("/t.T/Echo", "b"));
  if (!r.status.ok()) {
    // The first call may meet the old connection's end; the next may not.
    EXPECT_EQ(r.status.error_code(), grpc::StatusCode::UNAVAILABLE);
    absl::SleepFor(absl::Milliseconds(150));
    r = loop.Call(caller, Make("/t.T/Echo", "b"));
  }
  EXPECT_TRUE(r.status.ok()) << r.status.error_message();
  EXPECT_EQ(r.response, "b");
}

TEST(H2UnaryCaller, OffAnIoThreadTheFallbackServes) {
  Backend backend;
  auto channel =
      grpc::CreateChannel("127.0.0.1:" + std::to_string(backend.port),
                          grpc::InsecureChannelCredentials());
  GrpcUnaryCaller grpc_caller(channel);
  H2UnaryCaller caller(
      *ParseH2Target("127.0.0.1:" + std::to_string(backend.port)), {},
      &grpc_caller);
  absl::Notification done;
  grpc::Status status;
  std::string response;
  UnaryCall call = Make("/t.T/Echo", "via grpc");
  call.metadata = {{"x-echo", "m:"}};
  caller.Call(std::move(call), [&](const grpc::Status& s, std::string r) {
    EXPECT_EQ(server::IoThread::Current(), nullptr);
    status = s;
    response = std::move(r);
    done.Notify();
  });
  done.WaitForNotification();
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response, "m:via grpc");
}

TEST(H2UnaryCaller, ManyConcurrentCallsOnOneConnection) {
  Backend backend;
  CountingCaller fallback;
  H2UnaryCaller caller = CallerFor(backend.port, &fallback);
  net::io_context io;
  std::atomic<int> ok{0}, failed{0};
  constexpr int kCalls = 500;
  net::post(io, [&] {
    for (int i = 0; i < kCalls; ++i) {
      caller.Call(Make("/t.T/Echo", std::to_string(i)),
                  [&, i](const grpc::Status& s, std::string r) {
                    (s.ok() && r == std::to_string(i) ? ok : failed)++;
                    if (ok + failed == kCalls) io.stop();
                  });
    }
  });
  auto guard = net::make_work_guard(io);
  std::thread t([&] { server::IoThread::Run(io); });
  t.join();
  EXPECT_EQ(ok, kCalls);
  EXPECT_EQ(failed, 0);
}

TEST(ParseH2Target, AcceptsHostPortForms) {
  auto t = ParseH2Target("identity:50051");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->host, "identity");
  EXPECT_EQ(t->port, "50051");
  EXPECT_EQ(t->authority, "identity:50051");
  auto dns = ParseH2Target("dns:///identity.svc:50051");
  ASSERT_TRUE(dns.has_value());
  EXPECT_EQ(dns->host, "identity.svc");
  auto v6 = ParseH2Target("[::1]:50051");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->host, "::1");
  for (const char* bad :
       {"unix:/tmp/s", "identity", "a:b", "a:0", "a:70000", "ipv4:1.2.3.4:5",
        "::1:50051", ":50051", "[::1]50051"}) {
    EXPECT_FALSE(ParseH2Target(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace fineprint::gateway::upstream
