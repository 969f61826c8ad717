#include "gateway/server/http_wire.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "boost/beast/http/status.hpp"

namespace fineprint::gateway::server {
namespace {

bool Replaced(absl::string_view name) {
  if (absl::EqualsIgnoreCase(name, "content-length") ||
      absl::EqualsIgnoreCase(name, "connection")) {
    return true;
  }
  for (const auto& [standard, value] : kStandardHeaders) {
    if (absl::EqualsIgnoreCase(name, standard)) return true;
  }
  return false;
}

void AppendHeader(absl::string_view name, absl::string_view value,
                  std::string* out) {
  if (value.find_first_of("\r\n") != absl::string_view::npos ||
      name.find_first_of("\r\n: ") != absl::string_view::npos) {
    return;
  }
  out->append(name.data(), name.size());
  out->append(": ");
  out->append(value.data(), value.size());
  out->append("\r\n");
}

}  // namespace

void SerializeResponse(const HttpResponse& response, bool keep_alive, bool head,
                       std::string* out) {
  const int status = response.status;
  const bool bodiless = status < 200 || status == 204 || status == 304;
  bool chunked = false;
  out->reserve(out->size() + 256 + response.body.size());
  out->append("HTTP/1.1 ");
  char digits[16];
  out->append(digits,
              absl::numbers_internal::FastIntToBuffer(status, digits) - digits);
  out->push_back(' ');
  const auto reason = boost::beast::http::obsolete_reason(
      static_cast<boost::beast::http::status>(status));
  out->append(reason.data(), reason.size());
  out->append("\r\n");
  for (const auto& [name, value] : response.headers) {
    if (Replaced(name)) continue;
    chunked = chunked || absl::EqualsIgnoreCase(name, "transfer-encoding");
    AppendHeader(name, value, out);
  }
  for (const auto& [name, value] : kStandardHeaders) {
    AppendHeader(name, value, out);
  }
  if (!bodiless && !chunked) {
    // Canonical case, as Beast wrote it (some clients still match on it).
    out->append("Content-Length: ");
    out->append(digits, absl::numbers_internal::FastIntToBuffer(
                            response.body.size(), digits) -
                            digits);
    out->append("\r\n");
  }
  if (!keep_alive) out->append("Connection: close\r\n");
  out->append("\r\n");
  if (!bodiless && !head) out->append(response.body);
}

}  // namespace fineprint::gateway::server
