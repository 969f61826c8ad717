#ifndef FINEPRINT_GATEWAY_TRANSCODE_CACHING_TYPE_RESOLVER_H_
#define FINEPRINT_GATEWAY_TRANSCODE_CACHING_TYPE_RESOLVER_H_

// protobuf's pool TypeResolver rebuilds a google.protobuf.Type from the
// descriptors on every lookup, and the JSON printer and parser look up
// every message type they meet on every call: on a small response that was
// the largest single cost of the edge's transcoding (perf, issue #12).
// This keeps each answer; the pool is immutable for the resolver's life, so
// an answer never goes stale. Thread-safe.

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/type.pb.h"
#include "google/protobuf/util/type_resolver.h"

namespace fineprint::gateway::transcode {

class CachingTypeResolver : public google::protobuf::util::TypeResolver {
 public:
  explicit CachingTypeResolver(
      std::unique_ptr<google::protobuf::util::TypeResolver> inner)
      : inner_(std::move(inner)) {}

  google::protobuf::util::Status ResolveMessageType(
      const std::string& type_url, google::protobuf::Type* type) override;
  google::protobuf::util::Status ResolveEnumType(
      const std::string& type_url, google::protobuf::Enum* enum_type) override;

 private:
  std::unique_ptr<google::protobuf::util::TypeResolver> inner_;
  absl::Mutex mu_;
  // Only successful lookups: an unknown URL stays an error each time.
  absl::flat_hash_map<std::string, std::unique_ptr<google::protobuf::Type>>
      types_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::unique_ptr<google::protobuf::Enum>>
      enums_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fineprint::gateway::transcode

#endif  // FINEPRINT_GATEWAY_TRANSCODE_CACHING_TYPE_RESOLVER_H_
