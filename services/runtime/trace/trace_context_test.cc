#include "services/runtime/trace/trace_context.h"

#include "gtest/gtest.h"
#include "services/runtime/trace/trace.h"

namespace fineprint::trace {
namespace {

constexpr char kParent[] =
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceContextTest, ChildKeepsTraceWithNewSpan) {
  TraceParent child;
  ASSERT_TRUE(ParseTraceParent(ChildSpanOf(kParent), &child));
  EXPECT_EQ(child.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_NE(child.span_id, "00f067aa0ba902b7");
}

TEST(TraceContextTest, MalformedParentStartsNewTrace) {
  TraceParent child;
  ASSERT_TRUE(ParseTraceParent(ChildSpanOf("garbage"), &child));
  EXPECT_NE(child.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(TraceContextTest, ScopesNestAndRestore) {
  EXPECT_EQ(CurrentTraceparent(), "");
  {
    ScopedTraceContext outer(kParent);
    EXPECT_EQ(CurrentTraceparent(), kParent);
    {
      ScopedTraceContext inner(ChildSpanOf(kParent));
      EXPECT_NE(CurrentTraceparent(), kParent);
      EXPECT_EQ(CurrentTraceparent(), inner.traceparent());
    }
    EXPECT_EQ(CurrentTraceparent(), kParent);
  }
  EXPECT_EQ(CurrentTraceparent(), "");
}

}  // namespace
}  // namespace fineprint::trace
