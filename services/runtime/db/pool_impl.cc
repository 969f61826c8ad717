#include "services/runtime/db/pool_impl.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace fineprint::db {

BoundedPool::BoundedPool(const PoolOptions& options, ConnectionFactory factory)
    : max_connections_(std::max(1, options.max_connections)),
      acquire_timeout_(options.acquire_timeout),
      statement_timeout_(options.statement_timeout),
      factory_(std::move(factory)) {}

BoundedPool::~BoundedPool() {
  std::vector<std::unique_ptr<Connection>> idle;
  {
    absl::MutexLock lock(&mu_);
    idle.swap(idle_);
  }
  // Sessions close here, outside the lock.
}

absl::StatusOr<PooledConnection> BoundedPool::Acquire(absl::Time deadline) {
  const absl::Time pool_deadline = absl::Now() + acquire_timeout_;
  const absl::Time wait_until = std::min(deadline, pool_deadline);
  for (;;) {
    std::unique_ptr<Connection> connection;
    {
      absl::MutexLock lock(&mu_);
      ++waiters_;
      const bool ready = mu_.AwaitWithDeadline(
          absl::Condition(this, &BoundedPool::CanAcquire), wait_until);
      --waiters_;
      if (!ready) {
        const std::string message =
            absl::StrCat("no database connection free in time (",
                         max_connections_, " in use)");
        // Whose clock ran out decides the code: the caller's deadline is
        // theirs to handle; the pool's own timeout means it is too small
        // for the load.
        return deadline <= pool_deadline
                   ? absl::DeadlineExceededError(message)
                   : absl::ResourceExhaustedError(message);
      }
      if (!idle_.empty()) {
        connection = std::move(idle_.back());
        idle_.pop_back();
      } else {
        ++open_;
        ++opened_total_;
      }
    }

    if (connection == nullptr) {
      absl::StatusOr<std::unique_ptr<Connection>> opened = factory_(wait_until);
      if (!opened.ok()) {
        ReleaseSlot(/*discarded=*/false);
        return opened.status();
      }
      return PooledConnection(this, *std::move(opened));
    }
    if (connection->CheckHealthy()) {
      return PooledConnection(this, std::move(connection));
    }
    // Killed while idle (server restart, pg_terminate_backend, network):
    // drop it and try again, which opens a replacement.
    connection.reset();
    ReleaseSlot(/*discarded=*/true);
  }
}

void BoundedPool::Return(std::unique_ptr<Connection> connection) {
  // A session left inside a transaction (or broken) would leak state into
  // the next user; closing it is the only safe cleanup.
  if (!connection->IsReusable()) {
    connection.reset();
    ReleaseSlot(/*discarded=*/true);
    return;
  }
  absl::MutexLock lock(&mu_);
  idle_.push_back(std::move(connection));
}

void BoundedPool::ReleaseSlot(bool discarded) {
  absl::MutexLock lock(&mu_);
  --open_;
  if (discarded) ++discarded_total_;
}

PoolStats BoundedPool::stats() const {
  absl::MutexLock lock(&mu_);
  PoolStats stats;
  stats.open = open_;
  stats.idle = static_cast<int>(idle_.size());
  stats.waiters = waiters_;
  stats.opened_total = opened_total_;
  stats.discarded_total = discarded_total_;
  return stats;
}

}  // namespace fineprint::db
