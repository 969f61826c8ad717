#ifndef FINEPRINT_SERVICES_RUNTIME_HTTP_IP_ADDRESS_H_
#define FINEPRINT_SERVICES_RUNTIME_HTTP_IP_ADDRESS_H_

// IPv4/IPv6 addresses and CIDR ranges as plain values, so the SSRF guard can
// compare exactly what was resolved with exactly what a socket connects to.

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fineprint::http {

class IpAddress {
 public:
  // 0.0.0.0.
  IpAddress() = default;

  static IpAddress V4(uint32_t host_order);
  static IpAddress V6(const std::array<uint8_t, 16>& bytes);

  // Canonical numeric text only: dotted-quad IPv4 or IPv6 (no brackets, no
  // zone). Legacy forms such as "2130706433" or "0x7f.1" are deliberately
  // not accepted here; hosts go through the resolver, which normalises them.
  static std::optional<IpAddress> Parse(absl::string_view text);

  // AF_INET or AF_INET6 socket addresses; nullopt for anything else.
  static std::optional<IpAddress> FromSockaddr(const sockaddr* address,
                                               socklen_t length);

  bool is_v4() const { return is_v4_; }
  // Only meaningful when is_v4().
  uint32_t v4() const;
  // Only meaningful when !is_v4().
  const std::array<uint8_t, 16>& v6() const { return bytes_; }

  // The IPv4 address carried in bits [offset, offset + 32) of an IPv6
  // address.
  IpAddress EmbeddedV4(int bit_offset) const;

  // inet_ntop form ("127.0.0.1", "::ffff:127.0.0.1").
  std::string ToString() const;

  friend bool operator==(const IpAddress& a, const IpAddress& b) {
    return a.is_v4_ == b.is_v4_ && a.bytes_ == b.bytes_;
  }
  friend bool operator!=(const IpAddress& a, const IpAddress& b) {
    return !(a == b);
  }

 private:
  bool is_v4_ = true;
  // IPv4 in the first four bytes (network order), the rest zero.
  std::array<uint8_t, 16> bytes_{};
};

// A CIDR block, "10.0.0.0/8" or "fc00::/7". A bare address is a /32 or /128.
class IpRange {
 public:
  IpRange(IpAddress base, int prefix_length);

  // INVALID_ARGUMENT on malformed text. Host bits below the prefix are
  // cleared, so "127.0.0.1/8" means 127.0.0.0/8.
  static absl::StatusOr<IpRange> Parse(absl::string_view text);

  // Same family and the first prefix_length bits agree.
  bool Contains(const IpAddress& address) const;

  const IpAddress& base() const { return base_; }
  int prefix_length() const { return prefix_length_; }
  std::string ToString() const;

 private:
  IpAddress base_;
  int prefix_length_;
};

// Comma-separated CIDRs ("127.0.0.0/8, ::1"); empty text is an empty list.
// INVALID_ARGUMENT names the first entry that does not parse.
absl::StatusOr<std::vector<IpRange>> ParseIpRanges(absl::string_view text);

}  // namespace fineprint::http

#endif  // FINEPRINT_SERVICES_RUNTIME_HTTP_IP_ADDRESS_H_
