#ifndef FINEPRINT_EVENTS_OUTBOX_OUTBOX_SIGNAL_H_
#define FINEPRINT_EVENTS_OUTBOX_OUTBOX_SIGNAL_H_

// In-process wake-up from committed outbox writes to the relay.
//
// OutboxWriter registers Notify() as an after-commit hook of every
// transaction that appends, so a relay in the same process starts its next
// cycle as soon as the rows are visible instead of sleeping out its poll
// interval. It is only a hint: writers in other processes, and relays that
// are not the leader, still rely on the relay's polling. Nothing goes
// through PostgreSQL (a NOTIFY inside the transaction would serialise every
// commit on the notification queue lock).

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace fineprint::events {

class OutboxSignal {
 public:
  // The process-wide signal OutboxWriter notifies and relays wait on.
  static OutboxSignal& Default();

  // A commit made outbox rows visible (or a relay is stopping).
  void Notify();
  // Counts Notify() calls; a relay reads it before a cycle and waits for a
  // change after it, so a commit landing mid-cycle is never slept through.
  uint64_t generation() const;
  // Returns once generation() differs from `seen` or `timeout` passed;
  // returns the generation then.
  uint64_t WaitForChange(uint64_t seen, absl::Duration timeout) const;

 private:
  mutable absl::Mutex mu_;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_OUTBOX_OUTBOX_SIGNAL_H_
