// Server-streaming methods over HTTP: each backend message becomes one
// NDJSON line (or one SSE `data:` event). The next message is read only
// after the previous one reached the socket, so a slow client slows the
// backend instead of growing buffers. An error after the first message (or
// after the first heartbeat) is reported in-band (`{"error":{...}}` /
// `event: error`); a client that hangs up cancels the backend call.
//
// Streams are long-lived: their deadline is StreamOptions::max_duration
// (none by default), not the unary timeout, and an idle SSE stream gets a
// `: heartbeat` comment every StreamOptions::heartbeat. One process-wide
// ticker thread serves every stream's heartbeat, so an idle stream costs
// no thread and no timer of its own.

#include "gateway/server/edge_stream.h"

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gateway/server/edge_call.h"
#include "gateway/server/edge_handler.h"
#include "gateway/upstream/grpc_unary_caller.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/client_callback.h"

namespace fineprint::gateway::server {

// Calls Beat() on each registered stream when it is due. Beat runs under
// the ticker's lock, so a stream that unregisters (in OnDone, before it
// deletes itself) is never beaten afterwards.
template <typename T>
class HeartbeatTicker {
 public:
  static HeartbeatTicker& Get() {
    // Leaked: streams of any EdgeHandler may use it until the process ends.
    static HeartbeatTicker* ticker = new HeartbeatTicker();
    return *ticker;
  }

  void Add(T* stream, absl::Time due) {
    absl::MutexLock lock(&mu_);
    due_[stream] = due;
    changed_ = true;
    if (!started_) {
      started_ = true;
      std::thread([this] { Loop(); }).detach();
    }
  }

  void Remove(T* stream) {
    absl::MutexLock lock(&mu_);
    due_.erase(stream);
  }

 private:
  void Loop() {
    absl::MutexLock lock(&mu_);
    for (;;) {
      absl::Time next = absl::InfiniteFuture();
      for (const auto& [stream, due] : due_) next = std::min(next, due);
      changed_ = false;
      mu_.AwaitWithDeadline(absl::Condition(&changed_), next);
      const absl::Time now = absl::Now();
      for (auto& [stream, due] : due_) {
        if (due <= now) due = stream->Beat(now);
      }
    }
  }

  absl::Mutex mu_;
  absl::flat_hash_map<T*, absl::Time> due_ ABSL_GUARDED_BY(mu_);
  bool changed_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
};

class EdgeHandler::StreamCall
    : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  StreamCall(EdgeHandler* edge, std::shared_ptr<Call> call, std::string request)
      : edge_(edge),
        call_(std::move(call)),
        wire_(std::move(request)),
        heartbeat_(call_->sse ? edge->options_.stream.heartbeat
                              : absl::ZeroDuration()) {}

  void Start(grpc::GenericStub* stub) {
    // Streams get their own bound instead of the unary timeout.
    const absl::Duration bound = edge_->options_.stream.max_duration;
    call_->context->set_deadline(
        bound > absl::ZeroDuration()
            ? std::chrono::system_clock::now() +
                  absl::ToChronoMicroseconds(bound)
            : std::chrono::system_clock::time_point::max());
    // Registered before anything is written, so a stream whose backend
    // stays silent is still cancelled when the edge shuts its sessions.
    stream_ = call_->open_stream();
    std::weak_ptr<Call> weak = call_;
    stream_->OnClientGone([weak] {
      if (auto call = weak.lock()) call->context->TryCancel();
    });
    {
      absl::MutexLock lock(&mu_);
      last_write_ = absl::Now();
    }
    grpc::Slice slice(wire_);
    request_ = grpc::ByteBuffer(&slice, 1);
    stub->PrepareBidiStreamingCall(&*call_->context, call_->info->grpc_path,
                                   grpc::StubOptions(), this);
    StartWriteLast(&request_, grpc::WriteOptions());
    StartRead(&response_);
    if (heartbeat_ > absl::ZeroDuration()) {
      HeartbeatTicker<StreamCall>::Get().Add(this, absl::Now() + heartbeat_);
    }
    StartCall();
  }

  // From the ticker: a comment line when nothing was written for a whole
  // interval (a message write in flight counts as activity). Returns when
  // to look again.
  absl::Time Beat(absl::Time now) {
    absl::MutexLock lock(&mu_);
    if (finished_) return absl::InfiniteFuture();
    if (writing_ || now - last_write_ < heartbeat_) {
      return std::max(now, last_write_) + heartbeat_;
    }
    BeginLocked();
    static constexpr absl::string_view kComment = ": heartbeat\n\n";
    bytes_out_ += kComment.size();
    stream_->Write(std::string(kComment), nullptr);
    last_write_ = now;
    return now + heartbeat_;
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // end of stream; OnDone follows
    const api::ApiConfig& cfg = *call_->config;
    std::unique_ptr<google::protobuf::Message> msg(
        cfg.factory().GetPrototype(call_->info->method->output_type())->New());
    absl::StatusOr<std::string> json =
        msg->ParseFromString(upstream::FlattenByteBuffer(response_))
            ? transcode::TranscodeResponse(
                  *msg, call_->route->target.response_body,
                  edge_->options_.response, &cfg.type_resolver())
            : absl::InternalError("malformed backend message");
    if (!json.ok()) {
      in_band_error_ = json.status();
      call_->context->TryCancel();
      return;
    }
    std::string chunk = call_->sse
                            ? absl::StrCat(SseId(*msg), "data: ", *json, "\n\n")
                            : absl::StrCat(*json, "\n");
    // Hold OnDone back until the chunk is on the wire (or failed).
    AddHold();
    absl::MutexLock lock(&mu_);
    BeginLocked();
    bytes_out_ += chunk.size();
    ++messages_;
    writing_ = true;
    stream_->Write(std::move(chunk), [this](bool sent) {
      {
        absl::MutexLock lock(&mu_);
        writing_ = false;
        last_write_ = absl::Now();
      }
      if (sent) {
        StartRead(&response_);
      } else {
        call_->context->TryCancel();
      }
      RemoveHold();
    });
  }

  void OnDone(const grpc::Status& status) override {
    // Runs after `delete this` below: the ClientContext must be gone before
    // ~EdgeHandler may return and the channel be destroyed.
    InFlightDone done(edge_);
    if (heartbeat_ > absl::ZeroDuration()) {
      HeartbeatTicker<StreamCall>::Get().Remove(this);
    }
    bool begun;
    {
      absl::MutexLock lock(&mu_);
      finished_ = true;
      begun = begun_;
    }
    call_->grpc_code = static_cast<int>(status.error_code());
    const api::ApiConfig& cfg = *call_->config;
    if (!begun) {
      // Nothing streamed yet: answer like a unary call.
      HttpResponse r;
      if (status.ok()) {
        r.status = 200;
        r.SetHeader("content-type", ContentType());
      } else {
        r.status = transcode::HttpStatusFromGrpcCode(status.error_code());
        r.body = transcode::ErrorBodyJson(
            status.error_code(), status.error_message(), status.error_details(),
            &cfg.type_resolver());
        r.SetHeader("content-type", "application/json");
      }
      edge_->Finish(call_, std::move(r));
    } else {
      if (!status.ok() || !in_band_error_.ok()) {
        std::string error =
            in_band_error_.ok()
                ? transcode::ErrorBodyJson(
                      status.error_code(), status.error_message(),
                      status.error_details(), &cfg.type_resolver())
                : transcode::ErrorBodyJson(
                      static_cast<int>(in_band_error_.code()),
                      in_band_error_.message(), "", nullptr);
        std::string chunk =
            call_->sse ? absl::StrCat("event: error\ndata: ", error, "\n\n")
                       : absl::StrCat("{\"error\":", error, "}\n");
        bytes_out_ += chunk.size();
        stream_->Write(std::move(chunk), nullptr);
      }
      stream_->End();
      edge_->Record(*call_, 200, bytes_out_);
    }
    delete this;
  }

 private:
  const char* ContentType() const {
    return call_->sse ? "text/event-stream" : "application/x-ndjson";
  }

  // "id: <event_id>\n" when the message has a non-empty string field
  // `event_id` (a resume token, e.g. StreamNotificationsResponse's): the
  // browser sends it back as Last-Event-ID when it reconnects, which the
  // backend reads from the forwarded `last-event-id` metadata.
  static std::string SseId(const google::protobuf::Message& msg) {
    const google::protobuf::FieldDescriptor* field =
        msg.GetDescriptor()->FindFieldByName("event_id");
    if (field == nullptr || field->is_repeated() ||
        field->cpp_type() !=
            google::protobuf::FieldDescriptor::CPPTYPE_STRING) {
      return "";
    }
    const std::string id = msg.GetReflection()->GetString(msg, field);
    if (id.empty() || id.find_first_of("\r\n") != std::string::npos) return "";
    return absl::StrCat("id: ", id, "\n");
  }

  // Sends the response head once, before the first message or heartbeat.
  void BeginLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (begun_) return;
    begun_ = true;
    HttpResponse head;
    head.SetHeader("content-type", ContentType());
    head.SetHeader("cache-control", "no-cache");
    edge_->Decorate(*call_, head);
    stream_->Begin(200, head.headers);
  }

  EdgeHandler* edge_;
  std::shared_ptr<Call> call_;
  std::string wire_;
  const absl::Duration heartbeat_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  std::shared_ptr<ResponseStream> stream_;
  absl::Status in_band_error_;
  // The ticker and the gRPC and I/O threads all write to the stream; the
  // order of their Write calls is the order on the wire.
  absl::Mutex mu_;
  bool begun_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time last_write_ ABSL_GUARDED_BY(mu_);
  size_t bytes_out_ = 0;  // under mu_ until OnDone, which has it alone
  int messages_ = 0;
};

void EdgeHandler::StartStream(const std::shared_ptr<Call>& call,
                              grpc::GenericStub* stub, std::string request) {
  // Deleted by itself in OnDone.
  auto* reactor = new StreamCall(this, call, std::move(request));
  reactor->Start(stub);
}

}  // namespace fineprint::gateway::server
