#ifndef FINEPRINT_SERVICES_RUNTIME_DB_PG_CONNECTION_H_
#define FINEPRINT_SERVICES_RUNTIME_DB_PG_CONNECTION_H_

// libpq implementation of Connection. Not thread-safe: one user at a time,
// which the pool guarantees.

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/runtime/db/connection.h"
#include "services/runtime/db/pool.h"

// libpq's handle, forward-declared so that only this library needs
// libpq-fe.h (and its -I/usr/include/postgresql).
typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;

namespace fineprint::db {

class PgConnection final : public Connection {
 public:
  // Opens a session using dsn, application_name, statement_timeout and
  // search_path from `options`, giving up at `deadline`. Every session runs
  // with TimeZone=UTC and DateStyle=ISO so that timestamptz text parses.
  // UNAVAILABLE when the server cannot be reached, DEADLINE_EXCEEDED when
  // the deadline passes first.
  static absl::StatusOr<std::unique_ptr<PgConnection>> Connect(
      const PoolOptions& options, absl::Time deadline);

  // INVALID_ARGUMENT unless `dsn` parses as a libpq conninfo string or URI.
  static absl::Status ValidateDsn(absl::string_view dsn);

  ~PgConnection() override;
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  absl::Status ExecuteScript(absl::string_view sql) override;
  bool CheckHealthy() override;
  bool IsReusable() override;

  // Statements prepared on this session so far.
  int prepared_statements() const {
    return static_cast<int>(statements_.size());
  }

 protected:
  absl::StatusOr<Result> DoExecute(absl::string_view sql,
                                   absl::Span<const Param> params) override;

 private:
  struct Prepared {
    std::string name;
    int num_params;
  };

  explicit PgConnection(PGconn* conn);

  // libpq's notice hook. Also receives errors that arrive while the session
  // is idle, e.g. the FATAL sent before pg_terminate_backend closes it.
  static void OnNotice(void* self, const PGresult* notice);

  absl::Status Setup(const PoolOptions& options);
  // The cached statement for `sql`, preparing it on first use; nullptr when
  // the cache is full (the caller then runs the statement unprepared).
  absl::StatusOr<const Prepared*> Prepare(const std::string& sql);
  // Takes ownership of `result`; OK for a successful command or query.
  absl::StatusOr<Result> Finish(PGresult* result);

  PGconn* conn_;
  // Set when the server announced (FATAL/PANIC) that it ends the session;
  // the socket may still look open for a moment.
  bool doomed_ = false;
  std::string doomed_message_;
  // Keyed by SQL text. Bounded so that a caller generating SQL dynamically
  // cannot grow server memory without limit.
  absl::flat_hash_map<std::string, Prepared> statements_;
  int next_statement_id_ = 0;
};

}  // namespace fineprint::db

#endif  // FINEPRINT_SERVICES_RUNTIME_DB_PG_CONNECTION_H_
