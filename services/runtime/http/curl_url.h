#ifndef FINEPRINT_SERVICES_RUNTIME_HTTP_CURL_URL_H_
#define FINEPRINT_SERVICES_RUNTIME_HTTP_CURL_URL_H_

// Outbound URLs as libcurl parses them (the HTTP client's, split out of
// http_client.cc). Errors are INVALID_ARGUMENT with reason BAD_URL.

#include <curl/curl.h>

#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace fineprint::http {

// An absolute http(s) URL as libcurl's own parser understands it, so the
// host the guard checks is the host curl would connect to (curl also
// normalises numeric IPv4 forms such as "0x7f.1").
class Url {
 public:
  static absl::StatusOr<Url> Parse(absl::string_view text);

  // Resolves a Location value against this URL (RFC 3986 section 5).
  absl::StatusOr<Url> Resolve(absl::string_view reference) const;

  const std::string& text() const { return text_; }
  const std::string& scheme() const { return scheme_; }
  // Without IPv6 brackets, IDNs in punycode: what the resolver is given.
  const std::string& host() const { return host_; }
  int port() const { return port_; }
  bool is_ip_literal() const { return is_ip_literal_; }

  bool SameOrigin(const Url& other) const {
    return scheme_ == other.scheme_ && port_ == other.port_ &&
           absl::EqualsIgnoreCase(host_, other.host_);
  }

 private:
  struct Cleanup {
    void operator()(CURLU* handle) const { curl_url_cleanup(handle); }
  };
  using UrlHandle = std::unique_ptr<CURLU, Cleanup>;

  explicit Url(UrlHandle handle) : handle_(std::move(handle)) {}

  static absl::StatusOr<Url> FromHandle(UrlHandle handle);

  UrlHandle handle_;
  std::string text_;
  std::string scheme_;
  std::string host_;
  int port_ = 0;
  bool is_ip_literal_ = false;
};

}  // namespace fineprint::http

#endif  // FINEPRINT_SERVICES_RUNTIME_HTTP_CURL_URL_H_
