#include "services/runtime/auth/authenticator.h"

#include <map>

#include "gtest/gtest.h"
#include "services/runtime/auth/key_ring.h"
#include "services/runtime/status/status.h"

namespace fineprint::auth {
namespace {

class FakeApiKeys : public ApiKeyVerifier {
 public:
  absl::StatusOr<Principal> Verify(absl::string_view key) override {
    if (key == "fp_good")
      return Principal{"orgs/o/users/u", "orgs/o", "MEMBER", "FREE",
                       "orgs/o/apiKeys/k"};
    return absl::UnauthenticatedError("bad key");
  }
};

std::function<std::optional<std::string>(absl::string_view)> Headers(
    std::map<std::string, std::string> h) {
  return [h](absl::string_view k) -> std::optional<std::string> {
    auto it = h.find(std::string(k));
    if (it == h.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ExtractCredentialsTest, BearerAndApiKeyForms) {
  auto a = ExtractCredentials(Headers({{"authorization", "Bearer abc"}}));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->bearer_token, "abc");
  auto b = ExtractCredentials(Headers({{"x-api-key", "fp_1"}}));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->api_key, "fp_1");
  auto c = ExtractCredentials(Headers({{"authorization", "ApiKey fp_2"}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->api_key, "fp_2");
  EXPECT_TRUE(ExtractCredentials(Headers({}))->empty());
}

TEST(ExtractCredentialsTest, MalformedOrAmbiguousIsAnError) {
  auto basic =
      ExtractCredentials(Headers({{"authorization", "Basic dXNlcg=="}}));
  EXPECT_EQ(status::Reason(basic.status()), "CREDENTIALS_MALFORMED");
  auto both = ExtractCredentials(
      Headers({{"authorization", "Bearer abc"}, {"x-api-key", "fp_1"}}));
  EXPECT_EQ(status::Reason(both.status()), "CREDENTIALS_AMBIGUOUS");
}

TEST(AuthenticatorTest, TokensAndKeys) {
  StaticKeyResolver keys;
  SigningKey key = SigningKey::Generate("k");
  keys.Add("k", key.public_key);
  FakeApiKeys api_keys;
  Authenticator authn(&keys, &api_keys);

  Claims claims{"orgs/o/users/u",
                "orgs/o",
                "OWNER",
                "PREMIUM",
                "t",
                absl::Now(),
                absl::Now() + absl::Minutes(5)};
  auto p = authn.Authenticate({SignAccessToken(claims, key), ""});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->role, "OWNER");
  EXPECT_EQ(p->plan, "PREMIUM");

  auto k = authn.Authenticate({"", "fp_good"});
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->api_key, "orgs/o/apiKeys/k");
  EXPECT_EQ(authn.Authenticate({"", "fp_bad"}).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(status::Reason(authn.Authenticate({}).status()),
            "CREDENTIALS_MISSING");

  Authenticator no_keys(&keys, nullptr);
  EXPECT_EQ(no_keys.Authenticate({"", "fp_good"}).status().code(),
            absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace fineprint::auth
