#ifndef FINEPRINT_SERVICES_RUNTIME_SERVER_RPC_OBSERVER_H_
#define FINEPRINT_SERVICES_RUNTIME_SERVER_RPC_OBSERVER_H_

// Rate, errors and duration per RPC (Prometheus) and one JSON access-log
// line per call. An interceptor, because only interceptors see the final
// status of every call, including ones refused by the call guard.

#include "grpcpp/support/server_interceptor.h"
#include "services/runtime/log/access_log.h"
#include "services/runtime/metrics/metrics.h"

namespace fineprint::server {

using log::AccessLogOptions;

class RpcObserverFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit RpcObserverFactory(metrics::Registry* registry,
                              AccessLogOptions access_log = {})
      : registry_(registry), access_log_(access_log) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  metrics::Registry* registry_;
  AccessLogOptions access_log_;
};

}  // namespace fineprint::server

#endif  // FINEPRINT_SERVICES_RUNTIME_SERVER_RPC_OBSERVER_H_
