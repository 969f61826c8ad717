// Server-streaming methods over HTTP: each backend message becomes one
// NDJSON line (or one SSE `data:` event). The next message is read only
// after the previous one reached the socket, so a slow client slows the
// backend instead of growing buffers. An error after the first message is
// reported in-band (`{"error":{...}}` / `event: error`); a client that hangs
// up cancels the backend call.

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/server/edge_call.h"
#include "gateway/server/edge_handler.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/client_callback.h"

namespace fineprint::gateway::server {

class EdgeHandler::StreamCall
    : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  StreamCall(EdgeHandler* edge, std::shared_ptr<Call> call, std::string request)
      : edge_(edge), call_(std::move(call)), wire_(std::move(request)) {}

  void Start(grpc::GenericStub* stub) {
    grpc::Slice slice(wire_);
    request_ = grpc::ByteBuffer(&slice, 1);
    stub->PrepareBidiStreamingCall(&call_->context, call_->info->grpc_path,
                                   grpc::StubOptions(), this);
    StartWriteLast(&request_, grpc::WriteOptions());
    StartRead(&response_);
    StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // end of stream; OnDone follows
    const api::ApiConfig& cfg = *call_->config;
    std::unique_ptr<google::protobuf::Message> msg(
        cfg.factory().GetPrototype(call_->info->method->output_type())->New());
    absl::StatusOr<std::string> json =
        msg->ParseFromString(BufferToString(response_))
            ? transcode::TranscodeResponse(
                  *msg, call_->route->target.response_body,
                  edge_->options_.response, &cfg.type_resolver())
            : absl::InternalError("malformed backend message");
    if (!json.ok()) {
      in_band_error_ = json.status();
      call_->context.TryCancel();
      return;
    }
    EnsureStream();
    std::string chunk = call_->sse
                            ? absl::StrCat(SseId(*msg), "data: ", *json, "\n\n")
                            : absl::StrCat(*json, "\n");
    bytes_out_ += chunk.size();
    ++messages_;
    // Hold OnDone back until the chunk is on the wire (or failed).
    AddHold();
    stream_->Write(std::move(chunk), [this](bool sent) {
      if (sent) {
        StartRead(&response_);
      } else {
        call_->context.TryCancel();
      }
      RemoveHold();
    });
  }

  void OnDone(const grpc::Status& status) override {
    // Runs after `delete this` below: the ClientContext must be gone before
    // ~EdgeHandler may return and the channel be destroyed.
    InFlightDone done(edge_);
    call_->grpc_code = static_cast<int>(status.error_code());
    const api::ApiConfig& cfg = *call_->config;
    if (stream_ == nullptr) {
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

  void EnsureStream() {
    if (stream_ != nullptr) return;
    stream_ = call_->open_stream();
    HttpResponse head;
    head.SetHeader("content-type", ContentType());
    head.SetHeader("cache-control", "no-cache");
    edge_->Decorate(*call_, head);
    stream_->Begin(200, head.headers);
    std::weak_ptr<Call> weak = call_;
    stream_->OnClientGone([weak] {
      if (auto call = weak.lock()) call->context.TryCancel();
    });
  }

  EdgeHandler* edge_;
  std::shared_ptr<Call> call_;
  std::string wire_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  std::shared_ptr<ResponseStream> stream_;
  absl::Status in_band_error_;
  size_t bytes_out_ = 0;
  int messages_ = 0;
};

void EdgeHandler::StartStream(const std::shared_ptr<Call>& call,
                              grpc::GenericStub* stub, std::string request) {
  // Deleted by itself in OnDone.
  auto* reactor = new StreamCall(this, call, std::move(request));
  reactor->Start(stub);
}

}  // namespace fineprint::gateway::server
