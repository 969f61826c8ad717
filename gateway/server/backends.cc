#include "gateway/server/backends.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace fineprint::gateway::server {

absl::StatusOr<std::map<std::string, std::string>> ParseBackendSpecs(
    const std::vector<std::string>& specs) {
  std::map<std::string, std::string> out;
  for (const std::string& spec : specs) {
    for (absl::string_view entry :
         absl::StrSplit(spec, ',', absl::SkipWhitespace())) {
      entry = absl::StripAsciiWhitespace(entry);
      std::pair<absl::string_view, absl::string_view> kv =
          absl::StrSplit(entry, absl::MaxSplits('=', 1));
      if (kv.first.empty() || kv.second.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("backend \"", entry, "\" is not service=target"));
      }
      if (!out.emplace(std::string(kv.first), std::string(kv.second)).second) {
        return absl::InvalidArgumentError(
            absl::StrCat("backend for ", kv.first, " given twice"));
      }
    }
  }
  return out;
}

ChannelBackends::ChannelBackends(
    const std::map<std::string, std::string>& targets) {
  for (const auto& [service, target] : targets) {
    auto& channel = channels_by_target_[target];
    if (channel == nullptr) {
      channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
    }
    channels_.emplace(service, channel);
    stubs_.emplace(service, std::make_unique<grpc::GenericStub>(channel));
  }
}

grpc::GenericStub* ChannelBackends::StubFor(absl::string_view service) {
  auto it = stubs_.find(service);
  return it == stubs_.end() ? nullptr : it->second.get();
}

std::shared_ptr<grpc::Channel> ChannelBackends::ChannelFor(
    absl::string_view service) const {
  auto it = channels_.find(service);
  return it == channels_.end() ? nullptr : it->second;
}

}  // namespace fineprint::gateway::server
