#include "gateway/transcode/json_syntax.h"

#include <string>

#include "gtest/gtest.h"

namespace fineprint::gateway::transcode {
namespace {

TEST(JsonSyntaxTest, AcceptsValid) {
  for (const char* ok :
       {"{}", "[]", "0", "-1.5e+3", "\"a\\u00e9\\n\"", "true", "null",
        " {\"a\": [1, {\"b\": null}], \"c\": \"\"} "}) {
    EXPECT_TRUE(CheckJsonSyntax(ok).ok()) << ok;
  }
}

TEST(JsonSyntaxTest, ReportsPosition) {
  absl::Status s = CheckJsonSyntax("{\n  \"email\": \"a\",\n  \"password\": }");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(std::string(s.message()),
            "malformed JSON request body: expected a value at line 3, column "
            "15 (byte 32)");
  s = CheckJsonSyntax("{\"a\": 1 \"b\": 2}");
  EXPECT_NE(s.message().find("expected ',' or '}' at line 1, column 9"),
            absl::string_view::npos)
      << s.message();
}

TEST(JsonSyntaxTest, RejectsInvalid) {
  for (const char* bad : {"", "{", "{\"a\"}", "{\"a\":}", "[1,]", "{,}", "01",
                          "1.", "1e", "\"abc", "\"\\x\"", "\"\\u12\"", "tru",
                          "{} {}", "{'a':1}", "\"a\nb\""}) {
    EXPECT_FALSE(CheckJsonSyntax(bad).ok()) << bad;
  }
  EXPECT_FALSE(
      CheckJsonSyntax(std::string(200, '[') + std::string(200, ']')).ok());
  EXPECT_TRUE(
      CheckJsonSyntax(std::string(50, '[') + std::string(50, ']')).ok());
}

}  // namespace
}  // namespace fineprint::gateway::transcode
