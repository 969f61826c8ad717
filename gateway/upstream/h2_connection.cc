#include "gateway/upstream/h2_connection.h"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/ip/address.hpp"
#include "boost/asio/write.hpp"
#include "gateway/upstream/grpc_protocol.h"

namespace fineprint::gateway::upstream {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kWriteBatch = 64 * 1024;
constexpr size_t kFrameHeader = 5;  // gRPC: compressed flag + 4-byte length

}  // namespace

struct H2Connection::Stream {
  UnaryCall call;
  UnaryDone done;
  int attempt = 0;
  char prefix[kFrameHeader];
  size_t sent = 0;       // of prefix + request
  std::string response;  // DATA as received: gRPC-framed
  int http_status = 0;
  int grpc_status = -1;
  std::string grpc_message;
  std::string details;    // grpc-status-details-bin, base64
  bool answered = false;  // a HEADERS frame arrived
  bool finished = false;  // `done` has run
};

// nghttp2's C callbacks; `user_data` is the connection.
struct H2Connection::Callbacks {
  static H2Connection::Stream* StreamOf(nghttp2_session* session, int32_t id) {
    return static_cast<Stream*>(
        nghttp2_session_get_stream_user_data(session, id));
  }

  static ssize_t ReadRequest(nghttp2_session*, int32_t, uint8_t* buf,
                             size_t length, uint32_t* data_flags,
                             nghttp2_data_source* source, void*) {
    auto* s = static_cast<Stream*>(source->ptr);
    const size_t total = kFrameHeader + s->call.request.size();
    size_t n = 0;
    while (n < length && s->sent < kFrameHeader)
      buf[n++] = s->prefix[s->sent++];
    const size_t chunk = std::min(length - n, total - s->sent);
    if (chunk > 0) {
      std::memcpy(buf + n, s->call.request.data() + (s->sent - kFrameHeader),
                  chunk);
      n += chunk;
      s->sent += chunk;
    }
    if (s->sent == total) *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }

  static int OnHeader(nghttp2_session* session, const nghttp2_frame* frame,
                      const uint8_t* name, size_t name_len,
                      const uint8_t* value, size_t value_len, uint8_t, void*) {
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    Stream* s = StreamOf(session, frame->hd.stream_id);
    if (s == nullptr) return 0;
    s->answered = true;
    const absl::string_view n(reinterpret_cast<const char*>(name), name_len);
    const absl::string_view v(reinterpret_cast<const char*>(value), value_len);
    if (n == ":status") {
      if (!absl::SimpleAtoi(v, &s->http_status)) s->http_status = 0;
    } else if (n == "grpc-status") {
      if (!absl::SimpleAtoi(v, &s->grpc_status) || s->grpc_status < 0 ||
          s->grpc_status > 16) {
        s->grpc_status = static_cast<int>(grpc::StatusCode::UNKNOWN);
      }
    } else if (n == "grpc-message") {
      s->grpc_message = std::string(v);
    } else if (n == "grpc-status-details-bin") {
      s->details = std::string(v);
    }
    return 0;
  }

  static int OnData(nghttp2_session* session, uint8_t, int32_t id,
                    const uint8_t* data, size_t len, void* user) {
    auto* conn = static_cast<H2Connection*>(user);
    Stream* s = StreamOf(session, id);
    if (s == nullptr || s->finished) return 0;
    if (s->response.size() + len >
        conn->options_.max_response_bytes + kFrameHeader) {
      conn->Finish(*s,
                   grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                "backend response larger than the limit"),
                   "");
      nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
      return 0;
    }
    s->response.append(reinterpret_cast<const char*>(data), len);
    return 0;
  }

  static int OnStreamClose(nghttp2_session*, int32_t id, uint32_t error_code,
                           void* user) {
    static_cast<H2Connection*>(user)->OnStreamClosed(id, error_code);
    return 0;
  }

  static nghttp2_session_callbacks* Get() {
    static nghttp2_session_callbacks* const callbacks = [] {
      nghttp2_session_callbacks* cb = nullptr;
      nghttp2_session_callbacks_new(&cb);
      nghttp2_session_callbacks_set_on_header_callback(cb, &OnHeader);
      nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, &OnData);
      nghttp2_session_callbacks_set_on_stream_close_callback(cb,
                                                             &OnStreamClose);
      return cb;
    }();
    return callbacks;
  }
};

std::shared_ptr<H2Connection> H2Connection::Open(
    net::io_context& io, const H2Target& target,
    const H2ConnectionOptions& options, Resubmit resubmit) {
  std::shared_ptr<H2Connection> conn(
      new H2Connection(io, target, options, std::move(resubmit)));
  conn->Connect();
  return conn;
}

H2Connection::H2Connection(net::io_context& io, const H2Target& target,
                           const H2ConnectionOptions& options,
                           Resubmit resubmit)
    : io_(io),
      target_(target),
      options_(options),
      resubmit_(std::move(resubmit)),
      socket_(io),
      resolver_(io),
      in_(kReadChunk, '\0') {
  // Closed streams are not kept for the priority tree: the edge sends no
  // priorities, and keeping them was a visible share of each call.
  nghttp2_option* option = nullptr;
  nghttp2_option_new(&option);
  nghttp2_option_set_no_closed_streams(option, 1);
  nghttp2_session_client_new2(&session_, Callbacks::Get(), this, option);
  nghttp2_option_del(option);
  // No server push; windows large enough that a response of the size
  // limit never waits for a WINDOW_UPDATE round trip.
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 8 << 20},
  };
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings,
                          sizeof(settings) / sizeof(settings[0]));
  nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0,
                                        64 << 20);
}

H2Connection::~H2Connection() {
  Close();
  nghttp2_session_del(session_);
}

bool H2Connection::accepting() const {
  return !closed_ && nghttp2_session_check_request_allowed(session_) != 0;
}

void H2Connection::Connect() {
  auto self = shared_from_this();
  auto on_connect = [self](const boost::system::error_code& ec) {
    if (ec) {
      self->connect_failed_at_ = absl::Now();
      return self->Fail(
          absl::StrCat("cannot connect to backend: ", ec.message()));
    }
    self->OnConnected();
  };
  boost::system::error_code ec;
  const net::ip::address address = net::ip::make_address(target_.host, ec);
  if (!ec) {
    int port = 0;
    (void)absl::SimpleAtoi(target_.port, &port);
    socket_.async_connect(tcp::endpoint(address, static_cast<uint16_t>(port)),
                          on_connect);
    return;
  }
  resolver_.async_resolve(
      target_.host, target_.port,
      [self, on_connect](const boost::system::error_code& ec,
                         tcp::resolver::results_type results) {
        if (ec) return on_connect(ec);
        net::async_connect(
            self->socket_, results,
            [on_connect](const boost::system::error_code& ec,
                         const tcp::endpoint&) { on_connect(ec); });
      });
}

void H2Connection::OnConnected() {
  if (closed_) return;
  boost::system::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  connected_ = true;
  Read();
  Flush();
}

void H2Connection::Call(UnaryCall call, UnaryDone done, int attempt) {
  const absl::Time now = absl::Now();
  if (call.deadline <= now) {
    return done(
        grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded"),
        "");
  }
  if (closed_) {
    return done(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                             "backend connection closed"),
                "");
  }
  auto stream = std::make_unique<Stream>();
  Stream& s = *stream;
  s.call = std::move(call);
  s.done = std::move(done);
  s.attempt = attempt;
  const uint32_t size = static_cast<uint32_t>(s.call.request.size());
  s.prefix[0] = 0;  // not compressed
  s.prefix[1] = static_cast<char>(size >> 24);
  s.prefix[2] = static_cast<char>(size >> 16);
  s.prefix[3] = static_cast<char>(size >> 8);
  s.prefix[4] = static_cast<char>(size);

  std::string timeout;
  if (s.call.deadline != absl::InfiniteFuture()) {
    timeout = EncodeGrpcTimeout(s.call.deadline - now);
  }
  std::vector<nghttp2_nv> headers;
  headers.reserve(8 + s.call.metadata.size());
  auto add = [&headers](absl::string_view name, absl::string_view value) {
    // Values new on every call are not put in the HPACK table: they would
    // only push out the ones that repeat (the path, the caller's token).
    const bool once = name == "x-request-id" || name == "traceparent" ||
                      name == "grpc-timeout";
    headers.push_back(
        {const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(name.data())),
         const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(value.data())),
         name.size(), value.size(),
         static_cast<uint8_t>(once ? NGHTTP2_NV_FLAG_NO_INDEX
                                   : NGHTTP2_NV_FLAG_NONE)});
  };
  add(":method", "POST");
  add(":scheme", "http");
  add(":path", s.call.method);
  add(":authority", target_.authority);
  add("te", "trailers");
  add("content-type", "application/grpc");
  add("user-agent", "fineprint-edge");
  if (!timeout.empty()) add("grpc-timeout", timeout);
  for (const auto& [name, value] : s.call.metadata) add(name, value);

  nghttp2_data_provider body;
  body.source.ptr = &s;
  body.read_callback = &Callbacks::ReadRequest;
  const int32_t id = nghttp2_submit_request(session_, nullptr, headers.data(),
                                            headers.size(), &body, &s);
  if (id < 0) {
    UnaryDone d = std::move(s.done);
    return d(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          absl::StrCat("cannot start backend call: ",
                                       nghttp2_strerror(id))),
             "");
  }
  ++open_calls_;
  streams_.emplace(id, std::move(stream));
  Flush();
}

void H2Connection::Finish(Stream& s, const grpc::Status& status,
                          std::string response) {
  if (s.finished) return;
  s.finished = true;
  --open_calls_;
  UnaryDone done = std::move(s.done);
  done(status, std::move(response));
}

void H2Connection::OnStreamClosed(int32_t id, uint32_t error_code) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  std::unique_ptr<Stream> s = std::move(it->second);
  streams_.erase(it);
  if (s->finished) return;
  // Refused unprocessed (GOAWAY, or a stream limit): safe to send again.
  if (error_code == NGHTTP2_REFUSED_STREAM && !s->answered && s->attempt == 0 &&
      resubmit_) {
    s->finished = true;
    --open_calls_;
    return resubmit_(std::move(s->call), std::move(s->done), 1);
  }
  if (s->grpc_status < 0) {
    if (error_code != NGHTTP2_NO_ERROR) {
      return Finish(
          *s,
          grpc::Status(CodeForReset(error_code),
                       absl::StrCat("backend reset the stream: ",
                                    nghttp2_http2_strerror(error_code))),
          "");
    }
    if (s->http_status != 200) {
      return Finish(
          *s,
          grpc::Status(CodeForHttpStatus(s->http_status),
                       absl::StrCat("backend answered HTTP ", s->http_status)),
          "");
    }
    return Finish(*s,
                  grpc::Status(grpc::StatusCode::INTERNAL,
                               "backend answered without grpc-status"),
                  "");
  }
  if (s->grpc_status != 0) {
    std::string details;
    if (!s->details.empty() && !absl::Base64Unescape(s->details, &details)) {
      details.clear();
    }
    return Finish(*s,
                  grpc::Status(static_cast<grpc::StatusCode>(s->grpc_status),
                               DecodeGrpcMessage(s->grpc_message), details),
                  "");
  }
  const std::string& r = s->response;
  if (r.size() < kFrameHeader) {
    return Finish(*s,
                  grpc::Status(grpc::StatusCode::INTERNAL,
                               "backend sent no response message"),
                  "");
  }
  if (r[0] != 0) {
    return Finish(*s,
                  grpc::Status(grpc::StatusCode::INTERNAL,
                               "backend sent a compressed message unasked"),
                  "");
  }
  const auto byte = [&r](size_t i) {
    return static_cast<uint32_t>(static_cast<uint8_t>(r[i]));
  };
  const uint32_t size =
      (byte(1) << 24) | (byte(2) << 16) | (byte(3) << 8) | byte(4);
  if (r.size() != kFrameHeader + size) {
    return Finish(*s,
                  grpc::Status(grpc::StatusCode::INTERNAL,
                               "backend sent other than one response message"),
                  "");
  }
  std::string message = std::move(s->response);
  message.erase(0, kFrameHeader);
  Finish(*s, grpc::Status::OK, std::move(message));
}

absl::Time H2Connection::ExpireCalls(absl::Time now) {
  absl::Time next = absl::InfiniteFuture();
  std::vector<int32_t> expired;
  for (const auto& [id, s] : streams_) {
    if (s->finished) continue;
    if (s->call.deadline <= now) {
      expired.push_back(id);
    } else {
      next = std::min(next, s->call.deadline);
    }
  }
  for (int32_t id : expired) {
    auto it = streams_.find(id);
    if (it == streams_.end()) continue;
    Finish(
        *it->second,
        grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded"),
        "");
    if (!closed_) {
      nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, id,
                                NGHTTP2_CANCEL);
    }
  }
  if (!expired.empty()) Flush();
  return next;
}

void H2Connection::Read() {
  socket_.async_read_some(
      net::buffer(in_.data(), in_.size()),
      [self = shared_from_this()](const boost::system::error_code& ec,
                                  size_t n) {
        if (self->closed_) return;
        if (ec) {
          return self->Fail(
              ec == net::error::eof
                  ? "backend closed the connection"
                  : absl::StrCat("backend connection: ", ec.message()));
        }
        self->in_nghttp2_ = true;
        const ssize_t rv = nghttp2_session_mem_recv(
            self->session_, reinterpret_cast<const uint8_t*>(self->in_.data()),
            n);
        self->in_nghttp2_ = false;
        if (rv < 0) {
          return self->Fail(absl::StrCat(
              "backend HTTP/2: ", nghttp2_strerror(static_cast<int>(rv))));
        }
        if (self->closed_) return;
        self->Flush();
        if (!self->closed_) self->Read();
      });
}

void H2Connection::Flush() {
  if (!connected_ || closed_ || writing_ || in_nghttp2_) return;
  out_.clear();
  in_nghttp2_ = true;
  ssize_t error = 0;
  while (out_.size() < kWriteBatch) {
    const uint8_t* data = nullptr;
    const ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n < 0) {
      error = n;
      break;
    }
    if (n == 0) break;
    out_.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
  }
  in_nghttp2_ = false;
  if (error < 0) {
    return Fail(absl::StrCat("backend HTTP/2: ",
                             nghttp2_strerror(static_cast<int>(error))));
  }
  if (out_.empty()) {
    // After a GOAWAY, once the last stream is done.
    if (!nghttp2_session_want_read(session_) &&
        !nghttp2_session_want_write(session_)) {
      Close();
    }
    return;
  }
  writing_ = true;
  net::async_write(
      socket_, net::buffer(out_),
      [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
        self->writing_ = false;
        if (self->closed_) return;
        if (ec) {
          return self->Fail(absl::StrCat("backend connection: ", ec.message()));
        }
        self->Flush();
      });
}

void H2Connection::Fail(absl::string_view why) {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  socket_.close(ignored);
  resolver_.cancel();
  // Without details, so the edge answers "backend unavailable" and names
  // no internal address.
  const grpc::Status status(grpc::StatusCode::UNAVAILABLE, std::string(why));
  auto streams = std::move(streams_);
  streams_.clear();
  for (auto& [id, s] : streams) Finish(*s, status, "");
}

void H2Connection::Close() { Fail("backend connection closed"); }

}  // namespace fineprint::gateway::upstream
