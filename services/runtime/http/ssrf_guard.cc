#include "services/runtime/http/ssrf_guard.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace fineprint::http {
namespace {

struct V4Block {
  uint32_t base;
  int prefix_length;
  AddressClass address_class;
};

constexpr uint32_t Dotted(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}

// IANA's IPv4 special-purpose registry, minus the blocks that are globally
// reachable. Order matters only where blocks nest (broadcast inside 240/4,
// unspecified inside 0/8).
constexpr V4Block kV4Blocks[] = {
    {Dotted(0, 0, 0, 0), 32, AddressClass::kUnspecified},
    {Dotted(0, 0, 0, 0), 8, AddressClass::kThisNetwork},
    {Dotted(10, 0, 0, 0), 8, AddressClass::kPrivate},
    {Dotted(100, 64, 0, 0), 10, AddressClass::kSharedCgnat},
    {Dotted(127, 0, 0, 0), 8, AddressClass::kLoopback},
    {Dotted(169, 254, 0, 0), 16, AddressClass::kLinkLocal},
    {Dotted(172, 16, 0, 0), 12, AddressClass::kPrivate},
    {Dotted(192, 0, 0, 0), 24, AddressClass::kIetfProtocol},
    {Dotted(192, 0, 2, 0), 24, AddressClass::kDocumentation},
    {Dotted(192, 88, 99, 0), 24, AddressClass::k6to4Relay},
    {Dotted(192, 168, 0, 0), 16, AddressClass::kPrivate},
    {Dotted(198, 18, 0, 0), 15, AddressClass::kBenchmarking},
    {Dotted(198, 51, 100, 0), 24, AddressClass::kDocumentation},
    {Dotted(203, 0, 113, 0), 24, AddressClass::kDocumentation},
    {Dotted(224, 0, 0, 0), 4, AddressClass::kMulticast},
    {Dotted(255, 255, 255, 255), 32, AddressClass::kBroadcast},
    {Dotted(240, 0, 0, 0), 4, AddressClass::kReserved},
};

AddressClass ClassifyV4(uint32_t address) {
  for (const V4Block& block : kV4Blocks) {
    uint32_t mask = block.prefix_length == 0
                        ? 0
                        : ~uint32_t{0} << (32 - block.prefix_length);
    if ((address & mask) == block.base) return block.address_class;
  }
  return AddressClass::kGlobal;
}

IpRange V6Range(absl::string_view text, int prefix_length) {
  // The literals below are constants, so Parse cannot fail.
  return IpRange(*IpAddress::Parse(text), prefix_length);
}

AddressClass ClassifyV6(const IpAddress& address) {
  // Built once; IpRange has no constexpr constructor.
  static const auto* const kV6Ranges =
      new std::vector<std::pair<IpRange, AddressClass>>{
          {V6Range("::", 128), AddressClass::kUnspecified},
          {V6Range("::1", 128), AddressClass::kLoopback},
          {V6Range("::", 96), AddressClass::kIpv4Compatible},
          {V6Range("64:ff9b:1::", 48), AddressClass::kNat64LocalUse},
          {V6Range("100::", 64), AddressClass::kDiscard},
          {V6Range("2001::", 32), AddressClass::kTeredo},
          {V6Range("2001:2::", 48), AddressClass::kBenchmarking},
          {V6Range("2001:db8::", 32), AddressClass::kDocumentation},
          {V6Range("3fff::", 20), AddressClass::kDocumentation},
          {V6Range("fc00::", 7), AddressClass::kUniqueLocal},
          {V6Range("fe80::", 10), AddressClass::kLinkLocal},
          {V6Range("fec0::", 10), AddressClass::kSiteLocal},
          {V6Range("ff00::", 8), AddressClass::kMulticast},
      };
  static const auto* const kMapped = new IpRange(V6Range("::ffff:0:0", 96));
  static const auto* const kNat64 = new IpRange(V6Range("64:ff9b::", 96));
  static const auto* const k6to4 = new IpRange(V6Range("2002::", 16));
  static const auto* const kGlobalUnicast = new IpRange(V6Range("2000::", 3));

  // These forward to the IPv4 address they carry, so they are exactly as
  // reachable as that address.
  if (kMapped->Contains(address) || kNat64->Contains(address)) {
    return ClassifyV4(address.EmbeddedV4(96).v4());
  }
  if (k6to4->Contains(address)) {
    return ClassifyV4(address.EmbeddedV4(16).v4());
  }
  for (const auto& [range, address_class] : *kV6Ranges) {
    if (range.Contains(address)) return address_class;
  }
  // Only 2000::/3 is allocated for global unicast; the rest is reserved by
  // the IETF and has no business appearing in DNS.
  if (!kGlobalUnicast->Contains(address)) return AddressClass::kReserved;
  return AddressClass::kGlobal;
}

}  // namespace

absl::string_view AddressClassName(AddressClass address_class) {
  switch (address_class) {
    case AddressClass::kGlobal:
      return "global";
    case AddressClass::kUnspecified:
      return "unspecified";
    case AddressClass::kThisNetwork:
      return "this-network";
    case AddressClass::kPrivate:
      return "private";
    case AddressClass::kSharedCgnat:
      return "shared address space (CGNAT)";
    case AddressClass::kLoopback:
      return "loopback";
    case AddressClass::kLinkLocal:
      return "link-local";
    case AddressClass::kIetfProtocol:
      return "IETF protocol assignment";
    case AddressClass::kDocumentation:
      return "documentation";
    case AddressClass::k6to4Relay:
      return "6to4 relay anycast";
    case AddressClass::kBenchmarking:
      return "benchmarking";
    case AddressClass::kMulticast:
      return "multicast";
    case AddressClass::kReserved:
      return "reserved";
    case AddressClass::kBroadcast:
      return "broadcast";
    case AddressClass::kIpv4Compatible:
      return "IPv4-compatible";
    case AddressClass::kNat64LocalUse:
      return "local-use NAT64";
    case AddressClass::kDiscard:
      return "discard-only";
    case AddressClass::kTeredo:
      return "Teredo";
    case AddressClass::kUniqueLocal:
      return "unique-local";
    case AddressClass::kSiteLocal:
      return "site-local";
  }
  return "unknown";
}

AddressClass Classify(const IpAddress& address) {
  return address.is_v4() ? ClassifyV4(address.v4()) : ClassifyV6(address);
}

SsrfGuard::SsrfGuard(std::vector<IpRange> allow, Resolver resolver)
    : allow_(std::move(allow)),
      resolver_(resolver != nullptr ? std::move(resolver)
                                    : Resolver(ResolveHost)) {}

bool SsrfGuard::IsAllowed(const IpAddress& address) const {
  if (Classify(address) == AddressClass::kGlobal) return true;
  for (const IpRange& range : allow_) {
    if (range.Contains(address)) return true;
  }
  return false;
}

absl::Status SsrfGuard::CheckAddress(absl::string_view host,
                                     const IpAddress& address) const {
  if (IsAllowed(address)) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "outbound request to host \"", host, "\" refused: address ",
      address.ToString(), " is ", AddressClassName(Classify(address)),
      " (not globally routable and not in the outbound allow-list)"));
}

absl::Status SsrfGuard::CheckAll(
    absl::string_view host, const std::vector<IpAddress>& addresses) const {
  for (const IpAddress& address : addresses) {
    absl::Status status = CheckAddress(host, address);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<IpAddress>> ResolveHost(absl::string_view host) {
  if (host.empty()) return absl::InvalidArgumentError("empty host name");
  addrinfo hints = {};
  // No AI_ADDRCONFIG: every record must be checked, including families this
  // machine cannot reach today.
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  std::string name(host);
  int rc = getaddrinfo(name.c_str(), nullptr, &hints, &result);
  if (rc != 0) {
    return absl::UnavailableError(absl::StrCat("could not resolve host \"",
                                               host, "\": ", gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owned(result,
                                                           &freeaddrinfo);
  std::vector<IpAddress> addresses;
  for (const addrinfo* entry = result; entry != nullptr;
       entry = entry->ai_next) {
    std::optional<IpAddress> address =
        IpAddress::FromSockaddr(entry->ai_addr, entry->ai_addrlen);
    if (!address.has_value()) continue;
    if (std::find(addresses.begin(), addresses.end(), *address) ==
        addresses.end()) {
      addresses.push_back(*address);
    }
  }
  if (addresses.empty()) {
    return absl::UnavailableError(
        absl::StrCat("host \"", host, "\" has no IPv4 or IPv6 address"));
  }
  return addresses;
}

namespace {

// getaddrinfo cannot be cancelled or given a timeout, so a lookup that must
// respect a deadline runs on its own thread; if the deadline passes first the
// caller gives up and the thread finishes into state nobody reads.
struct PendingLookup {
  absl::Mutex mu;
  bool done ABSL_GUARDED_BY(mu) = false;
  absl::StatusOr<std::vector<IpAddress>> result ABSL_GUARDED_BY(mu) =
      absl::UnknownError("lookup pending");
};

absl::StatusOr<std::vector<IpAddress>> ResolveBefore(const Resolver& resolver,
                                                     absl::string_view host,
                                                     absl::Time deadline) {
  if (deadline == absl::InfiniteFuture()) return resolver(host);
  auto pending = std::make_shared<PendingLookup>();
  std::thread([pending, resolver, name = std::string(host)] {
    absl::StatusOr<std::vector<IpAddress>> result = resolver(name);
    absl::MutexLock lock(&pending->mu);
    pending->result = std::move(result);
    pending->done = true;
  }).detach();
  absl::MutexLock lock(&pending->mu);
  if (!pending->mu.AwaitWithDeadline(absl::Condition(&pending->done),
                                     deadline)) {
    return absl::DeadlineExceededError(
        absl::StrCat("resolving host \"", host, "\" timed out"));
  }
  return pending->result;
}

}  // namespace

absl::StatusOr<std::vector<IpAddress>> SsrfGuard::ResolveAndCheck(
    absl::string_view host, absl::Time deadline) const {
  // Literals need no resolver (and no thread).
  std::optional<IpAddress> literal = IpAddress::Parse(host);
  std::vector<IpAddress> addresses;
  if (literal.has_value()) {
    addresses.push_back(*literal);
  } else {
    absl::StatusOr<std::vector<IpAddress>> resolved =
        ResolveBefore(resolver_, host, deadline);
    if (!resolved.ok()) return resolved.status();
    addresses = *std::move(resolved);
  }
  // An empty answer would pin nothing and leave curl to resolve by itself.
  if (addresses.empty()) {
    return absl::UnavailableError(
        absl::StrCat("host \"", host, "\" has no address"));
  }
  absl::Status checked = CheckAll(host, addresses);
  if (!checked.ok()) return checked;
  return addresses;
}

}  // namespace fineprint::http
