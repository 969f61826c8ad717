#include "gateway/server/backends.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "services/runtime/tls/grpc_tls.h"

namespace fineprint::gateway::server {

grpc::ChannelArguments EdgeChannelArguments() {
  grpc::ChannelArguments args;
  // The retry filter buffers every call's messages in case it must replay
  // them; the edge never asks for retries (a REST client retries), and the
  // filter was a measurable share of a call's CPU (issue #12).
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  return args;
}

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
    const std::map<std::string, std::string>& targets, bool http2) {
  for (const auto& [service, target] : targets) {
    auto& channel = channels_by_target_[target];
    if (channel == nullptr) {
      channel = grpc::CreateCustomChannel(
          target, grpc::InsecureChannelCredentials(), EdgeChannelArguments());
    }
    Add(service, target, channel, http2);
  }
}

absl::StatusOr<std::unique_ptr<ChannelBackends>> ChannelBackends::Create(
    const std::map<std::string, std::string>& targets,
    const tls::TlsOptions& tls, bool http2) {
  if (!tls.enabled()) return std::make_unique<ChannelBackends>(targets, http2);
  std::unique_ptr<ChannelBackends> backends(new ChannelBackends());
  for (const auto& [service, target] : targets) {
    auto& channel = backends->channels_by_target_[target];
    if (channel == nullptr) {
      absl::StatusOr<std::string> name = tls::PeerNameForProtoService(service);
      if (!name.ok()) return name.status();
      absl::StatusOr<std::shared_ptr<grpc::Channel>> created =
          tls::CreateGrpcChannel(target, tls, *name);
      if (!created.ok()) return created.status();
      channel = *std::move(created);
    }
    backends->Add(service, target, channel, /*http2=*/false);
  }
  return backends;
}

void ChannelBackends::Add(const std::string& service, const std::string& target,
                          std::shared_ptr<grpc::Channel> channel, bool http2) {
  auto& grpc_caller = grpc_callers_[target];
  if (grpc_caller == nullptr) {
    grpc_caller = std::make_unique<upstream::GrpcUnaryCaller>(channel);
  }
  upstream::UnaryCaller* caller = grpc_caller.get();
  if (http2) {
    if (auto parsed = upstream::ParseH2Target(target)) {
      auto& h2 = h2_callers_[target];
      if (h2 == nullptr) {
        h2 = std::make_unique<upstream::H2UnaryCaller>(
            *std::move(parsed), upstream::H2ConnectionOptions(), caller);
      }
      caller = h2.get();
    }
  }
  callers_.emplace(service, caller);
  stubs_.emplace(service, std::make_unique<grpc::GenericStub>(channel));
  channels_.emplace(service, std::move(channel));
}

grpc::GenericStub* ChannelBackends::StubFor(absl::string_view service) {
  auto it = stubs_.find(service);
  return it == stubs_.end() ? nullptr : it->second.get();
}

upstream::UnaryCaller* ChannelBackends::CallerFor(absl::string_view service) {
  auto it = callers_.find(service);
  return it == callers_.end() ? nullptr : it->second;
}

std::shared_ptr<grpc::Channel> ChannelBackends::ChannelFor(
    absl::string_view service) const {
  auto it = channels_.find(service);
  return it == channels_.end() ? nullptr : it->second;
}

}  // namespace fineprint::gateway::server
