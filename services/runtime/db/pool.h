#ifndef FINEPRINT_SERVICES_RUNTIME_DB_POOL_H_
#define FINEPRINT_SERVICES_RUNTIME_DB_POOL_H_

// A bounded pool of database sessions. Acquire hands out a PooledConnection
// that returns the session when destroyed. pool_impl.h holds the generic
// implementation; pg_pool.h builds one that opens libpq connections.

#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/runtime/db/connection.h"

namespace fineprint::db {

struct PoolOptions {
  // libpq conninfo ("host=... port=... dbname=... user=...") or URI.
  std::string dsn;
  // Upper bound on open sessions; Acquire waits when all are in use.
  int max_connections = 10;
  // Longest wait in Acquire, whatever the caller's deadline.
  absl::Duration acquire_timeout = absl::Seconds(5);
  // Session statement_timeout; transactions lower it to fit their deadline.
  // absl::InfiniteDuration() disables it.
  absl::Duration statement_timeout = absl::Seconds(30);
  // The only schema on the search_path, so a service sees its own tables
  // through unqualified names (empty: the server's default path). `public`
  // is deliberately left off so a missing schema fails loudly instead of
  // silently creating tables in `public`.
  std::string search_path;
  // Shown in pg_stat_activity; e.g. the service name.
  std::string application_name;
};

struct PoolStats {
  int open = 0;     // sessions that exist (idle + in use + being opened)
  int idle = 0;     // ready in the pool
  int waiters = 0;  // Acquire calls blocked right now
  int64_t opened_total = 0;     // sessions opened over the pool's life
  int64_t discarded_total = 0;  // broken or dirty sessions thrown away
};

class Pool;

// Move-only RAII handle on a pooled session.
class PooledConnection {
 public:
  PooledConnection(Pool* pool, std::unique_ptr<Connection> connection)
      : pool_(pool), connection_(std::move(connection)) {}
  PooledConnection(PooledConnection&& other) noexcept
      : pool_(std::exchange(other.pool_, nullptr)),
        connection_(std::move(other.connection_)) {}
  PooledConnection& operator=(PooledConnection&& other) noexcept;
  ~PooledConnection() { Release(); }

  Connection& operator*() const { return *connection_; }
  Connection* operator->() const { return connection_.get(); }
  Connection* get() const { return connection_.get(); }

  // Returns the session now rather than at destruction.
  void Release();

 private:
  Pool* pool_;
  std::unique_ptr<Connection> connection_;
};

class Pool {
 public:
  virtual ~Pool() = default;

  // Waits until `deadline` (capped at now + acquire_timeout) for a session,
  // opening one when under max_connections. Idle sessions found broken are
  // replaced. DEADLINE_EXCEEDED when the caller's deadline ran out,
  // RESOURCE_EXHAUSTED when the pool's own acquire_timeout did, UNAVAILABLE
  // when a new session cannot be opened.
  virtual absl::StatusOr<PooledConnection> Acquire(absl::Time deadline) = 0;
  absl::StatusOr<PooledConnection> Acquire() {
    return Acquire(absl::InfiniteFuture());
  }

  // The session default that transactions start from.
  virtual absl::Duration statement_timeout() const = 0;

  virtual PoolStats stats() const = 0;

 protected:
  friend class PooledConnection;
  // Takes back a session; discards it unless IsReusable().
  virtual void Return(std::unique_ptr<Connection> connection) = 0;
};

inline PooledConnection& PooledConnection::operator=(
    PooledConnection&& other) noexcept {
  if (this != &other) {
    Release();
    pool_ = std::exchange(other.pool_, nullptr);
    connection_ = std::move(other.connection_);
  }
  return *this;
}

inline void PooledConnection::Release() {
  if (pool_ != nullptr && connection_ != nullptr) {
    pool_->Return(std::move(connection_));
  }
  pool_ = nullptr;
  connection_.reset();
}

}  // namespace fineprint::db

#endif  // FINEPRINT_SERVICES_RUNTIME_DB_POOL_H_
