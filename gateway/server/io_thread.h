#ifndef FINEPRINT_GATEWAY_SERVER_IO_THREAD_H_
#define FINEPRINT_GATEWAY_SERVER_IO_THREAD_H_

// The HTTP server's I/O threads, each running one io_context. Code on such
// a thread can keep per-thread objects here (the edge's upstream
// connections), so a request and its backend call are served by the same
// event loop without locks or thread switches. Locals are created on their
// thread and destroyed on it when its loop ends, before the io_context.

#include <memory>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "boost/asio/io_context.hpp"

namespace fineprint::gateway::server {

class IoThread {
 public:
  // Runs `context` on the calling thread until it stops; Current() is this
  // thread's IoThread meanwhile.
  static void Run(boost::asio::io_context& context);

  // nullptr on any other thread.
  static IoThread* Current();

  boost::asio::io_context& context() { return context_; }

  // The object `owner` keeps on this thread, made by `make` on first use.
  // `owner` must outlive the thread's loop.
  template <typename T>
  T& Local(const void* owner, absl::FunctionRef<std::unique_ptr<T>()> make) {
    auto it = locals_.find(owner);
    if (it == locals_.end()) {
      std::shared_ptr<void> made(make().release(),
                                 [](void* p) { delete static_cast<T*>(p); });
      it = locals_.emplace(owner, std::move(made)).first;
    }
    return *static_cast<T*>(it->second.get());
  }

 private:
  explicit IoThread(boost::asio::io_context& context) : context_(context) {}

  boost::asio::io_context& context_;
  absl::flat_hash_map<const void*, std::shared_ptr<void>> locals_;
};

}  // namespace fineprint::gateway::server

#endif  // FINEPRINT_GATEWAY_SERVER_IO_THREAD_H_
