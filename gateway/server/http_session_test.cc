// The HTTP server's idle timeout over real sockets: idle and slow clients
// are closed, a connection in use is not, and a slow backend answer still
// arrives. Also the peer address the handler sees.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gateway/server/http_server.h"
#include "gtest/gtest.h"

namespace fineprint::gateway::server {
namespace {

class Client {
 public:
  explicit Client(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ =
        connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    timeval tv{.tv_sec = 5, .tv_usec = 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~Client() { close(fd_); }

  bool connected() const { return connected_; }
  void Send(const std::string& data) {
    ASSERT_EQ(send(fd_, data.data(), data.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(data.size()));
  }
  void TrySend(const std::string& data) {
    send(fd_, data.data(), data.size(), MSG_NOSIGNAL);  // may hit a close
  }
  // Whether the server has closed its side (without waiting).
  bool ClosedNow() {
    char buf[256];
    const ssize_t n = recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }
  // One response (the test handler's bodies are short and sent whole).
  std::string ReadResponse() {
    std::string out;
    char buf[4096];
    while (!absl::StrContains(out, "\r\n\r\n") ||
           !absl::StrContains(out.substr(out.find("\r\n\r\n")), "ok")) {
      const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
  // How long until the server closes the connection (recv returns 0);
  // infinite if it had not after 5 s.
  absl::Duration TimeToClose() {
    const absl::Time start = absl::Now();
    char buf[256];
    const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    return n == 0 ? absl::Now() - start : absl::InfiniteDuration();
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

class HttpSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 1;
    options.idle_timeout = absl::Milliseconds(300);
    options.shutdown_timeout = absl::Seconds(5);
    server_ = std::make_unique<HttpServer>(
        options,
        [](HttpRequest request, HttpServer::Responder respond, StreamOpener) {
          const bool slow = request.target == "/slow";
          std::thread([slow, respond = std::move(respond),
                       peer = request.remote_address] {
            // Longer than the idle timeout: a backend still working.
            if (slow) absl::SleepFor(absl::Milliseconds(800));
            HttpResponse r;
            r.body = "ok";
            r.SetHeader("x-peer", peer);
            respond(std::move(r));
          }).detach();
        });
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override { server_->Stop(); }

  static std::string Get(const std::string& path) {
    return "GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n";
  }

  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpSessionTest, IdleKeepAliveConnectionIsClosed) {
  Client c(server_->port());
  ASSERT_TRUE(c.connected());
  c.Send(Get("/a"));
  const std::string response = c.ReadResponse();
  EXPECT_TRUE(absl::StartsWith(response, "HTTP/1.1 200")) << response;
  EXPECT_TRUE(absl::StrContains(response, "x-peer: 127.0.0.1")) << response;
  const absl::Duration closed_after = c.TimeToClose();
  EXPECT_GE(closed_after, absl::Milliseconds(150));
  EXPECT_LE(closed_after, absl::Seconds(2));
}

TEST_F(HttpSessionTest, TricklingRequestDoesNotExtendTheDeadline) {
  Client c(server_->port());
  ASSERT_TRUE(c.connected());
  // A header byte every 100 ms: each read makes progress, but the request
  // is not complete within the timeout, so the connection goes.
  const std::string header = "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  c.Send("GET /a HTTP/1.1\r\n");
  const absl::Time start = absl::Now();
  bool closed = false;
  for (size_t i = 0; i < header.size() && !closed; ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    c.TrySend(header.substr(i, 1));
    closed = c.ClosedNow();
  }
  EXPECT_TRUE(closed);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

TEST_F(HttpSessionTest, BusyConnectionStaysOpenAndSlowAnswersArrive) {
  Client c(server_->port());
  ASSERT_TRUE(c.connected());
  // Requests closer together than the timeout, for longer than it.
  for (int i = 0; i < 6; ++i) {
    c.Send(Get("/a"));
    EXPECT_TRUE(absl::StartsWith(c.ReadResponse(), "HTTP/1.1 200")) << i;
    absl::SleepFor(absl::Milliseconds(150));
  }
  // An answer that takes longer than the idle timeout is still delivered.
  c.Send(Get("/slow"));
  EXPECT_TRUE(absl::StartsWith(c.ReadResponse(), "HTTP/1.1 200"));
}

}  // namespace
}  // namespace fineprint::gateway::server
