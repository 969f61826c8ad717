#ifndef FINEPRINT_SERVICES_RUNTIME_HTTP_HTTP_CLIENT_H_
#define FINEPRINT_SERVICES_RUNTIME_HTTP_HTTP_CLIENT_H_

// The one way Fineprint services make outbound HTTP requests (fetching
// watched documents, delivering webhooks). Every request, and every
// redirect hop, goes through the SSRF guard: the host is resolved once, all
// of its addresses must pass, and the connection is pinned to those
// addresses so a second DNS answer cannot swap in a private one.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/runtime/http/ip_address.h"
#include "services/runtime/http/ssrf_guard.h"

namespace fineprint::http {

// Header fields in arrival order; lookups ignore case and see every value
// of a repeated field.
class HeaderMap {
 public:
  void Add(absl::string_view name, absl::string_view value);

  // The first value of `name`, if present.
  std::optional<std::string> Get(absl::string_view name) const;
  // Every value of `name`, in order.
  std::vector<std::string> GetAll(absl::string_view name) const;
  bool Has(absl::string_view name) const;

  const std::vector<std::pair<std::string, std::string>>& entries() const {
    return entries_;
  }
  bool empty() const { return entries_.empty(); }

 private:
  // Names as received; comparisons are case-insensitive.
  std::vector<std::pair<std::string, std::string>> entries_;
};

enum class Method { kGet, kPost, kHead };

absl::string_view MethodName(Method method);

struct Request {
  Method method = Method::kGet;
  std::string url;
  // Extra request headers. Host, Content-Length and Transfer-Encoding are
  // derived from the URL and body and refused here (see Send).
  std::vector<std::pair<std::string, std::string>> headers;
  // Sent with POST (and kept across 307/308 redirects).
  std::string body;
};

// One request made while following redirects.
struct Hop {
  std::string url;
  Method method = Method::kGet;
  int status = 0;
};

struct Response {
  int status = 0;
  // Of the final response. The body is already decoded, but a
  // Content-Encoding header still says how it travelled.
  HeaderMap headers;
  std::string body;
  // The URL that produced this response, after redirects.
  std::string final_url;
  // Every request made, first to last; the last one produced this response.
  std::vector<Hop> hops;
};

struct ClientOptions {
  // Per connection attempt (TCP and TLS handshake).
  absl::Duration connect_timeout = absl::Seconds(10);
  // For the whole Send, resolution and every redirect hop included.
  absl::Duration total_timeout = absl::Seconds(30);
  // Decoded body bytes; the transfer stops as soon as a response exceeds it,
  // so a small gzip bomb cannot inflate past it either.
  size_t max_response_bytes = 10 * 1024 * 1024;
  // Redirects followed before giving up; 0 returns the 3xx itself.
  int max_redirects = 10;
  std::string user_agent = "Fineprint/1.0 (+https://fineprint.dev)";
  // Non-global ranges that may nevertheless be reached. Empty in
  // production; OutboundAllowFromFlag() for binaries that offer the flag.
  std::vector<IpRange> allow;
  // Stands in for getaddrinfo (tests); its answers are checked like any
  // other. Null: the system resolver.
  Resolver resolver;
};

// Idle libcurl handles of one HttpClient, with their open connections.
class CurlHandleCache;

// Thread-safe: immutable after Create, and each Send uses its own libcurl
// handles, so one client can serve every thread of a process. Connections
// are kept alive between requests (handles go back to a per-client cache
// after a successful transfer); a kept connection was checked by this
// client's guard when it was opened, to an address the guard approved.
class HttpClient {
 public:
  // INVALID_ARGUMENT for unusable options.
  static absl::StatusOr<std::unique_ptr<HttpClient>> Create(
      ClientOptions options);

  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  ~HttpClient();

  // Sends `request`, following redirects by hand. Any HTTP status is a
  // successful result; errors are
  //   INVALID_ARGUMENT    bad URL, scheme other than http/https (also in a
  //                       redirect), malformed header;
  //   PERMISSION_DENIED   the guard refused an address of some hop;
  //   DEADLINE_EXCEEDED   connect or total timeout;
  //   RESOURCE_EXHAUSTED  body over max_response_bytes, or more than
  //                       max_redirects redirects;
  //   UNAVAILABLE         DNS failure, connection refused, TLS failure and
  //                       other transport errors.
  // Messages name hosts but never whole URLs, which may carry credentials.
  absl::StatusOr<Response> Send(const Request& request) const;

  absl::StatusOr<Response> Get(absl::string_view url) const;

  const ClientOptions& options() const { return options_; }

 private:
  explicit HttpClient(ClientOptions options);

  ClientOptions options_;
  SsrfGuard guard_;
  std::unique_ptr<CurlHandleCache> handles_;
};

}  // namespace fineprint::http

#endif  // FINEPRINT_SERVICES_RUNTIME_HTTP_HTTP_CLIENT_H_
