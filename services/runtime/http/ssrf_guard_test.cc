#include "services/runtime/http/ssrf_guard.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fineprint::http {
namespace {

using ::testing::HasSubstr;

IpAddress Ip(const char* text) {
  std::optional<IpAddress> address = IpAddress::Parse(text);
  EXPECT_TRUE(address.has_value()) << text;
  return address.value_or(IpAddress());
}

struct Case {
  const char* address;
  AddressClass expected;
};

void ExpectClasses(const std::vector<Case>& cases) {
  SsrfGuard guard;
  for (const Case& c : cases) {
    EXPECT_EQ(AddressClassName(Classify(Ip(c.address))),
              AddressClassName(c.expected))
        << c.address;
    EXPECT_EQ(guard.IsAllowed(Ip(c.address)),
              c.expected == AddressClass::kGlobal)
        << c.address;
  }
}

TEST(ClassifyTest, Ipv4SpecialPurposeBlocks) {
  ExpectClasses({
      {"0.0.0.0", AddressClass::kUnspecified},
      {"0.1.2.3", AddressClass::kThisNetwork},
      {"10.0.0.1", AddressClass::kPrivate},
      {"10.255.255.255", AddressClass::kPrivate},
      {"100.64.0.1", AddressClass::kSharedCgnat},
      {"100.127.255.254", AddressClass::kSharedCgnat},
      {"127.0.0.1", AddressClass::kLoopback},
      {"127.255.255.254", AddressClass::kLoopback},
      {"169.254.0.1", AddressClass::kLinkLocal},
      {"169.254.169.254", AddressClass::kLinkLocal},
      {"172.16.0.1", AddressClass::kPrivate},
      {"172.31.255.255", AddressClass::kPrivate},
      {"192.0.0.8", AddressClass::kIetfProtocol},
      {"192.0.2.1", AddressClass::kDocumentation},
      {"192.88.99.1", AddressClass::k6to4Relay},
      {"192.168.0.1", AddressClass::kPrivate},
      {"198.18.0.1", AddressClass::kBenchmarking},
      {"198.19.255.255", AddressClass::kBenchmarking},
      {"198.51.100.7", AddressClass::kDocumentation},
      {"203.0.113.9", AddressClass::kDocumentation},
      {"224.0.0.1", AddressClass::kMulticast},
      {"239.255.255.250", AddressClass::kMulticast},
      {"240.0.0.1", AddressClass::kReserved},
      {"254.255.255.255", AddressClass::kReserved},
      {"255.255.255.255", AddressClass::kBroadcast},
  });
}

TEST(ClassifyTest, Ipv4Globals) {
  // Neighbours of the special blocks are ordinary addresses.
  ExpectClasses({
      {"8.8.8.8", AddressClass::kGlobal},
      {"1.1.1.1", AddressClass::kGlobal},
      {"9.255.255.255", AddressClass::kGlobal},
      {"11.0.0.0", AddressClass::kGlobal},
      {"100.63.255.255", AddressClass::kGlobal},
      {"100.128.0.0", AddressClass::kGlobal},
      {"126.255.255.255", AddressClass::kGlobal},
      {"128.0.0.0", AddressClass::kGlobal},
      {"169.253.255.255", AddressClass::kGlobal},
      {"172.15.255.255", AddressClass::kGlobal},
      {"172.32.0.0", AddressClass::kGlobal},
      {"192.0.1.1", AddressClass::kGlobal},
      {"192.167.255.255", AddressClass::kGlobal},
      {"192.169.0.0", AddressClass::kGlobal},
      {"198.17.255.255", AddressClass::kGlobal},
      {"198.20.0.0", AddressClass::kGlobal},
      {"223.255.255.255", AddressClass::kGlobal},
  });
}

TEST(ClassifyTest, Ipv6SpecialPurposeBlocks) {
  ExpectClasses({
      {"::", AddressClass::kUnspecified},
      {"::1", AddressClass::kLoopback},
      {"fe80::1", AddressClass::kLinkLocal},
      {"febf:ffff::1", AddressClass::kLinkLocal},
      {"fc00::1", AddressClass::kUniqueLocal},
      {"fd12:3456:789a::1", AddressClass::kUniqueLocal},
      {"ff02::1", AddressClass::kMulticast},
      {"ff0e::1", AddressClass::kMulticast},
      {"2001:db8::1", AddressClass::kDocumentation},
      {"2001:db8:ffff::1", AddressClass::kDocumentation},
      {"3fff::1", AddressClass::kDocumentation},
      {"::8.8.8.8", AddressClass::kIpv4Compatible},
      {"::127.0.0.1", AddressClass::kIpv4Compatible},
      {"2001::1", AddressClass::kTeredo},
      {"2001:0:4136:e378:8000:63bf:3fff:fdd2", AddressClass::kTeredo},
      {"2001:2::1", AddressClass::kBenchmarking},
      {"100::1", AddressClass::kDiscard},
      {"100::ffff:ffff:ffff:ffff", AddressClass::kDiscard},
      {"fec0::1", AddressClass::kSiteLocal},
      {"64:ff9b:1::10.0.0.1", AddressClass::kNat64LocalUse},
      // Outside 2000::/3 and not otherwise assigned.
      {"4000::1", AddressClass::kReserved},
      {"1::1", AddressClass::kReserved},
      {"100:0:0:1::1", AddressClass::kReserved},
  });
}

TEST(ClassifyTest, Ipv6Globals) {
  ExpectClasses({
      {"2606:4700::1111", AddressClass::kGlobal},
      {"2001:4860:4860::8888", AddressClass::kGlobal},
      {"2a00:1450:4001::1", AddressClass::kGlobal},
      // Neighbours of the special blocks.
      {"2001:db9::1", AddressClass::kGlobal},
      {"2003::1", AddressClass::kGlobal},
  });
}

TEST(ClassifyTest, EmbeddedIpv4TakesTheEmbeddedClass) {
  ExpectClasses({
      // IPv4-mapped.
      {"::ffff:127.0.0.1", AddressClass::kLoopback},
      {"::ffff:10.1.2.3", AddressClass::kPrivate},
      {"::ffff:169.254.169.254", AddressClass::kLinkLocal},
      {"::ffff:8.8.8.8", AddressClass::kGlobal},
      // NAT64 well-known prefix.
      {"64:ff9b::127.0.0.1", AddressClass::kLoopback},
      {"64:ff9b::192.168.0.1", AddressClass::kPrivate},
      {"64:ff9b::8.8.8.8", AddressClass::kGlobal},
      // 6to4: the IPv4 address sits in bits 16..48.
      {"2002:7f00:0001::1", AddressClass::kLoopback},
      {"2002:a9fe:a9fe::", AddressClass::kLinkLocal},
      {"2002:c0a8:0101:1::1", AddressClass::kPrivate},
      {"2002:0808:0808::1", AddressClass::kGlobal},
  });
}

TEST(SsrfGuardTest, RefusalNamesHostAddressAndClass) {
  SsrfGuard guard;
  absl::Status status =
      guard.CheckAddress("metadata.internal", Ip("169.254.169.254"));
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(status.message(), HasSubstr("metadata.internal"));
  EXPECT_THAT(status.message(), HasSubstr("169.254.169.254"));
  EXPECT_THAT(status.message(), HasSubstr("link-local"));

  status = guard.CheckAddress("localhost", Ip("127.0.0.1"));
  EXPECT_THAT(status.message(), HasSubstr("loopback"));
  EXPECT_TRUE(guard.CheckAddress("dns.google", Ip("8.8.8.8")).ok());
}

TEST(SsrfGuardTest, AnyRefusedAddressRefusesTheHost) {
  SsrfGuard guard;
  EXPECT_TRUE(guard.CheckAll("h", {Ip("8.8.8.8"), Ip("2606:4700::1111")}).ok());
  absl::Status status =
      guard.CheckAll("h", {Ip("8.8.8.8"), Ip("10.0.0.5"), Ip("1.1.1.1")});
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(status.message(), HasSubstr("10.0.0.5"));
  EXPECT_EQ(guard.CheckAll("h", {Ip("2606:4700::1111"), Ip("fd00::1")}).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(SsrfGuardTest, AllowListAdmitsOnlyWhatItNames) {
  SsrfGuard guard({*IpRange::Parse("127.0.0.0/8"), *IpRange::Parse("::1")});
  EXPECT_TRUE(guard.IsAllowed(Ip("127.0.0.1")));
  EXPECT_TRUE(guard.IsAllowed(Ip("127.3.2.1")));
  EXPECT_TRUE(guard.IsAllowed(Ip("::1")));
  EXPECT_TRUE(guard.IsAllowed(Ip("8.8.8.8")));
  EXPECT_FALSE(guard.IsAllowed(Ip("10.0.0.1")));
  EXPECT_FALSE(guard.IsAllowed(Ip("169.254.169.254")));
  EXPECT_FALSE(guard.IsAllowed(Ip("fe80::1")));

  SsrfGuard narrow({*IpRange::Parse("127.0.0.2/32")});
  EXPECT_TRUE(narrow.IsAllowed(Ip("127.0.0.2")));
  EXPECT_FALSE(narrow.IsAllowed(Ip("127.0.0.1")));
}

TEST(SsrfGuardTest, ResolvesLiteralsAndLegacyNumericForms) {
  SsrfGuard guard;
  // Each of these is 127.0.0.1 to getaddrinfo (inet_aton rules).
  for (const char* host : {"127.0.0.1", "2130706433", "0x7f.1", "0177.0.0.1",
                           "127.1", "0x7f000001"}) {
    absl::StatusOr<std::vector<IpAddress>> result =
        guard.ResolveAndCheck(host, absl::Now() + absl::Seconds(10));
    EXPECT_EQ(result.status().code(), absl::StatusCode::kPermissionDenied)
        << host;
    EXPECT_THAT(result.status().message(), HasSubstr("loopback")) << host;
  }
  EXPECT_EQ(guard.ResolveAndCheck("::1").status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(guard.ResolveAndCheck("0.0.0.0").status().code(),
            absl::StatusCode::kPermissionDenied);

  absl::StatusOr<std::vector<IpAddress>> global =
      guard.ResolveAndCheck("8.8.8.8");
  ASSERT_TRUE(global.ok()) << global.status();
  EXPECT_EQ(*global, std::vector<IpAddress>{Ip("8.8.8.8")});
}

TEST(SsrfGuardTest, ResolvesNamesFromTheSystemResolver) {
  // /etc/hosts, so no network is needed.
  absl::StatusOr<std::vector<IpAddress>> addresses = ResolveHost("localhost");
  ASSERT_TRUE(addresses.ok()) << addresses.status();
  EXPECT_FALSE(addresses->empty());

  SsrfGuard guard;
  absl::Status refused =
      guard.ResolveAndCheck("localhost", absl::Now() + absl::Seconds(10))
          .status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(refused.message(), HasSubstr("\"localhost\""));
  EXPECT_THAT(refused.message(), HasSubstr("loopback"));

  SsrfGuard allowing(
      {*IpRange::Parse("127.0.0.0/8"), *IpRange::Parse("::1/128")});
  absl::StatusOr<std::vector<IpAddress>> allowed =
      allowing.ResolveAndCheck("localhost", absl::Now() + absl::Seconds(10));
  ASSERT_TRUE(allowed.ok()) << allowed.status();
  EXPECT_EQ(*allowed, *addresses);
}

}  // namespace
}  // namespace fineprint::http
