#include "services/identity/validation.h"

#include "gtest/gtest.h"
#include "services/identity/passwords.h"

namespace fineprint::identity {
namespace {

std::string Email(absl::string_view in, bool* ok) {
  std::vector<status::FieldViolation> v;
  std::string out = NormalizeEmail("email", in, v);
  *ok = v.empty();
  return out;
}

TEST(EmailTest, AcceptsAndNormalizes) {
  bool ok;
  EXPECT_EQ(Email("Alice.Smith+tos@Example.COM", &ok),
            "alice.smith+tos@example.com");
  EXPECT_TRUE(ok);
  Email("o'neil@sub.example.co.uk", &ok);
  EXPECT_TRUE(ok);
}

TEST(EmailTest, RejectsMalformed) {
  for (const char* bad :
       {"", "plain", "a@b", "a@@b.com", "a@b@c.com", ".a@b.com", "a..b@c.com",
        "a b@c.com", "a@-b.com", "a@b.c", "a@b.123", "<script>@x.com",
        "a@b.com'; DROP TABLE users;--", "a\n@b.com"}) {
    bool ok;
    Email(bad, &ok);
    EXPECT_FALSE(ok) << bad;
  }
  bool ok;
  Email(std::string(250, 'a') + "@b.com", &ok);
  EXPECT_FALSE(ok);
}

TEST(PasswordTest, Rules) {
  auto check = [](absl::string_view pw) {
    std::vector<status::FieldViolation> v;
    CheckPassword("password", pw, "alice@example.com", v);
    return v.empty();
  };
  EXPECT_TRUE(check("correct horse battery"));
  EXPECT_FALSE(check("short1!"));
  EXPECT_FALSE(check("aaaaaaaaaaaaaa"));
  EXPECT_FALSE(check("Password123"));
  EXPECT_FALSE(check("my-alice-password"));
  EXPECT_FALSE(check(std::string(300, 'x') + "yzabc"));
  EXPECT_FALSE(check("tab\there-password"));
}

TEST(DisplayNameTest, Rules) {
  auto check = [](absl::string_view n) {
    std::vector<status::FieldViolation> v;
    CheckDisplayName("display_name", n, v);
    return v.empty();
  };
  EXPECT_TRUE(check("Zoë O'Brien"));
  EXPECT_FALSE(check(""));
  EXPECT_FALSE(check("   "));
  EXPECT_FALSE(check(std::string(101, 'x')));
  EXPECT_TRUE(check(std::string(100, 'x')));
  EXPECT_FALSE(check("bell\x07"));
}

TEST(PasswordHasherTest, HashesAndVerifies) {
  PasswordHasher hasher({1, 8192 * 1024});
  auto hash = hasher.Hash("correct horse battery");
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(hasher.Verify(*hash, "correct horse battery"));
  EXPECT_FALSE(hasher.Verify(*hash, "correct horse batterx"));
  EXPECT_NE(*hash, *hasher.Hash("correct horse battery")) << "salted";
}

}  // namespace
}  // namespace fineprint::identity
