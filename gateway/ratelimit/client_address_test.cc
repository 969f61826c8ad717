#include "gateway/ratelimit/client_address.h"

#include "gtest/gtest.h"

namespace fineprint::gateway::ratelimit {
namespace {

TEST(TrustedProxiesTest, ForwardedForIsReadOnlyFromTrustedPeers) {
  auto proxies = TrustedProxies::Parse({"10.0.0.0/8", "fd00::/8"});
  ASSERT_TRUE(proxies.ok()) << proxies.status();
  // An untrusted peer's header is ignored: anyone can write one.
  EXPECT_EQ(proxies->ClientAddress("203.0.113.9", "198.51.100.1"),
            "203.0.113.9");
  // A trusted proxy names the client.
  EXPECT_EQ(proxies->ClientAddress("10.1.2.3", "198.51.100.1"), "198.51.100.1");
  // Spoofed entries left of the first untrusted hop do not count.
  EXPECT_EQ(
      proxies->ClientAddress("10.1.2.3", "1.1.1.1, 198.51.100.1, 10.9.9.9"),
      "198.51.100.1");
  // IPv6 and IPv4-mapped peers.
  EXPECT_EQ(proxies->ClientAddress("fd00::1", "2001:db8::7"), "2001:db8::7");
  EXPECT_EQ(proxies->ClientAddress("::ffff:10.0.0.1", "192.0.2.4"),
            "192.0.2.4");
  EXPECT_EQ(proxies->ClientAddress("::ffff:192.0.2.8", std::nullopt),
            "192.0.2.8");
  // Garbage written by a trusted proxy stops at the proxy.
  EXPECT_EQ(proxies->ClientAddress("10.0.0.1", "unknown"), "10.0.0.1");
  EXPECT_TRUE(proxies->Trusted("10.255.0.1"));
  EXPECT_FALSE(proxies->Trusted("11.0.0.1"));
}

TEST(TrustedProxiesTest, NoRangesMeansThePeer) {
  TrustedProxies none;
  EXPECT_EQ(none.ClientAddress("192.0.2.1", "198.51.100.1"), "192.0.2.1");
}

TEST(TrustedProxiesTest, BadRangesAreRefused) {
  EXPECT_FALSE(TrustedProxies::Parse({"10.0.0.0/33"}).ok());
  EXPECT_FALSE(TrustedProxies::Parse({"proxy.internal"}).ok());
  EXPECT_FALSE(TrustedProxies::Parse({"fd00::/129"}).ok());
  auto single = TrustedProxies::Parse({"192.0.2.1"});
  ASSERT_TRUE(single.ok());
  EXPECT_TRUE(single->Trusted("192.0.2.1"));
  EXPECT_FALSE(single->Trusted("192.0.2.2"));
}

}  // namespace
}  // namespace fineprint::gateway::ratelimit
