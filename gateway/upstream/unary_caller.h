#ifndef FINEPRINT_GATEWAY_UPSTREAM_UNARY_CALLER_H_
#define FINEPRINT_GATEWAY_UPSTREAM_UNARY_CALLER_H_

// How the edge makes a unary gRPC call to a backend, whatever carries it:
// gRPC's own channel (GrpcUnaryCaller) or the edge's HTTP/2 client on the
// HTTP server's I/O threads (H2UnaryCaller).

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/support/status.h"

namespace fineprint::gateway::upstream {

struct UnaryCall {
  std::string method;  // "/fineprint.identity.v1.IdentityService/GetUser"
  // Lower-case ASCII names, printable values (no -bin metadata).
  std::vector<std::pair<std::string, std::string>> metadata;
  absl::Time deadline = absl::InfiniteFuture();
  std::string request;  // the serialized request message
};

// The call's status (with its google.rpc.Status details, if any) and, when
// it is OK, the serialized response message.
using UnaryDone = std::function<void(const grpc::Status&, std::string)>;

class UnaryCaller {
 public:
  virtual ~UnaryCaller() = default;
  // `done` runs exactly once, on a thread the implementation chooses, and
  // possibly before Call returns.
  virtual void Call(UnaryCall call, UnaryDone done) = 0;
};

}  // namespace fineprint::gateway::upstream

#endif  // FINEPRINT_GATEWAY_UPSTREAM_UNARY_CALLER_H_
