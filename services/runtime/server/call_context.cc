#include "services/runtime/server/call_context.h"

#include "services/runtime/status/status.h"

namespace fineprint::server {
namespace {
thread_local const CallContext* tls_call = nullptr;
}  // namespace

const CallContext* CurrentCall() { return tls_call; }

absl::StatusOr<auth::Principal> RequireCaller() {
  if (tls_call == nullptr || !tls_call->principal.has_value()) {
    return status::WithReason(
        absl::UnauthenticatedError("credentials required"),
        "CREDENTIALS_MISSING");
  }
  return *tls_call->principal;
}

std::unique_ptr<grpc::ClientContext> DownstreamContext() {
  std::unique_ptr<grpc::ClientContext> ctx;
  const CallContext* call = tls_call;
  if (call != nullptr && call->server_context != nullptr) {
    ctx = grpc::ClientContext::FromServerContext(*call->server_context);
    ctx->AddMetadata("x-request-id", call->request_id);
    ctx->AddMetadata("traceparent", call->traceparent);
  } else {
    ctx = std::make_unique<grpc::ClientContext>();
  }
  return ctx;
}

ScopedCallContext::ScopedCallContext(CallContext* context)
    : previous_(tls_call) {
  tls_call = context;
}

ScopedCallContext::~ScopedCallContext() { tls_call = previous_; }

}  // namespace fineprint::server
