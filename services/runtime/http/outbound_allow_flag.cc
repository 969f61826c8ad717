#include "services/runtime/http/outbound_allow_flag.h"

#include <utility>

#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_join.h"

ABSL_FLAG(fineprint::http::OutboundAllowList, outbound_allow, {},
          "Comma-separated CIDRs that outbound HTTP may reach although they "
          "are not globally routable (e.g. 127.0.0.0/8 for development). "
          "Empty: only global addresses.");

namespace fineprint::http {

bool AbslParseFlag(absl::string_view text, OutboundAllowList* list,
                   std::string* error) {
  absl::StatusOr<std::vector<IpRange>> ranges = ParseIpRanges(text);
  if (!ranges.ok()) {
    *error = std::string(ranges.status().message());
    return false;
  }
  list->ranges = *std::move(ranges);
  return true;
}

std::string AbslUnparseFlag(const OutboundAllowList& list) {
  return absl::StrJoin(list.ranges, ",",
                       [](std::string* out, const IpRange& range) {
                         out->append(range.ToString());
                       });
}

std::vector<IpRange> OutboundAllowFromFlag() {
  return absl::GetFlag(FLAGS_outbound_allow).ranges;
}

}  // namespace fineprint::http
