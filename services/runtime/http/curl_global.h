#ifndef FINEPRINT_SERVICES_RUNTIME_HTTP_CURL_GLOBAL_H_
#define FINEPRINT_SERVICES_RUNTIME_HTTP_CURL_GLOBAL_H_

#include "absl/status/status.h"

namespace fineprint::http {

// curl_global_init, once per process, for every libcurl user here (HTTP
// client, SMTP sender): it is not thread-safe, so it must not race a
// transfer's first use. Returns the one result on every call.
absl::Status InitCurlOnce();

}  // namespace fineprint::http

#endif  // FINEPRINT_SERVICES_RUNTIME_HTTP_CURL_GLOBAL_H_
