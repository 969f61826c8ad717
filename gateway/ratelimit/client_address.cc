#include "gateway/ratelimit/client_address.h"

#include <arpa/inet.h>

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace fineprint::gateway::ratelimit {
namespace {

constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0,    0,
                                       0, 0, 0, 0, 0xff, 0xff};

bool IsMapped(const std::array<uint8_t, 16>& a) {
  return std::memcmp(a.data(), kMappedPrefix, 12) == 0;
}

}  // namespace

std::optional<TrustedProxies::Address> TrustedProxies::ParseAddress(
    absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  // "[v6]" and "[v6]:port" as some proxies write them.
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == absl::string_view::npos) return std::nullopt;
    text = text.substr(1, close - 1);
  }
  const std::string s(text);
  Address out{};
  in_addr v4;
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    std::memcpy(out.data(), kMappedPrefix, 12);
    std::memcpy(out.data() + 12, &v4, 4);
    return out;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    return out;
  }
  return std::nullopt;
}

std::string TrustedProxies::Format(const Address& address) {
  char buf[INET6_ADDRSTRLEN];
  if (IsMapped(address)) {
    inet_ntop(AF_INET, address.data() + 12, buf, sizeof(buf));
  } else {
    inet_ntop(AF_INET6, address.data(), buf, sizeof(buf));
  }
  return buf;
}

absl::StatusOr<TrustedProxies> TrustedProxies::Parse(
    const std::vector<std::string>& cidrs) {
  TrustedProxies proxies;
  for (const std::string& cidr : cidrs) {
    if (absl::StripAsciiWhitespace(cidr).empty()) continue;
    std::pair<absl::string_view, absl::string_view> parts =
        absl::StrSplit(cidr, absl::MaxSplits('/', 1));
    std::optional<Address> base = ParseAddress(parts.first);
    const int width = base && IsMapped(*base) ? 32 : 128;
    int prefix = width;
    if (!base ||
        (!parts.second.empty() && (!absl::SimpleAtoi(parts.second, &prefix) ||
                                   prefix < 0 || prefix > width))) {
      return absl::InvalidArgumentError(
          absl::StrCat("trusted proxy range \"", cidr, "\" is not a CIDR"));
    }
    Range r;
    r.base = *base;
    r.prefix = prefix + (128 - width);
    proxies.ranges_.push_back(r);
  }
  return proxies;
}

bool TrustedProxies::Contains(const Address& address) const {
  for (const Range& r : ranges_) {
    int bits = r.prefix;
    bool match = true;
    for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
      const uint8_t mask =
          bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
      if ((address[i] & mask) != (r.base[i] & mask)) {
        match = false;
        break;
      }
    }
    if (match) return true;
  }
  return false;
}

bool TrustedProxies::Trusted(absl::string_view address) const {
  std::optional<Address> a = ParseAddress(address);
  return a.has_value() && Contains(*a);
}

std::string TrustedProxies::ClientAddress(
    absl::string_view peer,
    std::optional<absl::string_view> forwarded_for) const {
  std::optional<Address> current = ParseAddress(peer);
  if (!current.has_value()) return std::string(peer);
  if (ranges_.empty() || !forwarded_for.has_value()) return Format(*current);
  std::vector<absl::string_view> hops =
      absl::StrSplit(*forwarded_for, ',', absl::SkipWhitespace());
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    if (!Contains(*current)) break;
    std::optional<Address> hop = ParseAddress(*it);
    // A hop a trusted proxy wrote but that is no address: stop at the
    // proxy rather than count garbage as a client.
    if (!hop.has_value()) break;
    current = hop;
  }
  return Format(*current);
}

}  // namespace fineprint::gateway::ratelimit
