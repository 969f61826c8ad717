#include "services/runtime/log/log.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "services/runtime/text/utf8.h"

namespace fineprint::log {
namespace {

thread_local const Context* tls_context = nullptr;

struct Output {
  absl::Mutex mu;
  std::string service ABSL_GUARDED_BY(mu) = "fineprint";
  std::function<void(absl::string_view)> sink ABSL_GUARDED_BY(mu);
};

Output& GetOutput() {
  static auto* output = new Output();
  return *output;
}

// FINEPRINT_MIN_LOG_LEVEL (debug, info, warning, error) sets the starting
// level, so benchmarks and deployments can quiet every binary alike.
int InitialMinLevel() {
  const char* env = std::getenv("FINEPRINT_MIN_LOG_LEVEL");
  const absl::string_view name = env == nullptr ? "" : env;
  if (name == "debug") return static_cast<int>(Level::kDebug);
  if (name == "warning") return static_cast<int>(Level::kWarning);
  if (name == "error") return static_cast<int>(Level::kError);
  return static_cast<int>(Level::kInfo);
}

std::atomic<int> min_level{InitialMinLevel()};

const char* LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarning:
      return "warning";
    case Level::kError:
      return "error";
  }
  return "info";
}

}  // namespace

Field::Field(absl::string_view k, int64_t v)
    : key(k), value(absl::StrCat(v)), raw(true) {}
Field::Field(absl::string_view k, uint64_t v)
    : key(k), value(absl::StrCat(v)), raw(true) {}
Field::Field(absl::string_view k, double v)
    : key(k), value(absl::StrCat(v)), raw(true) {}
Field::Field(absl::string_view k, bool v)
    : key(k), value(v ? "true" : "false"), raw(true) {}
Field::Field(absl::string_view k, const absl::Status& v)
    : key(k), value(v.ToString()) {}
Field::Field(absl::string_view k, absl::Duration v)
    : key(k), value(absl::StrCat(absl::ToDoubleMilliseconds(v))), raw(true) {}

ScopedContext::ScopedContext(Context context)
    : context_(std::move(context)), previous_(tls_context) {
  tls_context = &context_;
}

ScopedContext::~ScopedContext() { tls_context = previous_; }

const Context* CurrentContext() { return tls_context; }

void SetServiceName(absl::string_view name) {
  Output& out = GetOutput();
  absl::MutexLock lock(&out.mu);
  out.service = std::string(name);
}

void SetMinLevel(Level level) { min_level = static_cast<int>(level); }

void SetSinkForTesting(std::function<void(absl::string_view)> sink) {
  Output& out = GetOutput();
  absl::MutexLock lock(&out.mu);
  out.sink = std::move(sink);
}

bool IsSensitiveKey(absl::string_view key) {
  const std::string lower = absl::AsciiStrToLower(key);
  for (absl::string_view word : {"password", "secret", "token", "authorization",
                                 "api_key", "apikey", "cookie", "credential"}) {
    if (absl::StrContains(lower, word)) return true;
  }
  return false;
}

void AppendJsonString(std::string& out, absl::string_view s) {
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        ++i;
        continue;
      case '\\':
        out += "\\\\";
        ++i;
        continue;
      case '\n':
        out += "\\n";
        ++i;
        continue;
      case '\r':
        out += "\\r";
        ++i;
        continue;
      case '\t':
        out += "\\t";
        ++i;
        continue;
      default:
        break;
    }
    if (c < 0x20) {
      absl::StrAppend(&out, "\\u00", absl::Hex(c, absl::kZeroPad2));
      ++i;
      continue;
    }
    const size_t n = text::Utf8SequenceLength(s, i);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    out.append(s.data() + i, n);
    i += n;
  }
  out.push_back('"');
}

namespace {

// Keys every line starts with; a field cannot repeat them.
bool IsHeaderKey(absl::string_view key) {
  return key == "ts" || key == "level" || key == "msg" || key == "service";
}

}  // namespace

void Log(Level level, absl::string_view message,
         std::initializer_list<Field> fields) {
  if (static_cast<int>(level) < min_level.load(std::memory_order_relaxed)) {
    return;
  }
  Output& out = GetOutput();
  std::string line;
  line.reserve(256);
  line += "{\"ts\":";
  AppendJsonString(line, absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::Now(),
                                          absl::UTCTimeZone()));
  absl::StrAppend(&line, ",\"level\":\"", LevelName(level), "\",\"msg\":");
  AppendJsonString(line, message);
  {
    absl::MutexLock lock(&out.mu);
    line += ",\"service\":";
    AppendJsonString(line, out.service);
  }
  // Each key once, so every line is JSON any parser reads the same way: a
  // field named like a context key replaces it, a repeated field is dropped.
  auto has_field = [&fields](absl::string_view key) {
    for (const Field& f : fields) {
      if (f.key == key) return true;
    }
    return false;
  };
  auto add_context = [&](absl::string_view key, const std::string& value) {
    if (value.empty() || has_field(key)) return;
    line += ',';
    AppendJsonString(line, key);
    line += ':';
    AppendJsonString(line, value);
  };
  if (const Context* ctx = tls_context) {
    add_context("request_id", ctx->request_id);
    add_context("trace_id", ctx->trace_id);
    add_context("span_id", ctx->span_id);
    add_context("rpc", ctx->method);
  }
  for (auto it = fields.begin(); it != fields.end(); ++it) {
    const Field& f = *it;
    if (IsHeaderKey(f.key)) continue;
    bool repeated = false;
    for (auto prev = fields.begin(); prev != it; ++prev) {
      if (prev->key == f.key) repeated = true;
    }
    if (repeated) continue;
    line += ',';
    AppendJsonString(line, f.key);
    line += ':';
    if (IsSensitiveKey(f.key)) {
      line += "\"[redacted]\"";
    } else if (f.raw) {
      line += f.value;
    } else {
      AppendJsonString(line, f.value);
    }
  }
  line += "}\n";
  absl::MutexLock lock(&out.mu);
  if (out.sink) {
    out.sink(line);
  } else {
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
}

}  // namespace fineprint::log
