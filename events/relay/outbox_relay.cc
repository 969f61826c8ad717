#include "events/relay/outbox_relay.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "services/runtime/db/transaction.h"
#include "services/runtime/log/log.h"
#include "services/runtime/status/status.h"

namespace fineprint::events {
namespace {

constexpr absl::string_view kSelectBatch =
    "SELECT id, event_id::text, topic, aggregate_type, aggregate_id, seq,"
    " event_type, source, encode(payload, 'hex'), coalesce(traceparent, ''),"
    " coalesce(tracestate, ''), occurred_at"
    " FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $1";

// Whether a chore run every `interval` is due at `now`; if so, schedules its
// next run. Housekeeping rides on the relay loop rather than its own timer,
// so a late loop runs a chore once, not once per missed interval.
bool DueAndRescheduled(absl::Time now, absl::Duration interval,
                       absl::Time* next) {
  if (now < *next) return false;
  *next = now + interval;
  return true;
}

absl::StatusOr<OutboxRecord> ReadRecord(const db::Row& row) {
  OutboxRecord r;
  FP_ASSIGN_OR_RETURN(r.id, row.GetInt64(0));
  r.event_id = std::string(row.Value(1));
  r.topic = std::string(row.Value(2));
  r.aggregate_type = std::string(row.Value(3));
  r.aggregate_id = std::string(row.Value(4));
  FP_ASSIGN_OR_RETURN(r.seq, row.GetInt64(5));
  r.event_type = std::string(row.Value(6));
  r.source = std::string(row.Value(7));
  r.payload = absl::HexStringToBytes(row.Value(8));
  r.traceparent = std::string(row.Value(9));
  r.tracestate = std::string(row.Value(10));
  FP_ASSIGN_OR_RETURN(r.occurred_at, row.GetTime(11));
  return r;
}

}  // namespace

OutboxRelay::OutboxRelay(db::Pool* pool, PublisherFactory publisher_factory,
                         RelayOptions options, metrics::Registry* registry)
    : pool_(pool),
      publisher_factory_(std::move(publisher_factory)),
      options_(std::move(options)),
      published_(
          registry->GetCounter("fineprint_outbox_published_total",
                               "Outbox events acknowledged by the broker",
                               {{"service", options_.service}})),
      errors_(registry->GetCounter("fineprint_outbox_errors_total",
                                   "Relay cycles that failed",
                                   {{"service", options_.service}})),
      backlog_(registry->GetGauge("fineprint_outbox_backlog",
                                  "Committed outbox events not yet published",
                                  {{"service", options_.service}})),
      oldest_age_(
          registry->GetGauge("fineprint_outbox_oldest_unpublished_age_seconds",
                             "Age of the oldest unpublished outbox event",
                             {{"service", options_.service}})),
      leader_gauge_(
          registry->GetGauge("fineprint_outbox_relay_leader",
                             "1 while this relay holds the outbox lock",
                             {{"service", options_.service}})),
      commit_to_ack_(registry->GetHistogram(
          "fineprint_outbox_commit_to_ack_seconds",
          "From the event's write to the broker's acknowledgement",
          {{"service", options_.service}})) {}

OutboxRelay::~OutboxRelay() { Stop(); }

absl::Status OutboxRelay::EnsureLeader() {
  if (leader_) return absl::OkStatus();
  const absl::Time now = absl::Now();
  if (now < next_leader_attempt_) {
    return absl::UnavailableError("not the leader");
  }
  next_leader_attempt_ = now + options_.leader_retry_interval;
  FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                      pool_->Acquire(now + absl::Seconds(2)));
  FP_ASSIGN_OR_RETURN(
      db::Result r,
      conn->Execute(
          "SELECT pg_try_advisory_lock(hashtext('fineprint.outbox.relay'),"
          " hashtext($1))",
          {options_.service}));
  FP_ASSIGN_OR_RETURN(bool locked, r[0].GetBool(0));
  if (!locked) return absl::UnavailableError("another relay is the leader");
  leader_conn_.emplace(std::move(conn));
  leader_ = true;
  leader_gauge_.Set(1);
  log::Info("outbox relay is the leader", {{"service", options_.service}});
  return absl::OkStatus();
}

void OutboxRelay::DropLeadership() {
  if (!leader_) return;
  if (leader_conn_.has_value() && (*leader_conn_)->IsReusable()) {
    (void)(*leader_conn_)
        ->Execute(
            "SELECT pg_advisory_unlock(hashtext('fineprint.outbox.relay'), "
            "hashtext($1))",
            {options_.service});
  }
  leader_conn_.reset();
  leader_ = false;
  leader_gauge_.Set(0);
  log::Info("outbox relay gave up leadership", {{"service", options_.service}});
}

absl::Status OutboxRelay::EnsurePublisher() {
  if (publisher_) return absl::OkStatus();
  FP_ASSIGN_OR_RETURN(publisher_, publisher_factory_());
  return absl::OkStatus();
}

absl::Status OutboxRelay::MaybeHousekeep() {
  const absl::Time now = absl::Now();
  db::Connection& conn = **leader_conn_;
  if (DueAndRescheduled(now, options_.stats_interval, &next_stats_)) {
    FP_ASSIGN_OR_RETURN(
        db::Result r,
        conn.Execute("SELECT count(*), coalesce(extract(epoch FROM now() -"
                     " min(occurred_at)), 0)::float8 FROM outbox"
                     " WHERE published_at IS NULL"));
    FP_ASSIGN_OR_RETURN(int64_t backlog, r[0].GetInt64(0));
    FP_ASSIGN_OR_RETURN(double age, r[0].GetDouble(1));
    backlog_.Set(static_cast<double>(backlog));
    oldest_age_.Set(age);
  }
  if (DueAndRescheduled(now, options_.cleanup_interval, &next_cleanup_)) {
    FP_ASSIGN_OR_RETURN(
        db::Result r,
        conn.Execute("DELETE FROM outbox WHERE id IN (SELECT id FROM outbox"
                     " WHERE published_at < now() - $1 * interval '1 second'"
                     " LIMIT 10000)",
                     {absl::ToInt64Seconds(options_.retention)}));
    if (r.affected_rows() > 0) {
      log::Info("outbox retention", {{"deleted", r.affected_rows()}});
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int> OutboxRelay::RunOnce() {
  FP_RETURN_IF_ERROR(EnsureLeader());
  auto fail = [this](absl::Status s) -> absl::Status {
    errors_.Increment();
    if (s.code() == absl::StatusCode::kUnavailable ||
        !(*leader_conn_)->IsReusable()) {
      DropLeadership();  // the lock went with the connection
    }
    return s;
  };
  if (absl::Status s = MaybeHousekeep(); !s.ok()) return fail(s);
  auto rows = (*leader_conn_)->Execute(kSelectBatch, {options_.batch_size});
  const absl::Time picked_at = absl::Now();
  if (!rows.ok()) return fail(rows.status());
  if (rows->empty()) return 0;
  std::vector<OutboxRecord> records;
  records.reserve(rows->num_rows());
  for (db::Row row : *rows) {
    auto record = ReadRecord(row);
    if (!record.ok()) return fail(record.status());
    records.push_back(*std::move(record));
  }
  if (absl::Status s = EnsurePublisher(); !s.ok()) {
    errors_.Increment();
    return s;
  }
  auto delivered =
      publisher_->Publish(records, absl::Now() + options_.delivery_timeout);
  if (!delivered.ok()) {
    // Unusable producer (e.g. idempotence gap): start a new session; the
    // unmarked rows are republished in order by the next cycle.
    log::Error("publisher failed; recreating", {{"error", delivered.status()}});
    publisher_.reset();
    errors_.Increment();
    return delivered.status();
  }
  std::vector<std::string> ids;
  const absl::Time now = absl::Now();
  for (size_t i = 0; i < records.size(); ++i) {
    if (!(*delivered)[i]) continue;
    ids.push_back(absl::StrCat(records[i].id));
    commit_to_ack_.Observe(absl::ToDoubleSeconds(now - records[i].occurred_at));
  }
  if (options_.on_published && !ids.empty()) {
    std::vector<OutboxRecord> acked;
    acked.reserve(ids.size());
    for (size_t i = 0; i < records.size(); ++i) {
      if ((*delivered)[i]) acked.push_back(records[i]);
    }
    options_.on_published(acked, picked_at, now);
  }
  if (!ids.empty()) {
    const std::string id_array =
        absl::StrCat("{", absl::StrJoin(ids, ","), "}");
    absl::Status marked = db::RunInTransaction(
        **leader_conn_, {}, [&](db::Tx& tx) -> absl::Status {
          // A mark lost in a crash only republishes its rows (consumers
          // dedupe on ce_id), so it need not wait for the WAL flush, which
          // would sit on every batch's critical path.
          FP_RETURN_IF_ERROR(
              tx.Execute("SET LOCAL synchronous_commit = off").status());
          return tx
              .Execute(
                  "UPDATE outbox SET published_at = now() WHERE id = "
                  "ANY($1::bigint[])",
                  {id_array})
              .status();
        });
    if (!marked.ok()) return fail(marked);
    published_.Increment(static_cast<double>(ids.size()));
  }
  if (ids.size() < records.size()) {
    errors_.Increment();
    return absl::UnavailableError(
        absl::StrCat(records.size() - ids.size(), " of ", records.size(),
                     " events not acknowledged; retrying"));
  }
  return static_cast<int>(ids.size());
}

void OutboxRelay::Start() {
  thread_ = std::thread([this] {
    absl::Duration idle = options_.min_poll_interval;
    absl::Duration error_backoff = absl::Milliseconds(50);
    // Read before each cycle: a commit notified while the cycle runs ends
    // the wait after it at once.
    uint64_t seen = 0;
    auto wait = [&](absl::Duration timeout) {
      if (options_.signal == nullptr) {
        stop_requested_.WaitForNotificationWithTimeout(timeout);
      } else {
        options_.signal->WaitForChange(seen, timeout);
      }
    };
    while (!stopping_) {
      if (options_.signal != nullptr) seen = options_.signal->generation();
      auto n = RunOnce();
      if (!n.ok()) {
        if (leader_) {
          log::Warning("outbox relay cycle failed",
                       {{"service", options_.service}, {"error", n.status()}});
          absl::SleepFor(error_backoff);
          error_backoff = std::min(error_backoff * 2, absl::Seconds(2));
        } else {
          absl::SleepFor(std::min(options_.leader_retry_interval,
                                  absl::Milliseconds(100)));
        }
        continue;
      }
      error_backoff = absl::Milliseconds(50);
      if (*n >= options_.batch_size) {
        idle = options_.min_poll_interval;
        continue;  // more is waiting
      }
      if (*n > 0) {
        idle = options_.min_poll_interval;
      } else {
        idle = std::min(idle * 2, options_.max_poll_interval);
      }
      wait(idle);
    }
    DropLeadership();
  });
}

void OutboxRelay::Stop() {
  stopping_ = true;
  // Ends the wait between cycles now rather than after a poll interval.
  if (!stop_requested_.HasBeenNotified()) stop_requested_.Notify();
  if (options_.signal != nullptr) options_.signal->Notify();
  if (thread_.joinable()) thread_.join();
  publisher_.reset();
}

}  // namespace fineprint::events
