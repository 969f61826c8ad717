#include "services/runtime/trace/trace.h"

#include <sodium.h>

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace fineprint::trace {
namespace {

bool IsLowerHex(absl::string_view s, size_t len) {
  if (s.size() != len) return false;
  bool nonzero = false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    if (c != '0') nonzero = true;
  }
  return nonzero;
}

}  // namespace

std::string TraceParent::ToString() const {
  return absl::StrCat("00-", trace_id, "-", span_id, "-", flags);
}

bool ParseTraceParent(absl::string_view header, TraceParent* out) {
  std::vector<absl::string_view> parts = absl::StrSplit(header, '-');
  if (parts.size() != 4 || parts[0] != "00") return false;
  if (!IsLowerHex(parts[1], 32) || !IsLowerHex(parts[2], 16)) return false;
  if (parts[3].size() != 2 || !absl::ascii_isxdigit(parts[3][0]) ||
      !absl::ascii_isxdigit(parts[3][1])) {
    return false;
  }
  out->trace_id = std::string(parts[1]);
  out->span_id = std::string(parts[2]);
  out->flags = std::string(parts[3]);
  return true;
}

std::string RandomHex(int bytes) {
  if (sodium_init() < 0) std::abort();
  std::string raw(static_cast<size_t>(bytes), '\0');
  randombytes_buf(raw.data(), raw.size());
  return absl::BytesToHexString(raw);
}

std::string NewUuid() {
  if (sodium_init() < 0) std::abort();
  unsigned char b[16];
  randombytes_buf(b, sizeof(b));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const std::string hex = absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(b), sizeof(b)));
  return absl::StrCat(hex.substr(0, 8), "-", hex.substr(8, 4), "-",
                      hex.substr(12, 4), "-", hex.substr(16, 4), "-",
                      hex.substr(20));
}

bool IsValidRequestId(absl::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_' && c != '.' &&
        c != ':') {
      return false;
    }
  }
  return true;
}

}  // namespace fineprint::trace
