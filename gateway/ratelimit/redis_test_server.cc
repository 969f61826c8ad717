#include "gateway/ratelimit/redis_test_server.h"

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace fineprint::gateway::ratelimit::testing {
namespace {

absl::StatusOr<int> FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError(std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return absl::InternalError(std::strerror(errno));
  }
  close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

absl::StatusOr<std::unique_ptr<RedisTestServer>> RedisTestServer::Start() {
  absl::Status last;
  // The free port may be taken before redis binds it: try a few.
  for (int attempt = 0; attempt < 5; ++attempt) {
    absl::StatusOr<int> port = FreePort();
    if (!port.ok()) return port.status();
    std::unique_ptr<RedisTestServer> server(new RedisTestServer(*port));
    last = server->Spawn();
    if (last.ok()) return server;
  }
  return last;
}

RedisTestServer::~RedisTestServer() { Kill(); }

std::string RedisTestServer::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

absl::Status RedisTestServer::Spawn() {
  const std::string port = std::to_string(port_);
  std::vector<std::string> args = {
      "redis-server", "--port",    port, "--bind",
      "127.0.0.1",    "--save",    "",   "--appendonly",
      "no",           "--logfile", "",   "--loglevel",
      "warning"};
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError(std::strerror(errno));
  if (pid == 0) {
    // Dies with the test, even when the test is killed.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    // Its start-up banner is noise in test logs; failures show as a
    // server that never answers PING.
    const int null_fd = open("/dev/null", O_WRONLY);
    if (null_fd >= 0) {
      dup2(null_fd, STDOUT_FILENO);
      dup2(null_fd, STDERR_FILENO);
    }
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execvp("redis-server", argv.data());
    _exit(127);
  }
  pid_ = pid;
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::UnavailableError(
          "redis-server exited at start (is it installed? port taken?)");
    }
    absl::StatusOr<std::string> pong = Command("PING");
    if (pong.ok() && *pong == "PONG") return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(20));
  }
  Kill();
  return absl::DeadlineExceededError("redis-server did not answer PING");
}

void RedisTestServer::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

absl::Status RedisTestServer::Restart() {
  Kill();
  return Spawn();
}

absl::StatusOr<std::string> RedisTestServer::Command(
    const std::string& command) const {
  timeval tv{1, 0};
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, tv);
  if (c == nullptr || c->err != 0) {
    std::string error = c != nullptr ? c->errstr : "out of memory";
    if (c != nullptr) redisFree(c);
    return absl::UnavailableError(error);
  }
  auto* reply = static_cast<redisReply*>(redisCommand(c, command.c_str()));
  if (reply == nullptr) {
    std::string error = c->errstr;
    redisFree(c);
    return absl::UnavailableError(error);
  }
  std::string out;
  if (reply->type == REDIS_REPLY_INTEGER) {
    out = std::to_string(reply->integer);
  } else if (reply->type == REDIS_REPLY_NIL) {
    out = "";
  } else if (reply->str != nullptr) {
    out.assign(reply->str, reply->len);
  }
  const bool error = reply->type == REDIS_REPLY_ERROR;
  freeReplyObject(reply);
  redisFree(c);
  if (error) return absl::InternalError(out);
  return out;
}

}  // namespace fineprint::gateway::ratelimit::testing
