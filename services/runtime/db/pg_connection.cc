#include "services/runtime/db/pg_connection.h"

#include <poll.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "libpq-fe.h"
#include "services/runtime/db/sqlstate.h"

namespace fineprint::db {
namespace {

// Beyond this many distinct SQL texts a session runs new ones unprepared;
// services have a fixed set of statements, so only generated SQL hits this.
constexpr size_t kMaxPreparedStatements = 256;

std::string ConnError(const PGconn* conn) {
  return std::string(absl::StripTrailingAsciiWhitespace(
      conn == nullptr ? "out of memory" : PQerrorMessage(conn)));
}

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

class PgResult final : public RawResult {
 public:
  explicit PgResult(ResultPtr result) : result_(std::move(result)) {
    absl::string_view tuples = PQcmdTuples(result_.get());
    if (!absl::SimpleAtoi(tuples, &affected_rows_)) affected_rows_ = 0;
  }

  int num_rows() const override { return PQntuples(result_.get()); }
  int num_columns() const override { return PQnfields(result_.get()); }
  int64_t affected_rows() const override { return affected_rows_; }
  absl::string_view column_name(int column) const override {
    return PQfname(result_.get(), column);
  }
  bool is_null(int row, int column) const override {
    return PQgetisnull(result_.get(), row, column) != 0;
  }
  absl::string_view value(int row, int column) const override {
    return absl::string_view(PQgetvalue(result_.get(), row, column),
                             PQgetlength(result_.get(), row, column));
  }

 private:
  ResultPtr result_;
  int64_t affected_rows_ = 0;
};

std::string Field(const PGresult* result, int code) {
  const char* value = PQresultErrorField(result, code);
  return value == nullptr ? std::string() : std::string(value);
}

// statement_timeout in milliseconds; "0" disables it, so a positive
// duration never rounds down to 0.
std::string TimeoutMillis(absl::Duration timeout) {
  if (timeout == absl::InfiniteDuration()) return "0";
  const int64_t ms = std::max<int64_t>(
      1, absl::ToInt64Milliseconds(absl::Ceil(timeout, absl::Milliseconds(1))));
  return absl::StrCat(ms);
}

// Waits until the socket is ready for what libpq asked for, or `deadline`.
absl::Status WaitSocket(PGconn* conn, bool for_write, absl::Time deadline) {
  pollfd fd = {};
  fd.fd = PQsocket(conn);
  fd.events = for_write ? POLLOUT : POLLIN;
  for (;;) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(
          "deadline passed while connecting to the database");
    }
    const int timeout_ms =
        left == absl::InfiniteDuration()
            ? -1
            : static_cast<int>(std::min<int64_t>(
                  absl::ToInt64Milliseconds(left) + 1, 60'000));
    const int n = poll(&fd, 1, timeout_ms);
    if (n > 0) return absl::OkStatus();
    if (n < 0 && errno != EINTR) {
      return absl::UnavailableError("poll() failed while connecting");
    }
  }
}

}  // namespace

absl::Status PgConnection::ValidateDsn(absl::string_view dsn) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(std::string(dsn).c_str(), &error);
  if (options == nullptr) {
    // libpq's message quotes the offending fragment, which may hold a
    // password; only say that it failed.
    if (error != nullptr) PQfreemem(error);
    return absl::InvalidArgumentError("database dsn does not parse");
  }
  PQconninfoFree(options);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<PgConnection>> PgConnection::Connect(
    const PoolOptions& options, absl::Time deadline) {
  std::vector<const char*> keys = {"dbname", "client_encoding"};
  std::vector<const char*> values = {options.dsn.c_str(), "UTF8"};
  if (!options.application_name.empty()) {
    // After dbname, so it wins over one in the dsn.
    keys.push_back("application_name");
    values.push_back(options.application_name.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);

  PGconn* raw = PQconnectStartParams(keys.data(), values.data(),
                                     /*expand_dbname=*/1);
  std::unique_ptr<PgConnection> connection(new PgConnection(raw));
  if (raw == nullptr || PQstatus(raw) == CONNECTION_BAD) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to the database: ", ConnError(raw)));
  }
  // libpq's asynchronous connect: poll as if the last answer was "writing".
  PostgresPollingStatusType state = PGRES_POLLING_WRITING;
  while (state != PGRES_POLLING_OK) {
    if (state == PGRES_POLLING_FAILED) {
      return absl::UnavailableError(
          absl::StrCat("cannot connect to the database: ", ConnError(raw)));
    }
    absl::Status ready =
        WaitSocket(raw, state == PGRES_POLLING_WRITING, deadline);
    if (!ready.ok()) return ready;
    state = PQconnectPoll(raw);
  }

  absl::Status setup = connection->Setup(options);
  if (!setup.ok()) return setup;
  return connection;
}

absl::Status PgConnection::Setup(const PoolOptions& options) {
  // One round trip, parameterised (the schema name is quoted server-side).
  // Like every statement it blocks without a client-side deadline; it is
  // trivial for the server, so only a dead network could stall it.
  // TimeZone and DateStyle make timestamptz text predictable for the
  // parser in timestamp.h.
  std::string sql =
      "SELECT set_config('TimeZone', 'UTC', false),"
      " set_config('DateStyle', 'ISO, MDY', false),"
      " set_config('IntervalStyle', 'postgres', false),"
      " set_config('statement_timeout', $1, false)";
  std::vector<Param> params = {Param(TimeoutMillis(options.statement_timeout))};
  if (!options.search_path.empty()) {
    absl::StrAppend(&sql,
                    ", set_config('search_path', quote_ident($2), false)");
    params.emplace_back(options.search_path);
  }
  std::vector<const char*> values;
  for (const Param& p : params) values.push_back(p.c_str());
  absl::StatusOr<Result> result =
      Finish(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()),
                          nullptr, values.data(), nullptr, nullptr, 0));
  return result.status();
}

PgConnection::PgConnection(PGconn* conn) : conn_(conn) {
  // Replaces libpq's default of printing notices to stderr: services log
  // structured lines, and NOTICEs like "relation already exists, skipping"
  // are noise.
  if (conn_ != nullptr) {
    PQsetNoticeReceiver(conn_, &PgConnection::OnNotice, this);
  }
}

void PgConnection::OnNotice(void* self, const PGresult* notice) {
  const std::string severity = Field(notice, PG_DIAG_SEVERITY_NONLOCALIZED);
  if (severity == "FATAL" || severity == "PANIC") {
    auto* connection = static_cast<PgConnection*>(self);
    connection->doomed_ = true;
    connection->doomed_message_ = Field(notice, PG_DIAG_MESSAGE_PRIMARY);
  }
}

PgConnection::~PgConnection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

absl::StatusOr<const PgConnection::Prepared*> PgConnection::Prepare(
    const std::string& sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) return &it->second;
  if (statements_.size() >= kMaxPreparedStatements) return nullptr;

  Prepared prepared;
  prepared.name = absl::StrCat("fp_", next_statement_id_++);
  absl::StatusOr<Result> parsed = Finish(PQprepare(
      conn_, prepared.name.c_str(), sql.c_str(), 0, /*paramTypes=*/nullptr));
  if (!parsed.ok()) return parsed.status();
  // The parameter count lets a wrong number of params fail here with a clear
  // message rather than as a protocol error from the server.
  ResultPtr described(PQdescribePrepared(conn_, prepared.name.c_str()));
  if (described == nullptr ||
      PQresultStatus(described.get()) != PGRES_COMMAND_OK) {
    absl::Status status = Finish(described.release()).status();
    return status.ok() ? absl::InternalError("cannot describe a statement")
                       : status;
  }
  prepared.num_params = PQnparams(described.get());
  return &statements_.emplace(sql, std::move(prepared)).first->second;
}

absl::StatusOr<Result> PgConnection::DoExecute(absl::string_view sql,
                                               absl::Span<const Param> params) {
  if (PQstatus(conn_) != CONNECTION_OK) {
    return ConnectionLostError("the session is closed");
  }
  if (doomed_) return ConnectionLostError(doomed_message_);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    // libpq sends text parameters as C strings, so a NUL would silently
    // truncate the value.
    if (params[i].text().find('\0') != absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameter $", i + 1, " contains a NUL byte"));
    }
    values.push_back(params[i].c_str());
  }

  const std::string text(sql);
  absl::StatusOr<const Prepared*> prepared = Prepare(text);
  if (!prepared.ok()) return prepared.status();
  if (*prepared == nullptr) {
    return Finish(PQexecParams(conn_, text.c_str(),
                               static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, 0));
  }
  if ((*prepared)->num_params != static_cast<int>(values.size())) {
    return absl::InvalidArgumentError(
        absl::StrCat("statement takes ", (*prepared)->num_params,
                     " parameters, got ", values.size()));
  }
  absl::StatusOr<Result> result = Finish(PQexecPrepared(
      conn_, (*prepared)->name.c_str(), static_cast<int>(values.size()),
      values.data(), nullptr, nullptr, 0));
  // After DDL changed a table's row type the server refuses the cached plan
  // for good; forget it so the next use prepares afresh (the old name just
  // lingers until the session ends).
  if (!result.ok() &&
      SqlStateOf(result.status()) == sqlstate::kFeatureNotSupported) {
    statements_.erase(text);
  }
  return result;
}

absl::Status PgConnection::ExecuteScript(absl::string_view sql) {
  if (PQstatus(conn_) != CONNECTION_OK) {
    return ConnectionLostError("the session is closed");
  }
  if (doomed_) return ConnectionLostError(doomed_message_);
  return Finish(PQexec(conn_, std::string(sql).c_str())).status();
}

absl::StatusOr<Result> PgConnection::Finish(PGresult* raw) {
  ResultPtr result(raw);
  if (result == nullptr) {
    // No result at all: out of memory, or the request could not be sent.
    if (PQstatus(conn_) != CONNECTION_OK) {
      return ConnectionLostError(ConnError(conn_));
    }
    return absl::InternalError(
        absl::StrCat("database request failed: ", ConnError(conn_)));
  }
  switch (PQresultStatus(result.get())) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
      return Result(std::make_unique<PgResult>(std::move(result)));
    case PGRES_EMPTY_QUERY:
      return absl::InvalidArgumentError("empty SQL statement");
    case PGRES_FATAL_ERROR:
      break;
    default:
      // COPY and friends are not supported through this API.
      return absl::UnimplementedError(
          absl::StrCat("unsupported result status ",
                       PQresStatus(PQresultStatus(result.get()))));
  }

  ServerError error;
  error.sqlstate = Field(result.get(), PG_DIAG_SQLSTATE);
  if (error.sqlstate.empty()) {
    // Generated by libpq itself (e.g. "server closed the connection
    // unexpectedly"); such messages never contain parameter values.
    const std::string message = std::string(
        absl::StripTrailingAsciiWhitespace(PQresultErrorMessage(result.get())));
    if (PQstatus(conn_) != CONNECTION_OK) return ConnectionLostError(message);
    return absl::InternalError(
        absl::StrCat("database client error: ", message));
  }
  error.message = Field(result.get(), PG_DIAG_MESSAGE_PRIMARY);
  error.schema = Field(result.get(), PG_DIAG_SCHEMA_NAME);
  error.table = Field(result.get(), PG_DIAG_TABLE_NAME);
  error.column = Field(result.get(), PG_DIAG_COLUMN_NAME);
  error.constraint = Field(result.get(), PG_DIAG_CONSTRAINT_NAME);
  absl::Status status = StatusFromServerError(error);
  const std::string severity =
      Field(result.get(), PG_DIAG_SEVERITY_NONLOCALIZED);
  if (severity == "FATAL" || severity == "PANIC") {
    // The server ends the session after a FATAL even if the socket has not
    // closed yet; make sure the pool never hands it out again.
    doomed_ = true;
    doomed_message_ = error.message;
  }
  if ((PQstatus(conn_) != CONNECTION_OK || doomed_) &&
      status.code() != absl::StatusCode::kUnavailable) {
    // The server reported something and then hung up (FATAL): what matters
    // to the caller is that the session is gone.
    return absl::UnavailableError(
        absl::StrCat("database connection lost: ", status.message()));
  }
  return status;
}

bool PgConnection::CheckHealthy() {
  if (PQstatus(conn_) != CONNECTION_OK) return false;
  // An idle session has nothing to read unless the server spoke first: a
  // notice, or a FATAL followed by EOF when the backend was terminated. A
  // few rounds of read-and-parse reach that EOF without blocking.
  for (int i = 0; i < 4; ++i) {
    pollfd fd = {};
    fd.fd = PQsocket(conn_);
    fd.events = POLLIN;
    if (fd.fd < 0 || poll(&fd, 1, 0) < 0) return false;
    if ((fd.revents & (POLLERR | POLLNVAL)) != 0) return false;
    if ((fd.revents & (POLLIN | POLLHUP)) == 0) break;
    if (PQconsumeInput(conn_) == 0) return false;
    PQisBusy(conn_);  // parses what arrived, calling OnNotice for a FATAL
    if (doomed_) return false;
  }
  return PQstatus(conn_) == CONNECTION_OK && !doomed_;
}

bool PgConnection::IsReusable() {
  return PQstatus(conn_) == CONNECTION_OK && !doomed_ &&
         PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

}  // namespace fineprint::db
