#ifndef FINEPRINT_GATEWAY_RATELIMIT_REDIS_TEST_SERVER_H_
#define FINEPRINT_GATEWAY_RATELIMIT_REDIS_TEST_SERVER_H_

// A real redis-server for tests: started on a free loopback port, no
// persistence, killed with the test process. Kill() and Start() again (same
// port) play an outage.

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace fineprint::gateway::ratelimit::testing {

class RedisTestServer {
 public:
  static absl::StatusOr<std::unique_ptr<RedisTestServer>> Start();
  ~RedisTestServer();

  std::string address() const;
  int port() const { return port_; }
  // The server's process id (-1 while killed), e.g. to read its CPU time.
  pid_t pid() const { return pid_; }
  // SIGKILL, as a crash would.
  void Kill();
  // Starts again on the same port (empty: a restart loses every key).
  absl::Status Restart();
  // One command over a fresh connection, e.g. "SCRIPT FLUSH"; returns the
  // reply as text.
  absl::StatusOr<std::string> Command(const std::string& command) const;

 private:
  explicit RedisTestServer(int port) : port_(port) {}
  absl::Status Spawn();

  const int port_;
  pid_t pid_ = -1;
};

}  // namespace fineprint::gateway::ratelimit::testing

#endif  // FINEPRINT_GATEWAY_RATELIMIT_REDIS_TEST_SERVER_H_
