#ifndef FINEPRINT_GATEWAY_SERVER_HTTP_SESSION_H_
#define FINEPRINT_GATEWAY_SERVER_HTTP_SESSION_H_

// One HTTP/1.1 connection of HttpServer (internal to http_server*.cc):
// reads requests, hands them to the handler, writes answers and streams.
// HttpServer accepts connections and runs the threads; a Session lives on
// one io_context thread for its whole life.

#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "gateway/server/http_server.h"

namespace fineprint::gateway::server {

class Session;

// Sessions may be held by backend calls still in flight, but must never
// outlive their io_context: Stop() closes every live session and waits
// until the last one is gone before it stops the threads.
class SessionTracker {
 public:
  void Register(const std::shared_ptr<Session>& s) {
    absl::MutexLock lock(&mu_);
    if (sessions_.size() > 64 &&
        sessions_.size() > 2 * static_cast<size_t>(live_)) {
      std::vector<std::weak_ptr<Session>> alive;
      for (auto& w : sessions_) {
        if (!w.expired()) alive.push_back(std::move(w));
      }
      sessions_ = std::move(alive);
    }
    sessions_.push_back(s);
  }
  void Created() {
    absl::MutexLock lock(&mu_);
    ++live_;
  }
  void Destroyed() {
    absl::MutexLock lock(&mu_);
    --live_;
  }
  std::vector<std::shared_ptr<Session>> Live() {
    absl::MutexLock lock(&mu_);
    std::vector<std::shared_ptr<Session>> out;
    for (auto& w : sessions_) {
      if (auto s = w.lock()) out.push_back(std::move(s));
    }
    return out;
  }
  bool WaitIdle(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(
                                    +[](int* n) { return *n == 0; }, &live_),
                                timeout);
  }

 private:
  absl::Mutex mu_;
  int live_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::weak_ptr<Session>> sessions_ ABSL_GUARDED_BY(mu_);
};

// Serves `socket` on `ioc` (its only thread) until the client goes.
void StartSession(boost::asio::ip::tcp::socket socket,
                  boost::asio::io_context& ioc, SessionTracker& tracker,
                  const HttpServerOptions& options,
                  const HttpServer::Handler& handler);

// Closes the connection from its own thread; a stream in progress counts as
// a client hang-up.
void ShutdownSession(const std::shared_ptr<Session>& session);

}  // namespace fineprint::gateway::server

#endif  // FINEPRINT_GATEWAY_SERVER_HTTP_SESSION_H_
