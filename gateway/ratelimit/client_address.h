#ifndef FINEPRINT_GATEWAY_RATELIMIT_CLIENT_ADDRESS_H_
#define FINEPRINT_GATEWAY_RATELIMIT_CLIENT_ADDRESS_H_

// Which address a per-IP limit counts. Behind a load balancer every
// connection comes from the balancer, so the client is in X-Forwarded-For;
// but anyone can send that header, so it is believed only as far as the
// hops that appended it are trusted proxies (configured CIDR ranges).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fineprint::gateway::ratelimit {

class TrustedProxies {
 public:
  // No ranges: X-Forwarded-For is never read.
  TrustedProxies() = default;
  // CIDRs ("10.0.0.0/8", "fd00::/8", or a bare address); INVALID_ARGUMENT
  // naming the first bad entry.
  static absl::StatusOr<TrustedProxies> Parse(
      const std::vector<std::string>& cidrs);

  // The client: walking X-Forwarded-For from its right end, the first
  // address that did not reach us through a trusted proxy. `peer` itself
  // when the peer is not trusted or sent no header. Normalised text, with
  // IPv4-mapped IPv6 printed as IPv4.
  std::string ClientAddress(
      absl::string_view peer,
      std::optional<absl::string_view> forwarded_for) const;

  bool Trusted(absl::string_view address) const;
  bool empty() const { return ranges_.empty(); }

 private:
  using Address = std::array<uint8_t, 16>;  // IPv4 as ::ffff:a.b.c.d
  struct Range {
    Address base;
    int prefix = 0;  // bits, on the 128-bit form
  };
  static std::optional<Address> ParseAddress(absl::string_view text);
  static std::string Format(const Address& address);
  bool Contains(const Address& address) const;

  std::vector<Range> ranges_;
};

}  // namespace fineprint::gateway::ratelimit

#endif  // FINEPRINT_GATEWAY_RATELIMIT_CLIENT_ADDRESS_H_
