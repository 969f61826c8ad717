#include "gateway/upstream/grpc_protocol.h"

#include <nghttp2/nghttp2.h>

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace fineprint::gateway::upstream {

std::string EncodeGrpcTimeout(absl::Duration left) {
  const int64_t ms =
      absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1)));
  if (ms < 100000000) return absl::StrCat(std::max<int64_t>(ms, 1), "m");
  const int64_t s = absl::ToInt64Seconds(absl::Ceil(left, absl::Seconds(1)));
  if (s < 100000000) return absl::StrCat(s, "S");
  return absl::StrCat(std::min<int64_t>(absl::ToInt64Hours(left), 99999999),
                      "H");
}

std::string DecodeGrpcMessage(absl::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    int hi, lo;
    auto hex = [](char c) {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    if (in[i] == '%' && i + 2 < in.size() && (hi = hex(in[i + 1])) >= 0 &&
        (lo = hex(in[i + 2])) >= 0) {
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

grpc::StatusCode CodeForHttpStatus(int http_status) {
  switch (http_status) {
    case 400:
      return grpc::StatusCode::INTERNAL;
    case 401:
      return grpc::StatusCode::UNAUTHENTICATED;
    case 403:
      return grpc::StatusCode::PERMISSION_DENIED;
    case 404:
      return grpc::StatusCode::UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return grpc::StatusCode::UNAVAILABLE;
    default:
      return grpc::StatusCode::UNKNOWN;
  }
}

grpc::StatusCode CodeForReset(uint32_t http2_error_code) {
  const uint32_t error_code = http2_error_code;
  switch (error_code) {
    case NGHTTP2_REFUSED_STREAM:
      return grpc::StatusCode::UNAVAILABLE;
    case NGHTTP2_CANCEL:
      return grpc::StatusCode::CANCELLED;
    case NGHTTP2_ENHANCE_YOUR_CALM:
      return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case NGHTTP2_INADEQUATE_SECURITY:
      return grpc::StatusCode::PERMISSION_DENIED;
    default:
      return grpc::StatusCode::INTERNAL;
  }
}

}  // namespace fineprint::gateway::upstream
