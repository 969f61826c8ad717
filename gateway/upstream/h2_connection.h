#ifndef FINEPRINT_GATEWAY_UPSTREAM_H2_CONNECTION_H_
#define FINEPRINT_GATEWAY_UPSTREAM_H2_CONNECTION_H_

// One plaintext HTTP/2 connection (nghttp2) to a gRPC backend, carrying
// unary calls, on one io_context. Everything, `done` included, runs on that
// io_context's thread: the HTTP request, its backend call and its answer
// share one event loop, with no thread switch and no lock (gRPC's own
// client completes calls on its threads; on the edge that hop was most of a
// call's cost, issue #12).
//
// What gRPC's client does and this must too: the gRPC framing, grpc-timeout,
// trailers-only answers, google.rpc.Status details, HTTP status and
// RST_STREAM codes mapped as the gRPC spec says (doc/http-grpc-status-
// mapping.md), a response size limit, and GOAWAY: calls the server refused
// unprocessed are retried once on a new connection.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "gateway/upstream/unary_caller.h"

struct nghttp2_session;

namespace fineprint::gateway::upstream {

struct H2Target {
  std::string host;  // name or address literal (no brackets)
  std::string port;
  std::string authority;  // "host:port", the :authority sent
};

struct H2ConnectionOptions {
  size_t max_response_bytes = 4 << 20;  // gRPC's default receive limit
};

class H2Connection : public std::enable_shared_from_this<H2Connection> {
 public:
  // Calls the server refused before processing them (GOAWAY, REFUSED_STREAM)
  // go back here, to be sent on another connection.
  // `attempt` is 1 for such a second try (which is not retried again).
  using Resubmit = std::function<void(UnaryCall, UnaryDone, int attempt)>;

  // Starts connecting; calls made meanwhile are sent once connected.
  static std::shared_ptr<H2Connection> Open(boost::asio::io_context& io,
                                            const H2Target& target,
                                            const H2ConnectionOptions& options,
                                            Resubmit resubmit);
  ~H2Connection();
  H2Connection(const H2Connection&) = delete;
  H2Connection& operator=(const H2Connection&) = delete;

  // False once the connection failed, was closed or received GOAWAY.
  bool accepting() const;
  // When connecting failed (the backend is not there); InfinitePast if not.
  absl::Time connect_failed_at() const { return connect_failed_at_; }
  // Calls not yet finished.
  size_t pending() const { return open_calls_; }

  // On the connection's thread. `done` may run before Call returns.
  void Call(UnaryCall call, UnaryDone done, int attempt = 0);

  // Ends the calls whose deadline is past with DEADLINE_EXCEEDED (and
  // resets their streams). Returns the earliest deadline still pending.
  absl::Time ExpireCalls(absl::Time now);

  // Fails every pending call with UNAVAILABLE and closes the socket.
  void Close();

 private:
  struct Stream;
  struct Callbacks;

  H2Connection(boost::asio::io_context& io, const H2Target& target,
               const H2ConnectionOptions& options, Resubmit resubmit);
  void Connect();
  void OnConnected();
  void Read();
  void Flush();
  void Fail(absl::string_view why);
  // Runs the call's `done` once; its stream stays until nghttp2 closes it.
  void Finish(Stream& s, const grpc::Status& status, std::string response);
  void OnStreamClosed(int32_t stream_id, uint32_t error_code);

  boost::asio::io_context& io_;
  H2Target target_;
  H2ConnectionOptions options_;
  Resubmit resubmit_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::ip::tcp::resolver resolver_;
  nghttp2_session* session_ = nullptr;
  absl::flat_hash_map<int32_t, std::unique_ptr<Stream>> streams_;
  size_t open_calls_ = 0;
  std::string out_;
  std::string in_;
  bool connected_ = false;
  absl::Time connect_failed_at_ = absl::InfinitePast();
  bool closed_ = false;
  bool writing_ = false;
  bool in_nghttp2_ = false;  // nghttp2 must not be re-entered from callbacks
};

// "host:port", "[v6]:port" or "dns:///host:port"; nullopt for anything
// else (unix sockets, other resolvers), which gRPC's channel then serves.
std::optional<H2Target> ParseH2Target(absl::string_view target);

}  // namespace fineprint::gateway::upstream

#endif  // FINEPRINT_GATEWAY_UPSTREAM_H2_CONNECTION_H_
