#include "services/analysis/analyzer/utf8.h"

#include <string>

#include "gtest/gtest.h"

namespace fineprint::analysis {
namespace {

TEST(Utf8Test, AcceptsValidText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("Café “Étoile” ★ \xF0\x9F\x98\x80"));  // U+1F600
  EXPECT_TRUE(IsValidUtf8("\xED\x9F\xBF"));      // U+D7FF
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
  EXPECT_TRUE(IsValidUtf8(std::string("a\0b", 3)));
}

TEST(Utf8Test, RejectsInvalidSequencesWithOffset) {
  struct Case {
    std::string text;
    size_t offset;
  };
  const Case cases[] = {
      {"ab\x80", 2},              // stray continuation byte
      {"a\xC0\xAF", 1},           // overlong '/'
      {"\xE0\x80\xAF", 0},        // overlong 3-byte
      {"ok\xED\xA0\x80", 2},      // surrogate U+D800
      {"\xF4\x90\x80\x80", 0},    // above U+10FFFF
      {"\xF5\x80\x80\x80", 0},    // invalid lead byte
      {"abc\xE2\x82", 3},         // truncated at end
      {"\xE2\x28\xA1", 0},        // bad continuation
      {"\xFF", 0},
  };
  for (const Case& c : cases) {
    size_t offset = 999;
    EXPECT_FALSE(IsValidUtf8(c.text, &offset)) << c.offset;
    EXPECT_EQ(offset, c.offset);
  }
  EXPECT_FALSE(IsValidUtf8("\x80"));  // offset pointer is optional
}

}  // namespace
}  // namespace fineprint::analysis
