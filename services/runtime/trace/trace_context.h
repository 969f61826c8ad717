#ifndef FINEPRINT_SERVICES_RUNTIME_TRACE_TRACE_CONTEXT_H_
#define FINEPRINT_SERVICES_RUNTIME_TRACE_TRACE_CONTEXT_H_

// The span a thread is working in, whatever started the work: an RPC (the
// call guard), an event (the consumer), a job (the worker). The outbox reads
// it, so every event carries the trace of whatever wrote it.

#include <string>

#include "absl/strings/string_view.h"

namespace fineprint::trace {

// The current span as a traceparent, or "" when the thread works for no
// trace.
const std::string& CurrentTraceparent();

// A traceparent for a new span whose parent is `parent`; a new trace when
// `parent` is empty or malformed.
std::string ChildSpanOf(absl::string_view parent);

// Makes `traceparent` the thread's current span until destroyed, then
// restores the previous one. Scopes nest.
class ScopedTraceContext {
 public:
  explicit ScopedTraceContext(std::string traceparent);
  ~ScopedTraceContext();
  ScopedTraceContext(const ScopedTraceContext&) = delete;
  ScopedTraceContext& operator=(const ScopedTraceContext&) = delete;

  const std::string& traceparent() const { return traceparent_; }

 private:
  std::string traceparent_;
  const std::string* previous_;
};

}  // namespace fineprint::trace

#endif  // FINEPRINT_SERVICES_RUNTIME_TRACE_TRACE_CONTEXT_H_
