#ifndef FINEPRINT_GATEWAY_SERVER_EDGE_CALL_H_
#define FINEPRINT_GATEWAY_SERVER_EDGE_CALL_H_

// Per-request state shared by the unary and streaming paths of
// EdgeHandler (internal to edge_handler*.cc).

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "gateway/server/edge_handler.h"
#include "gateway/server/forwarding.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/byte_buffer.h"

namespace fineprint::gateway::server {

// Decrements the in-flight count when a backend callback returns, after
// the response has been handed to the transport.
class EdgeHandler::InFlightDone {
 public:
  explicit InFlightDone(EdgeHandler* h) : h_(h) {}
  ~InFlightDone() {
    absl::MutexLock lock(&h_->mu_);
    --h_->in_flight_;
  }

 private:
  EdgeHandler* h_;
};

struct EdgeHandler::Call {
  std::shared_ptr<const api::ApiConfig> config;  // keeps descriptors alive
  const api::MethodInfo* info = nullptr;
  const routing::Route* route = nullptr;
  std::function<void(HttpResponse)> done;
  StreamOpener open_stream;
  bool sse = false;   // Accept: text/event-stream
  bool head = false;  // HEAD: answered like GET, the transport drops the body
  // The request carried credentials (valid or not): its answer is private,
  // and a 401 says the token was rejected rather than missing.
  bool credentials_presented = false;
  bool credentials_malformed = false;
  absl::Time start;
  CallIds ids;
  std::string http_method;
  std::string path;
  std::string remote;
  size_t bytes_in = 0;
  int grpc_code = -1;
  std::optional<ratelimit::Decision> rate;
  std::string cors_origin;  // echoed in Access-Control-Allow-Origin
  std::optional<grpc::ClientContext> context;  // streams only
  std::string response;  // a unary call's serialized answer
};

}  // namespace fineprint::gateway::server

#endif  // FINEPRINT_GATEWAY_SERVER_EDGE_CALL_H_
