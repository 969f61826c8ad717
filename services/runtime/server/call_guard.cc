#include "services/runtime/server/call_guard.h"

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "google/protobuf/message_lite.h"
#include "grpcpp/impl/rpc_service_method.h"
#include "grpcpp/server_context.h"
#include "services/runtime/log/log.h"
#include "services/runtime/status/status.h"
#include "services/runtime/trace/trace.h"
#include "services/runtime/trace/trace_context.h"

namespace fineprint::server {
namespace {

using ::fineprint::api::v1::AuthRule;
using ::grpc::internal::MethodHandler;
using ::grpc::internal::RpcMethod;
using ::grpc::internal::RpcServiceMethod;

// grpc::Service exposes a method's handler only to subclasses. A
// pointer-to-member formed through a derived class reads it from any
// Service (the generated ones add methods in descriptor order).
struct ServiceAccess : grpc::Service {
  static MethodHandler* Handler(grpc::Service& s, int index) {
    return (s.*(&ServiceAccess::GetHandler))(index);
  }
};

// The service the server registers: same methods, guarded handlers.
class GuardedService : public grpc::Service {
 public:
  void Add(std::string wire_name, RpcMethod::RpcType type, MethodHandler* h) {
    names_.push_back(std::move(wire_name));
    AddMethod(new RpcServiceMethod(names_.back().c_str(), type, h));
  }

 private:
  // RpcMethod keeps the name by pointer; a deque never moves its elements.
  std::deque<std::string> names_;
};

std::optional<std::string> Metadata(const grpc::ServerContext& ctx,
                                    absl::string_view key) {
  const auto& md = ctx.client_metadata();
  auto it = md.find(grpc::string_ref(key.data(), key.size()));
  if (it == md.end()) return std::nullopt;
  return std::string(it->second.data(), it->second.size());
}

class GuardedHandler : public MethodHandler {
 public:
  GuardedHandler(MethodHandler* inner, AuthRule rule, std::string method,
                 auth::Authenticator* authenticator,
                 absl::Duration max_deadline)
      : inner_(inner),
        rule_(std::move(rule)),
        method_(std::move(method)),
        authenticator_(authenticator),
        max_deadline_(max_deadline) {}

  void* Deserialize(grpc_call* call, grpc_byte_buffer* req,
                    grpc::Status* status, void** handler_data) override {
    return inner_->Deserialize(call, req, status, handler_data);
  }

  void RunHandler(const HandlerParameter& param) override {
    auto* ctx = static_cast<grpc::ServerContext*>(param.server_context);
    CallContext call;
    call.method = method_;
    call.server_context = ctx;
    FillIds(*ctx, call);
    const absl::Time client_deadline = absl::FromChrono(ctx->deadline());
    call.deadline = std::min(client_deadline, absl::Now() + max_deadline_);
    ctx->AddInitialMetadata("x-request-id", call.request_id);

    log::ScopedContext log_scope(
        {call.request_id, call.trace_id, call.span_id, method_});
    absl::Status denied = absl::OkStatus();
    if (!param.status.ok()) {
      // The request did not deserialize (e.g. invalid UTF-8 in a string
      // field, which proto3 refuses): the client's fault, not INTERNAL.
      denied = status::InvalidArgument(
          "the request is not a valid message of this method",
          {{"request",
            "does not parse (e.g. invalid UTF-8 in a string field)"}},
          "MALFORMED_REQUEST");
    } else {
      auto lookup = [ctx](absl::string_view key) {
        return Metadata(*ctx, key);
      };
      auto principal =
          Authorize(rule_, auth::ExtractCredentials(lookup), *authenticator_);
      if (principal.ok()) {
        call.principal = *std::move(principal);
      } else {
        denied = principal.status();
      }
    }
    if (!denied.ok()) {
      // The request was deserialized into the call arena; it is a generated
      // message (MessageLite at offset 0), so its virtual destructor frees
      // what it owns before the handler answers with the error.
      if (param.request != nullptr) {
        static_cast<google::protobuf::MessageLite*>(param.request)
            ->~MessageLite();
      }
      HandlerParameter refused(param.call, param.server_context, nullptr,
                               status::ToGrpc(denied), param.internal_data,
                               param.call_requester);
      inner_->RunHandler(refused);
      return;
    }
    ScopedCallContext scope(&call);
    trace::ScopedTraceContext span(call.traceparent);
    inner_->RunHandler(param);
  }

 private:
  static void FillIds(const grpc::ServerContext& ctx, CallContext& call) {
    auto request_id = Metadata(ctx, "x-request-id");
    call.request_id =
        request_id.has_value() && trace::IsValidRequestId(*request_id)
            ? *request_id
            : trace::NewUuid();
    trace::TraceParent parent;
    auto header = Metadata(ctx, "traceparent");
    if (!header.has_value() || !trace::ParseTraceParent(*header, &parent)) {
      parent.trace_id = trace::RandomHex(16);
    }
    // This server's own span; the caller's span becomes our parent.
    parent.span_id = trace::RandomHex(8);
    call.trace_id = parent.trace_id;
    call.span_id = parent.span_id;
    call.traceparent = parent.ToString();
  }

  MethodHandler* const inner_;  // owned by the original service
  const AuthRule rule_;
  const std::string method_;
  auth::Authenticator* const authenticator_;
  const absl::Duration max_deadline_;
};

}  // namespace

absl::StatusOr<AuthRule> AuthRuleFor(
    const google::protobuf::MethodDescriptor& method) {
  if (!method.options().HasExtension(fineprint::api::v1::auth)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "method ", method.full_name(), " has no (fineprint.api.v1.auth) rule"));
  }
  return method.options().GetExtension(fineprint::api::v1::auth);
}

absl::StatusOr<std::optional<auth::Principal>> Authorize(
    const AuthRule& rule, const absl::StatusOr<auth::Credentials>& credentials,
    auth::Authenticator& authenticator) {
  if (rule.public_()) {
    // Public RPCs ignore credentials entirely: a stale token must not stop a
    // user from logging in again.
    return std::optional<auth::Principal>();
  }
  if (!credentials.ok()) return credentials.status();
  FP_ASSIGN_OR_RETURN(auth::Principal principal,
                      authenticator.Authenticate(*credentials));
  if (!rule.roles().empty() &&
      std::find(rule.roles().begin(), rule.roles().end(), principal.role) ==
          rule.roles().end()) {
    return RoleNotAllowed(principal.role);
  }
  return std::optional<auth::Principal>(std::move(principal));
}

absl::Status RoleNotAllowed(absl::string_view role) {
  return status::WithReason(absl::PermissionDeniedError(absl::StrCat(
                                "role ", role, " may not call this method")),
                            "ROLE_NOT_ALLOWED", {{"role", std::string(role)}});
}

absl::StatusOr<std::unique_ptr<grpc::Service>> GuardService(
    grpc::Service& service, absl::string_view service_name,
    auth::Authenticator* authenticator, absl::Duration max_deadline) {
  const auto* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          std::string(service_name));
  if (descriptor == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("no descriptor for service ", service_name));
  }
  auto guarded = std::make_unique<GuardedService>();
  for (int i = 0; i < descriptor->method_count(); ++i) {
    const google::protobuf::MethodDescriptor& method = *descriptor->method(i);
    FP_ASSIGN_OR_RETURN(AuthRule rule, AuthRuleFor(method));
    if (method.client_streaming()) {
      return absl::FailedPreconditionError(absl::StrCat(
          method.full_name(), ": client-streaming methods cannot be guarded"));
    }
    MethodHandler* handler = ServiceAccess::Handler(service, i);
    if (handler == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          method.full_name(), ": only sync-API methods can be guarded"));
    }
    std::string wire_name =
        absl::StrCat("/", descriptor->full_name(), "/", method.name());
    const RpcMethod::RpcType type = method.server_streaming()
                                        ? RpcMethod::SERVER_STREAMING
                                        : RpcMethod::NORMAL_RPC;
    auto* guard = new GuardedHandler(handler, std::move(rule), wire_name,
                                     authenticator, max_deadline);
    guarded->Add(std::move(wire_name), type, guard);
  }
  return std::unique_ptr<grpc::Service>(std::move(guarded));
}

}  // namespace fineprint::server
