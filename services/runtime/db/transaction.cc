#include "services/runtime/db/transaction.h"

#include <algorithm>
#include <string>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/runtime/db/sqlstate.h"

namespace fineprint::db {
namespace internal {

class TxAccess {
 public:
  static Tx Make(Connection& connection, absl::Time deadline, int attempt) {
    return Tx(connection, deadline, attempt);
  }
  static const absl::Status& failure(const Tx& tx) { return tx.failure_; }
  static std::vector<std::function<void()>>& after_commit(Tx& tx) {
    return tx.after_commit_;
  }
};

}  // namespace internal

namespace {

using internal::TxAccess;

struct AttemptResult {
  absl::Status status;
  // A serialization failure or deadlock: running again may succeed.
  bool retryable = false;
  // BEGIN found the session dead, so nothing ran; another session may work.
  bool stale_session = false;
};

absl::string_view IsolationSql(IsolationLevel level) {
  switch (level) {
    case IsolationLevel::kReadCommitted:
      return "READ COMMITTED";
    case IsolationLevel::kRepeatableRead:
      return "REPEATABLE READ";
    case IsolationLevel::kSerializable:
      return "SERIALIZABLE";
  }
  return "READ COMMITTED";
}

// Milliseconds for statement_timeout; 0 disables it, so a positive
// duration never rounds down to 0.
std::string TimeoutMillis(absl::Duration timeout) {
  if (timeout == absl::InfiniteDuration()) return "0";
  return absl::StrCat(std::max<int64_t>(
      1,
      absl::ToInt64Milliseconds(absl::Ceil(timeout, absl::Milliseconds(1)))));
}

void RollbackQuietly(Connection& connection) {
  // Failure leaves the session inside a transaction, so the pool discards
  // it on return; nothing more to do here.
  connection.ExecuteScript("ROLLBACK").IgnoreError();
}

AttemptResult RunAttempt(Connection& connection, const TxOptions& options,
                         std::optional<absl::Duration> default_timeout,
                         int attempt, absl::FunctionRef<absl::Status(Tx&)> fn) {
  const absl::Time now = absl::Now();
  if (now >= options.deadline) {
    return {absl::DeadlineExceededError(
        "transaction deadline passed before BEGIN")};
  }
  // Built from constants and a number we format, so a script is safe; it
  // saves a round trip over separate statements.
  std::string begin =
      absl::StrCat("BEGIN ISOLATION LEVEL ", IsolationSql(options.isolation),
                   options.read_only ? " READ ONLY" : " READ WRITE");
  std::optional<absl::Duration> timeout = options.statement_timeout.has_value()
                                              ? options.statement_timeout
                                              : default_timeout;
  if (options.deadline != absl::InfiniteFuture()) {
    const absl::Duration left = options.deadline - now;
    timeout = timeout.has_value() ? std::min(*timeout, left) : left;
  }
  if (timeout.has_value()) {
    absl::StrAppend(
        &begin, "; SET LOCAL statement_timeout = ", TimeoutMillis(*timeout));
  }
  if (absl::Status begun = connection.ExecuteScript(begin); !begun.ok()) {
    if (!connection.CheckHealthy()) {
      return {begun, /*retryable=*/false, /*stale_session=*/true};
    }
    RollbackQuietly(connection);
    return {begun};
  }

  Tx tx = TxAccess::Make(connection, options.deadline, attempt);
  const absl::Status result = fn(tx);
  const absl::Status& failure = TxAccess::failure(tx);
  const bool retryable = IsRetryableTransactionError(result) ||
                         IsRetryableTransactionError(failure);

  if (!connection.CheckHealthy()) {
    // Nothing was committed: the server rolls back a transaction whose
    // session ends before COMMIT. Still not retried here: the caller's
    // deadline and idempotency rules decide about running it again.
    const absl::Status& cause = result.ok() ? failure : result;
    return {absl::UnavailableError(absl::StrCat(
        "database connection lost during the transaction (rolled back)",
        cause.ok() ? "" : ": ", cause.message()))};
  }
  if (!result.ok() || !failure.ok()) {
    RollbackQuietly(connection);
    // fn may have swallowed a failed statement; the server side is aborted
    // then, so COMMIT would silently roll back. Report the failure instead.
    return {result.ok() ? failure : result, retryable};
  }

  absl::Status commit = connection.ExecuteScript("COMMIT");
  if (commit.ok()) {
    for (auto& hook : TxAccess::after_commit(tx)) hook();
    return {absl::OkStatus()};
  }
  if (!connection.CheckHealthy()) {
    // The session broke while COMMIT was in flight: it may have been
    // applied or not, and we cannot find out. Running fn again could apply
    // it twice, so this is reported as UNAVAILABLE and never retried.
    return {absl::UnavailableError(
        "database connection lost during COMMIT; the transaction may or may "
        "not have committed")};
  }
  // The server answered, so COMMIT definitely failed and rolled back (e.g.
  // a serialization failure found at commit, a deferred constraint).
  return {commit, IsRetryableTransactionError(commit)};
}

// Sleeps before the next attempt; false if that would cross the deadline.
bool Backoff(const TxOptions& options, int attempt) {
  absl::Duration cap = options.initial_backoff;
  for (int i = 1; i < attempt && cap < options.max_backoff; ++i) cap *= 2;
  cap = std::min(cap, options.max_backoff);
  absl::BitGen gen;
  const absl::Duration sleep =
      cap * absl::Uniform<double>(absl::IntervalClosed, gen, 0.5, 1.0);
  if (absl::Now() + sleep >= options.deadline) return false;
  absl::SleepFor(sleep);
  return true;
}

// The retry loop shared by both entry points. `run(attempt)` performs one
// attempt; `can_replace` says whether a stale session can be swapped.
absl::Status RetryLoop(const TxOptions& options, bool can_replace,
                       absl::FunctionRef<AttemptResult(int)> run) {
  const int max_attempts = std::max(1, options.max_attempts);
  bool replaced = false;
  for (int attempt = 1;;) {
    AttemptResult result = run(attempt);
    if (result.status.ok()) return absl::OkStatus();
    if (result.stale_session && can_replace && !replaced) {
      replaced = true;
      continue;
    }
    if (!result.retryable || attempt >= max_attempts ||
        !Backoff(options, attempt)) {
      return result.status;
    }
    ++attempt;
  }
}

}  // namespace

absl::Status Tx::CheckDeadline() const {
  if (absl::Now() >= deadline_) {
    return absl::DeadlineExceededError("transaction deadline passed");
  }
  return absl::OkStatus();
}

void Tx::Record(const absl::Status& status) {
  // Only errors with a SQLSTATE came from the server; client-side
  // rejections (e.g. a NUL in a parameter) leave the transaction usable.
  if (failure_.ok() && SqlStateOf(status).has_value()) failure_ = status;
}

absl::StatusOr<Result> Tx::DoExecute(absl::string_view sql,
                                     absl::Span<const Param> params) {
  if (absl::Status s = CheckDeadline(); !s.ok()) return s;
  absl::StatusOr<Result> result = connection_.Execute(sql, params);
  if (!result.ok()) Record(result.status());
  return result;
}

absl::Status Tx::ExecuteScript(absl::string_view sql) {
  if (absl::Status s = CheckDeadline(); !s.ok()) return s;
  absl::Status status = connection_.ExecuteScript(sql);
  Record(status);
  return status;
}

absl::Status RunInTransaction(Pool& pool, const TxOptions& options,
                              absl::FunctionRef<absl::Status(Tx&)> fn) {
  return RetryLoop(options, /*can_replace=*/true, [&](int attempt) {
    absl::StatusOr<PooledConnection> connection =
        pool.Acquire(options.deadline);
    if (!connection.ok()) return AttemptResult{connection.status()};
    // The session goes back to the pool when this attempt ends, before any
    // backoff sleep.
    return RunAttempt(**connection, options, pool.statement_timeout(), attempt,
                      fn);
  });
}

absl::Status RunInTransaction(Connection& connection, const TxOptions& options,
                              absl::FunctionRef<absl::Status(Tx&)> fn) {
  return RetryLoop(options, /*can_replace=*/false, [&](int attempt) {
    return RunAttempt(connection, options, std::nullopt, attempt, fn);
  });
}

}  // namespace fineprint::db
