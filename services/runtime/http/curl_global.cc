#include "services/runtime/http/curl_global.h"

#include <curl/curl.h>

#include "absl/base/call_once.h"
#include "absl/strings/str_cat.h"

namespace fineprint::http {

absl::Status InitCurlOnce() {
  static absl::once_flag once;
  static CURLcode result = CURLE_OK;
  absl::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (result != CURLE_OK) {
    return absl::InternalError(
        absl::StrCat("curl_global_init: ", curl_easy_strerror(result)));
  }
  return absl::OkStatus();
}

}  // namespace fineprint::http
