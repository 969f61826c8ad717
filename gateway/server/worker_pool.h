#ifndef FINEPRINT_GATEWAY_SERVER_WORKER_POOL_H_
#define FINEPRINT_GATEWAY_SERVER_WORKER_POOL_H_

// A fixed set of threads for work that may block (authentication can call
// identity on a cache miss), so it never stalls the HTTP I/O threads.

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace fineprint::gateway::server {

class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  // Runs every task already scheduled, then joins the threads.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Schedule(std::function<void()> task);

 private:
  void Run();

  absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace fineprint::gateway::server

#endif  // FINEPRINT_GATEWAY_SERVER_WORKER_POOL_H_
