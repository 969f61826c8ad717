#ifndef FINEPRINT_GATEWAY_SERVER_HTTP_SERVER_H_
#define FINEPRINT_GATEWAY_SERVER_HTTP_SERVER_H_

// HTTP/1.1 server on Boost.Beast: keep-alive, one io_context and thread per
// core (connections are spread round-robin, and each stays on its thread,
// so sessions need no strands), body and header limits enforced while
// parsing (413 before the body is read), gzip/brotli content codings (see
// HttpServerOptions), and the headers every response carries
// (X-Content-Type-Options, Referrer-Policy). Requests are handed to a Handler
// that may answer from any thread, in one piece or as a chunked stream.

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gateway/server/http_types.h"

namespace fineprint::gateway::server {

class EdgeTls;  // tls_stream.h

struct HttpServerOptions {
  std::string host = "0.0.0.0";
  int port = 8080;  // 0 picks a free port
  int threads = 0;  // 0: one per core
  size_t max_body_bytes = 4 << 20;
  size_t max_header_bytes = 16 << 10;
  // Answers of a compressible type (JSON, text, ...) at least this large go
  // out gzip- or brotli-encoded when the client's Accept-Encoding allows,
  // with `Vary: Accept-Encoding`. 0 turns response compression off. Streams
  // are not compressed (each event must reach the client as it is sent).
  size_t compress_min_bytes = 1024;
  // `Content-Encoding: gzip` request bodies are inflated; inflated, they
  // must still fit max_body_bytes (413 otherwise). Other codings get 415.
  bool accept_gzip_requests = true;
  // Closes connections idle (or slow to send a request) for this long.
  absl::Duration idle_timeout = absl::Seconds(60);
  // Stop() waits this long for connections held by backend calls.
  absl::Duration shutdown_timeout = absl::Seconds(30);
  // Set: HTTPS only, with its current certificate (reloadable).
  std::shared_ptr<EdgeTls> tls;
};

class HttpServer {
 public:
  using Responder = std::function<void(HttpResponse)>;
  // Answer through exactly one of `respond` or a stream from `open_stream`.
  using Handler = std::function<void(HttpRequest, Responder respond,
                                     StreamOpener open_stream)>;

  HttpServer(HttpServerOptions options, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  absl::Status Start();
  // Stops accepting, closes every connection (cancelling streams) and
  // waits up to shutdown_timeout for those held by backend calls.
  void Stop();
  int port() const { return port_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace fineprint::gateway::server

#endif  // FINEPRINT_GATEWAY_SERVER_HTTP_SERVER_H_
