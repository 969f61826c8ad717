#include "services/runtime/trace/trace_context.h"

#include "services/runtime/trace/trace.h"

namespace fineprint::trace {
namespace {

const std::string kNone;
thread_local const std::string* current = &kNone;

}  // namespace

const std::string& CurrentTraceparent() { return *current; }

std::string ChildSpanOf(absl::string_view parent) {
  TraceParent span;
  if (!ParseTraceParent(parent, &span)) span.trace_id = RandomHex(16);
  span.span_id = RandomHex(8);
  return span.ToString();
}

ScopedTraceContext::ScopedTraceContext(std::string traceparent)
    : traceparent_(std::move(traceparent)), previous_(current) {
  current = &traceparent_;
}

ScopedTraceContext::~ScopedTraceContext() { current = previous_; }

}  // namespace fineprint::trace
