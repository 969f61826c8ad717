#include "services/runtime/auth/token_cache.h"

#include <algorithm>
#include <utility>

namespace fineprint::auth {

VerifiedTokenCache::VerifiedTokenCache(size_t max_entries)
    : max_per_shard_(std::max<size_t>(1, max_entries / kShards)) {}

std::optional<Claims> VerifiedTokenCache::Find(const Key& key,
                                               absl::Time now) const {
  Shard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.entries.find(key);
  if (it == shard.entries.end() || now >= it->second.expires_at) {
    return std::nullopt;
  }
  return it->second;
}

void VerifiedTokenCache::Insert(const Key& key, const Claims& claims) {
  Shard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mu);
  if (shard.entries.contains(key)) return;
  if (shard.entries.size() >= max_per_shard_) {
    const absl::Time now = absl::Now();
    absl::erase_if(shard.entries, [now](const auto& entry) {
      return now >= entry.second.expires_at;
    });
    // Keys in `order` whose entry is already gone erase nothing.
    while (shard.entries.size() > max_per_shard_ / 2 && !shard.order.empty()) {
      shard.entries.erase(shard.order.front());
      shard.order.pop_front();
    }
  }
  if (shard.order.size() >= 2 * max_per_shard_) {
    // Erase() leaves keys behind in `order`; keep it bounded too.
    std::deque<Key> live;
    for (const Key& k : shard.order) {
      if (shard.entries.contains(k)) live.push_back(k);
    }
    shard.order = std::move(live);
  }
  shard.entries.emplace(key, claims);
  shard.order.push_back(key);
}

void VerifiedTokenCache::Erase(const Key& key) {
  Shard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mu);
  shard.entries.erase(key);
}

size_t VerifiedTokenCache::size() const {
  size_t n = 0;
  for (const Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    n += shard.entries.size();
  }
  return n;
}

}  // namespace fineprint::auth
