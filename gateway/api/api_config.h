#ifndef FINEPRINT_GATEWAY_API_API_CONFIG_H_
#define FINEPRINT_GATEWAY_API_API_CONFIG_H_

// Everything the edge derives from the API contract, built from a
// FileDescriptorSet at start-up and on every reload: the descriptor pool,
// the message factory for requests/responses, the route table compiled from
// the google.api.http annotations, and per-method policy from the
// fineprint.api.v1 options. An ApiConfig is immutable; reloads build a new
// one and swap it in a routing::SnapshotHolder<ApiConfig>.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/routing/route_table.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/util/type_resolver.h"

namespace fineprint::gateway::api {

struct MethodInfo {
  const google::protobuf::MethodDescriptor* method = nullptr;
  std::string grpc_path;  // "/fineprint.identity.v1.IdentityService/GetUser"
  std::string service;    // "fineprint.identity.v1.IdentityService"
  bool is_public = false;
  std::vector<std::string> roles;  // empty: any authenticated caller
  int success_code = 200;
  // What answers are parsed into: the compiled-in class when this binary
  // has one of exactly the loaded shape (parsing it is several times
  // cheaper than a DynamicMessage), else the DynamicMessage prototype.
  const google::protobuf::Message* response_prototype = nullptr;
  bool response_compiled = false;
};

struct ApiConfigOptions {
  routing::RouteTableOptions routes;
};

class ApiConfig {
 public:
  static absl::StatusOr<std::shared_ptr<const ApiConfig>> FromFile(
      const std::string& descriptor_set_path,
      const ApiConfigOptions& options = {});
  static absl::StatusOr<std::shared_ptr<const ApiConfig>> FromDescriptorSet(
      const google::protobuf::FileDescriptorSet& set,
      const ApiConfigOptions& options = {});

  ~ApiConfig();
  ApiConfig(const ApiConfig&) = delete;
  ApiConfig& operator=(const ApiConfig&) = delete;

  const google::protobuf::DescriptorPool& pool() const { return *pool_; }
  // Thread-safe; prototypes live as long as this config.
  google::protobuf::MessageFactory& factory() const { return *factory_; }
  // Resolves type URLs ("type.googleapis.com/...") against pool().
  google::protobuf::util::TypeResolver& type_resolver() const {
    return *resolver_;
  }
  const routing::RouteTable& routes() const { return *routes_; }
  // `id` is a RouteTarget::id.
  const MethodInfo& method(int64_t id) const { return methods_[id]; }
  const std::vector<MethodInfo>& methods() const { return methods_; }
  // Services that have at least one routed method.
  std::vector<std::string> services() const;
  // The files of the descriptor set, in its order (imports included):
  // where generators that look beyond the routes (AsyncAPI) start.
  const std::vector<const google::protobuf::FileDescriptor*>& files() const {
    return files_;
  }

 private:
  ApiConfig();

  std::unique_ptr<google::protobuf::DescriptorPool> pool_;
  std::unique_ptr<google::protobuf::DynamicMessageFactory> factory_;
  std::unique_ptr<google::protobuf::util::TypeResolver> resolver_;
  std::shared_ptr<const routing::RouteTable> routes_;
  std::vector<MethodInfo> methods_;
  std::vector<const google::protobuf::FileDescriptor*> files_;
};

inline constexpr absl::string_view kTypeUrlPrefix = "type.googleapis.com";

}  // namespace fineprint::gateway::api

#endif  // FINEPRINT_GATEWAY_API_API_CONFIG_H_
