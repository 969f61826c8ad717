#ifndef FINEPRINT_SERVICES_RUNTIME_DB_POOL_IMPL_H_
#define FINEPRINT_SERVICES_RUNTIME_DB_POOL_IMPL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/runtime/db/pool.h"

namespace fineprint::db {

// Opens one session; must give up by `deadline`.
using ConnectionFactory =
    std::function<absl::StatusOr<std::unique_ptr<Connection>>(
        absl::Time deadline)>;

// Pool over any ConnectionFactory. Sessions are opened lazily, reused LIFO
// (the most recently used one is the warmest), checked on the way out and
// on the way back. All PooledConnections must be released before the pool
// is destroyed.
class BoundedPool final : public Pool {
 public:
  // Uses max_connections, acquire_timeout and statement_timeout of
  // `options`.
  BoundedPool(const PoolOptions& options, ConnectionFactory factory);
  ~BoundedPool() override;

  BoundedPool(const BoundedPool&) = delete;
  BoundedPool& operator=(const BoundedPool&) = delete;

  using Pool::Acquire;
  absl::StatusOr<PooledConnection> Acquire(absl::Time deadline) override;
  absl::Duration statement_timeout() const override {
    return statement_timeout_;
  }
  PoolStats stats() const override;

 private:
  void Return(std::unique_ptr<Connection> connection) override;
  bool CanAcquire() const ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return !idle_.empty() || open_ < max_connections_;
  }
  // Gives up the slot of a session that is gone (or was never opened).
  void ReleaseSlot(bool discarded);

  const int max_connections_;
  const absl::Duration acquire_timeout_;
  const absl::Duration statement_timeout_;
  const ConnectionFactory factory_;

  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  int waiters_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t opened_total_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t discarded_total_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace fineprint::db

#endif  // FINEPRINT_SERVICES_RUNTIME_DB_POOL_IMPL_H_
