#ifndef FINEPRINT_SERVICES_RUNTIME_HTTP_OUTBOUND_ALLOW_FLAG_H_
#define FINEPRINT_SERVICES_RUNTIME_HTTP_OUTBOUND_ALLOW_FLAG_H_

// --outbound_allow (or FINEPRINT_OUTBOUND_ALLOW): comma-separated CIDRs that
// outbound HTTP may reach although they are not globally routable, e.g.
// "127.0.0.0/8" for a developer's machine. Lives apart from the client so a
// binary opts in by linking this library; a binary that does not cannot be
// talked into widening its guard.

#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/strings/string_view.h"
#include "services/runtime/http/ip_address.h"

namespace fineprint::http {

// The flag's type, so a malformed CIDR fails flag parsing at startup rather
// than the first request.
struct OutboundAllowList {
  std::vector<IpRange> ranges;
};

bool AbslParseFlag(absl::string_view text, OutboundAllowList* list,
                   std::string* error);
std::string AbslUnparseFlag(const OutboundAllowList& list);

// The ranges named by --outbound_allow, for ClientOptions::allow.
std::vector<IpRange> OutboundAllowFromFlag();

}  // namespace fineprint::http

ABSL_DECLARE_FLAG(fineprint::http::OutboundAllowList, outbound_allow);

#endif  // FINEPRINT_SERVICES_RUNTIME_HTTP_OUTBOUND_ALLOW_FLAG_H_
