#include "gateway/edge_app.h"

#include <chrono>

#include "gateway/ratelimit/plan_book.h"
#include "gateway/ratelimit/redis_limiter.h"
#include "gateway/ratelimit/request_limiter.h"
#include "gateway/server/forwarding.h"
#include "gateway/server/tls_stream.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/runtime/auth/jwt.h"
#include "services/runtime/log/log.h"
#include "services/runtime/metrics/metrics.h"
#include "services/runtime/status/status.h"

namespace fineprint::gateway {
namespace {

constexpr char kIdentityService[] = "fineprint.identity.v1.IdentityService";

// A load balancer should not send traffic the edge can only answer 503.
absl::Status BackendServing(std::shared_ptr<grpc::Channel> channel) {
  if (channel == nullptr) return absl::UnavailableError("no channel");
  grpc::health::v1::HealthCheckResponse reply;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
  grpc::Status s = grpc::health::v1::Health::NewStub(channel)->Check(
      &ctx, grpc::health::v1::HealthCheckRequest(), &reply);
  if (!s.ok()) return absl::UnavailableError(s.error_message());
  if (reply.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
    return absl::UnavailableError("not serving");
  }
  return absl::OkStatus();
}

// Shared buckets when Redis is configured, and the organisations' current
// plans when Kafka is: the limiter then follows a plan change within the
// event's propagation time instead of at the next login.
absl::Status AssembleRateLimits(service::ServiceKit& kit,
                                ratelimit::RequestLimitOptions& limits) {
  FP_RETURN_IF_ERROR(ratelimit::ValidateRequestLimitOptions(limits));
  if (!limits.enabled) return absl::OkStatus();
  if (limits.shared == nullptr && !limits.redis.address.empty()) {
    limits.shared =
        kit.Own(std::make_unique<ratelimit::RedisLimiter>(limits.redis));
    log::Info("rate limits shared through Redis",
              {{"redis", limits.redis.address}});
  }
  const std::string kafka = kit.options().kafka_bootstrap_servers;
  if (limits.current_plans == nullptr && !kafka.empty()) {
    auto* book = kit.Own(std::make_unique<ratelimit::PlanBook>());
    auto* listener =
        kit.Own(std::make_unique<ratelimit::PlanChangeListener>(book));
    kit.AddWorker(
        "plan-changes",
        [listener, kafka] {
          // Older changes are in every token still valid.
          return listener->Start(kafka,
                                 auth::kMaxTokenLifetime + auth::kTokenLeeway);
        },
        [listener] { listener->Stop(); });
    limits.current_plans = book;
  }
  return absl::OkStatus();
}

}  // namespace

service::Declaration Declaration() { return {"edge", {}, /*database=*/false}; }

void UseIdentityBackend(const EdgeDomainOptions& domain,
                        service::KitOptions& kit) {
  kit.identity_target.clear();
  absl::StatusOr<std::map<std::string, std::string>> targets =
      server::ParseBackendSpecs(domain.backends);
  if (!targets.ok()) return;  // Assemble reports it
  if (auto it = targets->find(kIdentityService); it != targets->end()) {
    kit.identity_target = it->second;
  }
}

absl::StatusOr<EdgeDomain> Assemble(service::ServiceKit& kit,
                                    EdgeDomainOptions options) {
  using Targets = std::map<std::string, std::string>;
  FP_ASSIGN_OR_RETURN(Targets targets,
                      server::ParseBackendSpecs(options.backends));
  FP_ASSIGN_OR_RETURN(
      std::shared_ptr<const api::ApiConfig> config,
      api::ApiConfig::FromFile(options.descriptor_set, options.api));
  for (const std::string& service : config->services()) {
    if (!targets.count(service)) {
      log::Warning("no backend for service; its routes answer 503",
                   {{"grpc_service", service}});
    }
  }
  if (kit.authenticator() == nullptr) {
    log::Warning("no identity backend: only public methods are callable");
  }
  FP_RETURN_IF_ERROR(
      server::ValidateForwardAllowList(options.edge.forward_headers));

  // One access-log policy for the mesh: --access_log_sample_rate and
  // --slow_rpc_threshold apply to HTTP requests too.
  options.edge.access_log = kit.options().host.access_log;
  EdgeDomain domain;
  domain.config = kit.Own(std::make_unique<server::ConfigHolder>(config));
  FP_ASSIGN_OR_RETURN(
      std::unique_ptr<server::ChannelBackends> channels,
      server::ChannelBackends::Create(targets, kit.options().host.tls,
                                      options.backend_http2));
  auto* backends = kit.Own(std::move(channels));
  for (const auto& [service, target] : targets) {
    kit.AddReadinessCheck(service, [backends, service = service] {
      return BackendServing(backends->ChannelFor(service));
    });
  }
  FP_RETURN_IF_ERROR(AssembleRateLimits(kit, options.edge.rate_limit));
  auto* edge = kit.Own(std::make_unique<server::EdgeHandler>(
      domain.config, backends, kit.authenticator(), options.edge));
  options.http.max_body_bytes = options.edge.max_body_bytes;
  if (!options.https_cert.empty() || !options.https_key.empty()) {
    FP_ASSIGN_OR_RETURN(
        options.http.tls,
        server::EdgeTls::Open(options.https_cert, options.https_key));
    // A bad pair is logged and the running certificate stays.
    kit.OnReload([tls = options.http.tls] { tls->Reload().IgnoreError(); });
  }
  domain.http = kit.Own(std::make_unique<server::HttpServer>(
      options.http, [edge](server::HttpRequest r, auto done, auto stream) {
        edge->Handle(std::move(r), std::move(done), std::move(stream));
      }));
  server::HttpServer* http = domain.http;
  const size_t routes = config->routes().routes().size();
  kit.AddWorker(
      "http",
      [http, routes]() -> absl::Status {
        FP_RETURN_IF_ERROR(http->Start());
        log::Info("edge serving", {{"http_port", http->port()},
                                   {"routes", static_cast<uint64_t>(routes)}});
        return absl::OkStatus();
      },
      [http] {
        log::Info("edge stopping");
        http->Stop();
      });

  // A bad file keeps the running API.
  auto& reloads = metrics::Registry::Default().GetCounter(
      "fineprint_edge_config_reloads_total",
      "Descriptor set reloads by outcome.", {{"result", "ok"}});
  auto& failed_reloads = metrics::Registry::Default().GetCounter(
      "fineprint_edge_config_reloads_total",
      "Descriptor set reloads by outcome.", {{"result", "error"}});
  server::ConfigHolder* holder = domain.config;
  kit.OnReload([holder, options, &reloads, &failed_reloads] {
    auto next = api::ApiConfig::FromFile(options.descriptor_set, options.api);
    if (!next.ok()) {
      failed_reloads.Increment();
      log::Error("reload failed; keeping the running API",
                 {{"error", next.status()}});
      return;
    }
    holder->Set(*next);
    reloads.Increment();
    log::Info(
        "API reloaded",
        {{"routes", static_cast<uint64_t>((*next)->routes().routes().size())}});
  });
  return domain;
}

absl::StatusOr<std::unique_ptr<EdgeApp>> EdgeApp::Start(
    EdgeAppOptions options) {
  const EdgeDomainOptions& domain_options = options;
  UseIdentityBackend(domain_options, options);
  options.host.grpc_port = -1;
  FP_ASSIGN_OR_RETURN(std::unique_ptr<service::ServiceKit> kit,
                      service::ServiceKit::Open(Declaration(), options));
  FP_ASSIGN_OR_RETURN(EdgeDomain domain, Assemble(*kit, domain_options));
  FP_RETURN_IF_ERROR(kit->Start());
  return std::unique_ptr<EdgeApp>(new EdgeApp(std::move(kit), domain));
}

}  // namespace fineprint::gateway
