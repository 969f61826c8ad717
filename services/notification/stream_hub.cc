#include "services/notification/stream_hub.h"

namespace fineprint::notification {

void StreamHub::Publish(absl::string_view user) {
  absl::MutexLock lock(&mu_);
  ++versions_[user];
}

int64_t StreamHub::Version(absl::string_view user) {
  absl::MutexLock lock(&mu_);
  auto it = versions_.find(user);
  return it == versions_.end() ? 0 : it->second;
}

bool StreamHub::Wait(absl::string_view user, int64_t* version,
                     absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto changed = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (shut_down_) return true;
    auto it = versions_.find(user);
    return it != versions_.end() && it->second != *version;
  };
  const bool woken =
      mu_.AwaitWithTimeout(absl::Condition(&changed), timeout) && !shut_down_;
  auto it = versions_.find(user);
  if (it != versions_.end()) *version = it->second;
  return woken;
}

void StreamHub::Shutdown() {
  absl::MutexLock lock(&mu_);
  shut_down_ = true;
}

bool StreamHub::shut_down() {
  absl::MutexLock lock(&mu_);
  return shut_down_;
}

}  // namespace fineprint::notification
