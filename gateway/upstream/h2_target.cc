#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "gateway/upstream/h2_connection.h"

namespace fineprint::gateway::upstream {

std::optional<H2Target> ParseH2Target(absl::string_view target) {
  absl::ConsumePrefix(&target, "dns:///");
  if (absl::StrContains(target, "://") || absl::StartsWith(target, "unix:") ||
      absl::StartsWith(target, "ipv4:") || absl::StartsWith(target, "ipv6:")) {
    return std::nullopt;
  }
  H2Target out;
  out.authority = std::string(target);
  size_t colon;
  if (absl::StartsWith(target, "[")) {
    const size_t close = target.find(']');
    if (close == absl::string_view::npos || close + 1 >= target.size() ||
        target[close + 1] != ':') {
      return std::nullopt;
    }
    out.host = std::string(target.substr(1, close - 1));
    colon = close + 1;
  } else {
    colon = target.rfind(':');
    if (colon == absl::string_view::npos) return std::nullopt;
    out.host = std::string(target.substr(0, colon));
    if (absl::StrContains(out.host, ':')) return std::nullopt;
  }
  out.port = std::string(target.substr(colon + 1));
  int port = 0;
  if (out.host.empty() || !absl::SimpleAtoi(out.port, &port) || port <= 0 ||
      port > 65535) {
    return std::nullopt;
  }
  return out;
}

}  // namespace fineprint::gateway::upstream
