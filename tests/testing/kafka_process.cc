#include "tests/testing/kafka_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

extern char** environ;

namespace fineprint::testing::kafka_internal {
namespace {

constexpr absl::string_view kDefaultKafkaVersion = "3.9.2";

absl::Status ErrnoStatus(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

bool IsFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// Async-signal-safe: only for the forked watchdog.
bool IsKafkaProcess(pid_t pid) {
  char path[32] = "/proc/";
  char digits[16];
  int n = 0;
  for (pid_t p = pid; p > 0 && n < 15; p /= 10) digits[n++] = '0' + p % 10;
  size_t len = 6;
  while (n > 0) path[len++] = digits[--n];
  memcpy(path + len, "/cmdline", sizeof("/cmdline"));
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char cmdline[8192];
  const ssize_t got = read(fd, cmdline, sizeof(cmdline));
  close(fd);
  const char needle[] = "kafka.Kafka";
  for (ssize_t i = 0; got > 0 && i + ssize_t{sizeof(needle) - 1} <= got; ++i) {
    if (memcmp(cmdline + i, needle, sizeof(needle) - 1) == 0) return true;
  }
  return false;
}

}  // namespace

std::string ReadFile(const std::string& path, size_t offset) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  in.seekg(static_cast<std::streamoff>(offset));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string LastLines(absl::string_view text, int lines) {
  std::vector<absl::string_view> all =
      absl::StrSplit(absl::StripTrailingAsciiWhitespace(text), '\n');
  const size_t from =
      all.size() > static_cast<size_t>(lines) ? all.size() - lines : 0;
  return absl::StrJoin(all.begin() + from, all.end(), "\n");
}

absl::StatusOr<std::string> FindKafkaScripts(const std::string& configured) {
  std::vector<std::string> candidates;
  if (!configured.empty()) {
    candidates.push_back(configured);
  } else if (std::string s = Env("FINEPRINT_KAFKA_SCRIPTS"); !s.empty()) {
    candidates.push_back(s);
  }
  std::error_code ec;
  if (candidates.empty()) {
    const std::string workspace =
        Env("TEST_WORKSPACE").empty() ? "fineprint" : Env("TEST_WORKSPACE");
    for (const char* root : {"RUNFILES_DIR", "TEST_SRCDIR"}) {
      if (std::string r = Env(root); !r.empty()) {
        candidates.push_back(absl::StrCat(r, "/", workspace, "/infra/kafka"));
      }
    }
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
      candidates.push_back(
          absl::StrCat(exe.string(), ".runfiles/fineprint/infra/kafka"));
    }
    candidates.push_back("infra/kafka");
  }
  for (const std::string& dir : candidates) {
    if (IsFile(dir + "/start.sh") && IsFile(dir + "/stop.sh")) {
      return std::filesystem::absolute(dir, ec).string();
    }
  }
  return absl::NotFoundError(absl::StrCat(
      "infra/kafka scripts not found (add data = [\"//infra/kafka:scripts\"] "
      "to the test); looked in: ",
      absl::StrJoin(candidates, ", ")));
}

absl::StatusOr<std::string> FindKafkaLibs(const std::string& configured) {
  // An explicit choice is the only candidate: silently falling back to
  // another installation would hide a misconfiguration.
  std::vector<std::string> candidates;
  const std::string version = Env("KAFKA_VERSION").empty()
                                  ? std::string(kDefaultKafkaVersion)
                                  : Env("KAFKA_VERSION");
  const std::string suffix = absl::StrCat("/kafka/", version, "/libs");
  if (!configured.empty()) {
    candidates.push_back(configured);
  } else if (std::string libs = Env("KAFKA_LIBS"); !libs.empty()) {
    candidates.push_back(libs);
  } else if (std::string cache = Env("FINEPRINT_CACHE"); !cache.empty()) {
    candidates.push_back(cache + suffix);
  } else {
    if (std::string home = Env("HOME"); !home.empty()) {
      candidates.push_back(home + "/.cache/fineprint" + suffix);
    }
    // Bazel runs tests without HOME; the account's home still has the cache.
    struct passwd pwd;
    struct passwd* found = nullptr;
    char buffer[4096];
    if (getpwuid_r(getuid(), &pwd, buffer, sizeof(buffer), &found) == 0 &&
        found != nullptr && found->pw_dir != nullptr) {
      candidates.push_back(std::string(found->pw_dir) + "/.cache/fineprint" +
                           suffix);
    }
  }
  for (const std::string& dir : candidates) {
    if (IsFile(dir + "/.complete")) return dir;
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "Kafka jars not installed: run infra/kafka/install.sh before the "
      "tests (the test sandbox cannot write the cache), and pass "
      "--test_env=FINEPRINT_CACHE "
      "if the cache is not under ~/.cache/fineprint. Looked in: ",
      absl::StrJoin(candidates, ", ")));
}

absl::StatusOr<int> PickFreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoStatus("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    absl::Status s = ErrnoStatus("bind 127.0.0.1:0");
    close(fd);
    return s;
  }
  close(fd);
  return ntohs(addr.sin_port);
}

std::string BaseTempDir() {
  for (const char* var : {"TEST_TMPDIR", "TMPDIR"}) {
    if (std::string dir = Env(var); !dir.empty()) return dir;
  }
  return "/tmp";
}

// Alive and not a zombie.
std::vector<std::string> EnvironmentWith(
    const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    absl::string_view entry(*e);
    const std::string name(entry.substr(0, entry.find('=')));
    if (!overrides.contains(name)) env.emplace_back(entry);
  }
  for (const auto& [name, value] : overrides) {
    if (!value.empty()) env.push_back(absl::StrCat(name, "=", value));
  }
  return env;
}

absl::StatusOr<std::string> RunCommand(const std::vector<std::string>& argv,
                                       const std::vector<std::string>& env,
                                       const std::string& stderr_log,
                                       absl::Duration timeout) {
  std::vector<std::string> argv_storage = argv;
  std::vector<std::string> env_storage = env;
  std::vector<char*> argv_ptrs, envp;
  for (std::string& s : argv_storage) argv_ptrs.push_back(s.data());
  argv_ptrs.push_back(nullptr);
  for (std::string& s : env_storage) envp.push_back(s.data());
  envp.push_back(nullptr);

  const size_t log_offset = ReadFile(stderr_log).size();
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return ErrnoStatus("pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, stderr_log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  // Whatever else this process has open (Kafka client sockets, other
  // fixtures' pipes) must not leak into a long-lived broker.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  pid_t child = 0;
  const int spawn_error = posix_spawn(&child, argv_ptrs[0], &actions, nullptr,
                                      argv_ptrs.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (spawn_error != 0) {
    close(out[0]);
    errno = spawn_error;
    return ErrnoStatus(absl::StrCat("spawn ", argv[0]));
  }

  std::string output;
  const absl::Time deadline = absl::Now() + timeout;
  bool timed_out = false;
  for (;;) {
    const int64_t wait_ms = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (wait_ms <= 0) {
      timed_out = true;
      break;
    }
    pollfd pfd = {out[0], POLLIN, 0};
    const int ready =
        poll(&pfd, 1, static_cast<int>(std::min<int64_t>(wait_ms, 1000)));
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    char buffer[4096];
    const ssize_t n = read(out[0], buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: the command (and whatever it forked) is done
    output.append(buffer, static_cast<size_t>(n));
  }
  close(out[0]);
  if (timed_out) kill(child, SIGKILL);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  const std::string command = absl::StrJoin(argv, " ");
  const std::string diagnostics =
      LastLines(ReadFile(stderr_log, log_offset), 80);
  if (timed_out) {
    return absl::DeadlineExceededError(
        absl::StrCat(command, " did not finish within ",
                     absl::FormatDuration(timeout), ":\n", diagnostics));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(absl::StrCat(
        command, " failed (",
        WIFEXITED(status) ? absl::StrCat("exit code ", WEXITSTATUS(status))
                          : absl::StrCat("signal ", WTERMSIG(status)),
        "):\n", diagnostics));
  }
  return output;
}

bool ProcessAlive(pid_t pid) {
  if (kill(pid, 0) != 0) return errno != ESRCH;
  const std::string stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  const size_t paren = stat.rfind(')');
  return paren == std::string::npos || paren + 2 >= stat.size() ||
         stat[paren + 2] != 'Z';
}

// The watchdog lives in its own session so that a signal to the test's
// process group (Ctrl-C, Bazel's timeout kill) spares it. The socket end it
// reads is held only by this process (CLOEXEC keeps it out of exec'd
// children), so EOF means the test process is gone.
absl::Status StartWatchdog(int* fd_out, pid_t* pid_out) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    return ErrnoStatus("socketpair");
  }
  const pid_t pid = fork();
  if (pid == 0) {
    setsid();
    const int fd = sv[1];
    if (fd > 0) close_range(0, fd - 1, 0);
    close_range(fd + 1, ~0U, 0);
    pid_t target = 0;
    for (;;) {
      pid_t value;
      const ssize_t n = read(fd, &value, sizeof(value));
      if (n == sizeof(value)) {
        target = value;
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        break;
      }
    }
    if (target > 0 && IsKafkaProcess(target)) kill(target, SIGKILL);
    _exit(0);
  }
  close(sv[1]);
  if (pid < 0) {
    close(sv[0]);
    return ErrnoStatus("fork watchdog");
  }
  *fd_out = sv[0];
  *pid_out = pid;
  return absl::OkStatus();
}

void SendToWatchdog(int fd, pid_t pid) {
  if (fd >= 0) (void)!send(fd, &pid, sizeof(pid), MSG_NOSIGNAL);
}

}  // namespace fineprint::testing::kafka_internal
