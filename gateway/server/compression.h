#ifndef FINEPRINT_GATEWAY_SERVER_COMPRESSION_H_
#define FINEPRINT_GATEWAY_SERVER_COMPRESSION_H_

// HTTP content codings of the edge's transport: gzip (zlib) and brotli for
// responses the client accepts them for, gzip for request bodies, which are
// inflated under a size limit so a small "zip bomb" cannot make the edge
// allocate more than a plain body of the limit would.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/server/http_types.h"

namespace fineprint::gateway::server {

enum class ContentCoding { kIdentity, kGzip, kBrotli };

// The coding to answer with for an Accept-Encoding value (RFC 9110
// §12.5.3: q-values, `*`, `x-gzip`). Brotli wins a tie: it is smaller.
ContentCoding ChooseContentCoding(absl::string_view accept_encoding);

// "gzip" / "br" ("" for identity).
absl::string_view ContentCodingName(ContentCoding coding);

// Media types worth compressing (JSON, NDJSON, text, JavaScript, SVG).
bool IsCompressible(absl::string_view content_type);

// `data` in `coding` (not identity), at a level meant for dynamic answers:
// speed over the last few percent.
absl::StatusOr<std::string> Compress(absl::string_view data,
                                     ContentCoding coding);

// A gzip body (one or more members) inflated. RESOURCE_EXHAUSTED once the
// output would pass `max_bytes` (inflating stops there); INVALID_ARGUMENT
// when it is not valid gzip.
absl::StatusOr<std::string> Gunzip(absl::string_view data, size_t max_bytes);

// Compresses `r` in `coding` when worth it: a compressible type, at least
// `min_bytes` (0: never), not already encoded, and smaller once encoded.
// Such answers get `Vary: Accept-Encoding` whatever the coding. Only the
// first check runs for small answers.
void EncodeResponse(HttpResponse& r, ContentCoding coding, size_t min_bytes);

}  // namespace fineprint::gateway::server

#endif  // FINEPRINT_GATEWAY_SERVER_COMPRESSION_H_
