#ifndef FINEPRINT_EVENTS_RELAY_OUTBOX_RELAY_H_
#define FINEPRINT_EVENTS_RELAY_OUTBOX_RELAY_H_

// Publishes a service's committed outbox rows to Kafka (docs/events.md).
//
// - Finds work by `published_at IS NULL`, not by an id cursor, so a row
//   whose transaction commits late is never skipped.
// - Publishes in id order; per aggregate that is commit order, because
//   sequence numbers are assigned under a row lock held until commit.
// - Marks a row published only after the broker acknowledged it, and per
//   aggregate only a prefix, so nothing is lost or reordered; a crash
//   between acknowledgement and marking republishes (consumers dedupe on
//   ce_id).
// - One relay per schema publishes at a time: the leader holds a session
//   advisory lock on its own connection, and all its reads and marks go
//   through that connection, so losing the connection ends its leadership
//   at once. Others retry the lock every second.
// - Between cycles it waits on the in-process OutboxSignal, which writers
//   notify right after their commit, so a commit in this process is picked
//   up at once; polling (backing off from min to max interval) stays the
//   fallback for writers in other processes and for a newly elected leader.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "events/outbox/outbox_signal.h"
#include "events/relay/event_publisher.h"
#include "services/runtime/db/pool.h"
#include "services/runtime/metrics/metrics.h"

namespace fineprint::events {

struct RelayOptions {
  std::string service;  // names the schema's outbox in logs, metrics, lock
  int batch_size = 500;
  // Idle polling backs off from min to max; any work resets it, so commit-
  // to-publish latency under load is a few milliseconds.
  absl::Duration min_poll_interval = absl::Milliseconds(1);
  absl::Duration max_poll_interval = absl::Milliseconds(25);
  absl::Duration leader_retry_interval = absl::Seconds(1);
  absl::Duration delivery_timeout = absl::Seconds(40);
  // Published rows older than this are deleted.
  absl::Duration retention = absl::Hours(24);
  absl::Duration cleanup_interval = absl::Minutes(1);
  absl::Duration stats_interval = absl::Seconds(1);
  // Wakes the loop after local commits; nullptr: polling only.
  OutboxSignal* signal = &OutboxSignal::Default();
  // Called on the relay thread for each batch the broker acknowledged (only
  // the records marked published), with when the batch was read from the
  // outbox and when its last acknowledgement arrived. For benchmarks that
  // break latency down; must be quick.
  std::function<void(const std::vector<OutboxRecord>& records,
                     absl::Time picked_at, absl::Time acked_at)>
      on_published;
};

class OutboxRelay {
 public:
  using PublisherFactory =
      std::function<absl::StatusOr<std::unique_ptr<EventPublisher>>()>;

  OutboxRelay(db::Pool* pool, PublisherFactory publisher_factory,
              RelayOptions options,
              metrics::Registry* registry = &metrics::Registry::Default());
  ~OutboxRelay();

  // Runs the relay loop on a background thread until Stop().
  void Start();
  // Finishes the batch in flight, releases leadership, and joins.
  void Stop();

  // One cycle: becomes leader if possible, publishes up to one batch.
  // Returns how many rows were marked published. For tests and tools.
  absl::StatusOr<int> RunOnce();

  bool is_leader() const { return leader_.load(); }

 private:
  absl::Status EnsureLeader();
  void DropLeadership();
  absl::Status EnsurePublisher();
  absl::Status MaybeHousekeep();

  db::Pool* const pool_;
  const PublisherFactory publisher_factory_;
  const RelayOptions options_;
  std::unique_ptr<EventPublisher> publisher_;
  std::optional<db::PooledConnection> leader_conn_;
  std::atomic<bool> leader_{false};
  absl::Time next_leader_attempt_ = absl::InfinitePast();
  absl::Time next_cleanup_ = absl::InfinitePast();
  absl::Time next_stats_ = absl::InfinitePast();

  std::thread thread_;
  std::atomic<bool> stopping_{false};
  absl::Notification stop_requested_;

  metrics::Counter& published_;
  metrics::Counter& errors_;
  metrics::Gauge& backlog_;
  metrics::Gauge& oldest_age_;
  metrics::Gauge& leader_gauge_;
  metrics::Histogram& commit_to_ack_;
};

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_RELAY_OUTBOX_RELAY_H_
