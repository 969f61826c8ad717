#include "gateway/server/forwarding.h"

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/runtime/trace/trace.h"
#include "sodium.h"

namespace fineprint::gateway::server {
namespace {

// Random bytes for ids, drawn from libsodium a page at a time per thread:
// randombytes_buf is a getrandom(2) call, and every request needs three
// ids (perf showed the syscalls, issue #12). Same generator, same quality.
class IdRandom {
 public:
  void Fill(unsigned char* out, size_t n) {
    if (used_ + n > pool_.size()) {
      if (sodium_init() < 0) std::abort();
      randombytes_buf(pool_.data(), pool_.size());
      used_ = 0;
    }
    std::memcpy(out, pool_.data() + used_, n);
    // Handed-out bytes do not stay in memory.
    sodium_memzero(pool_.data() + used_, n);
    used_ += n;
  }

 private:
  std::array<unsigned char, 4096> pool_;
  size_t used_ = 4096;
};

thread_local IdRandom id_random;

void AppendHex(const unsigned char* b, size_t n, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < n; ++i) {
    out->push_back(kHex[b[i] >> 4]);
    out->push_back(kHex[b[i] & 0xf]);
  }
}

std::string RandomHex(size_t bytes) {
  unsigned char b[16];
  id_random.Fill(b, bytes);
  std::string out;
  out.reserve(2 * bytes);
  AppendHex(b, bytes, &out);
  return out;
}

// A version 4 UUID, as trace::NewUuid makes them.
std::string NewUuid() {
  unsigned char b[16];
  id_random.Fill(b, sizeof(b));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  std::string out;
  out.reserve(36);
  AppendHex(b, 4, &out);
  out.push_back('-');
  AppendHex(b + 4, 2, &out);
  out.push_back('-');
  AppendHex(b + 6, 2, &out);
  out.push_back('-');
  AppendHex(b + 8, 2, &out);
  out.push_back('-');
  AppendHex(b + 10, 6, &out);
  return out;
}

}  // namespace

bool IsReservedMetadata(absl::string_view n) {
  static constexpr absl::string_view kExact[] = {"content-type",
                                                 "te",
                                                 "host",
                                                 "connection",
                                                 "keep-alive",
                                                 "transfer-encoding",
                                                 "upgrade",
                                                 "proxy-connection",
                                                 "content-length",
                                                 "authorization",
                                                 "x-api-key",
                                                 "traceparent",
                                                 "tracestate",
                                                 "x-request-id",
                                                 "x-request-timeout",
                                                 "user-agent",
                                                 "x-forwarded-for"};
  for (absl::string_view e : kExact) {
    if (n == e) return true;
  }
  return n.empty() || n[0] == ':' || absl::StartsWith(n, "grpc-") ||
         absl::StartsWith(n, "x-fineprint-") || absl::EndsWith(n, "-bin");
}

absl::Status ValidateForwardAllowList(const std::vector<std::string>& names) {
  for (const std::string& n : names) {
    for (char c : n) {
      if (!(absl::ascii_islower(static_cast<unsigned char>(c)) ||
            absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '-' ||
            c == '_' || c == '.')) {
        return absl::InvalidArgumentError(absl::StrCat(
            "forwarded header \"", n, "\" must be lower-case token"));
      }
    }
    if (IsReservedMetadata(n)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "header \"", n, "\" is reserved and cannot be forwarded"));
    }
  }
  return absl::OkStatus();
}

std::optional<absl::Duration> ParseGrpcTimeout(absl::string_view v) {
  if (v.size() < 2 || v.size() > 9) return std::nullopt;
  int64_t amount;
  if (!absl::SimpleAtoi(v.substr(0, v.size() - 1), &amount) || amount < 0) {
    return std::nullopt;
  }
  for (char c : v.substr(0, v.size() - 1)) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)))
      return std::nullopt;
  }
  switch (v.back()) {
    case 'H':
      return absl::Hours(amount);
    case 'M':
      return absl::Minutes(amount);
    case 'S':
      return absl::Seconds(amount);
    case 'm':
      return absl::Milliseconds(amount);
    case 'u':
      return absl::Microseconds(amount);
    case 'n':
      return absl::Nanoseconds(amount);
    default:
      return std::nullopt;
  }
}

std::optional<absl::Duration> ParseRequestTimeout(absl::string_view v) {
  absl::Duration d;
  if (absl::ParseDuration(v, &d) && d != absl::InfiniteDuration()) return d;
  double seconds;
  if (absl::SimpleAtod(v, &seconds) && seconds < 1e9)
    return absl::Seconds(seconds);
  return std::nullopt;
}

absl::StatusOr<absl::Duration> TimeoutFor(const HttpRequest& request,
                                          absl::Duration default_timeout,
                                          absl::Duration max_timeout) {
  absl::Duration timeout = default_timeout;
  if (auto h = request.Header("grpc-timeout")) {
    auto d = ParseGrpcTimeout(*h);
    if (!d) return absl::InvalidArgumentError("malformed grpc-timeout header");
    timeout = *d;
  } else if (auto h = request.Header("x-request-timeout")) {
    auto d = ParseRequestTimeout(*h);
    if (!d)
      return absl::InvalidArgumentError("malformed X-Request-Timeout header");
    timeout = *d;
  }
  if (timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("request timeout must be positive");
  }
  return std::min(timeout, max_timeout);
}

CallIds IdsFor(const HttpRequest& request) {
  CallIds ids;
  auto rid = request.Header("x-request-id");
  ids.request_id =
      rid && fineprint::trace::IsValidRequestId(*rid) ? *rid : NewUuid();
  fineprint::trace::TraceParent parent;
  auto tp = request.Header("traceparent");
  if (!tp || !fineprint::trace::ParseTraceParent(*tp, &parent)) {
    parent = fineprint::trace::TraceParent();
    parent.trace_id = RandomHex(16);
  }
  parent.span_id = RandomHex(8);
  ids.trace_id = parent.trace_id;
  ids.span_id = parent.span_id;
  ids.traceparent = parent.ToString();
  return ids;
}

std::vector<std::pair<std::string, std::string>> OutboundMetadata(
    const HttpRequest& request, const CallIds& ids,
    const std::vector<std::string>& allow_list) {
  std::vector<std::pair<std::string, std::string>> md;
  for (const char* name : {"authorization", "x-api-key"}) {
    if (auto v = request.Header(name)) md.emplace_back(name, *v);
  }
  md.emplace_back("traceparent", ids.traceparent);
  md.emplace_back("x-request-id", ids.request_id);
  for (const auto& [k, v] : request.headers) {
    for (const std::string& allowed : allow_list) {
      // Values with control characters are not valid metadata.
      if (k == allowed && !IsReservedMetadata(k) &&
          v.find_first_of("\r\n") == std::string::npos) {
        md.emplace_back(k, v);
      }
    }
  }
  if (!request.remote_address.empty()) {
    md.emplace_back("x-forwarded-for", request.remote_address);
  }
  return md;
}

}  // namespace fineprint::gateway::server
