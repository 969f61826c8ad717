// How answers leave the edge: CORS, the OpenAPI document, the headers
// every response carries, the access log line and per-route metrics.

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gateway/server/edge_call.h"
#include "gateway/server/edge_handler.h"
#include "services/runtime/log/access_log.h"
#include "services/runtime/log/log.h"

namespace fineprint::gateway::server {
namespace {

// Nothing loads, nothing frames the page, nothing is submitted elsewhere.
constexpr absl::string_view kHtmlContentSecurityPolicy =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action "
    "'none'";

}  // namespace

std::string EdgeHandler::OpenApiFor(
    const std::shared_ptr<const api::ApiConfig>& config) {
  absl::MutexLock lock(&openapi_mu_);
  if (openapi_config_.lock() != config) {
    absl::StatusOr<std::string> doc =
        openapi::GenerateOpenApi(*config, options_.openapi);
    openapi_json_ = doc.ok() ? *std::move(doc) : "{}";
    openapi_config_ = config;
  }
  return openapi_json_;
}

bool EdgeHandler::CorsAllowed(absl::string_view origin) const {
  for (const std::string& allowed : options_.cors.allowed_origins) {
    if (allowed == "*" || allowed == origin) return true;
  }
  return false;
}

std::optional<HttpResponse> EdgeHandler::Preflight(
    const HttpRequest& request, const api::ApiConfig& config,
    absl::string_view path) const {
  auto wanted = request.Header("access-control-request-method");
  if (request.method != "OPTIONS" || !wanted) return std::nullopt;
  routing::MatchResult m =
      config.routes().Match(*wanted == "HEAD" ? "GET" : *wanted, path);
  HttpResponse r;
  if (m.kind == routing::MatchResult::Kind::kMatched) {
    r.status = 204;
    r.SetHeader("access-control-allow-methods", *wanted);
  } else if (m.kind == routing::MatchResult::Kind::kMethodNotAllowed) {
    r.status = 204;
    r.SetHeader("access-control-allow-methods",
                absl::StrJoin(m.allowed_methods, ", "));
  } else {
    return ErrorResponse(
        absl::NotFoundError(absl::StrCat("no route for ", path)),
        &config.type_resolver());
  }
  static constexpr absl::string_view kAllowedHeaders[] = {
      "authorization", "content-type",      "x-api-key",       "x-request-id",
      "traceparent",   "x-request-timeout", "accept-language", "last-event-id"};
  std::vector<std::string> headers;
  if (auto asked = request.Header("access-control-request-headers")) {
    for (absl::string_view h :
         absl::StrSplit(*asked, ',', absl::SkipWhitespace())) {
      std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(h));
      for (absl::string_view ok : kAllowedHeaders) {
        if (name == ok) headers.push_back(name);
      }
    }
  }
  if (!headers.empty()) {
    r.SetHeader("access-control-allow-headers", absl::StrJoin(headers, ", "));
  }
  r.SetHeader("access-control-max-age",
              std::to_string(absl::ToInt64Seconds(options_.cors.max_age)));
  return r;
}

void EdgeHandler::Finish(const std::shared_ptr<Call>& call,
                         HttpResponse response) {
  Decorate(*call, response);
  Record(*call, response.status, response.body.size());
  auto done = std::move(call->done);
  done(std::move(response));
}

void SecureResponse(HttpResponse& response, bool private_answer) {
  if (private_answer) response.SetHeader("cache-control", "no-store");
  for (const auto& [name, value] : response.headers) {
    if (absl::EqualsIgnoreCase(name, "content-type") &&
        absl::StartsWithIgnoreCase(value, "text/html")) {
      // Pages the edge serves show its own data only; a handler that needs
      // more (a docs page's scripts) sets its own policy.
      if (!response.Header("content-security-policy").has_value()) {
        response.SetHeader("content-security-policy",
                           kHtmlContentSecurityPolicy);
      }
      break;
    }
  }
}

void EdgeHandler::Decorate(const Call& c, HttpResponse& response) const {
  const Call* call = &c;
  response.SetHeader("x-request-id", call->ids.request_id);
  // Answers to authenticated calls are private: no cache, shared or not,
  // may keep them (a 401 included, so a proxy never replays one).
  // X-Content-Type-Options and Referrer-Policy are the transport's.
  SecureResponse(response,
                 call->credentials_presented ||
                     (call->info != nullptr && !call->info->is_public));
  if (response.status == 401) {
    // RFC 9110 §11.6.1 / RFC 6750 §3: a 401 names the scheme to use, and
    // says why presented credentials failed.
    response.SetHeader(
        "www-authenticate",
        call->credentials_malformed
            ? "Bearer realm=\"fineprint\", error=\"invalid_request\""
        : call->credentials_presented
            ? "Bearer realm=\"fineprint\", error=\"invalid_token\""
            : "Bearer realm=\"fineprint\"");
  }
  if (call->rate.has_value()) {
    response.SetHeader("ratelimit-limit", std::to_string(call->rate->limit));
    response.SetHeader("ratelimit-remaining",
                       std::to_string(call->rate->remaining));
    response.SetHeader("ratelimit-reset",
                       std::to_string(static_cast<int64_t>(std::ceil(
                           absl::ToDoubleSeconds(call->rate->reset)))));
  }
  if (!call->cors_origin.empty()) {
    response.SetHeader("access-control-allow-origin", call->cors_origin);
    response.SetHeader("vary", "Origin");
    response.SetHeader("access-control-expose-headers",
                       "x-request-id, retry-after, ratelimit-limit, "
                       "ratelimit-remaining, ratelimit-reset");
  }
}

EdgeHandler::RouteMetrics EdgeHandler::MetricsFor(absl::string_view route,
                                                  absl::string_view method,
                                                  int http_status) {
  std::string key = absl::StrCat(route, "\n", method, "\n", http_status);
  {
    absl::ReaderMutexLock lock(&metrics_mu_);
    if (auto it = metrics_.find(key); it != metrics_.end()) return it->second;
  }
  const std::string route_label(route), method_label(method);
  RouteMetrics m;
  m.requests = &registry_->GetCounter("fineprint_edge_requests_total",
                                      "HTTP requests served by the edge.",
                                      {{"route", route_label},
                                       {"method", method_label},
                                       {"code", std::to_string(http_status)}});
  m.duration = &registry_->GetHistogram(
      "fineprint_edge_request_duration_seconds",
      "Edge request latency, backend call included.",
      {{"route", route_label}, {"method", method_label}});
  absl::MutexLock lock(&metrics_mu_);
  // Unmatched requests name any method a client makes up: past this many
  // entries they go to the registry each time rather than grow the cache.
  if (metrics_.size() < 4096) metrics_.emplace(std::move(key), m);
  return m;
}

void EdgeHandler::Record(const Call& c, int http_status, size_t bytes_out) {
  const Call* call = &c;
  const double seconds = absl::ToDoubleSeconds(absl::Now() - call->start);
  const absl::string_view route = call->route != nullptr
                                      ? absl::string_view(call->route->pattern)
                                      : absl::string_view("unmatched");
  const RouteMetrics m = MetricsFor(route, call->http_method, http_status);
  m.requests->Increment();
  m.duration->Observe(seconds);
  const log::Outcome outcome = http_status >= 500   ? log::Outcome::kServerFault
                               : http_status >= 400 ? log::Outcome::kClientError
                                                    : log::Outcome::kOk;
  std::optional<log::Level> level =
      log::AccessLogLevel(options_.access_log, outcome, absl::Seconds(seconds));
  if (!level.has_value()) return;
  // The query string is left out: it may carry filters with personal data.
  log::Log(
      *level, "http request",
      {{"http_method", call->http_method},
       {"path", call->path},
       {"route", route},
       {"rpc", call->info != nullptr ? call->info->method->full_name() : ""},
       {"status", http_status},
       {"grpc_code", call->grpc_code},
       {"duration_ms", seconds * 1000},
       {"bytes_in", static_cast<uint64_t>(call->bytes_in)},
       {"bytes_out", static_cast<uint64_t>(bytes_out)},
       {"remote", call->remote},
       {"request_id", call->ids.request_id},
       {"trace_id", call->ids.trace_id}});
}

}  // namespace fineprint::gateway::server
