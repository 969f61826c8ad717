#ifndef FINEPRINT_SERVICES_RUNTIME_HTTP_SSRF_GUARD_H_
#define FINEPRINT_SERVICES_RUNTIME_HTTP_SSRF_GUARD_H_

// Decides which addresses outbound requests may reach. Fineprint fetches
// URLs that users name, so without this a user could make a service read
// its cloud metadata endpoint, an admin port on loopback or anything else
// on the private network (server-side request forgery).
//
// Only globally routable unicast addresses are admitted, plus whatever an
// explicit allow-list names (for development and tests). A host is refused
// if ANY of its addresses is refused: otherwise a name with one public and
// one private record would let the connection attempt order decide.

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/runtime/http/ip_address.h"

namespace fineprint::http {

// Why an address is not globally reachable; kGlobal if it is.
enum class AddressClass {
  kGlobal,
  kUnspecified,     // 0.0.0.0, ::
  kThisNetwork,     // 0.0.0.0/8
  kPrivate,         // 10/8, 172.16/12, 192.168/16
  kSharedCgnat,     // 100.64/10
  kLoopback,        // 127/8, ::1
  kLinkLocal,       // 169.254/16 (incl. cloud metadata), fe80::/10
  kIetfProtocol,    // 192.0.0/24
  kDocumentation,   // 192.0.2/24, 198.51.100/24, 203.0.113/24,
                    // 2001:db8::/32, 3fff::/20
  k6to4Relay,       // 192.88.99/24
  kBenchmarking,    // 198.18/15, 2001:2::/48
  kMulticast,       // 224/4, ff00::/8
  kReserved,        // 240/4, IPv6 outside 2000::/3
  kBroadcast,       // 255.255.255.255
  kIpv4Compatible,  // ::/96 (deprecated)
  kNat64LocalUse,   // 64:ff9b:1::/48
  kDiscard,         // 100::/64
  kTeredo,          // 2001::/32
  kUniqueLocal,     // fc00::/7
  kSiteLocal,       // fec0::/10 (deprecated)
};

// A short human-readable name ("loopback", "private", ...).
absl::string_view AddressClassName(AddressClass address_class);

// Classifies `address`. Addresses that embed an IPv4 address and are routed
// to it (IPv4-mapped ::ffff:0:0/96, NAT64 64:ff9b::/96, 6to4 2002::/16) take
// the class of the embedded address, so ::ffff:127.0.0.1 is loopback and
// 2002:0808:0808:: is global.
AddressClass Classify(const IpAddress& address);

// Every A/AAAA record of a host name. The guard checks whatever it returns,
// so a replacement (tests use one to stand in for DNS) cannot widen it.
using Resolver =
    std::function<absl::StatusOr<std::vector<IpAddress>>(absl::string_view)>;

class SsrfGuard {
 public:
  // A null `resolver` means ResolveHost (getaddrinfo).
  explicit SsrfGuard(std::vector<IpRange> allow = {},
                     Resolver resolver = nullptr);

  // True if `address` is global or inside an allow-listed range.
  bool IsAllowed(const IpAddress& address) const;

  // OK, or PERMISSION_DENIED naming `host`, the address and its class.
  absl::Status CheckAddress(absl::string_view host,
                            const IpAddress& address) const;

  // Checks every address; the first refusal wins.
  absl::Status CheckAll(absl::string_view host,
                        const std::vector<IpAddress>& addresses) const;

  // Resolves every A and AAAA record of `host` (a name or an IP literal,
  // including the legacy numeric forms getaddrinfo accepts such as
  // "2130706433") and checks them all. Returns the addresses, deduplicated,
  // for the caller to pin the connection to. UNAVAILABLE when the name does
  // not resolve, DEADLINE_EXCEEDED when resolution outlives `deadline`.
  absl::StatusOr<std::vector<IpAddress>> ResolveAndCheck(
      absl::string_view host,
      absl::Time deadline = absl::InfiniteFuture()) const;

  const std::vector<IpRange>& allow() const { return allow_; }

 private:
  std::vector<IpRange> allow_;
  Resolver resolver_;
};

// Every A/AAAA record of `host` via getaddrinfo, deduplicated, with no
// checks. Blocks for as long as the system resolver does.
absl::StatusOr<std::vector<IpAddress>> ResolveHost(absl::string_view host);

}  // namespace fineprint::http

#endif  // FINEPRINT_SERVICES_RUNTIME_HTTP_SSRF_GUARD_H_
