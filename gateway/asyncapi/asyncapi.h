#ifndef FINEPRINT_GATEWAY_ASYNCAPI_ASYNCAPI_H_
#define FINEPRINT_GATEWAY_ASYNCAPI_ASYNCAPI_H_

// AsyncAPI 3.0 for the teams that consume Fineprint's events from Kafka,
// generated from the same descriptor set the edge routes with (what
// /openapi.json is to REST clients). Every message carrying
// `(fineprint.api.v1.event)` becomes a message on its topic's channel, so a
// new service's events appear without code here: one channel per topic
// (address = topic, Kafka bindings from infra/kafka/topics.tsv), one
// `receive` operation per channel, the record key (the aggregate id), the
// CloudEvents binary-mode headers exactly as the relay writes them
// (events/relay/cloudevents.h), and per event type a payload schema in the
// proto3 JSON mapping with an example rendered by the protobuf JSON printer.

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "gateway/api/api_config.h"
#include "google/protobuf/descriptor.h"

namespace fineprint::gateway::asyncapi {

struct AsyncApiOptions {
  std::string title = "Fineprint events";
  std::string version = "v1";
};

// The document for the domain events declared in `files` (other messages
// are only schemas of their fields). FAILED_PRECONDITION when a message
// sets the event option but breaks the contract (events::ContractOf).
absl::StatusOr<std::string> GenerateAsyncApi(
    const std::vector<const google::protobuf::FileDescriptor*>& files,
    const AsyncApiOptions& options = {});

absl::StatusOr<std::string> GenerateAsyncApi(
    const api::ApiConfig& config, const AsyncApiOptions& options = {});

// The document of the config last asked for, generated again only when the
// edge loaded another one (SIGHUP). "{}" if that config cannot produce one.
class CachedAsyncApi {
 public:
  explicit CachedAsyncApi(AsyncApiOptions options = {})
      : options_(std::move(options)) {}
  std::string For(const std::shared_ptr<const api::ApiConfig>& config);

 private:
  const AsyncApiOptions options_;
  absl::Mutex mu_;
  std::weak_ptr<const api::ApiConfig> config_ ABSL_GUARDED_BY(mu_);
  std::string json_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fineprint::gateway::asyncapi

#endif  // FINEPRINT_GATEWAY_ASYNCAPI_ASYNCAPI_H_
