#include "events/outbox/outbox_signal.h"

namespace fineprint::events {
namespace {

struct Seen {
  const uint64_t* generation;
  uint64_t value;
};

bool Changed(Seen* seen) { return *seen->generation != seen->value; }

}  // namespace

OutboxSignal& OutboxSignal::Default() {
  static auto* signal = new OutboxSignal();
  return *signal;
}

void OutboxSignal::Notify() {
  absl::MutexLock lock(&mu_);
  ++generation_;
}

uint64_t OutboxSignal::generation() const {
  absl::MutexLock lock(&mu_);
  return generation_;
}

uint64_t OutboxSignal::WaitForChange(uint64_t seen,
                                     absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  Seen state{&generation_, seen};
  mu_.AwaitWithTimeout(absl::Condition(&Changed, &state), timeout);
  return generation_;
}

}  // namespace fineprint::events
