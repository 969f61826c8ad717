#include "services/notification/unsubscribe.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace fineprint::notification {
namespace {

const UnsubscribeClaim kClaim{
    "org1", "user1", {v1::ANALYSIS_FAILED, v1::SOURCE_CHANGED}};

TEST(UnsubscribeTest, RoundTrips) {
  const std::string token = SignUnsubscribeToken("secret", kClaim);
  auto claim = VerifyUnsubscribeToken("secret", token);
  ASSERT_TRUE(claim.ok()) << claim.status();
  EXPECT_EQ(claim->org, "org1");
  EXPECT_EQ(claim->user, "user1");
  EXPECT_EQ(claim->kinds, kClaim.kinds);
  const std::string url = UnsubscribeUrl("https://fp.example/", token);
  EXPECT_EQ(url,
            "https://fp.example/v1/notifications:unsubscribe?token=" + token);
  // Nothing in it needs escaping in a URL or a header.
  for (char c : token) {
    EXPECT_TRUE(absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.')
        << c;
  }
}

TEST(UnsubscribeTest, ForgedTokensAreRefused) {
  const std::string token = SignUnsubscribeToken("secret", kClaim);
  EXPECT_EQ(VerifyUnsubscribeToken("other", token).status().code(),
            absl::StatusCode::kPermissionDenied);
  // Another user with the signature of the first.
  UnsubscribeClaim other = kClaim;
  other.user = "user2";
  const std::string forged =
      SignUnsubscribeToken("secret", other).substr(0, token.find('.')) +
      token.substr(token.find('.'));
  EXPECT_EQ(VerifyUnsubscribeToken("secret", forged).status().code(),
            absl::StatusCode::kPermissionDenied);
  for (const char* bad : {"", "abc", "a.b.c", "!!!.###"}) {
    EXPECT_EQ(VerifyUnsubscribeToken("secret", bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

}  // namespace
}  // namespace fineprint::notification
