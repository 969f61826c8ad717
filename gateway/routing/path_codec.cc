#include "gateway/routing/path_codec.h"

namespace fineprint::gateway::routing {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> Decode(absl::string_view in, bool keep_reserved,
                                  bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
      continue;
    }
    if (c != '%') {
      out.push_back(c);
      continue;
    }
    if (i + 2 >= in.size()) return std::nullopt;
    int hi = HexValue(in[i + 1]);
    int lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    char decoded = static_cast<char>(hi * 16 + lo);
    if (keep_reserved && IsReservedChar(decoded)) {
      out.append(in.data() + i, 3);
    } else {
      out.push_back(decoded);
    }
    i += 2;
  }
  return out;
}

}  // namespace

bool IsReservedChar(char c) {
  switch (c) {
    case ':':
    case '/':
    case '?':
    case '#':
    case '[':
    case ']':
    case '@':
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
      return true;
    default:
      return false;
  }
}

std::optional<std::string> PercentDecodeAll(absl::string_view in) {
  return Decode(in, /*keep_reserved=*/false, /*plus_is_space=*/false);
}

std::optional<std::string> PercentDecodeUnreserved(absl::string_view in) {
  return Decode(in, /*keep_reserved=*/true, /*plus_is_space=*/false);
}

std::optional<std::string> FormDecode(absl::string_view in) {
  return Decode(in, /*keep_reserved=*/false, /*plus_is_space=*/true);
}

}  // namespace fineprint::gateway::routing
