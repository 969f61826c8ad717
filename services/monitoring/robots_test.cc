#include "services/monitoring/robots.h"

#include "gtest/gtest.h"

namespace fineprint::monitoring {
namespace {

TEST(RobotsTest, StarGroupApplies) {
  RobotsRules r =
      RobotsRules::Parse("User-agent: *\nDisallow: /private\n", "Fineprint");
  EXPECT_FALSE(r.Allowed("/private/terms"));
  EXPECT_TRUE(r.Allowed("/terms"));
}

TEST(RobotsTest, OurGroupReplacesStar) {
  RobotsRules r = RobotsRules::Parse(
      "User-agent: *\nDisallow: /\n\nUser-agent: fineprint\nDisallow: /admin\n",
      "Fineprint");
  EXPECT_TRUE(r.Allowed("/terms"));
  EXPECT_FALSE(r.Allowed("/admin/x"));
}

TEST(RobotsTest, GroupsShareConsecutiveAgents) {
  RobotsRules r = RobotsRules::Parse(
      "User-agent: Googlebot\nUser-agent: Fineprint/1.0\nDisallow: /legal\n",
      "Fineprint");
  EXPECT_FALSE(r.Allowed("/legal/privacy"));
}

TEST(RobotsTest, LongestMatchWinsAllowOnTie) {
  RobotsRules r = RobotsRules::Parse(
      "User-agent: *\nDisallow: /legal\nAllow: /legal/terms\nDisallow: "
      "/x\nAllow: /x\n",
      "Fineprint");
  EXPECT_TRUE(r.Allowed("/legal/terms.html"));
  EXPECT_FALSE(r.Allowed("/legal/privacy"));
  EXPECT_TRUE(r.Allowed("/x"));
}

TEST(RobotsTest, WildcardsAndAnchors) {
  EXPECT_TRUE(RobotsPatternMatches("/*.pdf$", "/docs/terms.pdf"));
  EXPECT_FALSE(RobotsPatternMatches("/*.pdf$", "/docs/terms.pdf?x=1"));
  EXPECT_TRUE(RobotsPatternMatches("/a*b", "/a/x/b/c"));
  EXPECT_FALSE(RobotsPatternMatches("/a", "/b"));
}

TEST(RobotsTest, EmptyDisallowAndRobotsTxtItself) {
  EXPECT_TRUE(RobotsRules::Parse("User-agent: *\nDisallow:\n", "Fineprint")
                  .Allowed("/a"));
  EXPECT_TRUE(RobotsRules::Parse("User-agent: *\nDisallow: /\n", "Fineprint")
                  .Allowed("/robots.txt"));
  EXPECT_FALSE(RobotsRules::DisallowAll().Allowed("/"));
  EXPECT_TRUE(RobotsRules::AllowAll().Allowed("/"));
}

}  // namespace
}  // namespace fineprint::monitoring
