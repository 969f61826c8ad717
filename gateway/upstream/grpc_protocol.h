#ifndef FINEPRINT_GATEWAY_UPSTREAM_GRPC_PROTOCOL_H_
#define FINEPRINT_GATEWAY_UPSTREAM_GRPC_PROTOCOL_H_

// The parts of gRPC over HTTP/2 (doc/PROTOCOL-HTTP2.md and
// doc/http-grpc-status-mapping.md in grpc/grpc) that the edge's HTTP/2
// client needs beyond framing.

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/support/status.h"

namespace fineprint::gateway::upstream {

// The `grpc-timeout` value for `left`: at most 8 digits and a unit, rounded
// up so the server's deadline is never earlier than the caller's.
std::string EncodeGrpcTimeout(absl::Duration left);

// `grpc-message` is percent-encoded (bytes outside 0x20-0x7E, and '%');
// a malformed escape is kept as it is.
std::string DecodeGrpcMessage(absl::string_view value);

// The code of an answer without grpc-status, from its HTTP status.
grpc::StatusCode CodeForHttpStatus(int http_status);

// The code of a stream reset before grpc-status, from its HTTP/2 error code.
grpc::StatusCode CodeForReset(uint32_t http2_error_code);

}  // namespace fineprint::gateway::upstream

#endif  // FINEPRINT_GATEWAY_UPSTREAM_GRPC_PROTOCOL_H_
