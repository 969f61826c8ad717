#ifndef FINEPRINT_SERVICES_RUNTIME_ADMIN_ADMIN_SERVER_H_
#define FINEPRINT_SERVICES_RUNTIME_ADMIN_ADMIN_SERVER_H_

// The admin HTTP port every service exposes: /metrics, /healthz, /readyz.
// Deliberately minimal (GET only, one request per connection, one thread):
// it serves probes and scrapes, never user traffic, and must keep answering
// when the gRPC port is saturated.

#include <functional>
#include <map>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace fineprint::admin {

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

using Handler = std::function<Response()>;

class AdminServer {
 public:
  AdminServer() = default;
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Registers a GET handler for an exact path. Call before Start().
  void Handle(absl::string_view path, Handler handler);

  // Binds 127.0.0.1/0.0.0.0:`port` (0 picks a free port) and serves on a
  // background thread.
  absl::Status Start(absl::string_view host, int port);
  void Stop();
  int port() const { return port_; }

 private:
  void Serve();
  void ServeConnection(int fd);

  std::map<std::string, Handler, std::less<>> handlers_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace fineprint::admin

#endif  // FINEPRINT_SERVICES_RUNTIME_ADMIN_ADMIN_SERVER_H_
