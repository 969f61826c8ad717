#include "services/notification/signature.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace fineprint::notification {
namespace {

TEST(Secret, PrefixAndLength) {
  const std::string secret = NewWebhookSecret();
  ASSERT_TRUE(absl::StartsWith(secret, "whsec_"));
  std::string raw;
  ASSERT_TRUE(absl::Base64Unescape(secret.substr(6), &raw));
  EXPECT_EQ(raw.size(), kSecretBytes);
  EXPECT_NE(secret, NewWebhookSecret());
}

// The example of the Standard Webhooks reference libraries' tests.
TEST(Signature, MatchesReferenceExample) {
  auto header = SignatureHeader({"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
                                "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                                R"({"test": 2432232314})");
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(*header, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(Signature, OnePerSecretAndRejectsMalformed) {
  auto header =
      SignatureHeader({NewWebhookSecret(), NewWebhookSecret()}, "id", 1, "{}");
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(std::count(header->begin(), header->end(), ' '), 1);
  EXPECT_FALSE(SignatureHeader({"nope"}, "id", 1, "{}").ok());
}

}  // namespace
}  // namespace fineprint::notification
