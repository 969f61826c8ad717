#include "gateway/server/edge_handler.h"

#include <chrono>
#include <cmath>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gateway/server/edge_call.h"
#include "gateway/server/forwarding.h"
#include "gateway/upstream/unary_caller.h"
#include "google/rpc/error_details.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "services/runtime/log/log.h"
#include "services/runtime/server/call_guard.h"
#include "services/runtime/status/status.h"

namespace fineprint::gateway::server {
namespace {

namespace pb = ::google::protobuf;

// The media type of a Content-Type value, without parameters.
absl::string_view MediaType(absl::string_view content_type) {
  return absl::StripAsciiWhitespace(
      content_type.substr(0, content_type.find(';')));
}

bool IsJsonContentType(absl::string_view v) {
  return absl::EqualsIgnoreCase(MediaType(v), "application/json");
}

bool IsFormContentType(absl::string_view v) {
  return absl::EqualsIgnoreCase(MediaType(v),
                                "application/x-www-form-urlencoded") ||
         absl::EqualsIgnoreCase(MediaType(v), "multipart/form-data");
}

// The Allow header of a 405: HEAD goes wherever GET does.
std::string AllowHeader(const std::vector<std::string>& methods) {
  std::vector<absl::string_view> all(methods.begin(), methods.end());
  if (absl::c_linear_search(all, "GET") &&
      !absl::c_linear_search(all, "HEAD")) {
    all.push_back("HEAD");
    absl::c_sort(all);
  }
  return absl::StrJoin(all, ", ");
}

bool HasHeader(const HttpRequest& request, absl::string_view name) {
  for (const auto& [k, v] : request.headers) {
    if (k == name) return true;
  }
  return false;
}

}  // namespace

HttpResponse ErrorResponse(const absl::Status& status,
                           pb::util::TypeResolver* resolver, int http_status) {
  google::rpc::Status rpc = fineprint::status::ToRpcStatus(status);
  HttpResponse r;
  r.status =
      http_status != 0
          ? http_status
          : transcode::HttpStatusFromGrpcCode(static_cast<int>(status.code()));
  r.body = transcode::ErrorBodyJson(static_cast<int>(status.code()),
                                    status.message(), rpc.SerializeAsString(),
                                    resolver);
  r.SetHeader("content-type", "application/json");
  return r;
}

EdgeHandler::EdgeHandler(ConfigHolder* config, Backends* backends,
                         auth::Authenticator* authenticator,
                         EdgeOptions options, metrics::Registry* registry)
    : config_(config),
      backends_(backends),
      authenticator_(authenticator),
      options_(std::move(options)),
      registry_(registry),
      limiter_(options_.rate_limit) {
  if (options_.auth_threads > 0) {
    auth_pool_ = std::make_unique<WorkerPool>(options_.auth_threads);
  }
  if (options_.serve_docs && options_.serve_openapi) {
    absl::StatusOr<docs::DocsSite> site =
        docs::DocsSite::Load(options_.docs_dir.empty() ? docs::DefaultAssetDir()
                                                       : options_.docs_dir);
    if (site.ok()) {
      docs_ = std::make_unique<const docs::DocsSite>(*std::move(site));
    } else {
      log::Warning("no /docs page", {{"error", site.status()}});
    }
  }
}

EdgeHandler::~EdgeHandler() {
  auth_pool_.reset();  // runs what is queued; those calls count as in flight
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](int* n) { return *n == 0; }, &in_flight_));
}

void EdgeHandler::Handle(HttpRequest request,
                         std::function<void(HttpResponse)> done,
                         StreamOpener open_stream) {
  auto call = std::make_shared<Call>();
  call->start = absl::Now();
  call->done = std::move(done);
  call->open_stream = std::move(open_stream);
  if (auto accept = request.Header("accept")) {
    call->sse = absl::StrContains(*accept, "text/event-stream");
  }
  call->ids = IdsFor(request);
  call->http_method = request.method;
  // RFC 9110 §9.3.2: HEAD is answered wherever GET is, as GET would be
  // (the transport leaves the body out).
  call->head = request.method == "HEAD";
  const absl::string_view route_method =
      call->head ? absl::string_view("GET") : absl::string_view(request.method);
  call->credentials_presented =
      HasHeader(request, "authorization") || HasHeader(request, "x-api-key");
  call->remote = request.remote_address;
  call->bytes_in = request.body.size();
  call->config = config_->Get();
  const size_t q = request.target.find('?');
  absl::string_view path = absl::string_view(request.target).substr(0, q);
  call->path = std::string(path);

  if (path == "/healthz" &&
      (request.method == "GET" || request.method == "HEAD")) {
    HttpResponse r;
    r.body = call->config != nullptr ? "{\"status\":\"SERVING\"}"
                                     : "{\"status\":\"NOT_SERVING\"}";
    r.status = call->config != nullptr ? 200 : 503;
    r.SetHeader("content-type", "application/json");
    return Finish(call, std::move(r));
  }
  if (call->config == nullptr) {
    return Finish(
        call, ErrorResponse(absl::UnavailableError("API not loaded"), nullptr));
  }
  const api::ApiConfig& config = *call->config;
  pb::util::TypeResolver* resolver = &config.type_resolver();
  if (options_.serve_openapi &&
      (path == "/openapi.json" || path == "/asyncapi.json") &&
      route_method == "GET") {
    HttpResponse r;
    r.body = path == "/openapi.json" ? OpenApiFor(call->config)
                                     : asyncapi_.For(call->config);
    r.SetHeader("content-type", "application/json");
    if (auto origin = request.Header("origin");
        origin && CorsAllowed(*origin)) {
      call->cors_origin = *origin;
    }
    return Finish(call, std::move(r));
  }
  if (docs_ != nullptr && route_method == "GET" &&
      docs::DocsSite::IsDocsPath(path)) {
    if (const docs::DocsFile* file = docs_->Find(path)) {
      HttpResponse r;
      r.body = file->body;
      r.SetHeader("content-type", file->content_type);
      r.SetHeader("content-security-policy", docs::kDocsCsp);
      r.SetHeader("cache-control", "no-cache");
      return Finish(call, std::move(r));
    }
  }
  if (auto origin = request.Header("origin"); origin && CorsAllowed(*origin)) {
    call->cors_origin = *origin;
    if (auto preflight = Preflight(request, config, path)) {
      return Finish(call, *std::move(preflight));
    }
  }

  routing::MatchResult match = config.routes().Match(request.method, path);
  if (call->head && match.kind != routing::MatchResult::Kind::kMatched) {
    // No HttpRule of its own (`custom: {kind: "HEAD"}`): HEAD is GET's.
    routing::MatchResult as_get = config.routes().Match(route_method, path);
    if (as_get.kind != routing::MatchResult::Kind::kNotFound)
      match = std::move(as_get);
  }
  switch (match.kind) {
    case routing::MatchResult::Kind::kNotFound:
      return Finish(
          call, ErrorResponse(absl::NotFoundError(absl::StrCat(
                                  "no route for ", request.method, " ", path)),
                              resolver));
    case routing::MatchResult::Kind::kMethodNotAllowed: {
      HttpResponse r = ErrorResponse(
          absl::UnimplementedError(absl::StrCat("method ", request.method,
                                                " not allowed on ", path)),
          resolver, 405);
      r.SetHeader("allow", AllowHeader(match.allowed_methods));
      return Finish(call, std::move(r));
    }
    case routing::MatchResult::Kind::kBadPath:
      return Finish(call, ErrorResponse(absl::InvalidArgumentError(match.error),
                                        resolver));
    case routing::MatchResult::Kind::kMatched:
      break;
  }
  call->route = match.route;
  call->info = &config.method(match.route->target.id);
  const api::MethodInfo& info = *call->info;

  if (request.body.size() > options_.max_body_bytes) {
    return Finish(
        call,
        ErrorResponse(absl::InvalidArgumentError("request body too large"),
                      resolver, 413));
  }
  const bool has_body =
      request.body.find_first_not_of(" \t\r\n") != std::string::npos;
  // A form posted to a method that takes no body carries nothing the method
  // reads (its inputs are in the path and query); RFC 8058 one-click
  // unsubscribe POSTs `List-Unsubscribe=One-Click` exactly so. grpc-gateway
  // ignores any body there; a JSON body is still refused as a likely mistake.
  const bool ignorable_form =
      has_body && match.route->target.body.empty() &&
      IsFormContentType(request.Header("content-type").value_or(""));
  if (has_body && !ignorable_form) {
    if (match.route->target.body.empty()) {
      return Finish(call,
                    ErrorResponse(absl::InvalidArgumentError(
                                      "this method takes no request body"),
                                  resolver));
    }
    auto ct = request.Header("content-type");
    if (!ct || !IsJsonContentType(*ct)) {
      return Finish(call,
                    ErrorResponse(absl::InvalidArgumentError(
                                      "request body must be application/json"),
                                  resolver, 415));
    }
  }

  if (info.is_public) return Dispatch(call, request, match, std::nullopt);
  // Authentication happens before any backend sees the request.
  if (authenticator_ == nullptr) {
    return Finish(call, ErrorResponse(absl::UnauthenticatedError(
                                          "authentication is not configured"),
                                      resolver));
  }
  absl::StatusOr<auth::Credentials> credentials = auth::ExtractCredentials(
      [&request](absl::string_view name) { return request.Header(name); });
  call->credentials_malformed = !credentials.ok();
  if (!credentials.ok()) {
    return Dispatch(call, request, match, credentials.status());
  }
  // A verified token's cache hit (the common case: clients reuse their
  // token) costs a hash and a lookup, answered here; handing it to an auth
  // worker would cost two thread switches.
  if (auto answer = authenticator_->AuthenticateWithoutBlocking(*credentials);
      answer.has_value() || auth_pool_ == nullptr) {
    return Dispatch(call, request, match,
                    answer.has_value()
                        ? *std::move(answer)
                        : authenticator_->Authenticate(*credentials));
  }
  auth_pool_->Schedule([this, call, request = std::move(request),
                        match = std::move(match),
                        credentials = *std::move(credentials)] {
    Dispatch(call, request, match, authenticator_->Authenticate(credentials));
  });
}

void EdgeHandler::Dispatch(
    const std::shared_ptr<Call>& call, const HttpRequest& request,
    const routing::MatchResult& match,
    std::optional<absl::StatusOr<auth::Principal>> authenticated) {
  const api::ApiConfig& config = *call->config;
  const api::MethodInfo& info = *call->info;
  pb::util::TypeResolver* resolver = &config.type_resolver();
  const size_t q = request.target.find('?');
  const absl::string_view query =
      q == std::string::npos ? absl::string_view()
                             : absl::string_view(request.target).substr(q + 1);

  std::optional<auth::Principal> principal;
  if (authenticated.has_value()) {
    if (!authenticated->ok()) {
      return Finish(call, ErrorResponse(authenticated->status(), resolver));
    }
    principal = **std::move(authenticated);
    if (!info.roles.empty() &&
        !absl::c_linear_search(info.roles, principal->role)) {
      return Finish(
          call,
          ErrorResponse(fineprint::server::RoleNotAllowed(principal->role),
                        resolver));
    }
  }

  if (options_.rate_limit.enabled) {
    call->rate =
        principal.has_value() && !principal->organization.empty()
            ? limiter_.TakeForOrganization(principal->organization,
                                           principal->plan)
            : limiter_.TakeForClient(request.remote_address,
                                     request.Header("x-forwarded-for"));
    if (!call->rate->allowed) {
      absl::Status limited = fineprint::status::WithReason(
          absl::ResourceExhaustedError("rate limit exceeded"), "RATE_LIMITED",
          {{"limit_per_minute", std::to_string(call->rate->limit)}});
      google::rpc::RetryInfo retry;
      const int64_t wait_ms =
          absl::ToInt64Milliseconds(call->rate->retry_after);
      retry.mutable_retry_delay()->set_seconds(wait_ms / 1000);
      retry.mutable_retry_delay()->set_nanos(
          static_cast<int32_t>(wait_ms % 1000) * 1000000);
      fineprint::status::AttachDetail(limited, retry);
      HttpResponse r = ErrorResponse(limited, resolver);
      r.SetHeader("retry-after",
                  std::to_string(static_cast<int64_t>(std::ceil(
                      absl::ToDoubleSeconds(call->rate->retry_after)))));
      return Finish(call, std::move(r));
    }
  }

  if (info.method->server_streaming() && call->head) {
    // The headers a GET would start its stream with, without holding a
    // backend stream open for a client that reads no body. Checks that
    // need no backend (route, auth, limits, request) still apply.
    std::unique_ptr<pb::Message> probe(
        config.factory().GetPrototype(info.method->input_type())->New());
    transcode::HttpRequestParts parts;
    parts.bindings = &match.bindings;
    parts.query = query;
    parts.body_field = match.route->target.body;
    if (absl::Status s = transcode::TranscodeRequest(parts, options_.request,
                                                     resolver, probe.get());
        !s.ok()) {
      return Finish(call, ErrorResponse(s, resolver));
    }
    HttpResponse r;
    r.SetHeader("content-type",
                call->sse ? "text/event-stream" : "application/x-ndjson");
    r.SetHeader("cache-control", "no-cache");
    r.SetHeader("transfer-encoding", "chunked");
    return Finish(call, std::move(r));
  }
  if (info.method->server_streaming() && !call->open_stream) {
    return Finish(call,
                  ErrorResponse(absl::UnimplementedError(
                                    "this transport cannot stream responses"),
                                resolver));
  }

  std::unique_ptr<pb::Message> message(
      config.factory().GetPrototype(info.method->input_type())->New());
  transcode::HttpRequestParts parts;
  parts.bindings = &match.bindings;
  parts.query = query;
  parts.body = request.body;
  parts.body_field = match.route->target.body;
  if (absl::Status s = transcode::TranscodeRequest(parts, options_.request,
                                                   resolver, message.get());
      !s.ok()) {
    return Finish(call, ErrorResponse(s, resolver));
  }

  absl::StatusOr<absl::Duration> timeout =
      TimeoutFor(request, options_.default_timeout, options_.max_timeout);
  if (!timeout.ok())
    return Finish(call, ErrorResponse(timeout.status(), resolver));

  grpc::GenericStub* stub = backends_->StubFor(info.service);
  upstream::UnaryCaller* caller = backends_->CallerFor(info.service);
  if (stub == nullptr || caller == nullptr) {
    return Finish(call, ErrorResponse(absl::UnavailableError(absl::StrCat(
                                          "no backend for ", info.service)),
                                      resolver));
  }
  {
    absl::MutexLock lock(&mu_);
    ++in_flight_;
  }
  std::vector<std::pair<std::string, std::string>> metadata =
      OutboundMetadata(request, call->ids, options_.forward_headers);
  if (info.method->server_streaming()) {
    call->context.emplace();
    for (auto& [k, v] : metadata) call->context->AddMetadata(k, v);
    return StartStream(call, stub, message->SerializePartialAsString());
  }
  upstream::UnaryCall unary;
  unary.method = info.grpc_path;
  unary.metadata = std::move(metadata);
  unary.deadline = absl::Now() + *timeout;
  // Partial: the API is proto3 (no required fields), and the full check
  // walks the message by reflection on every call.
  unary.request = message->SerializePartialAsString();
  caller->Call(std::move(unary), [this, call](const grpc::Status& status,
                                              std::string response) mutable {
    // Declared first so it runs last: the Call must be gone before
    // ~EdgeHandler may return and the backends be destroyed.
    InFlightDone done_guard(this);
    std::shared_ptr<Call> c = std::move(call);
    c->response = std::move(response);
    OnUnaryDone(c, status);
  });
}

void EdgeHandler::OnUnaryDone(const std::shared_ptr<Call>& call,
                              const grpc::Status& status) {
  call->grpc_code = static_cast<int>(status.error_code());
  if (status.ok()) return Respond(call, HttpResponse());
  HttpResponse r;
  r.status = transcode::HttpStatusFromGrpcCode(status.error_code());
  // Fineprint services always attach details; an UNAVAILABLE without them
  // comes from the channel and would name internal addresses.
  const bool from_channel =
      status.error_code() == grpc::StatusCode::UNAVAILABLE &&
      status.error_details().empty();
  r.body = transcode::ErrorBodyJson(
      status.error_code(),
      from_channel ? "backend unavailable" : status.error_message(),
      status.error_details(), &call->config->type_resolver());
  r.SetHeader("content-type", "application/json");
  Finish(call, std::move(r));
}

void EdgeHandler::Respond(const std::shared_ptr<Call>& call, HttpResponse r) {
  const api::ApiConfig& cfg = *call->config;
  const api::MethodInfo& info = *call->info;
  // A google.api.HttpBody answer is the HTTP body itself (e.g. a letter's
  // PDF) with its own content type, as grpc-gateway and Envoy serve it.
  if (info.method->output_type()->full_name() == "google.api.HttpBody") {
    std::unique_ptr<pb::Message> body(
        cfg.factory().GetPrototype(info.method->output_type())->New());
    const pb::FieldDescriptor* type_field =
        info.method->output_type()->FindFieldByName("content_type");
    const pb::FieldDescriptor* data_field =
        info.method->output_type()->FindFieldByName("data");
    if (type_field == nullptr || data_field == nullptr ||
        !body->ParsePartialFromString(call->response)) {
      return Finish(
          call, ErrorResponse(absl::InternalError("malformed backend response"),
                              &cfg.type_resolver()));
    }
    const std::string type =
        body->GetReflection()->GetString(*body, type_field);
    r.status = info.success_code;
    r.body = body->GetReflection()->GetString(*body, data_field);
    r.SetHeader("content-type",
                type.empty() ? "application/octet-stream" : type);
    return Finish(call, std::move(r));
  }
  if (info.success_code != 204 && call->route->target.response_body.empty()) {
    // The common case: the whole message, rendered from its wire form.
    auto json = transcode::TranscodeWireResponse(
        info.method->output_type(), info.response_prototype, call->response,
        options_.response, &cfg.type_resolver());
    if (!json.ok()) {
      return Finish(
          call, ErrorResponse(absl::InternalError("malformed backend response"),
                              &cfg.type_resolver()));
    }
    r.status = info.success_code;
    r.body = *std::move(json);
    r.SetHeader("content-type", "application/json");
    return Finish(call, std::move(r));
  }
  std::unique_ptr<pb::Message> reply(
      cfg.factory().GetPrototype(info.method->output_type())->New());
  if (!reply->ParsePartialFromString(call->response)) {
    return Finish(
        call, ErrorResponse(absl::InternalError("malformed backend response"),
                            &cfg.type_resolver()));
  }
  r.status = info.success_code;
  if (r.status != 204) {
    auto json =
        transcode::TranscodeResponse(*reply, call->route->target.response_body,
                                     options_.response, &cfg.type_resolver());
    if (!json.ok())
      return Finish(call, ErrorResponse(json.status(), &cfg.type_resolver()));
    r.body = *std::move(json);
    r.SetHeader("content-type", "application/json");
  }
  Finish(call, std::move(r));
}

}  // namespace fineprint::gateway::server
