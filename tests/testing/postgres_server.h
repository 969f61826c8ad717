#ifndef FINEPRINT_TESTS_TESTING_POSTGRES_SERVER_H_
#define FINEPRINT_TESTS_TESTING_POSTGRES_SERVER_H_

// A throwaway PostgreSQL server for tests: its own data directory, a free
// TCP port on 127.0.0.1, trust authentication, durability off for speed.
//
//   absl::StatusOr<std::unique_ptr<PostgresServer>> pg =
//   PostgresServer::Start(); ASSERT_TRUE(pg.ok()) << pg.status();
//   absl::StatusOr<std::string> dsn = (*pg)->CreateDatabase("orders");
//
// When run as root (initdb refuses root) initdb and postgres run as the
// `postgres` OS user; otherwise as the current user. The directory lives
// under $TEST_TMPDIR when `postgres` can reach it and the socket path fits,
// else under /tmp. A watchdog process stops the server and removes its
// directory if the test process dies without cleaning up, so crashed or
// timed-out tests leak neither servers nor disk.

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace fineprint::testing {

struct PostgresServerOptions {
  // Where initdb/postgres live; $FINEPRINT_PG_BIN overrides the default.
  std::string bin_dir = "/usr/lib/postgresql/15/bin";
  absl::Duration start_timeout = absl::Seconds(60);
  // Extra "name=value" server settings (passed as -c).
  std::vector<std::string> settings;
  // Both set: TLS on (ssl=on) with this PEM certificate and key, copied
  // into the server's directory with the owner and mode postgres demands.
  // Plain connections are still accepted; clients choose with sslmode.
  std::string tls_cert_file;
  std::string tls_key_file;
};

enum class ShutdownMode {
  kFast,       // SIGINT: roll back sessions, checkpoint, exit
  kImmediate,  // SIGQUIT: no checkpoint, like a crash (recovery on restart)
};

class PostgresServer {
 public:
  // initdb + start + wait until it accepts connections (and create the
  // database "test" that dsn() names). Failures carry the tail of the log.
  static absl::StatusOr<std::unique_ptr<PostgresServer>> Start(
      const PostgresServerOptions& options = {});

  // Stops the server and removes its directory.
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  std::string data_dir() const { return dir_ + "/data"; }
  std::string log_path() const { return dir_ + "/postgres.log"; }
  bool running() const { return pid_ > 0; }

  // libpq conninfo of the database "test", created at Start.
  std::string dsn() const { return DsnFor("test"); }
  // libpq conninfo of any database on this server (TCP, user postgres).
  std::string DsnFor(absl::string_view database) const;

  // CREATE DATABASE `name` ([a-z_][a-z0-9_]*); returns its conninfo.
  absl::StatusOr<std::string> CreateDatabase(absl::string_view name);
  // A database with a fresh name ("<prefix>_<n>"); returns its conninfo.
  // Thread-safe, like CreateDatabase.
  absl::StatusOr<std::string> CreateUniqueDatabase(
      absl::string_view prefix = "db");

  // Waits for the server to exit; OK if it is not running.
  absl::Status Stop(ShutdownMode mode = ShutdownMode::kFast);
  // Stop, then start again on the same data directory and port (sessions
  // break; data survives).
  absl::Status Restart(ShutdownMode mode = ShutdownMode::kFast);

  // The last `lines` lines of the server log.
  std::string LogTail(int lines = 40) const;

 private:
  explicit PostgresServer(PostgresServerOptions options)
      : options_(std::move(options)) {}

  absl::Status Init();
  // Starts postgres on port_ and waits until it is ready.
  absl::Status Launch();
  // Returns `status` with the log tail appended.
  absl::Status WithLog(const absl::Status& status,
                       const std::string& log) const;

  const PostgresServerOptions options_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  // Watchdog: write end of its pipe and its pid (see postgres_server.cc).
  int watchdog_fd_ = -1;
  pid_t watchdog_pid_ = -1;
  std::atomic<int> next_database_{0};
};

}  // namespace fineprint::testing

#endif  // FINEPRINT_TESTS_TESTING_POSTGRES_SERVER_H_
