#include "gateway/server/io_thread.h"

namespace fineprint::gateway::server {
namespace {

thread_local IoThread* current = nullptr;

}  // namespace

void IoThread::Run(boost::asio::io_context& context) {
  IoThread thread(context);
  current = &thread;
  context.run();
  // Locals go now, while the io_context and its reactor still exist.
  thread.locals_.clear();
  current = nullptr;
}

IoThread* IoThread::Current() { return current; }

}  // namespace fineprint::gateway::server
