#ifndef FINEPRINT_SERVICES_RUNTIME_AUTH_TOKEN_CACHE_H_
#define FINEPRINT_SERVICES_RUNTIME_AUTH_TOKEN_CACHE_H_

// Access tokens that already passed signature verification, so a client
// sending the same token on every request pays for one Ed25519
// verification, not one per request. Keyed by the SHA-256 of the token (the
// cache never holds a usable credential); an entry is used only before the
// token's own `exp` (no leeway: past it the full check decides). Revocation
// is not cached: the Authenticator checks Revocations on every hit and
// evicts the entry once a revocation refuses it.
//
// Bounded: at `max_entries` the expired entries are swept, then, if that
// freed nothing, the oldest-inserted half is dropped. Thread-safe; sharded
// so I/O threads rarely contend.

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/runtime/auth/jwt.h"
#include "services/runtime/crypto/sha256.h"

namespace fineprint::auth {

class VerifiedTokenCache {
 public:
  using Key = crypto::Sha256Digest;

  explicit VerifiedTokenCache(size_t max_entries = 10000);
  VerifiedTokenCache(const VerifiedTokenCache&) = delete;
  VerifiedTokenCache& operator=(const VerifiedTokenCache&) = delete;

  static Key KeyOf(absl::string_view token) { return crypto::Sha256(token); }

  // The claims of a token verified before, while `now` < its exp.
  std::optional<Claims> Find(const Key& key, absl::Time now) const;
  void Insert(const Key& key, const Claims& claims);
  void Erase(const Key& key);

  size_t size() const;

 private:
  static constexpr size_t kShards = 16;
  struct KeyHash {
    size_t operator()(const Key& k) const {
      // Already uniformly distributed: a SHA-256 prefix is the hash.
      uint64_t h;
      static_assert(sizeof(h) <= sizeof(Key));
      __builtin_memcpy(&h, k.data(), sizeof(h));
      return static_cast<size_t>(h);
    }
  };
  struct Shard {
    mutable absl::Mutex mu;
    absl::flat_hash_map<Key, Claims, KeyHash> entries ABSL_GUARDED_BY(mu);
    // Insertion order, for dropping the oldest when sweeping frees nothing.
    std::deque<Key> order ABSL_GUARDED_BY(mu);
  };
  Shard& ShardFor(const Key& key) const { return shards_[key[8] % kShards]; }

  const size_t max_per_shard_;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace fineprint::auth

#endif  // FINEPRINT_SERVICES_RUNTIME_AUTH_TOKEN_CACHE_H_
