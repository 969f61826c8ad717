#include "gateway/transcode/json_format.h"

#include <cstdio>
#include <cstdlib>

namespace fineprint::gateway::transcode::json_format {
namespace {

// Code points protobuf's JsonEscaping writes as \u escapes although JSON
// would not need it (format and separator characters).
bool EscapedCodePoint(uint32_t cp) {
  return (cp >= 0x7f && cp <= 0x9f) || cp == 0xad ||
         (cp >= 0x600 && cp <= 0x603) || cp == 0x6dd || cp == 0x70f ||
         cp == 0x17b4 || cp == 0x17b5 || (cp >= 0x200b && cp <= 0x200f) ||
         (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2064) ||
         (cp >= 0x206a && cp <= 0x206f) || cp == 0xfeff ||
         (cp >= 0xfff9 && cp <= 0xfffb) || (cp >= 0x1d173 && cp <= 0x1d17a) ||
         cp == 0xe0001 || (cp >= 0xe0020 && cp <= 0xe007f);
}

void AppendU16Escape(uint32_t unit, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  const char esc[6] = {'\\',
                       'u',
                       kHex[(unit >> 12) & 0xf],
                       kHex[(unit >> 8) & 0xf],
                       kHex[(unit >> 4) & 0xf],
                       kHex[unit & 0xf]};
  out->append(esc, 6);
}

// Decodes one UTF-8 sequence at s[i]; 0 on invalid (overlong, surrogate,
// out of range, truncated).
size_t DecodeUtf8(absl::string_view s, size_t i, uint32_t* cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  size_t n;
  uint32_t v;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
    v = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    v = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    v = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
    v = (v << 6) | (b(i + k) & 0x3f);
  }
  if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10ffff)) ||
      (v >= 0xd800 && v <= 0xdfff)) {
    return 0;
  }
  *cp = v;
  return n;
}

}  // namespace

void AppendDouble(double v, std::string* out) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%.15g", v);
  if (std::strtod(buf, nullptr) != v) snprintf(buf, sizeof(buf), "%.17g", v);
  out->append(buf);
}

void AppendFloat(float v, std::string* out) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%.6g", static_cast<double>(v));
  if (std::strtof(buf, nullptr) != v) {
    snprintf(buf, sizeof(buf), "%.9g", static_cast<double>(v));
  }
  out->append(buf);
}

bool AppendString(absl::string_view s, std::string* out) {
  out->push_back('"');
  size_t plain = 0;  // start of the run not yet copied
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '<' &&
        c != '>') {
      ++i;
      continue;
    }
    if (c < 0x80) {
      out->append(s.data() + plain, i - plain);
      switch (c) {
        case '"':
          out->append("\\\"");
          break;
        case '\\':
          out->append("\\\\");
          break;
        case '\b':
          out->append("\\b");
          break;
        case '\f':
          out->append("\\f");
          break;
        case '\n':
          out->append("\\n");
          break;
        case '\r':
          out->append("\\r");
          break;
        case '\t':
          out->append("\\t");
          break;
        default:
          AppendU16Escape(c, out);
      }
      plain = ++i;
      continue;
    }
    uint32_t cp = 0;
    const size_t n = DecodeUtf8(s, i, &cp);
    if (n == 0) return false;
    if (EscapedCodePoint(cp)) {
      out->append(s.data() + plain, i - plain);
      if (cp >= 0x10000) {
        const uint32_t v = cp - 0x10000;
        AppendU16Escape(0xd800 + (v >> 10), out);
        AppendU16Escape(0xdc00 + (v & 0x3ff), out);
      } else {
        AppendU16Escape(cp, out);
      }
      plain = i + n;
    }
    i += n;
  }
  out->append(s.data() + plain, s.size() - plain);
  out->push_back('"');
  return true;
}

// H. Hinnant's days_from_civil, inverted.
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

void AppendFixed(uint32_t value, int width, std::string* out) {
  char buf[10];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out->append(buf, static_cast<size_t>(width));
}

void AppendNanos(int32_t nanos, std::string* out) {
  out->push_back('.');
  if (nanos % 1000000 == 0) {
    AppendFixed(static_cast<uint32_t>(nanos / 1000000), 3, out);
  } else if (nanos % 1000 == 0) {
    AppendFixed(static_cast<uint32_t>(nanos / 1000), 6, out);
  } else {
    AppendFixed(static_cast<uint32_t>(nanos), 9, out);
  }
}

}  // namespace fineprint::gateway::transcode::json_format
