#include "gateway/server/http_session.h"

#include <array>
#include <atomic>
#include <chrono>
#include <deque>
#include <optional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "boost/asio/dispatch.hpp"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "gateway/server/compression.h"
#include "gateway/server/http_wire.h"
#include "gateway/server/idle_deadline.h"
#include "gateway/server/tls_stream.h"
#include "gateway/transcode/response_transcoder.h"

namespace fineprint::gateway::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

std::string ToStd(beast::string_view s) {
  return std::string(s.data(), s.size());
}

template <typename Fields>
void SetStandardHeaders(Fields& fields) {
  for (const auto& [name, value] : kStandardHeaders) fields.set(name, value);
}

std::shared_ptr<ResponseStream> MakeSessionStream(
    std::shared_ptr<Session> session);

}  // namespace

class Session : public std::enable_shared_from_this<Session> {
 public:
  // Streaming API, run on the session's thread (see SessionStream).
  void StreamBegin(int status,
                   std::vector<std::pair<std::string, std::string>> headers) {
    if (streaming_) return;
    streaming_ = true;
    keep_alive_ = false;
    stream_res_ = {};
    stream_res_.version(11);
    stream_res_.result(static_cast<unsigned>(status));
    for (const auto& [k, v] : headers) stream_res_.set(k, v);
    SetStandardHeaders(stream_res_);
    stream_res_.keep_alive(false);
    stream_res_.chunked(true);
    stream_sr_ = std::make_unique<http::response_serializer<http::empty_body>>(
        stream_res_);
    queue_.push_back({Pending::kHeader, "", nullptr});
    WatchForHangUp();
    Pump();
  }
  void StreamWrite(std::string chunk, std::function<void(bool)> on_sent) {
    if (!streaming_ || ended_ || gone_) {
      if (on_sent) on_sent(false);
      return;
    }
    if (chunk.empty()) {  // an empty chunk would end the body
      if (on_sent) on_sent(true);
      return;
    }
    queue_.push_back({Pending::kChunk, std::move(chunk), std::move(on_sent)});
    Pump();
  }
  void StreamEnd() {
    if (!streaming_ || ended_) return;
    ended_ = true;
    queue_.push_back({Pending::kLast, "", nullptr});
    Pump();
  }
  void StreamOnGone(std::function<void()> cb) {
    if (gone_) {
      cb();
      return;
    }
    gone_cb_ = std::move(cb);
  }

  Session(tcp::socket socket, net::io_context& ioc, SessionTracker& tracker,
          const HttpServerOptions& options, const HttpServer::Handler& handler)
      : live_(tracker),
        stream_(std::move(socket),
                options.tls ? options.tls->Current() : nullptr),
        ioc_(ioc),
        options_(options),
        handler_(handler),
        idle_(ioc, options.idle_timeout) {
    // Once per connection, not per request (a getpeername(2) and a
    // formatting each time otherwise).
    beast::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_address_ = endpoint.address().to_string();
  }

  net::io_context& ioc() { return ioc_; }

  // Stop(): close the connection; a stream in progress counts as a hang-up
  // so its backend call is cancelled.
  void Shutdown() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
    idle_.Cancel();
    Gone();
  }

  void Start() {
    // Idle too long: what is pending fails and the session ends.
    idle_.OnExpired([weak = weak_from_this()] {
      if (auto self = weak.lock()) {
        beast::error_code ignored;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        self->stream_.socket().close(ignored);
      }
    });
    net::dispatch(
        stream_.get_executor(),
        beast::bind_front_handler(&Session::Handshake, shared_from_this()));
  }

 private:
  // HTTPS: the TLS handshake (plain HTTP goes straight on to Read).
  void Handshake() {
    // A client slow to finish the handshake is an idle one.
    idle_.Touch();
    stream_.async_handshake([self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->Close();
      self->Read();
    });
  }

  void Read() {
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    parser_->header_limit(static_cast<uint32_t>(options_.max_header_bytes));
    idle_.Touch();
    http::async_read_header(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  // Headers are in (and the body limit already checked against
  // Content-Length): tell `Expect: 100-continue` clients to send the body.
  void OnHeader(beast::error_code ec, size_t n) {
    if (ec) return OnRead(ec, n);
    auto read_body = [self = shared_from_this()] {
      http::async_read(self->stream_, self->buffer_, *self->parser_,
                       beast::bind_front_handler(&Session::OnRead, self));
    };
    if (beast::iequals(parser_->get()[http::field::expect], "100-continue")) {
      continue_ = {http::status::continue_, 11};
      http::async_write(
          stream_, continue_,
          [self = shared_from_this(), read_body](beast::error_code ec, size_t) {
            if (ec) return self->Close();
            read_body();
          });
      return;
    }
    read_body();
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::eof ||
        ec == net::error::connection_reset ||
        ec == net::ssl::error::stream_truncated) {
      return Close();
    }
    if (ec) {
      keep_alive_ = false;
      head_request_ = false;
      response_coding_ = ContentCoding::kIdentity;
      const bool too_big = ec == http::error::body_limit;
      const bool header_too_big = ec == http::error::header_limit;
      HttpResponse r;
      r.status = too_big ? 413 : header_too_big ? 431 : 400;
      r.body = transcode::ErrorBodyJson(
          too_big ? 8 : 3,
          too_big ? "request body too large"
          : header_too_big
              ? "request headers too large"
              : absl::StrCat("malformed HTTP request: ", ec.message()),
          "", nullptr);
      r.SetHeader("content-type", "application/json");
      return Write(std::move(r));
    }
    http::request<http::string_body> req = parser_->release();
    keep_alive_ = req.keep_alive();
    head_request_ = req.method() == http::verb::head;
    response_coding_ = ContentCoding::kIdentity;
    if (options_.compress_min_bytes > 0) {
      const auto accept = req[http::field::accept_encoding];
      if (!accept.empty()) {
        response_coding_ = ChooseContentCoding(
            absl::string_view(accept.data(), accept.size()));
      }
    }
    const auto coding = req[http::field::content_encoding];
    const bool gzipped =
        beast::iequals(coding, "gzip") || beast::iequals(coding, "x-gzip");
    if (!coding.empty() && !beast::iequals(coding, "identity")) {
      if (!gzipped || !options_.accept_gzip_requests) {
        HttpResponse r =
            TransportError(415, 3, "unsupported request Content-Encoding");
        // RFC 9110 §12.5.3: say which codings would have been accepted.
        r.SetHeader("accept-encoding",
                    options_.accept_gzip_requests ? "gzip" : "identity");
        return Write(std::move(r));
      }
      // Inflating stops at the body limit: a few KiB of gzip cannot make
      // the edge hold more than a plain body of the limit would.
      absl::StatusOr<std::string> inflated =
          Gunzip(req.body(), options_.max_body_bytes);
      if (!inflated.ok()) {
        const bool too_big =
            inflated.status().code() == absl::StatusCode::kResourceExhausted;
        return Write(TransportError(too_big ? 413 : 400, too_big ? 8 : 3,
                                    inflated.status().message()));
      }
      req.body() = *std::move(inflated);
    }
    HttpRequest request;
    request.method = ToStd(req.method_string());
    request.target = ToStd(req.target());
    for (const auto& field : req) {
      // The handler sees the decoded body only.
      if (gzipped && (field.name() == http::field::content_encoding ||
                      field.name() == http::field::content_length)) {
        continue;
      }
      request.headers.emplace_back(
          absl::AsciiStrToLower(ToStd(field.name_string())),
          ToStd(field.value()));
    }
    request.body = std::move(req.body());
    request.remote_address = remote_address_;
    // The backend call may take longer than the idle timeout.
    idle_.Suspend();
    auto self = shared_from_this();
    handler_(
        std::move(request),
        [self](HttpResponse response) {
          net::post(self->ioc_,
                    [self, response = std::move(response)]() mutable {
                      self->Write(std::move(response));
                    });
        },
        [self]() -> std::shared_ptr<ResponseStream> {
          return MakeSessionStream(self);
        });
  }

  static HttpResponse TransportError(int status, int grpc_code,
                                     absl::string_view message) {
    HttpResponse r;
    r.status = status;
    r.body = transcode::ErrorBodyJson(grpc_code, message, "", nullptr);
    r.SetHeader("content-type", "application/json");
    return r;
  }

  void Write(HttpResponse r) {
    // HEAD too: its Content-Length is that of the encoded GET. A HEAD of a
    // stream (`Transfer-Encoding: chunked`) writes no terminating chunk.
    EncodeResponse(r, response_coding_, options_.compress_min_bytes);
    wire_.clear();
    SerializeResponse(r, keep_alive_, head_request_, &wire_);
    idle_.Touch();
    net::async_write(
        stream_, net::buffer(wire_),
        beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
  }

  void OnWrite(beast::error_code ec, size_t) {
    if (ec || !keep_alive_) return Close();
    Read();
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    idle_.Cancel();
  }

  struct Pending {
    enum Kind { kHeader, kChunk, kLast } kind;
    std::string data;
    std::function<void(bool)> on_sent;
  };

  // While streaming nothing else is read; a read that ends tells us the
  // client hung up, so the backend call can be cancelled promptly.
  void WatchForHangUp() {
    stream_.async_read_some(
        net::buffer(scratch_),
        [self = shared_from_this()](beast::error_code ec, size_t) {
          if (!ec) return self->WatchForHangUp();
          if (ec != net::error::operation_aborted) self->Gone();
        });
  }

  void Gone() {
    if (gone_ || ended_) return;
    gone_ = true;
    for (auto& p : queue_) {
      if (p.on_sent) p.on_sent(false);
    }
    queue_.clear();
    if (gone_cb_) {
      auto cb = std::move(gone_cb_);
      cb();
    }
  }

  void Pump() {
    if (writing_ || queue_.empty() || gone_) return;
    writing_ = true;
    current_ = std::move(queue_.front());
    queue_.pop_front();
    auto on_done = [self = shared_from_this()](beast::error_code ec, size_t) {
      self->writing_ = false;
      auto cb = std::move(self->current_.on_sent);
      const bool last = self->current_.kind == Pending::kLast;
      if (cb) cb(!ec);
      if (ec) return self->Gone();
      if (last) return self->Close();
      self->Pump();
    };
    switch (current_.kind) {
      case Pending::kHeader:
        http::async_write_header(stream_, *stream_sr_, std::move(on_done));
        break;
      case Pending::kChunk:
        net::async_write(stream_, http::make_chunk(net::buffer(current_.data)),
                         std::move(on_done));
        break;
      case Pending::kLast:
        net::async_write(stream_, http::make_chunk_last(), std::move(on_done));
        break;
    }
  }

  // Counts this session as live; the first member, so it is destroyed last,
  // after the socket and timers that need the io_context.
  struct LiveToken {
    explicit LiveToken(SessionTracker& t) : tracker(t) { tracker.Created(); }
    ~LiveToken() { tracker.Destroyed(); }
    SessionTracker& tracker;
  } live_;
  EdgeStream stream_;
  net::io_context& ioc_;  // the session's own thread
  const HttpServerOptions& options_;
  const HttpServer::Handler& handler_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string wire_;  // the response being written
  http::response<http::empty_body> continue_;
  bool keep_alive_ = true;
  bool head_request_ = false;
  ContentCoding response_coding_ =
      ContentCoding::kIdentity;  // of the current request

  bool streaming_ = false;
  bool ended_ = false;
  bool gone_ = false;
  bool writing_ = false;
  http::response<http::empty_body> stream_res_;
  std::unique_ptr<http::response_serializer<http::empty_body>> stream_sr_;
  std::deque<Pending> queue_;
  Pending current_{Pending::kHeader, "", nullptr};
  std::function<void()> gone_cb_;
  std::array<char, 256> scratch_;
  std::string remote_address_;  // the peer's, for logs and x-forwarded-for
  IdleDeadline idle_;
};

namespace {

// Hops every call onto the session's thread.
class SessionStream : public ResponseStream {
 public:
  explicit SessionStream(std::shared_ptr<Session> session)
      : session_(std::move(session)) {}

  void Begin(
      int status,
      std::vector<std::pair<std::string, std::string>> headers) override {
    net::post(session_->ioc(),
              [s = session_, status, h = std::move(headers)]() mutable {
                s->StreamBegin(status, std::move(h));
              });
  }
  void Write(std::string chunk, std::function<void(bool)> on_sent) override {
    net::post(session_->ioc(), [s = session_, c = std::move(chunk),
                                cb = std::move(on_sent)]() mutable {
      s->StreamWrite(std::move(c), std::move(cb));
    });
  }
  void End() override {
    net::post(session_->ioc(), [s = session_] { s->StreamEnd(); });
  }
  void OnClientGone(std::function<void()> callback) override {
    net::post(session_->ioc(),
              [s = session_, cb = std::move(callback)]() mutable {
                s->StreamOnGone(std::move(cb));
              });
  }

 private:
  std::shared_ptr<Session> session_;
};

std::shared_ptr<ResponseStream> MakeSessionStream(
    std::shared_ptr<Session> session) {
  return std::make_shared<SessionStream>(std::move(session));
}

}  // namespace

void StartSession(tcp::socket socket, net::io_context& ioc,
                  SessionTracker& tracker, const HttpServerOptions& options,
                  const HttpServer::Handler& handler) {
  auto session = std::make_shared<Session>(std::move(socket), ioc, tracker,
                                           options, handler);
  tracker.Register(session);
  session->Start();
}

void ShutdownSession(const std::shared_ptr<Session>& session) {
  net::post(session->ioc(), [session] { session->Shutdown(); });
}

}  // namespace fineprint::gateway::server
