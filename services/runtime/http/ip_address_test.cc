#include "services/runtime/http/ip_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "gtest/gtest.h"

namespace fineprint::http {
namespace {

TEST(IpAddressTest, ParsesCanonicalForms) {
  std::optional<IpAddress> v4 = IpAddress::Parse("192.168.1.20");
  ASSERT_TRUE(v4.has_value());
  EXPECT_TRUE(v4->is_v4());
  EXPECT_EQ(v4->v4(), 0xC0A80114u);
  EXPECT_EQ(v4->ToString(), "192.168.1.20");

  std::optional<IpAddress> v6 = IpAddress::Parse("2606:4700::1111");
  ASSERT_TRUE(v6.has_value());
  EXPECT_FALSE(v6->is_v4());
  EXPECT_EQ(v6->ToString(), "2606:4700::1111");
  EXPECT_EQ(IpAddress::Parse("::ffff:127.0.0.1")->ToString(),
            "::ffff:127.0.0.1");
}

TEST(IpAddressTest, RejectsLegacyAndDecoratedForms) {
  // These go through the resolver, never through Parse.
  EXPECT_FALSE(IpAddress::Parse("2130706433").has_value());
  EXPECT_FALSE(IpAddress::Parse("0x7f.1").has_value());
  EXPECT_FALSE(IpAddress::Parse("0177.0.0.1").has_value());
  EXPECT_FALSE(IpAddress::Parse("127.1").has_value());
  EXPECT_FALSE(IpAddress::Parse("[::1]").has_value());
  EXPECT_FALSE(IpAddress::Parse("fe80::1%eth0").has_value());
  EXPECT_FALSE(IpAddress::Parse("localhost").has_value());
  EXPECT_FALSE(IpAddress::Parse("").has_value());
}

TEST(IpAddressTest, FromSockaddr) {
  sockaddr_in v4 = {};
  v4.sin_family = AF_INET;
  v4.sin_addr.s_addr = htonl(0x7f000001);
  EXPECT_EQ(
      IpAddress::FromSockaddr(reinterpret_cast<sockaddr*>(&v4), sizeof(v4)),
      IpAddress::Parse("127.0.0.1"));
  sockaddr_in6 v6 = {};
  v6.sin6_family = AF_INET6;
  v6.sin6_addr = in6addr_loopback;
  EXPECT_EQ(
      IpAddress::FromSockaddr(reinterpret_cast<sockaddr*>(&v6), sizeof(v6)),
      IpAddress::Parse("::1"));
  EXPECT_FALSE(
      IpAddress::FromSockaddr(reinterpret_cast<sockaddr*>(&v6), 8).has_value());
}

TEST(IpAddressTest, EmbeddedV4) {
  EXPECT_EQ(IpAddress::Parse("2002:c0a8:0101::")->EmbeddedV4(16),
            IpAddress::Parse("192.168.1.1"));
  EXPECT_EQ(IpAddress::Parse("64:ff9b::10.0.0.1")->EmbeddedV4(96),
            IpAddress::Parse("10.0.0.1"));
}

TEST(IpRangeTest, ParsesAndContains) {
  absl::StatusOr<IpRange> loopback = IpRange::Parse("127.0.0.0/8");
  ASSERT_TRUE(loopback.ok()) << loopback.status();
  EXPECT_TRUE(loopback->Contains(*IpAddress::Parse("127.255.0.1")));
  EXPECT_FALSE(loopback->Contains(*IpAddress::Parse("128.0.0.1")));
  // Families never match each other.
  EXPECT_FALSE(loopback->Contains(*IpAddress::Parse("::ffff:127.0.0.1")));

  absl::StatusOr<IpRange> ula = IpRange::Parse("fc00::/7");
  ASSERT_TRUE(ula.ok());
  EXPECT_TRUE(ula->Contains(*IpAddress::Parse("fd12:3456::1")));
  EXPECT_FALSE(ula->Contains(*IpAddress::Parse("fe80::1")));

  absl::StatusOr<IpRange> single = IpRange::Parse("127.0.0.2");
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(single->ToString(), "127.0.0.2/32");
  EXPECT_TRUE(single->Contains(*IpAddress::Parse("127.0.0.2")));
  EXPECT_FALSE(single->Contains(*IpAddress::Parse("127.0.0.1")));

  // Host bits are cleared.
  EXPECT_EQ(IpRange::Parse("10.1.2.3/8")->ToString(), "10.0.0.0/8");
  EXPECT_EQ(IpRange::Parse("0.0.0.0/0")->ToString(), "0.0.0.0/0");
  EXPECT_TRUE(
      IpRange::Parse("0.0.0.0/0")->Contains(*IpAddress::Parse("1.2.3.4")));
}

TEST(IpRangeTest, RejectsMalformed) {
  for (const char* text :
       {"", "127.0.0.0/", "127.0.0.0/33", "::/129", "127.0.0.0/-1",
        "127.0.0.0/8x", "localhost/8", "127.0.0.0/+8"}) {
    EXPECT_FALSE(IpRange::Parse(text).ok()) << text;
  }
}

TEST(IpRangeTest, ParsesLists) {
  absl::StatusOr<std::vector<IpRange>> ranges =
      ParseIpRanges(" 127.0.0.0/8, ::1/128 ,");
  ASSERT_TRUE(ranges.ok()) << ranges.status();
  ASSERT_EQ(ranges->size(), 2u);
  EXPECT_EQ((*ranges)[1].ToString(), "::1/128");
  EXPECT_TRUE(ParseIpRanges("")->empty());
  EXPECT_EQ(ParseIpRanges("127.0.0.0/8,nonsense").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fineprint::http
