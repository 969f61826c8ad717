#ifndef FINEPRINT_GATEWAY_SERVER_HTTP_WIRE_H_
#define FINEPRINT_GATEWAY_SERVER_HTTP_WIRE_H_

// An HttpResponse as HTTP/1.1 bytes, written in one pass into one buffer
// that goes to the socket in one write. Beast's serializer walked a chain
// of buffer views per field and was a tenth of the edge's CPU per request
// (issue #12); the head is small and simple enough to write directly.

#include <string>

#include "gateway/server/http_types.h"

namespace fineprint::gateway::server {

// Headers every response carries, whatever produced it (RFC 9110 leaves
// sniffing and referrers to the client; these turn both off).
inline constexpr std::pair<const char*, const char*> kStandardHeaders[] = {
    {"Server", "fineprint-edge"},
    {"x-content-type-options", "nosniff"},
    {"referrer-policy", "no-referrer"},
};

// Status line, `response`'s headers (names as given; any Content-Length or
// Connection of its own is replaced), the standard headers, Content-Length
// (none for 1xx, 204 and 304, which carry no body, nor with a
// Transfer-Encoding), `Connection: close` unless `keep_alive`, and the
// body. For HEAD (`head`) the head a GET would carry, its Content-Length
// included, without the body. Header values with CR or LF are dropped (no
// response splitting). Appends to `out`.
void SerializeResponse(const HttpResponse& response, bool keep_alive, bool head,
                       std::string* out);

}  // namespace fineprint::gateway::server

#endif  // FINEPRINT_GATEWAY_SERVER_HTTP_WIRE_H_
