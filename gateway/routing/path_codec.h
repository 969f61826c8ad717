#ifndef FINEPRINT_GATEWAY_ROUTING_PATH_CODEC_H_
#define FINEPRINT_GATEWAY_ROUTING_PATH_CODEC_H_

// Percent-decoding as the HttpRule spec prescribes it for bound variables,
// plus the small character-class helpers shared with query parsing.

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace fineprint::gateway::routing {

// Decodes every %XX. nullopt for a malformed escape.
std::optional<std::string> PercentDecodeAll(absl::string_view in);

// Decodes %XX except RFC 6570 reserved characters (`:/?#[]@!$&'()*+,;=`),
// which stay encoded. nullopt for a malformed escape.
std::optional<std::string> PercentDecodeUnreserved(absl::string_view in);

// application/x-www-form-urlencoded component: '+' is a space, then %XX.
std::optional<std::string> FormDecode(absl::string_view in);

bool IsReservedChar(char c);

}  // namespace fineprint::gateway::routing

#endif  // FINEPRINT_GATEWAY_ROUTING_PATH_CODEC_H_
