#include "services/runtime/auth/revocations.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/runtime/auth/authenticator.h"
#include "services/runtime/auth/key_ring.h"
#include "services/runtime/status/status.h"

namespace fineprint::auth {
namespace {

constexpr absl::string_view kUser = "orgs/o/users/u";

class RevocationsTest : public ::testing::Test {
 protected:
  RevocationsOptions Options(size_t max_entries = 1000) {
    RevocationsOptions o;
    o.retention = absl::Minutes(16);
    o.max_entries = max_entries;
    o.clock = [this] { return now_; };
    return o;
  }

  Claims Token(absl::Time issued, absl::string_view user = kUser,
               absl::string_view session = "s1") {
    Claims c;
    c.subject = std::string(user);
    c.organization = "orgs/o";
    c.role = "MEMBER";
    c.session_id = std::string(session);
    c.issued_at = absl::FromUnixSeconds(absl::ToUnixSeconds(issued));  // iat
    c.expires_at = c.issued_at + absl::Minutes(15);
    return c;
  }

  std::string Reason(const absl::Status& s) {
    EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated) << s;
    return status::Reason(s);
  }

  absl::Time now_ = absl::FromUnixSeconds(1700000000);
};

TEST_F(RevocationsTest, NotBeforeRefusesOlderTokensOnly) {
  Revocations r(Options());
  const absl::Time change = now_ + absl::Milliseconds(400);
  const Claims before = Token(now_ - absl::Minutes(1));
  const Claims same_second = Token(now_ + absl::Milliseconds(100));
  const Claims after = Token(now_ + absl::Seconds(1));
  r.SetUserNotBefore(kUser, change);
  EXPECT_EQ(Reason(r.CheckToken(before, now_)), kReasonTokenStale);
  // iat has whole seconds: a token of the change's second may predate it.
  EXPECT_EQ(Reason(r.CheckToken(same_second, now_)), kReasonTokenStale);
  EXPECT_TRUE(r.CheckToken(after, now_ + absl::Seconds(1)).ok());
  // Other users are untouched.
  EXPECT_TRUE(
      r.CheckToken(Token(now_ - absl::Minutes(1), "orgs/o/users/v"), now_)
          .ok());
  // A later change moves the bar; an older (replayed) one does not move it
  // back.
  r.SetUserNotBefore(kUser, change + absl::Seconds(5));
  EXPECT_FALSE(r.CheckToken(after, now_ + absl::Seconds(1)).ok());
  r.SetUserNotBefore(kUser, change);
  EXPECT_FALSE(r.CheckToken(after, now_ + absl::Seconds(1)).ok());
}

TEST_F(RevocationsTest, WholeSecondChangeKeepsTokensOfThatSecond) {
  Revocations r(Options());
  r.SetUserNotBefore(kUser, now_);
  EXPECT_FALSE(r.CheckToken(Token(now_ - absl::Seconds(1)), now_).ok());
  EXPECT_TRUE(r.CheckToken(Token(now_), now_).ok());
}

TEST_F(RevocationsTest, DeletedUserAndRevokedSessionRefuseEveryToken) {
  Revocations r(Options());
  r.RevokeUser(kUser, now_);
  EXPECT_EQ(Reason(r.CheckToken(Token(now_ + absl::Seconds(5)), now_)),
            kReasonTokenRevoked);
  r.RevokeSession("s2", now_);
  const Claims other_user =
      Token(now_ + absl::Seconds(5), "orgs/o/users/v", "s2");
  EXPECT_EQ(Reason(r.CheckToken(other_user, now_)), kReasonTokenRevoked);
  EXPECT_TRUE(r.CheckToken(Token(now_, "orgs/o/users/v", "s3"), now_).ok());
  // Tokens without a session id are unaffected by session revocations.
  EXPECT_TRUE(r.CheckToken(Token(now_, "orgs/o/users/v", ""), now_).ok());
}

TEST_F(RevocationsTest, ApiKeysOfRevokedKeysAndDeletedUsers) {
  Revocations r(Options());
  const Principal key{"orgs/o/users/u", "orgs/o", "MEMBER", "FREE",
                      "orgs/o/apiKeys/k"};
  Principal other = key;
  other.user = "orgs/o/users/v";
  other.api_key = "orgs/o/apiKeys/k2";
  EXPECT_TRUE(r.CheckApiKey(key, now_).ok());
  r.RevokeApiKey("orgs/o/apiKeys/k", now_);
  EXPECT_EQ(Reason(r.CheckApiKey(key, now_)), "API_KEY_INVALID");
  EXPECT_TRUE(r.CheckApiKey(other, now_).ok());
  r.SetUserNotBefore("orgs/o/users/v", now_);
  EXPECT_TRUE(r.CheckApiKey(other, now_).ok()) << "a role change keeps keys";
  r.RevokeUser("orgs/o/users/v", now_);
  EXPECT_EQ(Reason(r.CheckApiKey(other, now_)), "API_KEY_INVALID");
}

TEST_F(RevocationsTest, EntriesExpireAfterRetention) {
  Revocations r(Options());
  r.RevokeUser(kUser, now_);
  r.RevokeSession("s9", now_);
  r.RevokeApiKey("orgs/o/apiKeys/k", now_);
  EXPECT_EQ(r.size(), 3u);
  // Past the retention no token issued before the change still verifies,
  // so the entry is no longer consulted...
  const absl::Time later = now_ + absl::Minutes(16);
  EXPECT_TRUE(r.CheckToken(Token(now_ + absl::Seconds(1)), later).ok());
  // ...and the next write drops it.
  now_ = later;
  r.RevokeApiKey("orgs/o/apiKeys/k2", now_);
  EXPECT_EQ(r.size(), 1u);
  // Changes already older than the retention (a replay) are not stored.
  r.RevokeUser("orgs/o/users/old", now_ - absl::Minutes(20));
  EXPECT_EQ(r.size(), 1u);
}

TEST_F(RevocationsTest, BoundedAndFailsClosedOnEviction) {
  Revocations r(Options(/*max_entries=*/3));
  for (int i = 0; i < 10; ++i) {
    r.RevokeSession(absl::StrCat("s", i), now_ + absl::Seconds(i));
    r.RevokeApiKey(absl::StrCat("orgs/o/apiKeys/", i), now_ + absl::Seconds(i));
  }
  EXPECT_EQ(r.size(), 6u);
  // s0 was evicted, but every token issued up to its revocation is still
  // refused (as stale: a refresh fails for a revoked session anyway).
  EXPECT_FALSE(
      r.CheckToken(Token(now_ - absl::Seconds(1), kUser, "s0"), now_).ok());
  // The newest entries stay exact.
  EXPECT_EQ(Reason(r.CheckToken(Token(now_ + absl::Seconds(20), kUser, "s9"),
                                now_ + absl::Seconds(20))),
            kReasonTokenRevoked);
  // Fresh tokens of live sessions pass.
  EXPECT_TRUE(r.CheckToken(Token(now_ + absl::Seconds(20), kUser, "live"),
                           now_ + absl::Seconds(20))
                  .ok());
}

TEST_F(RevocationsTest, AuthenticatorConsultsRevocations) {
  SigningKey key = SigningKey::Generate("k1");
  StaticKeyResolver keys;
  keys.Add(key.kid, key.public_key);
  Revocations r;
  Authenticator authenticator(&keys, nullptr, &r);
  Claims claims = Token(absl::Now() - absl::Seconds(2));
  Credentials credentials;
  credentials.bearer_token = SignAccessToken(claims, key);
  EXPECT_TRUE(authenticator.Authenticate(credentials).ok());
  r.RevokeSession("s1", absl::Now());
  auto refused = authenticator.Authenticate(credentials);
  EXPECT_EQ(status::Reason(refused.status()), kReasonTokenRevoked);
}

}  // namespace
}  // namespace fineprint::auth
