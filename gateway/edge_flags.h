#ifndef FINEPRINT_GATEWAY_EDGE_FLAGS_H_
#define FINEPRINT_GATEWAY_EDGE_FLAGS_H_

// The edge binary's flags (or FINEPRINT_* environment), beside the kit's
// shared ones (--listen_host, --admin_port, --identity_target, ...).

#include <string>
#include <vector>

#include "gateway/edge_app.h"

namespace fineprint::gateway {

// absl's vector flags keep only the last occurrence; this merges every
// --backend so the flag is repeatable as documented. `storage` holds the
// merged argument. Call before flags are parsed.
std::vector<char*> MergeRepeatedBackendFlags(int argc, char** argv,
                                             std::vector<std::string>& storage);

EdgeDomainOptions EdgeDomainOptionsFromFlags();

}  // namespace fineprint::gateway

#endif  // FINEPRINT_GATEWAY_EDGE_FLAGS_H_
