#include "tests/testing/postgres_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "libpq-fe.h"

namespace fineprint::testing {
namespace {

// Who runs initdb and postgres. initdb refuses to run as root, so root
// switches to the `postgres` account in the forked child.
struct RunAs {
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

absl::StatusOr<RunAs> ResolveRunAs() {
  RunAs run_as;
  if (geteuid() != 0) return run_as;
  struct passwd pwd;
  struct passwd* found = nullptr;
  char buffer[4096];
  if (getpwnam_r("postgres", &pwd, buffer, sizeof(buffer), &found) != 0 ||
      found == nullptr) {
    return absl::FailedPreconditionError(
        "running as root, but there is no `postgres` user to run the server");
  }
  run_as.switch_user = true;
  run_as.uid = pwd.pw_uid;
  run_as.gid = pwd.pw_gid;
  return run_as;
}

absl::Status ErrnoStatus(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

// Copies the server's TLS pair into `dir` as postgres wants it.
absl::Status InstallTlsFiles(const PostgresServerOptions& options,
                             const std::string& dir, const RunAs& run_as) {
  if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "TLS needs both tls_cert_file and tls_key_file");
  }
  const std::pair<const std::string*, std::string> files[] = {
      {&options.tls_cert_file, dir + "/server.crt"},
      {&options.tls_key_file, dir + "/server.key"}};
  for (const auto& [from, to] : files) {
    std::error_code ec;
    std::filesystem::copy_file(
        *from, to, std::filesystem::copy_options::overwrite_existing, ec);
    if (ec) {
      return absl::FailedPreconditionError(
          absl::StrCat("copy ", *from, ": ", ec.message()));
    }
    // postgres refuses a key others may read, or one it does not own.
    if (chmod(to.c_str(), 0600) != 0) return ErrnoStatus("chmod " + to);
    if (run_as.switch_user && chown(to.c_str(), run_as.uid, run_as.gid) != 0) {
      return ErrnoStatus("chown " + to);
    }
  }
  return absl::OkStatus();
}

// Whether `uid`/`gid` may traverse every directory from / down to `path`.
bool Traversable(const std::string& path, const RunAs& run_as) {
  std::filesystem::path current;
  for (const auto& part : std::filesystem::path(path)) {
    current /= part;
    struct stat st;
    if (stat(current.c_str(), &st) != 0) return false;
    mode_t bit = S_IXOTH;
    if (st.st_uid == run_as.uid) {
      bit = S_IXUSR;
    } else if (st.st_gid == run_as.gid) {
      bit = S_IXGRP;
    }
    if ((st.st_mode & bit) == 0) return false;
  }
  return true;
}

// $TEST_TMPDIR when usable, else /tmp. Bazel's TEST_TMPDIR sits under
// /root/.cache (mode 0700 for root) and is long; the server's Unix socket
// path "<dir>/.s.PGSQL.<port>" must also fit in sockaddr_un (107 bytes).
std::string ChooseBase(const RunAs& run_as) {
  const char* test_tmpdir = std::getenv("TEST_TMPDIR");
  if (test_tmpdir == nullptr || *test_tmpdir == '\0') return "/tmp";
  std::string base = test_tmpdir;
  constexpr size_t kSuffix = sizeof("/pg.XXXXXX/.s.PGSQL.65535");
  if (base.size() + kSuffix > 107) return "/tmp";
  if (run_as.switch_user && !Traversable(base, run_as)) return "/tmp";
  return base;
}

// Binds port 0 to let the kernel pick, then releases it for the server.
// Another process could grab it in between; Start retries on that.
absl::StatusOr<int> FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoStatus("socket");
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    absl::Status status = ErrnoStatus("bind 127.0.0.1:0");
    close(fd);
    return status;
  }
  close(fd);
  return ntohs(addr.sin_port);
}

// fork + (drop to `postgres`) + exec, with stdout/stderr appended to
// `log_path`. Between fork and exec the child only makes async-signal-safe
// calls, as the parent may have other threads.
absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& args,
                            const RunAs& run_as, const std::string& log_path,
                            const std::string& cwd) {
  std::vector<char*> argv;
  for (const std::string& arg : args)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  const int log_fd =
      open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return ErrnoStatus(absl::StrCat("open ", log_path));
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) {
    close(log_fd);
    return ErrnoStatus("open /dev/null");
  }
  const gid_t groups[] = {run_as.gid};

  const pid_t pid = fork();
  if (pid == 0) {
    auto die = [log_fd](const char* what) {
      const char* error = strerror(errno);
      (void)!write(log_fd, what, strlen(what));
      (void)!write(log_fd, ": ", 2);
      (void)!write(log_fd, error, strlen(error));
      (void)!write(log_fd, "\n", 1);
      _exit(127);
    };
    if (dup2(null_fd, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0) {
      die("dup2");
    }
    if (run_as.switch_user) {
      if (setgroups(1, groups) != 0) die("setgroups");
      if (setgid(run_as.gid) != 0) die("setgid");
      if (setuid(run_as.uid) != 0) die("setuid");
    }
    if (chdir(cwd.c_str()) != 0) die("chdir");
    execv(argv[0], argv.data());
    die(argv[0]);
  }
  const int fork_errno = errno;
  close(log_fd);
  close(null_fd);
  if (pid < 0) {
    errno = fork_errno;
    return ErrnoStatus("fork");
  }
  return pid;
}

// The exit status of `pid` once it ends.
int WaitExit(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// True once `pid` has exited (and reaps it).
bool Exited(pid_t pid, int* status) {
  return waitpid(pid, status, WNOHANG) == pid;
}

std::string DescribeExit(int status) {
  if (WIFEXITED(status)) return absl::StrCat("exit code ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return absl::StrCat("signal ", WTERMSIG(status));
  return absl::StrCat("wait status ", status);
}

std::string Tail(const std::string& path, int lines) {
  std::ifstream in(path);
  if (!in) return "";
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);) all.push_back(line);
  const size_t from = all.size() > static_cast<size_t>(lines)
                          ? all.size() - static_cast<size_t>(lines)
                          : 0;
  return absl::StrJoin(all.begin() + from, all.end(), "\n");
}

// A forked helper that cleans up if this process dies without stopping the
// server (a crash, SIGKILL, a Bazel timeout): it blocks reading a socket
// whose other end only this process holds (CLOEXEC keeps it out of exec'd
// children), and on EOF shuts the server down immediately (SIGQUIT, then
// SIGKILL) and removes `dir`. A clean Stop writes a byte first, which
// disarms it. Between fork and exec it makes only async-signal-safe calls.
absl::Status StartWatchdog(pid_t server, const std::string& dir, int* fd_out,
                           pid_t* pid_out) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return ErrnoStatus("socketpair");
  }
  const char* const rm_argv[] = {"/bin/rm", "-rf", "--", dir.c_str(), nullptr};
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = sv[1];
    // Drop every other descriptor, in particular other servers' watchdog
    // sockets, which would otherwise keep them from ever seeing EOF.
    if (fd > 0) close_range(0, fd - 1, 0);
    close_range(fd + 1, ~0U, 0);
    char byte;
    ssize_t n;
    do {
      n = read(fd, &byte, 1);
    } while (n < 0 && errno == EINTR);
    if (n > 0) _exit(0);  // disarmed
    kill(server, SIGQUIT);
    const timespec tick = {0, 50'000'000};
    for (int i = 0; i < 200 && kill(server, 0) == 0; ++i) {
      nanosleep(&tick, nullptr);
    }
    kill(server, SIGKILL);
    execv(rm_argv[0], const_cast<char* const*>(rm_argv));
    _exit(1);
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

void StopWatchdog(int* fd, pid_t* pid) {
  if (*fd >= 0) {
    const char byte = 'x';
    (void)!send(*fd, &byte, 1, MSG_NOSIGNAL);
    close(*fd);
    *fd = -1;
  }
  if (*pid > 0) {
    WaitExit(*pid);
    *pid = -1;
  }
}

bool ValidDatabaseName(absl::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  if (!(name[0] == '_' || (name[0] >= 'a' && name[0] <= 'z'))) return false;
  for (char c : name) {
    if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::Start(
    const PostgresServerOptions& options) {
  PostgresServerOptions resolved = options;
  if (const char* bin = std::getenv("FINEPRINT_PG_BIN");
      bin != nullptr && *bin) {
    resolved.bin_dir = bin;
  }
  std::unique_ptr<PostgresServer> server(new PostgresServer(resolved));
  absl::Status status = server->Init();
  if (!status.ok()) return status;
  // The port picked by FreePort may be taken before postgres binds it;
  // try a couple of fresh ones before giving up.
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<int> port = FreePort();
    if (!port.ok()) return port.status();
    server->port_ = *port;
    status = server->Launch();
    if (status.ok() || attempt == 2 ||
        server->LogTail(20).find("could not bind") == std::string::npos) {
      break;
    }
  }
  if (!status.ok()) return status;
  absl::StatusOr<std::string> created = server->CreateDatabase("test");
  if (!created.ok()) return created.status();
  return server;
}

absl::Status PostgresServer::Init() {
  absl::StatusOr<RunAs> run_as = ResolveRunAs();
  if (!run_as.ok()) return run_as.status();
  std::string pattern = ChooseBase(*run_as) + "/pg.XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    return ErrnoStatus(absl::StrCat("mkdtemp ", pattern));
  }
  dir_ = pattern;
  if (run_as->switch_user &&
      chown(dir_.c_str(), run_as->uid, run_as->gid) != 0) {
    // EINVAL: the uid is not mapped in this user namespace, which is what
    // Bazel's linux-sandbox looks like from inside.
    const bool namespaced = errno == EINVAL;
    absl::Status status =
        ErrnoStatus(absl::StrCat("chown ", dir_, " to postgres"));
    if (namespaced) {
      status = absl::FailedPreconditionError(absl::StrCat(
          status.message(),
          " (inside a user namespace such as Bazel's sandbox? tag the test "
          "\"no-sandbox\")"));
    }
    return status;
  }
  if (!options_.tls_cert_file.empty() || !options_.tls_key_file.empty()) {
    absl::Status copied = InstallTlsFiles(options_, dir_, *run_as);
    if (!copied.ok()) return copied;
  }
  const std::string log = dir_ + "/initdb.log";
  absl::StatusOr<pid_t> pid =
      Spawn({options_.bin_dir + "/initdb", "-D", data_dir(), "--auth=trust",
             "-U", "postgres", "--encoding=UTF8", "--locale=C",
             // The data dies with the test: skip initdb's fsyncs.
             "--no-sync", "--no-instructions"},
            *run_as, log, dir_);
  if (!pid.ok()) return pid.status();
  const int exit = WaitExit(*pid);
  if (!WIFEXITED(exit) || WEXITSTATUS(exit) != 0) {
    return WithLog(absl::InternalError(
                       absl::StrCat("initdb failed: ", DescribeExit(exit))),
                   log);
  }
  return absl::OkStatus();
}

absl::Status PostgresServer::Launch() {
  absl::StatusOr<RunAs> run_as = ResolveRunAs();
  if (!run_as.ok()) return run_as.status();
  std::vector<std::string> args = {
      options_.bin_dir + "/postgres",
      "-D",
      data_dir(),
      "-p",
      absl::StrCat(port_),
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories=" + dir_,
      // Durability is pointless for a test server and costs seconds.
      "-c",
      "fsync=off",
      "-c",
      "synchronous_commit=off",
      "-c",
      "full_page_writes=off",
      "-c",
      "max_connections=200",
      "-c",
      "log_line_prefix=%m [%p] ",
  };
  if (!options_.tls_cert_file.empty()) {
    for (std::string setting :
         {std::string("ssl=on"), "ssl_cert_file=" + dir_ + "/server.crt",
          "ssl_key_file=" + dir_ + "/server.key"}) {
      args.push_back("-c");
      args.push_back(std::move(setting));
    }
  }
  for (const std::string& setting : options_.settings) {
    args.push_back("-c");
    args.push_back(setting);
  }
  absl::StatusOr<pid_t> pid = Spawn(args, *run_as, log_path(), dir_);
  if (!pid.ok()) return pid.status();
  pid_ = *pid;
  absl::Status watchdog =
      StartWatchdog(pid_, dir_, &watchdog_fd_, &watchdog_pid_);
  if (!watchdog.ok()) {
    Stop(ShutdownMode::kImmediate).IgnoreError();
    return watchdog;
  }

  const std::string ping =
      absl::StrCat("host=127.0.0.1 port=", port_,
                   " user=postgres dbname=postgres", " connect_timeout=5");
  const absl::Time deadline = absl::Now() + options_.start_timeout;
  for (;;) {
    int status = 0;
    if (Exited(pid_, &status)) {
      pid_ = -1;
      StopWatchdog(&watchdog_fd_, &watchdog_pid_);
      return WithLog(
          absl::InternalError(absl::StrCat("postgres exited during startup: ",
                                           DescribeExit(status))),
          log_path());
    }
    if (PQping(ping.c_str()) == PQPING_OK) return absl::OkStatus();
    if (absl::Now() > deadline) {
      absl::Status timeout =
          WithLog(absl::DeadlineExceededError(absl::StrCat(
                      "postgres not ready after ",
                      absl::FormatDuration(options_.start_timeout))),
                  log_path());
      Stop(ShutdownMode::kImmediate).IgnoreError();
      return timeout;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
}

absl::Status PostgresServer::Stop(ShutdownMode mode) {
  if (pid_ <= 0) return absl::OkStatus();
  const pid_t pid = std::exchange(pid_, -1);
  kill(pid, mode == ShutdownMode::kFast ? SIGINT : SIGQUIT);
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  int status = 0;
  while (!Exited(pid, &status)) {
    if (absl::Now() > deadline) {
      kill(pid, SIGKILL);
      WaitExit(pid);
      StopWatchdog(&watchdog_fd_, &watchdog_pid_);
      return WithLog(absl::DeadlineExceededError(
                         "postgres did not shut down in 30s; killed"),
                     log_path());
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  StopWatchdog(&watchdog_fd_, &watchdog_pid_);
  return absl::OkStatus();
}

absl::Status PostgresServer::Restart(ShutdownMode mode) {
  absl::Status stopped = Stop(mode);
  if (!stopped.ok()) return stopped;
  return Launch();
}

PostgresServer::~PostgresServer() {
  Stop().IgnoreError();
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

std::string PostgresServer::DsnFor(absl::string_view database) const {
  return absl::StrCat("host=127.0.0.1 port=", port_,
                      " user=postgres dbname=", database,
                      " sslmode=disable connect_timeout=10");
}

absl::StatusOr<std::string> PostgresServer::CreateDatabase(
    absl::string_view name) {
  if (!ValidDatabaseName(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("database name must match [a-z_][a-z0-9_]*: ", name));
  }
  PGconn* conn = PQconnectdb(DsnFor("postgres").c_str());
  absl::Status status;
  if (PQstatus(conn) != CONNECTION_OK) {
    status = absl::UnavailableError(absl::StrCat(
        "cannot connect to the test server: ", PQerrorMessage(conn)));
  } else {
    // Identifiers cannot be parameters; the name was validated above.
    PGresult* result =
        PQexec(conn, absl::StrCat("CREATE DATABASE \"", name, "\"").c_str());
    if (PQresultStatus(result) != PGRES_COMMAND_OK) {
      const char* sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
      const std::string message =
          absl::StrCat("CREATE DATABASE ", name, ": ", PQerrorMessage(conn));
      status = sqlstate != nullptr && std::strcmp(sqlstate, "42P04") == 0
                   ? absl::AlreadyExistsError(message)
                   : absl::InternalError(message);
    }
    PQclear(result);
  }
  PQfinish(conn);
  if (!status.ok()) return status;
  return DsnFor(name);
}

absl::StatusOr<std::string> PostgresServer::CreateUniqueDatabase(
    absl::string_view prefix) {
  return CreateDatabase(absl::StrCat(prefix, "_", ++next_database_));
}

std::string PostgresServer::LogTail(int lines) const {
  return Tail(log_path(), lines);
}

absl::Status PostgresServer::WithLog(const absl::Status& status,
                                     const std::string& log) const {
  return absl::Status(status.code(),
                      absl::StrCat(status.message(), "\n--- tail of ", log,
                                   " ---\n", Tail(log, 40)));
}

}  // namespace fineprint::testing
