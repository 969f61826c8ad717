#include "gtest/gtest.h"
#include "services/runtime/api/pagination.h"
#include "services/runtime/api/resource_name.h"

namespace fineprint::api {
namespace {

TEST(ResourceNameTest, ParsesIds) {
  auto ids = ParseResourceName("orgs/abc/users/d-1", "orgs/{org}/users/{user}",
                               "name");
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<std::string>{"abc", "d-1"}));
}

TEST(ResourceNameTest, RejectsMalformedNames) {
  for (const char* bad : {"", "orgs/abc", "orgs/abc/users/", "orgs/ABC/users/x",
                          "orgs/abc/users/x/y", "teams/abc/users/x",
                          "orgs/abc/users/x'; DROP TABLE users;--",
                          "orgs/../users/x", "orgs/abc/users/%2F"}) {
    EXPECT_EQ(ParseResourceName(bad, "orgs/{org}/users/{user}", "name")
                  .status()
                  .code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST(ResourceNameTest, NewIdsAreValidAndDistinct) {
  const std::string a = NewResourceId();
  EXPECT_TRUE(IsValidResourceId(a));
  EXPECT_NE(a, NewResourceId());
}

TEST(PaginationTest, PageSizeRules) {
  EXPECT_EQ(*EffectivePageSize(0), kDefaultPageSize);
  EXPECT_EQ(*EffectivePageSize(7), 7);
  EXPECT_EQ(*EffectivePageSize(100000), kMaxPageSize);
  EXPECT_FALSE(EffectivePageSize(-1).ok());
}

TEST(PaginationTest, TokenRoundTripAndScopeBinding) {
  const std::string t = EncodePageToken("orgs/a/users", {"123", "u1"});
  auto c = DecodePageToken(t, "orgs/a/users", 2);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, (std::vector<std::string>{"123", "u1"}));
  EXPECT_FALSE(DecodePageToken(t, "orgs/b/users", 2).ok());
  EXPECT_FALSE(DecodePageToken("%%%", "orgs/a/users", 2).ok());
  EXPECT_FALSE(DecodePageToken(t, "orgs/a/users", 3).ok());
  EXPECT_TRUE(DecodePageToken("", "orgs/a/users", 2)->empty());
}

}  // namespace
}  // namespace fineprint::api
