#include "services/runtime/http/ip_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace fineprint::http {

IpAddress IpAddress::V4(uint32_t host_order) {
  IpAddress address;
  address.is_v4_ = true;
  address.bytes_[0] = static_cast<uint8_t>(host_order >> 24);
  address.bytes_[1] = static_cast<uint8_t>(host_order >> 16);
  address.bytes_[2] = static_cast<uint8_t>(host_order >> 8);
  address.bytes_[3] = static_cast<uint8_t>(host_order);
  return address;
}

IpAddress IpAddress::V6(const std::array<uint8_t, 16>& bytes) {
  IpAddress address;
  address.is_v4_ = false;
  address.bytes_ = bytes;
  return address;
}

std::optional<IpAddress> IpAddress::Parse(absl::string_view text) {
  // inet_pton needs a NUL-terminated string; it also rejects the legacy
  // inet_aton forms, which is the point.
  std::string copy(text);
  in_addr v4;
  if (inet_pton(AF_INET, copy.c_str(), &v4) == 1) {
    return V4(ntohl(v4.s_addr));
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, copy.c_str(), &v6) == 1) {
    std::array<uint8_t, 16> bytes;
    std::memcpy(bytes.data(), v6.s6_addr, 16);
    return V6(bytes);
  }
  return std::nullopt;
}

std::optional<IpAddress> IpAddress::FromSockaddr(const sockaddr* address,
                                                 socklen_t length) {
  if (address == nullptr) return std::nullopt;
  if (address->sa_family == AF_INET && length >= sizeof(sockaddr_in)) {
    sockaddr_in v4;
    std::memcpy(&v4, address, sizeof(v4));
    return V4(ntohl(v4.sin_addr.s_addr));
  }
  if (address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    sockaddr_in6 v6;
    std::memcpy(&v6, address, sizeof(v6));
    std::array<uint8_t, 16> bytes;
    std::memcpy(bytes.data(), v6.sin6_addr.s6_addr, 16);
    return V6(bytes);
  }
  return std::nullopt;
}

uint32_t IpAddress::v4() const {
  return (uint32_t{bytes_[0]} << 24) | (uint32_t{bytes_[1]} << 16) |
         (uint32_t{bytes_[2]} << 8) | uint32_t{bytes_[3]};
}

IpAddress IpAddress::EmbeddedV4(int bit_offset) const {
  uint32_t value = 0;
  for (int bit = 0; bit < 32; ++bit) {
    int index = bit_offset + bit;
    int set = (bytes_[index / 8] >> (7 - index % 8)) & 1;
    value = (value << 1) | static_cast<uint32_t>(set);
  }
  return V4(value);
}

std::string IpAddress::ToString() const {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (is_v4_) {
    inet_ntop(AF_INET, bytes_.data(), buffer, sizeof(buffer));
  } else {
    inet_ntop(AF_INET6, bytes_.data(), buffer, sizeof(buffer));
  }
  return buffer;
}

namespace {

IpAddress Masked(const IpAddress& address, int prefix_length) {
  if (address.is_v4()) {
    uint32_t v4 = address.v4();
    uint32_t mask =
        prefix_length == 0 ? 0 : ~uint32_t{0} << (32 - prefix_length);
    return IpAddress::V4(v4 & mask);
  }
  std::array<uint8_t, 16> bytes = address.v6();
  for (int i = 0; i < 16; ++i) {
    int keep = prefix_length - i * 8;
    if (keep >= 8) continue;
    bytes[i] =
        keep <= 0 ? 0 : static_cast<uint8_t>(bytes[i] & (0xff << (8 - keep)));
  }
  return IpAddress::V6(bytes);
}

}  // namespace

IpRange::IpRange(IpAddress base, int prefix_length)
    : base_(Masked(base, prefix_length)), prefix_length_(prefix_length) {}

absl::StatusOr<IpRange> IpRange::Parse(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  absl::string_view address_text = text;
  absl::string_view prefix_text;
  size_t slash = text.find('/');
  if (slash != absl::string_view::npos) {
    address_text = text.substr(0, slash);
    prefix_text = text.substr(slash + 1);
  }
  std::optional<IpAddress> address = IpAddress::Parse(address_text);
  if (!address.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not an IP range: \"", text, "\""));
  }
  int max_prefix = address->is_v4() ? 32 : 128;
  int prefix = max_prefix;
  if (slash != absl::string_view::npos &&
      (!absl::SimpleAtoi(prefix_text, &prefix) || prefix < 0 ||
       prefix > max_prefix || prefix_text.empty() ||
       prefix_text.find_first_not_of("0123456789") !=
           absl::string_view::npos)) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad prefix length in IP range \"", text, "\""));
  }
  return IpRange(*address, prefix);
}

bool IpRange::Contains(const IpAddress& address) const {
  if (address.is_v4() != base_.is_v4()) return false;
  return Masked(address, prefix_length_) == base_;
}

std::string IpRange::ToString() const {
  return absl::StrCat(base_.ToString(), "/", prefix_length_);
}

absl::StatusOr<std::vector<IpRange>> ParseIpRanges(absl::string_view text) {
  std::vector<IpRange> ranges;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    part = absl::StripAsciiWhitespace(part);
    if (part.empty()) continue;
    absl::StatusOr<IpRange> range = IpRange::Parse(part);
    if (!range.ok()) return range.status();
    ranges.push_back(*std::move(range));
  }
  return ranges;
}

}  // namespace fineprint::http
