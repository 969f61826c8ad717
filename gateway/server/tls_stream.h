#ifndef FINEPRINT_GATEWAY_SERVER_TLS_STREAM_H_
#define FINEPRINT_GATEWAY_SERVER_TLS_STREAM_H_

// HTTPS for the edge's HTTP server. EdgeTls holds the current certificate
// (TLS >= 1.2, see tls::ServerContextStore) and swaps it on Reload(), which
// the edge calls on SIGHUP: connections open keep their context, new ones
// get the new one, none is dropped. EdgeStream is what a session reads and
// writes: plain TCP, or TLS over it, behind one interface Beast accepts.

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/ssl.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/ssl/ssl_stream.hpp"
#include "services/runtime/tls/server_context.h"

namespace fineprint::gateway::server {

class EdgeTls {
 public:
  static absl::StatusOr<std::shared_ptr<EdgeTls>> Open(
      const std::string& cert_file, const std::string& key_file);

  // Re-reads the files; on failure the previous certificate stays.
  absl::Status Reload() ABSL_LOCKS_EXCLUDED(mu_);
  std::shared_ptr<boost::asio::ssl::context> Current() const
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  explicit EdgeTls(std::unique_ptr<tls::ServerContextStore> store)
      : store_(std::move(store)) {}
  void Publish() ABSL_LOCKS_EXCLUDED(mu_);

  std::unique_ptr<tls::ServerContextStore> store_;
  mutable absl::Mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> current_ ABSL_GUARDED_BY(mu_);
};

class EdgeStream {
 public:
  using tcp_stream = boost::beast::tcp_stream;
  using executor_type = tcp_stream::executor_type;

  // `tls` null: plain HTTP.
  EdgeStream(boost::asio::ip::tcp::socket socket,
             std::shared_ptr<boost::asio::ssl::context> tls)
      : context_(std::move(tls)) {
    if (context_) {
      tls_.emplace(tcp_stream(std::move(socket)), *context_);
    } else {
      plain_.emplace(std::move(socket));
    }
  }

  executor_type get_executor() { return tcp().get_executor(); }
  // Timeouts and the socket are the TCP layer's, under TLS too.
  tcp_stream& tcp() { return tls_ ? tls_->next_layer() : *plain_; }
  boost::asio::ip::tcp::socket& socket() { return tcp().socket(); }
  template <typename Duration>
  void expires_after(Duration d) {
    tcp().expires_after(d);
  }
  void expires_never() { tcp().expires_never(); }

  template <typename Buffers, typename Handler>
  void async_read_some(const Buffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_read_some(buffers, std::forward<Handler>(handler));
    } else {
      plain_->async_read_some(buffers, std::forward<Handler>(handler));
    }
  }
  template <typename Buffers, typename Handler>
  void async_write_some(const Buffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_write_some(buffers, std::forward<Handler>(handler));
    } else {
      plain_->async_write_some(buffers, std::forward<Handler>(handler));
    }
  }
  // TLS: the server side of the handshake; plain: `done` runs at once.
  template <typename Handler>
  void async_handshake(Handler&& done) {
    if (!tls_) {
      boost::asio::post(get_executor(),
                        [done = std::forward<Handler>(done)]() mutable {
                          done(boost::beast::error_code());
                        });
      return;
    }
    tls_->async_handshake(boost::asio::ssl::stream_base::server,
                          std::forward<Handler>(done));
  }

 private:
  std::shared_ptr<boost::asio::ssl::context> context_;  // outlives tls_
  std::optional<tcp_stream> plain_;
  std::optional<boost::beast::ssl_stream<tcp_stream>> tls_;
};

}  // namespace fineprint::gateway::server

#endif  // FINEPRINT_GATEWAY_SERVER_TLS_STREAM_H_
