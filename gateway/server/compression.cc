#include "gateway/server/compression.h"

#include <zlib.h>

#include <array>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "brotli/encode.h"

namespace fineprint::gateway::server {
namespace {

// Level 5 gzip and quality 4 brotli keep most of the size win at a fraction
// of the CPU of their defaults (6 and 11); answers are made once, not
// cached.
constexpr int kGzipLevel = 5;
constexpr int kBrotliQuality = 4;

}  // namespace

ContentCoding ChooseContentCoding(absl::string_view accept_encoding) {
  double br = -1, gzip = -1, star = -1;  // -1: not listed
  for (absl::string_view item : absl::StrSplit(accept_encoding, ',')) {
    absl::string_view coding = item;
    double q = 1;
    if (size_t semi = item.find(';'); semi != absl::string_view::npos) {
      coding = item.substr(0, semi);
      absl::string_view params =
          absl::StripAsciiWhitespace(item.substr(semi + 1));
      if (absl::ConsumePrefix(&params, "q=") ||
          absl::ConsumePrefix(&params, "Q=")) {
        if (!absl::SimpleAtod(absl::StripAsciiWhitespace(params), &q)) q = 0;
      }
    }
    coding = absl::StripAsciiWhitespace(coding);
    if (absl::EqualsIgnoreCase(coding, "br")) {
      br = q;
    } else if (absl::EqualsIgnoreCase(coding, "gzip") ||
               absl::EqualsIgnoreCase(coding, "x-gzip")) {
      gzip = q;
    } else if (coding == "*") {
      star = q;
    }
  }
  if (br < 0) br = star;
  if (gzip < 0) gzip = star;
  if (br > 0 && br >= gzip) return ContentCoding::kBrotli;
  if (gzip > 0) return ContentCoding::kGzip;
  return ContentCoding::kIdentity;
}

absl::string_view ContentCodingName(ContentCoding coding) {
  switch (coding) {
    case ContentCoding::kGzip:
      return "gzip";
    case ContentCoding::kBrotli:
      return "br";
    case ContentCoding::kIdentity:
      break;
  }
  return "";
}

bool IsCompressible(absl::string_view content_type) {
  absl::string_view media = absl::StripAsciiWhitespace(
      content_type.substr(0, content_type.find(';')));
  return absl::StartsWithIgnoreCase(media, "text/") ||
         absl::EqualsIgnoreCase(media, "application/json") ||
         absl::EqualsIgnoreCase(media, "application/x-ndjson") ||
         absl::EqualsIgnoreCase(media, "application/javascript") ||
         absl::EqualsIgnoreCase(media, "image/svg+xml") ||
         absl::EndsWithIgnoreCase(media, "+json");
}

absl::StatusOr<std::string> Compress(absl::string_view data,
                                     ContentCoding coding) {
  std::string out;
  if (coding == ContentCoding::kBrotli) {
    size_t size = BrotliEncoderMaxCompressedSize(data.size());
    if (size == 0) return absl::InternalError("brotli: input too large");
    out.resize(size);
    if (!BrotliEncoderCompress(kBrotliQuality, BROTLI_DEFAULT_WINDOW,
                               BROTLI_MODE_TEXT, data.size(),
                               reinterpret_cast<const uint8_t*>(data.data()),
                               &size, reinterpret_cast<uint8_t*>(out.data()))) {
      return absl::InternalError("brotli compression failed");
    }
    out.resize(size);
    return out;
  }
  if (coding != ContentCoding::kGzip)
    return absl::InvalidArgumentError("no coding");
  z_stream zs{};
  // windowBits 15 + 16: a gzip wrapper rather than zlib's.
  if (deflateInit2(&zs, kGzipLevel, Z_DEFLATED, 15 + 16, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return absl::InternalError("deflateInit2 failed");
  }
  out.resize(deflateBound(&zs, data.size()));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return absl::InternalError("gzip compression failed");
  return out;
}

absl::StatusOr<std::string> Gunzip(absl::string_view data, size_t max_bytes) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK)
    return absl::InternalError("inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  std::array<char, 16 << 10> buffer;
  absl::Status status;
  while (true) {
    zs.next_out = reinterpret_cast<Bytef*>(buffer.data());
    zs.avail_out = static_cast<uInt>(buffer.size());
    const int rc = inflate(&zs, Z_NO_FLUSH);
    const size_t produced = buffer.size() - zs.avail_out;
    if (out.size() + produced > max_bytes) {
      status =
          absl::ResourceExhaustedError("decompressed request body too large");
      break;
    }
    out.append(buffer.data(), produced);
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      inflateReset(&zs);  // another gzip member follows (RFC 1952 §2.2)
      continue;
    }
    if (rc == Z_OK) continue;  // progress was made
    status = absl::InvalidArgumentError(rc == Z_BUF_ERROR
                                            ? "truncated gzip request body"
                                            : "malformed gzip request body");
    break;
  }
  inflateEnd(&zs);
  if (!status.ok()) return status;
  return out;
}

void EncodeResponse(HttpResponse& r, ContentCoding coding, size_t min_bytes) {
  if (min_bytes == 0 || r.body.size() < min_bytes || r.status == 204 ||
      r.status == 304 || r.status < 200) {
    return;
  }
  std::optional<std::string> type = r.Header("content-type");
  if (!type || !IsCompressible(*type) || r.Header("content-encoding")) return;
  // From here the answer depends on Accept-Encoding, whatever this client
  // sent, and caches must know.
  std::optional<std::string> vary = r.Header("vary");
  r.SetHeader("vary", vary ? absl::StrCat(*vary, ", Accept-Encoding")
                           : "Accept-Encoding");
  if (coding == ContentCoding::kIdentity) return;
  absl::StatusOr<std::string> encoded = Compress(r.body, coding);
  if (!encoded.ok() || encoded->size() >= r.body.size()) return;
  r.body = *std::move(encoded);
  r.SetHeader("content-encoding", ContentCodingName(coding));
}

}  // namespace fineprint::gateway::server
