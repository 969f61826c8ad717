#ifndef FINEPRINT_EVENTS_CONSUMER_INBOX_H_
#define FINEPRINT_EVENTS_CONSUMER_INBOX_H_

// The inbox table (infra/migrations/inbox): which events a consumer group
// has already applied. Claiming an event and applying it commit together,
// so the effect of each ce_id happens once per group however often Kafka
// delivers it.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "events/consumer/event.h"
#include "services/runtime/db/pool.h"
#include "services/runtime/db/transaction.h"

namespace fineprint::events {

class Inbox {
 public:
  // `schema` qualifies the table (it must match [a-z_][a-z0-9_]{0,62});
  // empty: the session's search_path decides. Check with Validate().
  explicit Inbox(std::string schema);

  // INVALID_ARGUMENT for a schema name that is not a plain identifier (it
  // is spliced into SQL, so it must never carry anything else).
  absl::Status Validate() const;

  // FAILED_PRECONDITION unless the table is reachable through `pool`
  // (migrations applied, schema/search_path right). Checked at start-up:
  // otherwise every event would fail in its claim and be dead-lettered.
  absl::Status CheckTable(db::Pool& pool) const;

  // Inserts (group, event.ce_id) in `tx`. True: first time, apply the
  // event in the same transaction. False: already applied (committed by an
  // earlier delivery); if another transaction holds an uncommitted claim,
  // this waits for it and then reports the outcome.
  absl::StatusOr<bool> Claim(db::Tx& tx, absl::string_view group,
                             const Event& event) const;

  // Whether (group, event_id) is recorded (tests, diagnostics).
  absl::StatusOr<bool> Contains(db::Pool& pool, absl::string_view group,
                                absl::string_view event_id) const;

  // Deletes `group`'s rows processed before `cutoff` (keep them longer than
  // any redelivery or replay can happen: at least the topics'
  // retention.ms). At most `limit` rows per call, so one call never holds
  // locks for long. Returns how many went.
  absl::StatusOr<int64_t> Prune(db::Pool& pool, absl::string_view group,
                                absl::Time cutoff, int limit = 10000) const;

 private:
  std::string table_;  // "inbox" or "<schema>.inbox"
  std::string schema_;
};

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_CONSUMER_INBOX_H_
