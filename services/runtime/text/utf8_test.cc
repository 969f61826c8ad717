#include "services/runtime/text/utf8.h"

#include <string>

#include "gtest/gtest.h"

namespace fineprint::text {
namespace {

constexpr size_t kValid = absl::string_view::npos;

TEST(Utf8Test, AcceptsValidText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_TRUE(IsValidUtf8("Café “Étoile” ★ \xF0\x9F\x98\x80"));  // U+1F600
  EXPECT_TRUE(IsValidUtf8("\xED\x9F\xBF"));                      // U+D7FF
  EXPECT_TRUE(IsValidUtf8("\xEE\x80\x80"));                      // U+E000
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));                  // U+10FFFF
  EXPECT_TRUE(IsValidUtf8(std::string("a\0b", 3)));
  EXPECT_EQ(FindInvalidUtf8("caf\xc3\xa9"), kValid);
}

TEST(Utf8Test, RejectsInvalidSequencesWithOffset) {
  struct Case {
    std::string text;
    size_t offset;
  };
  const Case cases[] = {
      {"ab\x80", 2},            // stray continuation byte
      {"ab\xff", 2},            // byte that never occurs in UTF-8
      {"a\xC0\xAF", 1},         // overlong '/'
      {"\xc0\xaf", 0},          // overlong '/', at the start
      {"\xE0\x80\xAF", 0},      // overlong 3-byte
      {"x\xe0\x80\xaf", 1},     // overlong 3-byte, after ASCII
      {"\xF0\x8F\xBF\xBF", 0},  // overlong 4-byte
      {"ok\xED\xA0\x80", 2},    // surrogate U+D800
      {"\xed\xa0\x80", 0},      // surrogate U+D800, at the start
      {"\xF4\x90\x80\x80", 0},  // above U+10FFFF
      {"\xF5\x80\x80\x80", 0},  // invalid lead byte
      {"abc\xE2\x82", 3},       // truncated at end
      {"ok\xe2\x82", 2},        // truncated at end
      {"\xF0\x9F\x98", 0},      // truncated 4-byte
      {"\xE2\x28\xA1", 0},      // bad continuation
      {"\xc3(", 0},             // bad continuation
      {"\xF0\x9F\x28\x80", 0},  // bad third byte
      {"\xFF", 0},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(FindInvalidUtf8(c.text), c.offset) << c.offset;
    EXPECT_FALSE(IsValidUtf8(c.text)) << c.offset;
  }
}

TEST(Utf8Test, SequenceLength) {
  const std::string s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
  EXPECT_EQ(Utf8SequenceLength(s, 0), 1u);
  EXPECT_EQ(Utf8SequenceLength(s, 1), 2u);
  EXPECT_EQ(Utf8SequenceLength(s, 3), 3u);
  EXPECT_EQ(Utf8SequenceLength(s, 6), 4u);
  EXPECT_EQ(Utf8SequenceLength(s, 2), 0u);  // continuation byte
  EXPECT_EQ(Utf8SequenceLength(std::string("\0", 1), 0), 1u);
  EXPECT_EQ(Utf8SequenceLength("\xed\xa0\x80", 0), 0u);  // surrogate
  EXPECT_EQ(Utf8SequenceLength("\xe2\x82", 0), 0u);      // truncated
}

TEST(Utf8Test, CodePointCount) {
  EXPECT_EQ(CodePointCount(""), 0u);
  EXPECT_EQ(CodePointCount("abc"), 3u);
  EXPECT_EQ(CodePointCount("caf\xc3\xa9"), 4u);
  EXPECT_EQ(CodePointCount("\xe2\x82\xac\xf0\x9f\x98\x80"), 2u);
}

}  // namespace
}  // namespace fineprint::text
