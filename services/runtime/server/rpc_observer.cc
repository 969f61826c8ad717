#include "services/runtime/server/rpc_observer.h"

#include <string>

#include "absl/time/clock.h"
#include "services/runtime/log/log.h"

namespace fineprint::server {
namespace {

using grpc::experimental::InterceptionHookPoints;

const char* CodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  const int i = static_cast<int>(code);
  return i >= 0 && i <= 16 ? kNames[i] : "UNKNOWN";
}

// Codes that mean the server, not the request, went wrong.
bool IsServerFault(grpc::StatusCode code) {
  return code == grpc::StatusCode::UNKNOWN ||
         code == grpc::StatusCode::INTERNAL ||
         code == grpc::StatusCode::DATA_LOSS ||
         code == grpc::StatusCode::UNIMPLEMENTED;
}

class RpcObserver : public grpc::experimental::Interceptor {
 public:
  RpcObserver(grpc::experimental::ServerRpcInfo* info,
              metrics::Registry* registry, AccessLogOptions access_log)
      : method_(info->method()),
        registry_(registry),
        access_log_(access_log),
        start_(absl::Now()) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      // The call guard stamps the (possibly generated) request id here.
      auto* md = methods->GetSendInitialMetadata();
      if (auto it = md->find("x-request-id"); it != md->end()) {
        request_id_ = it->second;
      }
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      Record(methods->GetSendStatus());
    }
    methods->Proceed();
  }

 private:
  void Record(const grpc::Status& status) {
    const absl::Duration elapsed = absl::Now() - start_;
    const char* code = CodeName(status.error_code());
    registry_
        ->GetCounter("grpc_server_handled_total", "RPCs completed, by status",
                     {{"grpc_method", method_}, {"grpc_code", code}})
        .Increment();
    registry_
        ->GetHistogram("grpc_server_handling_seconds", "RPC latency",
                       {{"grpc_method", method_}})
        .Observe(absl::ToDoubleSeconds(elapsed));
    const log::Outcome outcome = status.ok() ? log::Outcome::kOk
                                 : IsServerFault(status.error_code())
                                     ? log::Outcome::kServerFault
                                     : log::Outcome::kClientError;
    std::optional<log::Level> level =
        log::AccessLogLevel(access_log_, outcome, elapsed);
    if (!level.has_value()) return;
    log::Log(*level, "rpc",
             {{"grpc_method", method_},
              {"grpc_code", code},
              {"latency_ms", elapsed},
              {"request_id", request_id_}});
  }

  const std::string method_;
  metrics::Registry* const registry_;
  const AccessLogOptions access_log_;
  const absl::Time start_;
  std::string request_id_;
};

}  // namespace

grpc::experimental::Interceptor* RpcObserverFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new RpcObserver(info, registry_, access_log_);
}

}  // namespace fineprint::server
