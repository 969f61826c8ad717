#include "services/runtime/http/curl_url.h"

#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/runtime/http/ip_address.h"
#include "services/runtime/status/status.h"

namespace fineprint::http {
namespace {

constexpr absl::string_view kReasonBadUrl = "BAD_URL";

absl::Status BadUrl(absl::string_view why) {
  return status::WithReason(
      absl::InvalidArgumentError(absl::StrCat("bad URL: ", why)),
      kReasonBadUrl);
}

std::optional<std::string> GetUrlPart(CURLU* handle, CURLUPart part,
                                      unsigned int flags = 0) {
  char* value = nullptr;
  if (curl_url_get(handle, part, &value, flags) != CURLUE_OK) {
    return std::nullopt;
  }
  std::string copy(value);
  curl_free(value);
  return copy;
}

}  // namespace

absl::StatusOr<Url> Url::Parse(absl::string_view text) {
  UrlHandle handle(curl_url());
  if (handle == nullptr) return absl::ResourceExhaustedError("curl_url");
  std::string copy(text);
  if (copy.find('\0') != std::string::npos) return BadUrl("contains NUL");
  CURLUcode rc = curl_url_set(handle.get(), CURLUPART_URL, copy.c_str(), 0);
  if (rc != CURLUE_OK) return BadUrl(curl_url_strerror(rc));
  return FromHandle(std::move(handle));
}

absl::StatusOr<Url> Url::Resolve(absl::string_view reference) const {
  UrlHandle handle(curl_url_dup(handle_.get()));
  if (handle == nullptr) return absl::ResourceExhaustedError("curl_url_dup");
  std::string copy(reference);
  if (copy.empty() || copy.find('\0') != std::string::npos) {
    return BadUrl("unusable redirect location");
  }
  CURLUcode rc = curl_url_set(handle.get(), CURLUPART_URL, copy.c_str(), 0);
  if (rc != CURLUE_OK) {
    return BadUrl(absl::StrCat("redirect location: ", curl_url_strerror(rc)));
  }
  return FromHandle(std::move(handle));
}

absl::StatusOr<Url> Url::FromHandle(UrlHandle handle) {
  Url url(std::move(handle));
  CURLU* h = url.handle_.get();
  std::optional<std::string> scheme = GetUrlPart(h, CURLUPART_SCHEME);
  if (!scheme.has_value()) return BadUrl("no scheme");
  url.scheme_ = absl::AsciiStrToLower(*scheme);
  if (url.scheme_ != "http" && url.scheme_ != "https") {
    return BadUrl(
        absl::StrCat("scheme \"", url.scheme_, "\" is not http or https"));
  }
  std::optional<std::string> host =
      GetUrlPart(h, CURLUPART_HOST, CURLU_PUNYCODE);
  if (!host.has_value() || host->empty()) return BadUrl("no host");
  if (GetUrlPart(h, CURLUPART_ZONEID).has_value()) {
    return BadUrl("IPv6 zone ids are not supported");
  }
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']') {
    url.host_ = host->substr(1, host->size() - 2);
    url.is_ip_literal_ = true;
  } else {
    url.host_ = *host;
    url.is_ip_literal_ = IpAddress::Parse(url.host_).has_value();
  }
  std::optional<std::string> port =
      GetUrlPart(h, CURLUPART_PORT, CURLU_DEFAULT_PORT);
  if (!port.has_value() || !absl::SimpleAtoi(*port, &url.port_) ||
      url.port_ <= 0 || url.port_ > 65535) {
    return BadUrl("bad port");
  }
  std::optional<std::string> text = GetUrlPart(h, CURLUPART_URL);
  if (!text.has_value()) return BadUrl("cannot be re-assembled");
  url.text_ = *std::move(text);
  return url;
}

}  // namespace fineprint::http
