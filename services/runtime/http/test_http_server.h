#ifndef FINEPRINT_SERVICES_RUNTIME_HTTP_TEST_HTTP_SERVER_H_
#define FINEPRINT_SERVICES_RUNTIME_HTTP_TEST_HTTP_SERVER_H_

// A scripted HTTP/1.1 server on a loopback address and a free port, for
// tests that need real sockets: one request per connection, responses chosen
// by path, and a record of every connection and request it saw (so a test
// can prove that a refused request never reached it).

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace fineprint::http::testing {

struct ScriptedResponse {
  int status = 200;
  // Content-Length is added unless present; Connection: close always is.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Waits this long (or until the server stops) before answering.
  absl::Duration delay = absl::ZeroDuration();
};

struct ReceivedRequest {
  std::string method;
  // As sent: path and query.
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // First value of a header, "" if absent (case-insensitive).
  std::string Header(absl::string_view name) const;
};

class TestHttpServer {
 public:
  // Listens on `address` (e.g. "127.0.0.1", "127.0.0.2") port 0.
  static absl::StatusOr<std::unique_ptr<TestHttpServer>> Start(
      absl::string_view address = "127.0.0.1");
  ~TestHttpServer();

  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  int port() const { return port_; }
  const std::string& address() const { return address_; }
  // "http://<address>:<port><path>".
  std::string Url(absl::string_view path) const;

  // Answers requests whose path (query ignored) equals `path`; 404 otherwise.
  void Handle(absl::string_view path, ScriptedResponse response);

  // Accepted TCP connections so far.
  int connections() const { return connections_.load(); }
  std::vector<ReceivedRequest> requests() const;

 private:
  TestHttpServer(int listen_fd, int wake_fd, std::string address, int port);

  void AcceptLoop();
  void Serve(int fd);

  const int listen_fd_;
  // An eventfd that wakes the accept loop on shutdown.
  const int wake_fd_;
  const std::string address_;
  const int port_;
  std::atomic<int> connections_{0};
  absl::Notification stopping_;

  mutable absl::Mutex mu_;
  std::map<std::string, ScriptedResponse> routes_ ABSL_GUARDED_BY(mu_);
  std::vector<ReceivedRequest> requests_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> workers_ ABSL_GUARDED_BY(mu_);

  std::thread acceptor_;
};

// Gzip-encodes `data` (for Content-Encoding: gzip responses).
std::string Gzip(absl::string_view data);

}  // namespace fineprint::http::testing

#endif  // FINEPRINT_SERVICES_RUNTIME_HTTP_TEST_HTTP_SERVER_H_
