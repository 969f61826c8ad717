#include "events/contract/event_contract.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "fineprint/api/v1/options.pb.h"

namespace fineprint::events {

std::string TopicFor(absl::string_view service, absl::string_view aggregate) {
  return absl::StrCat("fineprint.", service, ".", aggregate, ".v1");
}

absl::StatusOr<EventContract> ContractOf(
    const google::protobuf::Descriptor& descriptor) {
  const std::vector<absl::string_view> package =
      absl::StrSplit(descriptor.file()->package(), '.');
  if (package.size() != 4 || package[0] != "fineprint" ||
      package[2] != "events" || package[3] != "v1") {
    return absl::FailedPreconditionError(absl::StrCat(
        descriptor.full_name(),
        " is not a domain event: not in a fineprint.<service>.events.v1 "
        "package"));
  }
  const std::string& aggregate = descriptor.options()
                                     .GetExtension(::fineprint::api::v1::event)
                                     .aggregate();
  if (aggregate.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        descriptor.full_name(), " has no (fineprint.api.v1.event) aggregate"));
  }
  EventContract contract;
  contract.type = descriptor.full_name();
  contract.service = std::string(package[1]);
  contract.aggregate = aggregate;
  contract.topic = TopicFor(contract.service, aggregate);
  return contract;
}

}  // namespace fineprint::events
