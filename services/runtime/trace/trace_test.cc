#include "services/runtime/trace/trace.h"

#include "gtest/gtest.h"

namespace fineprint::trace {
namespace {

TEST(TraceTest, ParsesValidTraceParent) {
  TraceParent p;
  ASSERT_TRUE(ParseTraceParent(
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", &p));
  EXPECT_EQ(p.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(p.span_id, "00f067aa0ba902b7");
  EXPECT_EQ(p.ToString(),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
}

TEST(TraceTest, RejectsMalformedTraceParent) {
  TraceParent p;
  EXPECT_FALSE(ParseTraceParent("", &p));
  EXPECT_FALSE(ParseTraceParent(
      "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", &p));
  EXPECT_FALSE(ParseTraceParent(
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01", &p));
  EXPECT_FALSE(ParseTraceParent(
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", &p));
  EXPECT_FALSE(ParseTraceParent("00-abc-def-01", &p));
}

TEST(TraceTest, UuidShape) {
  const std::string u = NewUuid();
  ASSERT_EQ(u.size(), 36u);
  EXPECT_EQ(u[14], '4');
  EXPECT_NE(NewUuid(), u);
}

TEST(TraceTest, RequestIdCharset) {
  EXPECT_TRUE(IsValidRequestId("req-123_abc.def:9"));
  EXPECT_FALSE(IsValidRequestId(""));
  EXPECT_FALSE(IsValidRequestId("a\nb"));
  EXPECT_FALSE(IsValidRequestId("a\"b"));
  EXPECT_FALSE(IsValidRequestId(std::string(200, 'a')));
}

}  // namespace
}  // namespace fineprint::trace
