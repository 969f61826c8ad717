#ifndef FINEPRINT_SERVICES_RUNTIME_LOG_LOG_H_
#define FINEPRINT_SERVICES_RUNTIME_LOG_LOG_H_

// Structured JSON logs, one object per line on stderr. Every line carries
// the service name and, inside an RPC, the request and trace ids of the call
// (set by the server runtime through ScopedContext). Fields whose key names
// a credential are redacted, so a careless call site cannot leak a secret.

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace fineprint::log {

enum class Level { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

struct Field {
  Field(absl::string_view k, absl::string_view v) : key(k), value(v) {}
  Field(absl::string_view k, const char* v) : key(k), value(v) {}
  Field(absl::string_view k, const std::string& v) : key(k), value(v) {}
  Field(absl::string_view k, int64_t v);
  Field(absl::string_view k, int v) : Field(k, static_cast<int64_t>(v)) {}
  Field(absl::string_view k, uint64_t v);
  Field(absl::string_view k, double v);
  Field(absl::string_view k, bool v);
  Field(absl::string_view k, const absl::Status& v);
  Field(absl::string_view k, absl::Duration v);

  absl::string_view key;
  std::string value;
  // Numbers and booleans are emitted unquoted.
  bool raw = false;
};

// The per-call identifiers attached to every line logged on this thread.
struct Context {
  std::string request_id;
  std::string trace_id;
  std::string span_id;
  std::string method;
};

// Installs `context` for the current thread until destroyed (nestable).
class ScopedContext {
 public:
  explicit ScopedContext(Context context);
  ~ScopedContext();
  ScopedContext(const ScopedContext&) = delete;
  ScopedContext& operator=(const ScopedContext&) = delete;

 private:
  Context context_;
  const Context* previous_;
};

// The context installed on this thread, or nullptr.
const Context* CurrentContext();

void SetServiceName(absl::string_view name);
void SetMinLevel(Level level);
// Replaces the output (default: stderr). For tests.
void SetSinkForTesting(std::function<void(absl::string_view line)> sink);

void Log(Level level, absl::string_view message,
         std::initializer_list<Field> fields = {});

inline void Debug(absl::string_view m, std::initializer_list<Field> f = {}) {
  Log(Level::kDebug, m, f);
}
inline void Info(absl::string_view m, std::initializer_list<Field> f = {}) {
  Log(Level::kInfo, m, f);
}
inline void Warning(absl::string_view m, std::initializer_list<Field> f = {}) {
  Log(Level::kWarning, m, f);
}
inline void Error(absl::string_view m, std::initializer_list<Field> f = {}) {
  Log(Level::kError, m, f);
}

// Appends `s` to `out` as a JSON string literal (with quotes). Invalid UTF-8
// is replaced so a log line is always valid JSON.
void AppendJsonString(std::string& out, absl::string_view s);

// True for keys that name credentials (password, token, secret, ...).
bool IsSensitiveKey(absl::string_view key);

}  // namespace fineprint::log

#endif  // FINEPRINT_SERVICES_RUNTIME_LOG_LOG_H_
