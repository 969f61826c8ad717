#include "services/runtime/auth/jwt.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "services/runtime/auth/key_ring.h"
#include "services/runtime/status/status.h"

namespace fineprint::auth {
namespace {

class JwtTest : public ::testing::Test {
 protected:
  JwtTest() : key_(SigningKey::Generate("k1")) {
    keys_.Add(key_.kid, key_.public_key);
    claims_.subject = "orgs/o1/users/u1";
    claims_.organization = "orgs/o1";
    claims_.role = "ADMIN";
    claims_.plan = "FREE";
    claims_.token_id = "t1";
    claims_.issued_at = now_;
    claims_.expires_at = now_ + absl::Minutes(15);
  }

  std::string Reason(absl::string_view token) {
    auto r = VerifyAccessToken(token, keys_, now_);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kUnauthenticated);
    return status::Reason(r.status());
  }

  absl::Time now_ = absl::FromUnixSeconds(1700000000);
  SigningKey key_;
  StaticKeyResolver keys_;
  Claims claims_;
};

TEST_F(JwtTest, RoundTrip) {
  const std::string token = SignAccessToken(claims_, key_);
  auto got = VerifyAccessToken(token, keys_, now_ + absl::Minutes(1));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->subject, "orgs/o1/users/u1");
  EXPECT_EQ(got->organization, "orgs/o1");
  EXPECT_EQ(got->role, "ADMIN");
  EXPECT_EQ(got->plan, "FREE");
  EXPECT_EQ(got->expires_at, claims_.expires_at);
}

TEST_F(JwtTest, SessionIdRoundTripsAndIsOptional) {
  auto without = VerifyAccessToken(SignAccessToken(claims_, key_), keys_, now_);
  ASSERT_TRUE(without.ok()) << without.status();
  EXPECT_EQ(without->session_id, "");
  claims_.session_id = "f00d";
  auto with = VerifyAccessToken(SignAccessToken(claims_, key_), keys_, now_);
  ASSERT_TRUE(with.ok()) << with.status();
  EXPECT_EQ(with->session_id, "f00d");
}

TEST_F(JwtTest, ExpiredTokenIsRejected) {
  const std::string token = SignAccessToken(claims_, key_);
  EXPECT_TRUE(VerifyAccessToken(token, keys_, now_ + absl::Minutes(15)).ok())
      << "within leeway";
  auto r = VerifyAccessToken(token, keys_, now_ + absl::Minutes(16));
  EXPECT_EQ(status::Reason(r.status()), "TOKEN_EXPIRED");
}

TEST_F(JwtTest, TamperedPayloadIsRejected) {
  std::vector<std::string> parts =
      absl::StrSplit(SignAccessToken(claims_, key_), '.');
  Claims evil = claims_;
  evil.role = "OWNER";
  std::vector<std::string> forged =
      absl::StrSplit(SignAccessToken(evil, SigningKey::Generate("k1")), '.');
  EXPECT_EQ(Reason(absl::StrCat(parts[0], ".", forged[1], ".", parts[2])),
            "TOKEN_SIGNATURE");
}

TEST_F(JwtTest, WrongKeyIsRejected) {
  const std::string token =
      SignAccessToken(claims_, SigningKey::Generate("k1"));
  EXPECT_EQ(Reason(token), "TOKEN_SIGNATURE");
  const std::string unknown =
      SignAccessToken(claims_, SigningKey::Generate("k9"));
  EXPECT_EQ(Reason(unknown), "TOKEN_UNKNOWN_KEY");
}

TEST_F(JwtTest, AlgNoneIsRejected) {
  const std::string header = Base64UrlEncode(R"({"alg":"none","kid":"k1"})");
  std::vector<std::string> parts =
      absl::StrSplit(SignAccessToken(claims_, key_), '.');
  EXPECT_EQ(Reason(absl::StrCat(header, ".", parts[1], ".")),
            "TOKEN_ALGORITHM");
  EXPECT_EQ(Reason(absl::StrCat(header, ".", parts[1], ".", parts[2])),
            "TOKEN_ALGORITHM");
  const std::string hs = Base64UrlEncode(R"({"alg":"HS256","kid":"k1"})");
  EXPECT_EQ(Reason(absl::StrCat(hs, ".", parts[1], ".", parts[2])),
            "TOKEN_ALGORITHM");
}

TEST_F(JwtTest, GarbageIsRejected) {
  EXPECT_EQ(Reason(""), "TOKEN_MALFORMED");
  EXPECT_EQ(Reason("a.b"), "TOKEN_MALFORMED");
  EXPECT_EQ(Reason("!!.??.**"), "TOKEN_MALFORMED");
  EXPECT_EQ(Reason(std::string(10000, 'a')), "TOKEN_MALFORMED");
}

TEST_F(JwtTest, OverlongLifetimeIsRejected) {
  claims_.expires_at = now_ + absl::Hours(48);
  EXPECT_EQ(Reason(SignAccessToken(claims_, key_)), "TOKEN_NOT_VALID");
}

TEST(Base64UrlTest, RoundTripsBinary) {
  const std::string raw("\x00\xff\xfe-_", 5);
  auto back = Base64UrlDecode(Base64UrlEncode(raw));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, raw);
  EXPECT_FALSE(Base64UrlDecode("ab=c").ok());
}

}  // namespace
}  // namespace fineprint::auth
