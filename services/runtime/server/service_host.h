#ifndef FINEPRINT_SERVICES_RUNTIME_SERVER_SERVICE_HOST_H_
#define FINEPRINT_SERVICES_RUNTIME_SERVER_SERVICE_HOST_H_

// Assembles a service binary from the shared runtime pieces: the gRPC
// server with the call guard and the RPC observer, grpc.health.v1, server
// reflection, and the admin port (/metrics, /healthz, /readyz). A service's
// main() only builds its domain objects and hands them to a ServiceHost.

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"
#include "services/runtime/admin/admin_server.h"
#include "services/runtime/auth/authenticator.h"
#include "services/runtime/server/rpc_observer.h"
#include "services/runtime/tls/tls_options.h"

namespace fineprint::server {

struct HostOptions {
  std::string service_name;
  std::string host = "0.0.0.0";
  int grpc_port = 0;   // 0 picks a free port; -1: no gRPC server (the edge)
  int admin_port = 0;  // 0 picks a free port; -1 disables the admin server
  // In-flight RPCs get this long to finish after SIGTERM.
  absl::Duration shutdown_grace = absl::Seconds(10);
  // Upper bound (and default) for every call's deadline.
  absl::Duration max_deadline = absl::Seconds(30);
  AccessLogOptions access_log;
  // How often readiness checks run to drive grpc.health.v1 statuses.
  absl::Duration readiness_interval = absl::Seconds(1);
  // This process's mesh identity: the gRPC server requires client
  // certificates (from tls.allowed_peers when set), and the kit's clients
  // (identity, the edge's backends) present the same certificate. Off:
  // plaintext.
  tls::TlsOptions tls;
};

// Reads --grpc_port, --admin_port, --listen_host, --shutdown_grace,
// --max_deadline, --access_log_sample_rate, --slow_rpc_threshold (or their
// FINEPRINT_* environment variables).
HostOptions HostOptionsFromFlags(std::string service_name);

// Parses flags and environment, names the service in logs, and blocks
// SIGTERM/SIGINT so that WaitForTermination() can receive them. Call first
// in main(), before any thread starts.
std::vector<char*> InitRuntime(int argc, char** argv,
                               const std::string& service_name);

// Blocks until SIGTERM or SIGINT (blocked by InitRuntime) arrives; runs
// `on_reload`, if any, for every SIGHUP meanwhile.
void WaitForTerminationSignal(const std::function<void()>& on_reload = nullptr);

class ServiceHost {
 public:
  explicit ServiceHost(HostOptions options);
  ~ServiceHost();
  ServiceHost(const ServiceHost&) = delete;
  ServiceHost& operator=(const ServiceHost&) = delete;

  // Every method of `service` is guarded by its contract's auth rule.
  // `authenticator` and `service` must outlive the host.
  // `service_name` is the proto full name (XService::service_full_name()).
  absl::Status AddService(grpc::Service* service,
                          absl::string_view service_name,
                          auth::Authenticator* authenticator);

  // /readyz answers 200 only while every check returns OK, and
  // grpc.health.v1 reports NOT_SERVING (for "" and every service) while one
  // fails.
  void AddReadinessCheck(std::string name, std::function<absl::Status()> check);

  absl::Status Start();
  int grpc_port() const { return grpc_port_; }
  int admin_port() const { return admin_.port(); }
  std::string grpc_target() const;

  // Stops accepting calls, lets in-flight ones finish within the grace
  // period, then cancels the rest. Idempotent.
  void Shutdown();

  // Blocks until SIGTERM or SIGINT, then shuts down.
  void WaitForTermination();

 private:
  HostOptions options_;
  std::vector<std::unique_ptr<grpc::Service>> services_;  // guarded
  std::vector<std::pair<std::string, std::function<absl::Status()>>> checks_;
  // Runs every check; true when all pass. `report` gets one line per check.
  bool CheckReadiness(std::string* report);
  absl::Status StartAdmin();
  void WatchReadiness();

  std::unique_ptr<grpc::Server> server_;
  admin::AdminServer admin_;
  int grpc_port_ = 0;
  std::vector<std::string> service_names_;
  std::atomic<bool> shutting_down_{false};
  absl::Notification stop_watching_;
  std::thread readiness_watcher_;
};

}  // namespace fineprint::server

#endif  // FINEPRINT_SERVICES_RUNTIME_SERVER_SERVICE_HOST_H_
