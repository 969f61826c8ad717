#include "services/runtime/log/log.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace fineprint::log {
namespace {

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetSinkForTesting([this](absl::string_view l) { lines_.emplace_back(l); });
    SetServiceName("test");
  }
  void TearDown() override { SetSinkForTesting(nullptr); }
  std::vector<std::string> lines_;
};

TEST_F(LogTest, EmitsOneJsonObjectPerLine) {
  Info("hello", {{"user", "orgs/1/users/2"}, {"count", 3}, {"ok", true}});
  ASSERT_EQ(lines_.size(), 1u);
  const std::string& l = lines_[0];
  EXPECT_EQ(l.front(), '{');
  EXPECT_EQ(l.back(), '\n');
  EXPECT_NE(l.find("\"msg\":\"hello\""), std::string::npos);
  EXPECT_NE(l.find("\"service\":\"test\""), std::string::npos);
  EXPECT_NE(l.find("\"user\":\"orgs/1/users/2\""), std::string::npos);
  EXPECT_NE(l.find("\"count\":3"), std::string::npos);
  EXPECT_NE(l.find("\"ok\":true"), std::string::npos);
}

TEST_F(LogTest, CarriesCallContext) {
  {
    ScopedContext ctx({"req-1", "trace-1", "span-1", "/a.B/C"});
    Info("inside");
  }
  Info("outside");
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_NE(lines_[0].find("\"request_id\":\"req-1\""), std::string::npos);
  EXPECT_NE(lines_[0].find("\"trace_id\":\"trace-1\""), std::string::npos);
  EXPECT_EQ(lines_[1].find("request_id"), std::string::npos);
}

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

TEST_F(LogTest, EveryKeyAppearsOnce) {
  {
    ScopedContext ctx({"req-1", "trace-1", "span-1", "/a.B/C"});
    Info("rpc", {{"request_id", "req-2"},
                 {"msg", "forged"},
                 {"service", "forged"},
                 {"code", "OK"},
                 {"code", "again"}});
  }
  ASSERT_EQ(lines_.size(), 1u);
  const std::string& l = lines_[0];
  EXPECT_EQ(Count(l, "\"request_id\""), 1u) << l;
  EXPECT_NE(l.find("\"request_id\":\"req-2\""), std::string::npos) << l;
  EXPECT_EQ(Count(l, "\"msg\""), 1u) << l;
  EXPECT_NE(l.find("\"msg\":\"rpc\""), std::string::npos) << l;
  EXPECT_EQ(Count(l, "\"service\""), 1u) << l;
  EXPECT_EQ(Count(l, "\"code\""), 1u) << l;
  EXPECT_NE(l.find("\"code\":\"OK\""), std::string::npos) << l;
  EXPECT_NE(l.find("\"trace_id\":\"trace-1\""), std::string::npos) << l;
}

TEST_F(LogTest, RedactsSecrets) {
  Warning("login", {{"password", "hunter2"},
                    {"refresh_token", "abc"},
                    {"Authorization", "Bearer x"}});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(lines_[0].find("hunter2"), std::string::npos);
  EXPECT_EQ(lines_[0].find("abc\""), std::string::npos);
  EXPECT_EQ(lines_[0].find("Bearer x"), std::string::npos);
}

TEST_F(LogTest, RespectsMinLevel) {
  SetMinLevel(Level::kWarning);
  Info("dropped");
  Error("kept");
  SetMinLevel(Level::kInfo);
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_NE(lines_[0].find("kept"), std::string::npos);
}

TEST(JsonStringTest, EscapesControlAndInvalidUtf8) {
  std::string out;
  AppendJsonString(out, std::string("a\"b\\c\n\x01\xff\xc3\xa9", 10));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\\ufffd\xc3\xa9\"");
}

TEST(JsonStringTest, ReplacesSurrogatesAndOverlongsByteByByte) {
  // Not UTF-8 (RFC 3629), so a strict JSON reader would reject the line.
  std::string out;
  AppendJsonString(out, "\xed\xa0\x80|\xe0\x80\xaf");
  EXPECT_EQ(out, "\"\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd\"");
}

}  // namespace
}  // namespace fineprint::log
