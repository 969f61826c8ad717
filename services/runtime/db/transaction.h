#ifndef FINEPRINT_SERVICES_RUNTIME_DB_TRANSACTION_H_
#define FINEPRINT_SERVICES_RUNTIME_DB_TRANSACTION_H_

// Transactions with retries:
//
//   db::TxOptions options;
//   options.isolation = db::IsolationLevel::kSerializable;
//   options.deadline = rpc_deadline;
//   absl::Status s = db::RunInTransaction(
//       pool, options, [&](db::Tx& tx) -> absl::Status {
//         absl::StatusOr<db::Result> r = tx.Execute("SELECT ...", {id});
//         if (!r.ok()) return r.status();
//         ...
//         return absl::OkStatus();
//       });
//
// `fn` may run several times (serialization failures and deadlocks retry
// the whole transaction), so it must not have side effects outside the
// database, or must make them idempotent. Return database errors as they
// are (or at least keep their payloads) so that retries can recognise them.
// (Set TxOptions fields one by one: with -Wextra, GCC 12 flags designated
// initialisers that leave members out.)

#include <functional>
#include <optional>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/runtime/db/connection.h"
#include "services/runtime/db/pool.h"

namespace fineprint::db {

enum class IsolationLevel { kReadCommitted, kRepeatableRead, kSerializable };

struct TxOptions {
  IsolationLevel isolation = IsolationLevel::kReadCommitted;
  bool read_only = false;
  // The caller's deadline (e.g. the RPC's). Bounds waiting for a session,
  // each statement (statement_timeout = min(pool default, time left)) and
  // retries; statements are refused client-side once it has passed.
  absl::Time deadline = absl::InfiniteFuture();
  // Replaces the pool's statement_timeout for this transaction;
  // absl::InfiniteDuration() disables it (long migrations).
  std::optional<absl::Duration> statement_timeout;
  // Runs in total, the first included, for serialization failures (40001)
  // and deadlocks (40P01).
  int max_attempts = 5;
  // Sleep before retry n is uniform in [b/2, b] with b = initial_backoff *
  // 2^(n-1) capped at max_backoff: the jitter keeps two conflicting
  // transactions from colliding again in lockstep.
  absl::Duration initial_backoff = absl::Milliseconds(5);
  absl::Duration max_backoff = absl::Milliseconds(250);
};

namespace internal {
class TxAccess;
}  // namespace internal

// The transaction handed to `fn`; valid only during the call.
class Tx final : public Executor {
 public:
  Tx(const Tx&) = delete;
  Tx& operator=(const Tx&) = delete;

  // 1 on the first run, 2 on the first retry, ...
  int attempt() const { return attempt_; }
  absl::Time deadline() const { return deadline_; }

  // Trusted multi-statement SQL (see Connection::ExecuteScript).
  absl::Status ExecuteScript(absl::string_view sql);

  // Runs `fn` on the calling thread once this attempt's COMMIT succeeded;
  // dropped if the attempt rolls back (a retry registers again). For
  // in-process signals about committed rows, e.g. waking the outbox relay
  // (events/outbox/outbox_signal.h), which must not fire before the rows
  // are visible. `fn` must be cheap and must not fail.
  void AfterCommit(std::function<void()> fn) {
    after_commit_.push_back(std::move(fn));
  }

 protected:
  absl::StatusOr<Result> DoExecute(absl::string_view sql,
                                   absl::Span<const Param> params) override;

 private:
  friend class internal::TxAccess;
  Tx(Connection& connection, absl::Time deadline, int attempt)
      : connection_(connection), deadline_(deadline), attempt_(attempt) {}

  absl::Status CheckDeadline() const;
  // Remembers the first error the server raised: from then on the server
  // side of the transaction is aborted and can only roll back.
  void Record(const absl::Status& status);

  Connection& connection_;
  const absl::Time deadline_;
  const int attempt_;
  absl::Status failure_;
  std::vector<std::function<void()>> after_commit_;
};

// Acquires a session from `pool` (per attempt), runs BEGIN (isolation,
// read-only) and SET LOCAL statement_timeout, then `fn`, then COMMIT.
// - fn fails: ROLLBACK, return fn's status.
// - 40001/40P01 (from fn's statements or from COMMIT): roll back, back off
//   and run again, up to max_attempts, within the deadline.
// - The session breaks mid-transaction: UNAVAILABLE, no retry. If it breaks
//   during COMMIT, whether the transaction committed is unknown, and
//   running it again could apply it twice, so that is never retried either.
// - A pooled session found dead at BEGIN (e.g. killed while idle) is
//   replaced once without counting as an attempt: nothing ran yet.
absl::Status RunInTransaction(Pool& pool, const TxOptions& options,
                              absl::FunctionRef<absl::Status(Tx&)> fn);

// The same on a session the caller holds (e.g. one that owns a session-level
// advisory lock). Without a deadline or statement_timeout in `options` the
// session's own statement_timeout applies.
absl::Status RunInTransaction(Connection& connection, const TxOptions& options,
                              absl::FunctionRef<absl::Status(Tx&)> fn);

}  // namespace fineprint::db

#endif  // FINEPRINT_SERVICES_RUNTIME_DB_TRANSACTION_H_
