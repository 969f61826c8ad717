#ifndef FINEPRINT_SERVICES_RUNTIME_SERVER_CALL_CONTEXT_H_
#define FINEPRINT_SERVICES_RUNTIME_SERVER_CALL_CONTEXT_H_

// What a handler knows about the call it serves: the authenticated caller,
// the deadline, and the ids that tie its logs, queries, events and
// downstream calls together. Installed by the call guard for the duration
// of a handler on the handler's thread (the sync gRPC API runs a handler on
// one thread), so domain code never parses metadata itself.

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/server_context.h"
#include "services/runtime/auth/principal.h"

namespace fineprint::server {

struct CallContext {
  std::string method;  // /package.Service/Method
  // Set when the caller authenticated (always, unless the RPC is public).
  std::optional<auth::Principal> principal;
  absl::Time deadline = absl::InfiniteFuture();
  std::string request_id;
  std::string trace_id;     // 32 hex digits (W3C trace context)
  std::string span_id;      // 16 hex digits, this server's span
  std::string traceparent;  // for downstream calls and outgoing events
  grpc::ServerContext* server_context = nullptr;
};

// The call being served on this thread, or nullptr outside a handler.
const CallContext* CurrentCall();

// The authenticated caller, or UNAUTHENTICATED (for handlers of RPCs that
// require one, the guard already made sure it is there).
absl::StatusOr<auth::Principal> RequireCaller();

// A client context for a downstream call made while serving this one: it
// inherits the deadline and cancellation, and carries request id and trace.
std::unique_ptr<grpc::ClientContext> DownstreamContext();

class ScopedCallContext {
 public:
  explicit ScopedCallContext(CallContext* context);
  ~ScopedCallContext();
  ScopedCallContext(const ScopedCallContext&) = delete;
  ScopedCallContext& operator=(const ScopedCallContext&) = delete;

 private:
  const CallContext* previous_;
};

}  // namespace fineprint::server

#endif  // FINEPRINT_SERVICES_RUNTIME_SERVER_CALL_CONTEXT_H_
