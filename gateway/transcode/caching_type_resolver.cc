#include "gateway/transcode/caching_type_resolver.h"

#include <utility>

namespace fineprint::gateway::transcode {
namespace {

template <typename T, typename Lookup>
google::protobuf::util::Status Resolve(
    absl::Mutex& mu,
    absl::flat_hash_map<std::string, std::unique_ptr<T>>& cache,
    const std::string& url, T* out, Lookup lookup) {
  {
    absl::MutexLock lock(&mu);
    if (auto it = cache.find(url); it != cache.end()) {
      *out = *it->second;
      return google::protobuf::util::Status();
    }
  }
  auto fresh = std::make_unique<T>();
  google::protobuf::util::Status status = lookup(fresh.get());
  if (!status.ok()) return status;
  *out = *fresh;
  absl::MutexLock lock(&mu);
  cache.try_emplace(url, std::move(fresh));
  return status;
}

}  // namespace

google::protobuf::util::Status CachingTypeResolver::ResolveMessageType(
    const std::string& type_url, google::protobuf::Type* type) {
  return Resolve(mu_, types_, type_url, type, [&](google::protobuf::Type* t) {
    return inner_->ResolveMessageType(type_url, t);
  });
}

google::protobuf::util::Status CachingTypeResolver::ResolveEnumType(
    const std::string& type_url, google::protobuf::Enum* enum_type) {
  return Resolve(mu_, enums_, type_url, enum_type,
                 [&](google::protobuf::Enum* e) {
                   return inner_->ResolveEnumType(type_url, e);
                 });
}

}  // namespace fineprint::gateway::transcode
