#include "gateway/edge_flags.h"

#include <cstring>

#include "absl/flags/flag.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"

ABSL_FLAG(std::string, http_host, "0.0.0.0",
          "Address the HTTP server binds to.");
ABSL_FLAG(int, http_port, 8080, "HTTP port (0 picks a free one).");
ABSL_FLAG(int, threads, 0, "I/O threads (0: one per core).");
ABSL_FLAG(std::string, https_cert, "",
          "PEM certificate chain for HTTPS on --http_port (TLS 1.2 and up); "
          "empty: plain HTTP. Re-read with --https_key on SIGHUP.");
ABSL_FLAG(std::string, https_key, "", "PEM private key of --https_cert.");
ABSL_FLAG(
    std::string, descriptor_set, "protos/fineprint_descriptor_set.pb",
    "FileDescriptorSet of the public API (//protos:fineprint_descriptor_set).");
ABSL_FLAG(std::vector<std::string>, backend, {},
          "service=target pairs, e.g. fineprint.identity.v1.IdentityService="
          "127.0.0.1:50051; repeatable and/or comma separated.");
ABSL_FLAG(bool, backend_http2, true,
          "Unary calls to plaintext backends over the edge's own HTTP/2 "
          "client on its I/O threads; false: over gRPC's channel (streams "
          "and TLS backends always are).");
ABSL_FLAG(absl::Duration, default_timeout, absl::Seconds(30),
          "Backend deadline when the request sets none.");
ABSL_FLAG(absl::Duration, max_timeout, absl::Minutes(5),
          "Cap on grpc-timeout / X-Request-Timeout.");
ABSL_FLAG(absl::Duration, stream_heartbeat, absl::Seconds(15),
          "An idle SSE stream gets a `: heartbeat` comment this often, so "
          "proxies keep it open; 0 disables.");
ABSL_FLAG(absl::Duration, stream_max_duration, absl::ZeroDuration(),
          "Deadline of a streaming call (in place of --default_timeout / "
          "--max_timeout); 0: none.");
ABSL_FLAG(int64_t, max_body_bytes, 4 << 20, "Largest accepted request body.");
ABSL_FLAG(std::vector<std::string>, forward_headers,
          std::vector<std::string>({"accept-language", "last-event-id"}),
          "Extra request headers forwarded as gRPC metadata (last-event-id: "
          "an EventSource's reconnect resumes its stream).");
ABSL_FLAG(bool, allow_unknown_query_params, false,
          "Ignore query parameters that name no field instead of 400.");
ABSL_FLAG(bool, allow_unknown_json_fields, false,
          "Ignore unknown JSON fields instead of 400.");
ABSL_FLAG(bool, emit_unpopulated, true, "Print fields holding default values.");
ABSL_FLAG(bool, ignore_trailing_slash, true, "Route /a/b/ like /a/b.");
ABSL_FLAG(bool, rate_limit, true,
          "Enforce per-organisation and per-IP rate limits.");
ABSL_FLAG(double, free_per_minute, 100,
          "Requests per minute of a FREE organisation.");
ABSL_FLAG(double, premium_per_minute, 1000,
          "Requests per minute of a PREMIUM organisation.");
ABSL_FLAG(double, enterprise_per_minute, 10000,
          "Requests per minute of an ENTERPRISE organisation.");
ABSL_FLAG(
    double, public_per_ip_per_minute, 300,
    "Requests per minute per client IP on public (unauthenticated) routes.");
ABSL_FLAG(std::vector<std::string>, trusted_proxies, {},
          "CIDR ranges of the load balancers in front of the edge: only "
          "their X-Forwarded-For names the client a per-IP limit counts.");
ABSL_FLAG(std::string, redis_address, "",
          "host:port of the Redis that holds rate-limit buckets shared by "
          "every edge replica; empty: each edge limits alone.");
ABSL_FLAG(double, redis_fallback_share, 1.0,
          "Share of a limit one edge admits alone while Redis is unreachable "
          "(1: fail open at the full limit per edge; 1/N for N edges).");
ABSL_FLAG(std::vector<std::string>, cors_allowed_origins, {},
          "Origins allowed by CORS (exact, or *); empty disables CORS.");
ABSL_FLAG(int, auth_threads, 4,
          "Threads that authenticate non-public requests (a cache miss calls "
          "identity); 0 authenticates on the I/O threads.");
ABSL_FLAG(bool, docs, true,
          "Serve Swagger UI at /docs over /openapi.json (needs the "
          "swagger-ui-dist files infra/install.sh fetches).");
ABSL_FLAG(std::string, docs_dir, "",
          "Directory of npm's swagger-ui-dist for /docs (empty: "
          "$FINEPRINT_CACHE or ~/.cache/fineprint, swagger-ui/node_modules/"
          "swagger-ui-dist).");
ABSL_FLAG(std::string, public_base_url, "",
          "Server URL advertised in /openapi.json.");

namespace fineprint::gateway {

std::vector<char*> MergeRepeatedBackendFlags(
    int argc, char** argv, std::vector<std::string>& storage) {
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

EdgeDomainOptions EdgeDomainOptionsFromFlags() {
  EdgeDomainOptions o;
  o.descriptor_set = absl::GetFlag(FLAGS_descriptor_set);
  o.backends = absl::GetFlag(FLAGS_backend);
  o.backend_http2 = absl::GetFlag(FLAGS_backend_http2);
  o.api.routes.ignore_trailing_slash =
      absl::GetFlag(FLAGS_ignore_trailing_slash);
  o.edge.request.allow_unknown_query_params =
      absl::GetFlag(FLAGS_allow_unknown_query_params);
  o.edge.request.allow_unknown_json_fields =
      absl::GetFlag(FLAGS_allow_unknown_json_fields);
  o.edge.response.emit_unpopulated = absl::GetFlag(FLAGS_emit_unpopulated);
  o.edge.max_body_bytes =
      static_cast<size_t>(absl::GetFlag(FLAGS_max_body_bytes));
  o.edge.default_timeout = absl::GetFlag(FLAGS_default_timeout);
  o.edge.max_timeout = absl::GetFlag(FLAGS_max_timeout);
  o.edge.stream.heartbeat = absl::GetFlag(FLAGS_stream_heartbeat);
  o.edge.stream.max_duration = absl::GetFlag(FLAGS_stream_max_duration);
  o.edge.forward_headers = absl::GetFlag(FLAGS_forward_headers);
  o.edge.rate_limit.enabled = absl::GetFlag(FLAGS_rate_limit);
  o.edge.rate_limit.plans.free_per_minute =
      absl::GetFlag(FLAGS_free_per_minute);
  o.edge.rate_limit.plans.premium_per_minute =
      absl::GetFlag(FLAGS_premium_per_minute);
  o.edge.rate_limit.plans.enterprise_per_minute =
      absl::GetFlag(FLAGS_enterprise_per_minute);
  o.edge.rate_limit.public_per_ip_per_minute =
      absl::GetFlag(FLAGS_public_per_ip_per_minute);
  o.edge.rate_limit.trusted_proxies = absl::GetFlag(FLAGS_trusted_proxies);
  o.edge.rate_limit.redis.address = absl::GetFlag(FLAGS_redis_address);
  o.edge.rate_limit.redis.fallback_share =
      absl::GetFlag(FLAGS_redis_fallback_share);
  o.edge.cors.allowed_origins = absl::GetFlag(FLAGS_cors_allowed_origins);
  o.edge.openapi.server_url = absl::GetFlag(FLAGS_public_base_url);
  o.edge.serve_docs = absl::GetFlag(FLAGS_docs);
  o.edge.docs_dir = absl::GetFlag(FLAGS_docs_dir);
  o.edge.auth_threads = absl::GetFlag(FLAGS_auth_threads);
  o.http.host = absl::GetFlag(FLAGS_http_host);
  o.http.port = absl::GetFlag(FLAGS_http_port);
  o.http.threads = absl::GetFlag(FLAGS_threads);
  o.https_cert = absl::GetFlag(FLAGS_https_cert);
  o.https_key = absl::GetFlag(FLAGS_https_key);
  return o;
}

}  // namespace fineprint::gateway
