#include "services/runtime/mail/smtp_sender.h"

#include <curl/curl.h>

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/runtime/http/curl_global.h"
#include "services/runtime/mail/mime.h"

namespace fineprint::mail {
namespace {

struct Upload {
  absl::string_view data;
  size_t offset = 0;
};

size_t ReadBody(char* buffer, size_t size, size_t nitems, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const size_t n =
      std::min(size * nitems, upload->data.size() - upload->offset);
  std::memcpy(buffer, upload->data.data() + upload->offset, n);
  upload->offset += n;
  return n;
}

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct ListDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

absl::Status Classify(CURLcode code, long smtp_code, const char* detail) {
  const std::string message = absl::StrCat(
      "smtp: ", curl_easy_strerror(code),
      smtp_code != 0 ? absl::StrCat(" (server answered ", smtp_code, ")") : "",
      detail[0] != '\0' ? absl::StrCat(": ", detail) : "");
  switch (code) {
    case CURLE_LOGIN_DENIED:
    case CURLE_USE_SSL_FAILED:
      return absl::PermissionDeniedError(message);
    default:
      break;
  }
  if (smtp_code >= 500 && smtp_code < 600) {
    return absl::FailedPreconditionError(message);
  }
  return absl::UnavailableError(message);
}

}  // namespace

absl::StatusOr<std::unique_ptr<SmtpSender>> SmtpSender::Create(
    SmtpOptions options) {
  const std::string lower = absl::AsciiStrToLower(options.url);
  if (!absl::StartsWith(lower, "smtp://") &&
      !absl::StartsWith(lower, "smtps://")) {
    return absl::InvalidArgumentError("smtp url must be smtp:// or smtps://");
  }
  const absl::string_view authority =
      absl::string_view(options.url).substr(lower.find("://") + 3);
  if (authority.substr(0, authority.find('/')).find('@') !=
      absl::string_view::npos) {
    // Credentials in a URL end up in logs and process listings.
    return absl::InvalidArgumentError(
        "smtp url must not carry credentials; give them separately");
  }
  if (absl::Status s = http::InitCurlOnce(); !s.ok()) return s;
  return std::unique_ptr<SmtpSender>(new SmtpSender(std::move(options)));
}

absl::Status SmtpSender::Send(absl::string_view envelope_from,
                              const std::vector<std::string>& recipients,
                              absl::string_view data) const {
  if (!IsPlainAddress(envelope_from)) {
    return absl::InvalidArgumentError("envelope sender is not an address");
  }
  if (recipients.empty()) return absl::InvalidArgumentError("no recipient");
  std::unique_ptr<curl_slist, ListDeleter> rcpt;
  for (const std::string& r : recipients) {
    if (!IsPlainAddress(r)) {
      return absl::InvalidArgumentError("recipient is not an address");
    }
    const std::string bracketed = absl::StrCat("<", r, ">");
    curl_slist* next = curl_slist_append(rcpt.get(), bracketed.c_str());
    if (next == nullptr) return absl::ResourceExhaustedError("out of memory");
    rcpt.release();
    rcpt.reset(next);
  }
  std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
  if (!curl) return absl::ResourceExhaustedError("curl_easy_init failed");
  CURL* c = curl.get();
  Upload upload{data, 0};
  char error[CURL_ERROR_SIZE] = {0};
  const std::string from = absl::StrCat("<", envelope_from, ">");
  curl_easy_setopt(c, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(
      c, CURLOPT_TIMEOUT_MS,
      static_cast<long>(absl::ToInt64Milliseconds(options_.timeout)));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min<int64_t>(
                       absl::ToInt64Milliseconds(options_.timeout), 10000)));
  curl_easy_setopt(c, CURLOPT_USE_SSL,
                   options_.require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY);
  if (!options_.ca_file.empty()) {
    curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
  }
  if (!options_.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, options_.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, options_.password.c_str());
  }
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadBody);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
                   static_cast<curl_off_t>(data.size()));
  const CURLcode code = curl_easy_perform(c);
  if (code == CURLE_OK) return absl::OkStatus();
  long smtp_code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &smtp_code);
  return Classify(code, smtp_code, error);
}

}  // namespace fineprint::mail
