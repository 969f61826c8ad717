#ifndef FINEPRINT_GATEWAY_SERVER_HTTP_TYPES_H_
#define FINEPRINT_GATEWAY_SERVER_HTTP_TYPES_H_

// Transport-neutral HTTP request/response, so the edge's logic is tested
// without sockets and the Beast server stays a thin adapter.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace fineprint::gateway::server {

struct HttpRequest {
  std::string method;
  std::string target;  // raw request-target: "/path?query"
  // Header names are lower-case; repeated headers appear repeatedly.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_address;

  std::optional<std::string> Header(absl::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k == name) return v;
    }
    return std::nullopt;
  }
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  void SetHeader(absl::string_view name, absl::string_view value) {
    for (auto& [k, v] : headers) {
      if (absl::EqualsIgnoreCase(k, name)) {
        v = std::string(value);
        return;
      }
    }
    headers.emplace_back(std::string(name), std::string(value));
  }
  std::optional<std::string> Header(absl::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (absl::EqualsIgnoreCase(k, name)) return v;
    }
    return std::nullopt;
  }
};

// An incremental answer (chunked transfer encoding), for server-streaming
// methods. Methods may be called from any thread; the transport serialises
// them. The connection closes after End().
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Status line and headers; call once, before Write().
  virtual void Begin(
      int status, std::vector<std::pair<std::string, std::string>> headers) = 0;
  // Sends one chunk. `on_sent(ok)` runs once it is on the wire (or failed),
  // which lets the producer pace itself to the client.
  virtual void Write(std::string chunk,
                     std::function<void(bool ok)> on_sent) = 0;
  virtual void End() = 0;
  // `callback` runs once if the client disconnects before End().
  virtual void OnClientGone(std::function<void()> callback) = 0;
};

using StreamOpener = std::function<std::shared_ptr<ResponseStream>()>;

}  // namespace fineprint::gateway::server

#endif  // FINEPRINT_GATEWAY_SERVER_HTTP_TYPES_H_
