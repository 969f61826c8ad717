#include "services/runtime/server/service_host.h"

#include <pthread.h>

#include <csignal>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "services/runtime/config/config.h"
#include "services/runtime/log/log.h"
#include "services/runtime/metrics/metrics.h"
#include "services/runtime/server/call_guard.h"
#include "services/runtime/server/rpc_observer.h"
#include "services/runtime/status/status.h"
#include "services/runtime/tls/grpc_tls.h"

ABSL_FLAG(std::string, listen_host, "0.0.0.0", "Address the servers bind to.");
ABSL_FLAG(int, grpc_port, 0, "gRPC port (0 picks a free one).");
ABSL_FLAG(int, admin_port, 0,
          "Admin HTTP port for /metrics, /healthz, /readyz (0 picks a free "
          "one, -1 disables).");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "How long in-flight RPCs may run after SIGTERM.");
ABSL_FLAG(absl::Duration, max_deadline, absl::Seconds(30),
          "Upper bound and default for every RPC's deadline.");
ABSL_FLAG(double, access_log_sample_rate, 0.01,
          "Share of successful, fast RPCs written to the log (0..1); failed "
          "and slow ones always are.");
ABSL_FLAG(absl::Duration, slow_rpc_threshold, absl::Seconds(1),
          "RPCs at least this slow are always logged, as warnings.");

namespace fineprint::server {
namespace {

sigset_t TerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

HostOptions HostOptionsFromFlags(std::string service_name) {
  HostOptions o;
  o.service_name = std::move(service_name);
  o.host = absl::GetFlag(FLAGS_listen_host);
  o.grpc_port = absl::GetFlag(FLAGS_grpc_port);
  o.admin_port = absl::GetFlag(FLAGS_admin_port);
  o.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  o.max_deadline = absl::GetFlag(FLAGS_max_deadline);
  o.access_log.sample_rate = absl::GetFlag(FLAGS_access_log_sample_rate);
  o.access_log.slow_threshold = absl::GetFlag(FLAGS_slow_rpc_threshold);
  return o;
}

std::vector<char*> InitRuntime(int argc, char** argv,
                               const std::string& service_name) {
  // Threads created later inherit the mask, so the signals are only ever
  // received by sigwait() in WaitForTermination().
  sigset_t set = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  log::SetServiceName(service_name);
  return config::ParseFlagsAndEnv(argc, argv);
}

ServiceHost::ServiceHost(HostOptions options) : options_(std::move(options)) {}

ServiceHost::~ServiceHost() { Shutdown(); }

absl::Status ServiceHost::AddService(grpc::Service* service,
                                     absl::string_view service_name,
                                     auth::Authenticator* authenticator) {
  FP_ASSIGN_OR_RETURN(auto guarded,
                      GuardService(*service, service_name, authenticator,
                                   options_.max_deadline));
  services_.push_back(std::move(guarded));
  service_names_.emplace_back(service_name);
  return absl::OkStatus();
}

void ServiceHost::AddReadinessCheck(std::string name,
                                    std::function<absl::Status()> check) {
  checks_.emplace_back(std::move(name), std::move(check));
}

std::string ServiceHost::grpc_target() const {
  const std::string host =
      options_.host == "0.0.0.0" ? "127.0.0.1" : options_.host;
  return absl::StrCat(host, ":", grpc_port_);
}

absl::Status ServiceHost::Start() {
  if (options_.grpc_port < 0) return StartAdmin();
  FP_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                      tls::GrpcServerCredentials(options_.tls));
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(absl::StrCat(options_.host, ":", options_.grpc_port),
                           credentials, &grpc_port_);
  for (auto& s : services_) builder.RegisterService(s.get());
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(std::make_unique<RpcObserverFactory>(
      &metrics::Registry::Default(), options_.access_log));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || grpc_port_ == 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", options_.host, ":", options_.grpc_port));
  }
  // Kubernetes probes and most clients ask by the service's full name.
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  const bool ready = CheckReadiness(nullptr);
  health->SetServingStatus("", ready);
  for (const std::string& name : service_names_) {
    health->SetServingStatus(name, ready);
  }
  readiness_watcher_ = std::thread([this] { WatchReadiness(); });
  return StartAdmin();
}

absl::Status ServiceHost::StartAdmin() {
  if (options_.admin_port >= 0) {
    admin_.Handle("/metrics", [] {
      return admin::Response{200, "text/plain; version=0.0.4",
                             metrics::Registry::Default().Expose()};
    });
    admin_.Handle("/healthz", [this] {
      if (shutting_down_)
        return admin::Response{503, "text/plain", "stopping\n"};
      return admin::Response{200, "text/plain", "ok\n"};
    });
    admin_.Handle("/readyz", [this] {
      if (shutting_down_)
        return admin::Response{503, "text/plain", "stopping\n"};
      std::string body;
      const bool ready = CheckReadiness(&body);
      return admin::Response{ready ? 200 : 503, "text/plain",
                             body.empty() ? "ok\n" : body};
    });
    FP_RETURN_IF_ERROR(admin_.Start(options_.host, options_.admin_port));
  }
  log::Info("serving",
            {{"grpc_port", grpc_port_}, {"admin_port", admin_.port()}});
  return absl::OkStatus();
}

bool ServiceHost::CheckReadiness(std::string* report) {
  bool ready = true;
  for (const auto& [name, check] : checks_) {
    absl::Status s = check();
    ready = ready && s.ok();
    if (report != nullptr) {
      absl::StrAppend(report, name, ": ", s.ok() ? "ok" : s.ToString(), "\n");
    }
  }
  return ready;
}

void ServiceHost::WatchReadiness() {
  bool last = true;
  bool first = true;
  while (!stop_watching_.WaitForNotificationWithTimeout(
      options_.readiness_interval)) {
    if (shutting_down_) return;
    const bool ready = CheckReadiness(nullptr);
    if (!first && ready == last) continue;
    first = false;
    last = ready;
    // The no-argument form sets "" and every registered name at once.
    server_->GetHealthCheckService()->SetServingStatus(ready);
    if (!ready) log::Warning("not ready: a readiness check fails");
  }
}

void ServiceHost::Shutdown() {
  if (shutting_down_.exchange(true)) return;
  if (server_ == nullptr) {  // admin only, or never started
    admin_.Stop();
    return;
  }
  log::Info("shutting down", {{"grace", options_.shutdown_grace}});
  stop_watching_.Notify();
  if (readiness_watcher_.joinable()) readiness_watcher_.join();
  // Health first, so load balancers stop routing before the listener closes.
  server_->GetHealthCheckService()->SetServingStatus(false);
  server_->Shutdown(absl::ToChronoTime(absl::Now() + options_.shutdown_grace));
  server_->Wait();
  admin_.Stop();
  log::Info("stopped");
}

void WaitForTerminationSignal(const std::function<void()>& on_reload) {
  sigset_t set = TerminationSignals();
  while (true) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    log::Info("signal received", {{"signal", sig}});
    if (sig != SIGHUP) return;
    if (on_reload) on_reload();
  }
}

void ServiceHost::WaitForTermination() {
  WaitForTerminationSignal();
  Shutdown();
}

}  // namespace fineprint::server
