#include "gateway/server/http_server.h"

#include <memory>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/beast/core.hpp"
#include "gateway/server/http_session.h"
#include "gateway/server/io_thread.h"

namespace fineprint::gateway::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions options;
  Handler handler;
  SessionTracker tracker;  // outlives the contexts (declared first)
  std::vector<std::unique_ptr<net::io_context>> contexts;
  std::vector<
      std::optional<net::executor_work_guard<net::io_context::executor_type>>>
      guards;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  size_t next = 0;  // only touched on contexts[0]'s thread
  bool running = false;

  // Accepts on contexts[0] and hands the socket over to the next context,
  // so no operation ever spans two io_contexts.
  void Accept() {
    acceptor->async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor->is_open()) return;
      if (!ec) {
        net::io_context& target = *contexts[next++ % contexts.size()];
        beast::error_code assign_ec;
        tcp::socket moved(target);
        const auto protocol = socket.local_endpoint(assign_ec).protocol();
        if (!assign_ec)
          moved.assign(protocol, socket.release(assign_ec), assign_ec);
        if (!assign_ec) {
          StartSession(std::move(moved), target, tracker, options, handler);
        }
      }
      Accept();
    });
  }
};

HttpServer::HttpServer(HttpServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
}

HttpServer::~HttpServer() { Stop(); }

absl::Status HttpServer::Start() {
  Impl& s = *impl_;
  int n = s.options.threads > 0
              ? s.options.threads
              : static_cast<int>(std::thread::hardware_concurrency());
  if (n <= 0) n = 1;
  for (int i = 0; i < n; ++i) {
    s.contexts.push_back(std::make_unique<net::io_context>(1));
    s.guards.emplace_back(net::make_work_guard(*s.contexts.back()));
  }
  beast::error_code ec;
  auto address = net::ip::make_address(s.options.host, ec);
  if (ec)
    return absl::InvalidArgumentError(
        absl::StrCat("bad host ", s.options.host));
  s.acceptor = std::make_unique<tcp::acceptor>(*s.contexts[0]);
  tcp::endpoint endpoint(address, static_cast<unsigned short>(s.options.port));
  s.acceptor->open(endpoint.protocol(), ec);
  if (!ec) s.acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor->bind(endpoint, ec);
  if (!ec) s.acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", s.options.host, ":", s.options.port,
                     ": ", ec.message()));
  }
  port_ = s.acceptor->local_endpoint().port();
  s.running = true;
  s.Accept();
  for (auto& ctx : s.contexts) {
    s.threads.emplace_back([c = ctx.get()] { IoThread::Run(*c); });
  }
  return absl::OkStatus();
}

void HttpServer::Stop() {
  Impl& s = *impl_;
  if (!s.running) return;
  s.running = false;
  absl::Notification closed;
  net::post(*s.contexts[0], [&s, &closed] {
    beast::error_code ignored;
    s.acceptor->close(ignored);
    closed.Notify();
  });
  closed.WaitForNotification();
  for (const auto& session : s.tracker.Live()) {
    ShutdownSession(session);
  }
  // Sessions still referenced by backend calls go when those calls end
  // (their deadlines bound the wait).
  const bool idle = s.tracker.WaitIdle(s.options.shutdown_timeout);
  for (auto& g : s.guards) g.reset();
  for (auto& ctx : s.contexts) ctx->stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
  if (!idle) {
    // A session outlived the timeout: keep its io_context alive for good
    // rather than let the session touch a destroyed one later.
    for (auto& ctx : s.contexts) ctx.release();
  }
}

}  // namespace fineprint::gateway::server
