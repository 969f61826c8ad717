// fineprint_edge: the REST edge. Loads the contract's FileDescriptorSet,
// serves HTTP/JSON on --http_port and forwards to the backends named by
// --backend; /metrics, /healthz and /readyz on --admin_port. SIGHUP reloads the
// descriptor set (a bad file keeps the running config); SIGTERM/SIGINT stop.

#include <csignal>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "fineprint/identity/v1/identity.grpc.pb.h"
#include "gateway/api/api_config.h"
#include "gateway/server/backends.h"
#include "gateway/server/edge_handler.h"
#include "gateway/server/forwarding.h"
#include "gateway/server/http_server.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/runtime/admin/admin_server.h"
#include "services/runtime/auth/identity_clients.h"
#include "services/runtime/auth/revocation_listener.h"
#include "services/runtime/config/config.h"
#include "services/runtime/log/log.h"
#include "services/runtime/metrics/metrics.h"

ABSL_FLAG(std::string, http_host, "0.0.0.0", "Address the HTTP server binds to.");
ABSL_FLAG(int, http_port, 8080, "HTTP port (0 picks a free one).");
ABSL_FLAG(int, admin_port, 9090, "Admin port for /metrics and /healthz (-1 disables).");
ABSL_FLAG(int, threads, 0, "I/O threads (0: one per core).");
ABSL_FLAG(std::string, descriptor_set, "protos/fineprint_descriptor_set.pb",
          "FileDescriptorSet of the public API (//protos:fineprint_descriptor_set).");
ABSL_FLAG(std::vector<std::string>, backend, {},
          "service=target pairs, e.g. fineprint.identity.v1.IdentityService="
          "127.0.0.1:50051; repeatable and/or comma separated.");
ABSL_FLAG(absl::Duration, default_timeout, absl::Seconds(30),
          "Backend deadline when the request sets none.");
ABSL_FLAG(absl::Duration, max_timeout, absl::Minutes(5),
          "Cap on grpc-timeout / X-Request-Timeout.");
ABSL_FLAG(int64_t, max_body_bytes, 4 << 20, "Largest accepted request body.");
ABSL_FLAG(std::vector<std::string>, forward_headers, {"accept-language"},
          "Extra request headers forwarded as gRPC metadata.");
ABSL_FLAG(bool, allow_unknown_query_params, false,
          "Ignore query parameters that name no field instead of 400.");
ABSL_FLAG(bool, allow_unknown_json_fields, false,
          "Ignore unknown JSON fields instead of 400.");
ABSL_FLAG(bool, emit_unpopulated, true, "Print fields holding default values.");
ABSL_FLAG(bool, ignore_trailing_slash, true, "Route /a/b/ like /a/b.");
ABSL_FLAG(bool, rate_limit, true, "Enforce per-organisation and per-IP rate limits.");
ABSL_FLAG(double, free_per_minute, 100, "Requests per minute of a FREE organisation.");
ABSL_FLAG(double, premium_per_minute, 1000, "Requests per minute of a PREMIUM organisation.");
ABSL_FLAG(double, enterprise_per_minute, 10000,
          "Requests per minute of an ENTERPRISE organisation.");
ABSL_FLAG(double, public_per_ip_per_minute, 300,
          "Requests per minute per client IP on public (unauthenticated) routes.");
ABSL_FLAG(std::vector<std::string>, cors_allowed_origins, {},
          "Origins allowed by CORS (exact, or *); empty disables CORS.");
ABSL_FLAG(int, auth_threads, 4,
          "Threads that authenticate non-public requests (a cache miss calls "
          "identity); 0 authenticates on the I/O threads.");
ABSL_FLAG(std::string, public_base_url, "", "Server URL advertised in /openapi.json.");
ABSL_FLAG(
    std::string, kafka_bootstrap_servers, "",
    "Kafka to hear identity's revocations from (keys, users, sessions are "
    "refused within a second); empty: cached keys live out their TTL.");

namespace {

namespace gw = ::fineprint::gateway;
namespace log = ::fineprint::log;

// absl's vector flags keep only the last occurrence; merge every --backend
// so the flag is repeatable as documented.
std::vector<char*> MergeRepeatedBackendFlags(int argc, char** argv,
                                             std::vector<std::string>& storage) {
  std::vector<std::string> values;
  std::vector<char*> out;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    for (const char* prefix : {"--backend=", "-backend="}) {
      if (arg.rfind(prefix, 0) == 0) {
        values.push_back(arg.substr(std::strlen(prefix)));
        arg.clear();
        break;
      }
    }
    if (!arg.empty() || i == 0) out.push_back(argv[i]);
  }
  storage.push_back("--backend=" + absl::StrJoin(values, ","));
  if (!values.empty()) out.push_back(storage.back().data());
  return out;
}

gw::api::ApiConfigOptions ConfigOptions() {
  gw::api::ApiConfigOptions o;
  o.routes.ignore_trailing_slash = absl::GetFlag(FLAGS_ignore_trailing_slash);
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> storage;
  storage.reserve(1);
  std::vector<char*> args = MergeRepeatedBackendFlags(argc, argv, storage);
  fineprint::config::ParseFlagsAndEnv(static_cast<int>(args.size()), args.data());
  log::SetServiceName("edge");

  // Signals are taken synchronously by the main thread; every thread
  // started after this inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const std::string descriptor_path = absl::GetFlag(FLAGS_descriptor_set);
  auto config = gw::api::ApiConfig::FromFile(descriptor_path, ConfigOptions());
  if (!config.ok()) {
    log::Error("cannot load API descriptors", {{"error", config.status()}});
    return 1;
  }
  gw::server::ConfigHolder holder(*config);

  auto targets = gw::server::ParseBackendSpecs(absl::GetFlag(FLAGS_backend));
  if (!targets.ok()) {
    log::Error("bad --backend", {{"error", targets.status()}});
    return 1;
  }
  for (const std::string& service : (*config)->services()) {
    if (!targets->count(service)) {
      log::Warning("no backend for service; its routes answer 503",
                   {{"grpc_service", service}});
    }
  }
  gw::server::ChannelBackends backends(*targets);

  std::unique_ptr<fineprint::auth::JwksClient> jwks;
  std::unique_ptr<fineprint::auth::GrpcApiKeyVerifier> api_keys;
  fineprint::auth::Revocations revocations;
  std::unique_ptr<fineprint::auth::RevocationListener> revocation_listener;
  std::unique_ptr<fineprint::auth::Authenticator> authenticator;
  if (auto channel = backends.ChannelFor("fineprint.identity.v1.IdentityService")) {
    std::shared_ptr<fineprint::identity::v1::IdentityService::StubInterface> stub =
        fineprint::identity::v1::IdentityService::NewStub(channel);
    jwks = std::make_unique<fineprint::auth::JwksClient>(stub);
    api_keys = std::make_unique<fineprint::auth::GrpcApiKeyVerifier>(stub);
    authenticator = std::make_unique<fineprint::auth::Authenticator>(
        jwks.get(), api_keys.get(), &revocations);
    if (const std::string kafka = absl::GetFlag(FLAGS_kafka_bootstrap_servers);
        !kafka.empty()) {
      auto listener = fineprint::auth::StartRevocationListener(
          kafka, &revocations, api_keys.get());
      if (!listener.ok()) {
        log::Error("cannot start the revocation listener",
                   {{"error", listener.status()}});
        return 1;
      }
      revocation_listener = *std::move(listener);
    }
  } else {
    log::Warning("no identity backend: only public methods are callable");
  }

  gw::server::EdgeOptions options;
  options.request.allow_unknown_query_params =
      absl::GetFlag(FLAGS_allow_unknown_query_params);
  options.request.allow_unknown_json_fields = absl::GetFlag(FLAGS_allow_unknown_json_fields);
  options.response.emit_unpopulated = absl::GetFlag(FLAGS_emit_unpopulated);
  options.max_body_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_max_body_bytes));
  options.default_timeout = absl::GetFlag(FLAGS_default_timeout);
  options.max_timeout = absl::GetFlag(FLAGS_max_timeout);
  options.forward_headers = absl::GetFlag(FLAGS_forward_headers);
  options.rate_limit.enabled = absl::GetFlag(FLAGS_rate_limit);
  options.rate_limit.plans.free_per_minute = absl::GetFlag(FLAGS_free_per_minute);
  options.rate_limit.plans.premium_per_minute = absl::GetFlag(FLAGS_premium_per_minute);
  options.rate_limit.plans.enterprise_per_minute =
      absl::GetFlag(FLAGS_enterprise_per_minute);
  options.rate_limit.public_per_ip_per_minute =
      absl::GetFlag(FLAGS_public_per_ip_per_minute);
  options.cors.allowed_origins = absl::GetFlag(FLAGS_cors_allowed_origins);
  options.openapi.server_url = absl::GetFlag(FLAGS_public_base_url);
  options.auth_threads = absl::GetFlag(FLAGS_auth_threads);
  if (absl::Status s = gw::server::ValidateForwardAllowList(options.forward_headers);
      !s.ok()) {
    log::Error("bad --forward_headers", {{"error", s}});
    return 1;
  }
  gw::server::EdgeHandler edge(&holder, &backends, authenticator.get(), options);

  gw::server::HttpServerOptions http_options;
  http_options.host = absl::GetFlag(FLAGS_http_host);
  http_options.port = absl::GetFlag(FLAGS_http_port);
  http_options.threads = absl::GetFlag(FLAGS_threads);
  http_options.max_body_bytes = options.max_body_bytes;
  gw::server::HttpServer http(http_options,
                              [&edge](gw::server::HttpRequest r, auto done, auto stream) {
                                edge.Handle(std::move(r), std::move(done), std::move(stream));
                              });
  if (absl::Status s = http.Start(); !s.ok()) {
    log::Error("cannot start HTTP server", {{"error", s}});
    return 1;
  }

  fineprint::admin::AdminServer admin;
  if (absl::GetFlag(FLAGS_admin_port) >= 0) {
    admin.Handle("/metrics", [] {
      return fineprint::admin::Response{200, "text/plain; version=0.0.4",
                                        fineprint::metrics::Registry::Default().Expose()};
    });
    admin.Handle("/healthz", [] {
      return fineprint::admin::Response{200, "text/plain", "ok\n"};
    });
    // Ready only while every configured backend answers its gRPC health
    // check: a load balancer should not send traffic the edge can only 503.
    admin.Handle("/readyz", [&backends, &targets] {
      std::string body;
      bool ready = true;
      for (const auto& [service, target] : *targets) {
        auto channel = backends.ChannelFor(service);
        grpc::health::v1::HealthCheckResponse reply;
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
        grpc::Status s = channel == nullptr
                             ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "no channel")
                             : grpc::health::v1::Health::NewStub(channel)->Check(
                                   &ctx, grpc::health::v1::HealthCheckRequest(), &reply);
        const bool up =
            s.ok() && reply.status() == grpc::health::v1::HealthCheckResponse::SERVING;
        ready = ready && up;
        absl::StrAppend(&body, service, ": ", up ? "ok" : "unavailable", "\n");
      }
      return fineprint::admin::Response{ready ? 200 : 503, "text/plain", body};
    });
    if (absl::Status s = admin.Start(http_options.host, absl::GetFlag(FLAGS_admin_port));
        !s.ok()) {
      log::Error("cannot start admin server", {{"error", s}});
      return 1;
    }
  }
  auto& reloads = fineprint::metrics::Registry::Default().GetCounter(
      "fineprint_edge_config_reloads_total", "Descriptor set reloads by outcome.",
      {{"result", "ok"}});
  auto& failed_reloads = fineprint::metrics::Registry::Default().GetCounter(
      "fineprint_edge_config_reloads_total", "Descriptor set reloads by outcome.",
      {{"result", "error"}});
  log::Info("edge serving", {{"http_port", http.port()},
                             {"routes", static_cast<uint64_t>(
                                            (*config)->routes().routes().size())}});

  while (true) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig != SIGHUP) break;
    auto next = gw::api::ApiConfig::FromFile(descriptor_path, ConfigOptions());
    if (!next.ok()) {
      failed_reloads.Increment();
      log::Error("reload failed; keeping the running API", {{"error", next.status()}});
      continue;
    }
    holder.Set(*next);
    reloads.Increment();
    log::Info("API reloaded",
              {{"routes", static_cast<uint64_t>((*next)->routes().routes().size())}});
  }
  log::Info("edge stopping");
  http.Stop();
  admin.Stop();
  return 0;
}
