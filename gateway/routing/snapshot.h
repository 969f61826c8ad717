#ifndef FINEPRINT_GATEWAY_ROUTING_SNAPSHOT_H_
#define FINEPRINT_GATEWAY_ROUTING_SNAPSHOT_H_

// Publishes an immutable value to many reader threads and lets a reload
// replace it atomically. Readers take a shared_ptr copy and keep using their
// snapshot for the rest of the request even if a reload happens meanwhile.

#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "gateway/routing/route_table.h"

namespace fineprint::gateway::routing {

template <typename T>
class SnapshotHolder {
 public:
  explicit SnapshotHolder(std::shared_ptr<const T> initial = nullptr)
      : current_(std::move(initial)) {}

  std::shared_ptr<const T> Get() const {
    absl::ReaderMutexLock lock(&mu_);
    return current_;
  }

  void Set(std::shared_ptr<const T> next) {
    {
      absl::MutexLock lock(&mu_);
      std::swap(current_, next);
    }
    // `next` now holds the old value; it is released outside the lock.
  }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const T> current_ ABSL_GUARDED_BY(mu_);
};

using RouteTableHolder = SnapshotHolder<RouteTable>;

}  // namespace fineprint::gateway::routing

#endif  // FINEPRINT_GATEWAY_ROUTING_SNAPSHOT_H_
