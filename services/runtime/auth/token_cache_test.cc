#include "services/runtime/auth/token_cache.h"

#include <atomic>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/runtime/auth/authenticator.h"
#include "services/runtime/auth/key_ring.h"
#include "services/runtime/auth/revocations.h"
#include "services/runtime/status/status.h"

namespace fineprint::auth {
namespace {

// Counts key lookups: one per signature verification.
class CountingResolver : public PublicKeyResolver {
 public:
  absl::StatusOr<PublicKey> Resolve(absl::string_view kid) override {
    ++lookups;
    return keys.Resolve(kid);
  }
  StaticKeyResolver keys;
  std::atomic<int> lookups{0};
};

class TokenCacheTest : public ::testing::Test {
 protected:
  TokenCacheTest() : key_(SigningKey::Generate("k1")) {
    resolver_.keys.Add(key_.kid, key_.public_key);
  }

  Credentials Token(absl::string_view session = "s1",
                    absl::Time issued = absl::Now() - absl::Seconds(2)) {
    Claims c;
    c.subject = "orgs/o/users/u";
    c.organization = "orgs/o";
    c.role = "MEMBER";
    c.plan = "FREE";
    c.session_id = std::string(session);
    c.issued_at = absl::FromUnixSeconds(absl::ToUnixSeconds(issued));
    c.expires_at = c.issued_at + absl::Minutes(15);
    Credentials credentials;
    credentials.bearer_token = SignAccessToken(c, key_);
    return credentials;
  }

  SigningKey key_;
  CountingResolver resolver_;
  Revocations revocations_;
  VerifiedTokenCache cache_;
  Authenticator authenticator_{&resolver_, nullptr, &revocations_, &cache_};
};

TEST_F(TokenCacheTest, SecondUseSkipsVerification) {
  const Credentials token = Token();
  EXPECT_FALSE(authenticator_.AuthenticateWithoutBlocking(token).has_value());
  auto first = authenticator_.Authenticate(token);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(resolver_.lookups, 1);
  auto inline_answer = authenticator_.AuthenticateWithoutBlocking(token);
  ASSERT_TRUE(inline_answer.has_value());
  EXPECT_TRUE(inline_answer->ok()) << inline_answer->status();
  for (int i = 0; i < 5; ++i) {
    auto again = authenticator_.Authenticate(token);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(again->user, first->user);
    EXPECT_EQ(again->organization, "orgs/o");
    EXPECT_EQ(again->role, "MEMBER");
    EXPECT_EQ(again->plan, "FREE");
  }
  EXPECT_EQ(resolver_.lookups, 1);
  EXPECT_EQ(cache_.size(), 1u);
  // No credentials never block either; an API key (a call to identity on a
  // miss) always may.
  EXPECT_TRUE(
      authenticator_.AuthenticateWithoutBlocking(Credentials()).has_value());
  Credentials api_key;
  api_key.api_key = "fp_k";
  EXPECT_FALSE(authenticator_.AuthenticateWithoutBlocking(api_key).has_value());
}

TEST_F(TokenCacheTest, RevocationRefusesAndEvictsACachedToken) {
  const Credentials token = Token("s1");
  const Credentials other = Token("s2");
  ASSERT_TRUE(authenticator_.Authenticate(token).ok());
  ASSERT_TRUE(authenticator_.Authenticate(other).ok());
  ASSERT_EQ(cache_.size(), 2u);
  revocations_.RevokeSession("s1", absl::Now());
  auto refused = authenticator_.Authenticate(token);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(status::Reason(refused.status()), kReasonTokenRevoked);
  EXPECT_EQ(cache_.size(), 1u);
  EXPECT_FALSE(authenticator_.AuthenticateWithoutBlocking(token).has_value());
  // Refused again after a fresh verification, and never re-cached.
  EXPECT_FALSE(authenticator_.Authenticate(token).ok());
  EXPECT_EQ(cache_.size(), 1u);
  EXPECT_TRUE(authenticator_.Authenticate(other).ok());
}

TEST_F(TokenCacheTest, UsedOnlyBeforeExpiry) {
  const absl::Time issued = absl::Now() - absl::Seconds(2);
  const Credentials token = Token("s1", issued);
  const absl::Time exp =
      absl::FromUnixSeconds(absl::ToUnixSeconds(issued)) + absl::Minutes(15);
  ASSERT_TRUE(authenticator_.Authenticate(token).ok());
  EXPECT_TRUE(
      authenticator_.AuthenticateWithoutBlocking(token, exp - absl::Seconds(1))
          .has_value());
  EXPECT_FALSE(
      authenticator_.AuthenticateWithoutBlocking(token, exp).has_value());
  // Past exp the full check decides (and refuses once past the leeway).
  const int before = resolver_.lookups;
  auto late = authenticator_.Authenticate(token, exp + kTokenLeeway);
  EXPECT_EQ(late.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(resolver_.lookups, before + 1);
}

TEST_F(TokenCacheTest, InvalidTokensAreNeverCached) {
  Credentials tampered = Token();
  // A character inside the signature: the last one also holds padding
  // bits, and changing those makes the base64 itself invalid, refused
  // before any key lookup (the test failed whenever it ended in 'A').
  char& c = tampered.bearer_token[tampered.bearer_token.size() - 10];
  c = c == 'A' ? 'B' : 'A';
  for (int i = 0; i < 2; ++i) {
    EXPECT_FALSE(authenticator_.Authenticate(tampered).ok());
  }
  EXPECT_EQ(resolver_.lookups, 2);
  EXPECT_EQ(cache_.size(), 0u);
}

TEST_F(TokenCacheTest, BoundedAndKeyedByTheWholeToken) {
  VerifiedTokenCache small(64);
  Claims claims;
  claims.expires_at = absl::Now() + absl::Minutes(10);
  for (int i = 0; i < 1000; ++i) {
    small.Insert(VerifiedTokenCache::KeyOf(absl::StrCat("token-", i)), claims);
    ASSERT_LE(small.size(), 64u);
  }
  // The newest entries survive eviction.
  EXPECT_TRUE(small.Find(VerifiedTokenCache::KeyOf("token-999"), absl::Now())
                  .has_value());
  EXPECT_FALSE(small.Find(VerifiedTokenCache::KeyOf("token-99"), absl::Now())
                   .has_value());
  // Expired entries go first, and are never returned.
  Claims old = claims;
  old.expires_at = absl::Now() - absl::Seconds(1);
  small.Insert(VerifiedTokenCache::KeyOf("expired"), old);
  EXPECT_FALSE(small.Find(VerifiedTokenCache::KeyOf("expired"), absl::Now())
                   .has_value());
}

}  // namespace
}  // namespace fineprint::auth
