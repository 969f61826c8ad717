#ifndef FINEPRINT_GATEWAY_SERVER_EDGE_HANDLER_H_
#define FINEPRINT_GATEWAY_SERVER_EDGE_HANDLER_H_

// The REST edge's request pipeline, independent of the HTTP transport:
// route -> content checks -> authenticate -> transcode -> generic gRPC call
// -> transcode back. Edge-generated errors and backend errors alike are
// google.rpc.Status JSON. Every request ends in one access-log line and
// per-route metrics.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/api/api_config.h"
#include "gateway/asyncapi/asyncapi.h"
#include "gateway/docs/docs_site.h"
#include "gateway/openapi/openapi.h"
#include "gateway/ratelimit/request_limiter.h"
#include "gateway/routing/snapshot.h"
#include "gateway/server/backends.h"
#include "gateway/server/edge_stream.h"
#include "gateway/server/http_types.h"
#include "gateway/server/worker_pool.h"
#include "gateway/transcode/request_transcoder.h"
#include "gateway/transcode/response_transcoder.h"
#include "grpcpp/support/status.h"
#include "services/runtime/auth/authenticator.h"
#include "services/runtime/log/access_log.h"
#include "services/runtime/metrics/metrics.h"

namespace fineprint::gateway::server {

using ConfigHolder = routing::SnapshotHolder<api::ApiConfig>;

using RateLimitOptions = ratelimit::RequestLimitOptions;

struct CorsOptions {
  // Exact origins ("https://app.fineprint.dev") or "*". Empty disables CORS.
  std::vector<std::string> allowed_origins;
  absl::Duration max_age = absl::Minutes(10);
};

struct EdgeOptions {
  transcode::RequestOptions request;
  transcode::ResponseOptions response;
  size_t max_body_bytes = 4 << 20;
  absl::Duration default_timeout = absl::Seconds(30);
  absl::Duration max_timeout = absl::Minutes(5);
  // Server-streaming calls: SSE heartbeats and their own deadline.
  StreamOptions stream;
  // Extra request headers forwarded as metadata (lower-case; reserved
  // names are refused at start-up).
  std::vector<std::string> forward_headers = {"accept-language",
                                              "last-event-id"};
  RateLimitOptions rate_limit;
  CorsOptions cors;
  // Threads that authenticate (and carry on with) non-public requests; a
  // cache miss there is a blocking call to identity. 0 runs it inline on
  // the I/O thread.
  int auth_threads = 0;
  // Which requests the "http request" log line is written for.
  log::AccessLogOptions access_log;
  // GET /openapi.json and /asyncapi.json (the events' AsyncAPI 3.0 document,
  // gateway/asyncapi), generated from the loaded descriptors.
  bool serve_openapi = true;
  openapi::OpenApiOptions openapi;
  // GET /docs (Swagger UI over /openapi.json, see gateway/docs): the
  // swagger-ui-dist directory, "" for infra/install.sh's cache location.
  // Needs serve_openapi. Missing files leave /docs answering 404.
  bool serve_docs = true;
  std::string docs_dir;
};

class EdgeHandler {
 public:
  // All pointers must outlive the handler. `authenticator` may be null, in
  // which case only public methods are callable.
  EdgeHandler(ConfigHolder* config, Backends* backends,
              auth::Authenticator* authenticator, EdgeOptions options,
              metrics::Registry* registry = &metrics::Registry::Default());
  // Waits for backend calls still in flight (they end by their deadline).
  ~EdgeHandler();

  // Answers through `done` (exactly once, possibly on a gRPC thread) or,
  // for server-streaming methods, through a stream from `open_stream`
  // (NDJSON, or SSE for `Accept: text/event-stream`). Without
  // `open_stream` streaming methods answer 501.
  void Handle(HttpRequest request, std::function<void(HttpResponse)> done,
              StreamOpener open_stream = nullptr);

  const EdgeOptions& options() const { return options_; }

 private:
  struct Call;
  class InFlightDone;
  class StreamCall;
  void Finish(const std::shared_ptr<Call>& call, HttpResponse response);
  // Everything after routing: authorize the authentication outcome
  // (nullopt for a public method), rate-limit, transcode, call.
  void Dispatch(const std::shared_ptr<Call>& call, const HttpRequest& request,
                const routing::MatchResult& match,
                std::optional<absl::StatusOr<auth::Principal>> authenticated);
  void OnUnaryDone(const std::shared_ptr<Call>& call,
                   const grpc::Status& status);
  // Response headers every answer carries (ids, rate limit, CORS).
  void Decorate(const Call& call, HttpResponse& response) const;
  // Access log line and metrics.
  void Record(const Call& call, int http_status, size_t bytes_out);
  // The call's context carries its metadata already.
  void StartStream(const std::shared_ptr<Call>& call, grpc::GenericStub* stub,
                   std::string request);
  void Respond(const std::shared_ptr<Call>& call, HttpResponse response);

  ConfigHolder* config_;
  Backends* backends_;
  auth::Authenticator* authenticator_;
  const EdgeOptions options_;
  metrics::Registry* registry_;
  bool CorsAllowed(absl::string_view origin) const;
  // A CORS preflight answer, or nullopt if `request` is not a preflight.
  std::optional<HttpResponse> Preflight(const HttpRequest& request,
                                        const api::ApiConfig& config,
                                        absl::string_view path) const;

  // The OpenAPI document of the config it was generated from.
  std::string OpenApiFor(const std::shared_ptr<const api::ApiConfig>& config);

  ratelimit::RequestLimiter limiter_;
  std::unique_ptr<WorkerPool> auth_pool_;
  // Null unless serve_docs and the Swagger UI files loaded.
  std::unique_ptr<const docs::DocsSite> docs_;
  absl::Mutex openapi_mu_;
  std::weak_ptr<const api::ApiConfig> openapi_config_
      ABSL_GUARDED_BY(openapi_mu_);
  std::string openapi_json_ ABSL_GUARDED_BY(openapi_mu_);
  asyncapi::CachedAsyncApi asyncapi_;
  absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  // Record()'s metrics by route, method and status: the registry formats
  // and looks up label strings under one global lock on every call.
  struct RouteMetrics {
    metrics::Counter* requests;
    metrics::Histogram* duration;
  };
  RouteMetrics MetricsFor(absl::string_view route, absl::string_view method,
                          int http_status);
  absl::Mutex metrics_mu_;
  absl::flat_hash_map<std::string, RouteMetrics> metrics_
      ABSL_GUARDED_BY(metrics_mu_);
};

// The security headers that depend on the answer: `Cache-Control:
// no-store` when it is private (an authenticated call), and a restrictive
// Content-Security-Policy on HTML unless the handler set one. The ones every
// answer carries (X-Content-Type-Options, Referrer-Policy) are added by the
// transport, so its own errors have them too.
void SecureResponse(HttpResponse& response, bool private_answer);

// A google.rpc.Status JSON response for `status`; `http_status` overrides
// the mapped one (405, 413, 415 have no gRPC code of their own).
HttpResponse ErrorResponse(const absl::Status& status,
                           google::protobuf::util::TypeResolver* resolver,
                           int http_status = 0);

}  // namespace fineprint::gateway::server

#endif  // FINEPRINT_GATEWAY_SERVER_EDGE_HANDLER_H_
