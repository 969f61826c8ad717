#include "events/consumer/consumer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "events/consumer/inbox.h"
#include "events/consumer/record.h"
#include "events/consumer/record_producer.h"
#include "services/runtime/log/log.h"

namespace fineprint::events {
namespace {

bool IsCooperative(rd_kafka_t* rk) {
  const char* protocol = rd_kafka_rebalance_protocol(rk);
  return protocol != nullptr && absl::string_view(protocol) == "COOPERATIVE";
}

// The longest a single record can keep the poll loop away from
// rd_kafka_consumer_poll: every attempt's transaction and backoff, plus a
// DLQ write. librdkafka leaves the group if max.poll.interval.ms passes
// without a poll, which would turn a slow retry into a rebalance storm.
int64_t MaxPollIntervalMs(const ConsumerOptions& o) {
  const absl::Duration worst =
      o.max_attempts * (o.transaction_timeout + o.backoff.max) +
      2 * o.dead_letter_timeout + absl::Minutes(1);
  return std::max<int64_t>(300000, absl::ToInt64Milliseconds(worst));
}

}  // namespace

Consumer::Consumer(ConsumerOptions options, EventHandler* handler)
    : options_(std::move(options)),
      registry_(options_.metrics != nullptr ? *options_.metrics
                                            : metrics::Registry::Default()),
      metrics_(registry_, options_.group_id),
      handler_(handler) {}

absl::StatusOr<std::unique_ptr<Consumer>> Consumer::Create(
    ConsumerOptions options, EventHandler* handler) {
  if (options.bootstrap_servers.empty() || options.group_id.empty() ||
      options.topics.empty()) {
    return absl::InvalidArgumentError(
        "consumer needs bootstrap_servers, group_id and topics");
  }
  if (options.pool == nullptr || handler == nullptr) {
    return absl::InvalidArgumentError("consumer needs a pool and a handler");
  }
  if (options.max_attempts < 1) {
    return absl::InvalidArgumentError("max_attempts must be at least 1");
  }
  if (options.dead_letter_topic.empty()) {
    return absl::InvalidArgumentError("dead_letter_topic must be set");
  }
  std::unique_ptr<Consumer> consumer(new Consumer(std::move(options), handler));
  absl::Status status = consumer->Init();
  if (!status.ok()) return status;
  return consumer;
}

absl::Status Consumer::Init() {
  Inbox inbox(options_.schema);
  if (absl::Status s = inbox.Validate(); !s.ok()) return s;
  if (absl::Status s = inbox.CheckTable(*options_.pool); !s.ok()) return s;

  absl::StatusOr<std::unique_ptr<RecordProducer>> producer =
      RecordProducer::Create(options_.bootstrap_servers,
                             absl::StrCat(options_.group_id, "-dlq"),
                             options_.producer_config);
  if (!producer.ok()) return producer.status();
  dead_letters_ = std::make_unique<KafkaDeadLetterSink>(
      *std::move(producer), options_.dead_letter_topic,
      options_.dead_letter_timeout);

  ProcessorOptions processor_options;
  processor_options.group_id = options_.group_id;
  processor_options.max_attempts = options_.max_attempts;
  processor_options.backoff = options_.backoff;
  processor_options.transaction_timeout = options_.transaction_timeout;
  processor_options.is_retryable = options_.is_retryable;
  processor_ = std::make_unique<EventProcessor>(
      std::move(processor_options), *options_.pool, std::move(inbox), *handler_,
      *dead_letters_, metrics_, stop_);

  KafkaConfig settings = {
      {"bootstrap.servers", options_.bootstrap_servers},
      {"group.id", options_.group_id},
      {"client.id", absl::StrCat(options_.group_id, "-consumer")},
      // Offsets move only when this class says so (see the file comment).
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      // A new group starts from the oldest retained event: a consumer
      // deployed after its producer still sees what happened meanwhile.
      {"auto.offset.reset", "earliest"},
      // The relay's idempotent producer does not use transactions, but
      // read only committed data should that ever change.
      {"isolation.level", "read_committed"},
      {"max.poll.interval.ms", absl::StrCat(MaxPollIntervalMs(options_))},
  };
  absl::StatusOr<KafkaHandle> rk =
      NewSubscribedConsumer(std::move(settings), options_.consumer_config,
                            &Consumer::OnRebalance, this, options_.topics);
  if (!rk.ok()) return rk.status();
  rk_ = *std::move(rk);
  return absl::OkStatus();
}

Consumer::~Consumer() { Stop().IgnoreError(); }

absl::Status Consumer::Start() {
  if (started_ || closed_) {
    return absl::FailedPreconditionError("consumer already started or stopped");
  }
  started_ = true;
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

void Consumer::Run() {
  log::Info("consumer started", {{"group", options_.group_id}});
  while (!stop_.HasBeenNotified()) {
    absl::StatusOr<std::optional<Outcome>> outcome =
        PollOnce(options_.poll_timeout);
    if (!outcome.ok()) {
      log::Warning("consumer poll error",
                   {{"group", options_.group_id}, {"error", outcome.status()}});
    }
  }
}

absl::StatusOr<std::optional<Outcome>> Consumer::PollOnce(
    absl::Duration timeout) {
  if (closed_) return absl::FailedPreconditionError("consumer is closed");
  std::optional<Outcome> outcome;
  absl::Status status;
  {
    KafkaMessage message(rd_kafka_consumer_poll(
        rk_.get(), static_cast<int>(absl::ToInt64Milliseconds(timeout))));
    if (message != nullptr && message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const RawRecord record = CopyRecord(*message);
      message.reset();
      outcome = processor_->Process(record);
      if (*outcome != Outcome::kAbandoned) {
        StoreOffset(record.topic, record.partition, record.offset + 1);
      }
    } else if (message != nullptr &&
               message->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      // Mostly transient (broker down, leader moving): librdkafka recovers
      // by itself; the caller logs.
      status = KafkaError(message->err, "consume",
                          rd_kafka_message_errstr(message.get()));
    }
  }
  MaybeCommit();
  if (absl::Now() >= next_lag_) {
    next_lag_ = absl::Now() + options_.lag_interval;
    UpdateLag();
  }
  MaybePruneInbox();
  if (!status.ok()) return status;
  return outcome;
}

absl::StatusOr<std::vector<Outcome>> Consumer::PollUntil(
    size_t count, absl::Duration timeout) {
  std::vector<Outcome> outcomes;
  const absl::Time deadline = absl::Now() + timeout;
  while (outcomes.size() < count && absl::Now() < deadline) {
    absl::StatusOr<std::optional<Outcome>> outcome =
        PollOnce(absl::Milliseconds(100));
    if (!outcome.ok()) {
      if (outcome.status().code() == absl::StatusCode::kFailedPrecondition) {
        return outcome.status();
      }
      continue;  // transient consume errors
    }
    if (outcome->has_value()) outcomes.push_back(**outcome);
  }
  if (outcomes.size() < count) {
    return absl::DeadlineExceededError(absl::StrCat(
        "processed ", outcomes.size(), " of ", count, " records in time"));
  }
  return outcomes;
}

void Consumer::StoreOffset(const std::string& topic, int32_t partition,
                           int64_t next) {
  KafkaPartitionList list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)
      ->offset = next;
  rd_kafka_resp_err_t err = rd_kafka_offsets_store(rk_.get(), list.get());
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) err = list->elems[0].err;
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    // The partition was taken away meanwhile (e.g. a processing stall past
    // max.poll.interval.ms): its new owner re-reads the record and the
    // inbox skips it.
    log::Warning("offset not stored",
                 {{"topic", topic},
                  {"partition", static_cast<int64_t>(partition)},
                  {"error", KafkaError(err, "offsets_store")}});
    return;
  }
  dirty_ = true;
}

void Consumer::MaybeCommit() {
  if (!dirty_ || options_.commit_interval == absl::InfiniteDuration() ||
      absl::Now() < next_commit_) {
    return;
  }
  next_commit_ = absl::Now() + options_.commit_interval;
  if (absl::Status s = Commit(); !s.ok()) {
    log::Warning("offset commit failed", {{"error", s}});
  }
}

absl::Status Consumer::Commit() {
  if (closed_) return absl::FailedPreconditionError("consumer is closed");
  // NULL: the stored offsets of the current assignment.
  const rd_kafka_resp_err_t err = rd_kafka_commit(rk_.get(), nullptr, 0);
  if (err == RD_KAFKA_RESP_ERR__NO_OFFSET) return absl::OkStatus();
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) dirty_ = false;
  return KafkaError(err, "commit");
}

void Consumer::MaybePruneInbox() {
  if (options_.inbox_retention == absl::InfiniteDuration()) return;
  const absl::Time now = absl::Now();
  if (next_prune_ == absl::InfinitePast()) {
    // Not at start-up: a fleet restarting at once would all prune together.
    next_prune_ = now + options_.prune_interval;
    return;
  }
  if (now < next_prune_) return;
  next_prune_ = now + options_.prune_interval;
  absl::StatusOr<int64_t> pruned = Inbox(options_.schema)
                                       .Prune(*options_.pool, options_.group_id,
                                              now - options_.inbox_retention);
  if (!pruned.ok()) {
    log::Warning("inbox prune failed", {{"error", pruned.status()}});
  } else if (*pruned > 0) {
    log::Info("inbox pruned",
              {{"group", options_.group_id}, {"rows", *pruned}});
  }
}

void Consumer::UpdateLag() {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (rd_kafka_assignment(rk_.get(), &raw) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return;
  }
  KafkaPartitionList assigned(raw);
  if (assigned->cnt == 0) return;
  if (rd_kafka_position(rk_.get(), assigned.get()) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    return;
  }
  for (int i = 0; i < assigned->cnt; ++i) {
    const rd_kafka_topic_partition_t& tp = assigned->elems[i];
    // Nothing consumed since the assignment: position unknown.
    if (tp.offset < 0) continue;
    int64_t low = 0;
    int64_t high = 0;
    // Cached from fetch responses; ask the broker if none came yet.
    if (rd_kafka_get_watermark_offsets(rk_.get(), tp.topic, tp.partition, &low,
                                       &high) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        high < 0) {
      if (rd_kafka_query_watermark_offsets(rk_.get(), tp.topic, tp.partition,
                                           &low, &high, 1000) !=
          RD_KAFKA_RESP_ERR_NO_ERROR) {
        continue;
      }
    }
    metrics_.SetLag(tp.topic, tp.partition,
                    std::max<int64_t>(0, high - tp.offset));
  }
}

std::vector<std::string> Consumer::Assignment() const {
  std::vector<std::string> out;
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (closed_ ||
      rd_kafka_assignment(rk_.get(), &raw) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return out;
  }
  KafkaPartitionList assigned(raw);
  for (int i = 0; i < assigned->cnt; ++i) {
    out.push_back(absl::StrCat(assigned->elems[i].topic, "/",
                               assigned->elems[i].partition));
  }
  return out;
}

void Consumer::OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* partitions,
                           void* opaque) {
  auto* self = static_cast<Consumer*>(opaque);
  const bool cooperative = IsCooperative(rk);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    log::Info("partitions assigned",
              {{"group", self->options_.group_id}, {"count", partitions->cnt}});
    if (cooperative) {
      KafkaError(rd_kafka_incremental_assign(rk, partitions), "assign")
          .IgnoreError();
    } else {
      rd_kafka_assign(rk, partitions);
    }
    return;
  }
  // Revoked (or lost). Records are handled synchronously on this thread,
  // so nothing is in flight: commit what is done before the next owner
  // starts from the committed offsets. A lost assignment can no longer
  // commit.
  log::Info("partitions revoked",
            {{"group", self->options_.group_id}, {"count", partitions->cnt}});
  if (self->commit_on_revoke_.load() && !rd_kafka_assignment_lost(rk)) {
    const rd_kafka_resp_err_t commit = rd_kafka_commit(rk, nullptr, 0);
    if (commit != RD_KAFKA_RESP_ERR_NO_ERROR &&
        commit != RD_KAFKA_RESP_ERR__NO_OFFSET) {
      log::Warning("commit on revoke failed",
                   {{"error", KafkaError(commit, "commit")}});
    }
    self->dirty_ = false;
  }
  if (cooperative) {
    KafkaError(rd_kafka_incremental_unassign(rk, partitions), "unassign")
        .IgnoreError();
  } else {
    rd_kafka_assign(rk, nullptr);
  }
}

absl::Status Consumer::Stop() { return Close(/*commit=*/true); }

absl::Status Consumer::CloseWithoutCommit() { return Close(/*commit=*/false); }

absl::Status Consumer::Close(bool commit) {
  if (closed_) return absl::OkStatus();
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
  if (rk_ == nullptr) {  // Create failed half-way
    closed_ = true;
    return absl::OkStatus();
  }
  absl::Status status;
  if (commit) {
    status = Commit();
  } else {
    commit_on_revoke_.store(false);
  }
  absl::Status close =
      KafkaError(rd_kafka_consumer_close(rk_.get()), "consumer close");
  closed_ = true;
  log::Info("consumer stopped", {{"group", options_.group_id}});
  return status.ok() ? close : status;
}

}  // namespace fineprint::events
