#include "events/consumer/broadcast_subscriber.h"

#include <unistd.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "events/consumer/record.h"
#include "services/runtime/log/log.h"

namespace fineprint::events {
namespace {

// Unique per process and start: a shared group would split the partitions
// between replicas, and each replica must see every record.
std::string UniqueGroupId(absl::string_view name) {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return absl::StrCat(name, "-", host, "-", getpid(), "-",
                      absl::ToUnixNanos(absl::Now()));
}

bool IsCooperative(rd_kafka_t* rk) {
  const char* protocol = rd_kafka_rebalance_protocol(rk);
  return protocol != nullptr && absl::string_view(protocol) == "COOPERATIVE";
}

}  // namespace

BroadcastSubscriber::BroadcastSubscriber(BroadcastOptions options,
                                         Callback callback)
    : options_(std::move(options)),
      callback_(std::move(callback)),
      group_id_(UniqueGroupId(options_.name)) {}

absl::StatusOr<std::unique_ptr<BroadcastSubscriber>> BroadcastSubscriber::Start(
    BroadcastOptions options, Callback callback) {
  if (options.bootstrap_servers.empty() || options.topics.empty() ||
      !callback) {
    return absl::InvalidArgumentError(
        "broadcast subscriber needs bootstrap_servers, topics and a callback");
  }
  std::unique_ptr<BroadcastSubscriber> subscriber(
      new BroadcastSubscriber(std::move(options), std::move(callback)));
  if (absl::Status s = subscriber->Init(); !s.ok()) return s;
  subscriber->thread_ = std::thread([s = subscriber.get()] { s->Run(); });
  return subscriber;
}

absl::Status BroadcastSubscriber::Init() {
  KafkaConfig settings = {
      {"bootstrap.servers", options_.bootstrap_servers},
      {"group.id", group_id_},
      {"client.id", group_id_},
      // Positions are this process's business only: a restarted process
      // starts over from its lookback, never from a stored offset.
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "latest"},
      {"isolation.level", "read_committed"},
      // A subscribed topic that does not exist yet (a service started
      // before identity created it) is noticed at the next metadata
      // refresh; the 5-minute default would leave that gap open too long.
      {"topic.metadata.refresh.interval.ms", "10000"},
  };
  absl::StatusOr<KafkaHandle> rk = NewSubscribedConsumer(
      std::move(settings), options_.consumer_config,
      &BroadcastSubscriber::OnRebalance, this, options_.topics);
  if (!rk.ok()) return rk.status();
  rk_ = *std::move(rk);
  return absl::OkStatus();
}

BroadcastSubscriber::~BroadcastSubscriber() { Stop(); }

void BroadcastSubscriber::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
  if (rk_ != nullptr) {
    // Nothing to commit; closing leaves the group at once instead of after
    // the session timeout.
    KafkaError(rd_kafka_consumer_close(rk_.get()), "consumer close")
        .IgnoreError();
    rk_.reset();
  }
  assigned_.store(false);
}

bool BroadcastSubscriber::WaitUntilAssigned(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!assigned_.load()) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

void BroadcastSubscriber::Run() {
  log::Info("broadcast subscriber started", {{"group", group_id_}});
  while (!stop_.HasBeenNotified()) {
    KafkaMessage message(rd_kafka_consumer_poll(
        rk_.get(),
        static_cast<int>(absl::ToInt64Milliseconds(options_.poll_timeout))));
    if (message == nullptr) continue;
    if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // Mostly transient (broker down, leader moving); librdkafka recovers.
      log::Warning(
          "broadcast poll error",
          {{"group", group_id_},
           {"error", KafkaError(message->err, "consume",
                                rd_kafka_message_errstr(message.get()))}});
      continue;
    }
    const RawRecord record = CopyRecord(*message);
    message.reset();
    absl::StatusOr<Event> event = ParseEvent(record);
    if (!event.ok()) {
      log::Warning("broadcast record skipped", {{"topic", record.topic},
                                                {"offset", record.offset},
                                                {"error", event.status()}});
      continue;
    }
    callback_(*event);
  }
}

// Positions every partition at a concrete offset before assigning it:
// "the end" resolved later by the fetcher would silently skip records
// written between the assignment and that resolution, and
// WaitUntilAssigned promises that nothing written after it is missed.
void BroadcastSubscriber::Assign(rd_kafka_topic_partition_list_t* partitions) {
  const absl::Time now = absl::Now();
  // Right after a topic is created its partitions may have no leader for a
  // moment (NOT_LEADER_FOR_PARTITION); a few short retries ride that out.
  constexpr int kAttempts = 20;
  constexpr absl::Duration kRetryDelay = absl::Milliseconds(250);
  bool positioned = options_.lookback <= absl::ZeroDuration();
  for (int attempt = 0; !positioned && attempt < kAttempts; ++attempt) {
    if (attempt > 0) absl::SleepFor(kRetryDelay);
    for (int i = 0; i < partitions->cnt; ++i) {
      partitions->elems[i].offset = absl::ToUnixMillis(now - options_.lookback);
    }
    const rd_kafka_resp_err_t err =
        rd_kafka_offsets_for_times(rk_.get(), partitions, 5000);
    positioned = err == RD_KAFKA_RESP_ERR_NO_ERROR;
    if (!positioned && attempt + 1 == kAttempts) {
      // Missing a record is worse than reading old ones again (handlers
      // are idempotent): start at the beginning.
      log::Warning("broadcast lookback unavailable; starting at the beginning",
                   {{"error", KafkaError(err, "offsets_for_times")}});
      for (int i = 0; i < partitions->cnt; ++i) {
        partitions->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
      }
    }
  }
  if (options_.lookback <= absl::ZeroDuration()) {
    for (int i = 0; i < partitions->cnt; ++i) {
      partitions->elems[i].offset = RD_KAFKA_OFFSET_END;
    }
  }
  for (int i = 0; i < partitions->cnt; ++i) {
    rd_kafka_topic_partition_t& tp = partitions->elems[i];
    // No record at or after the lookback time, or no lookback: the high
    // watermark, asked for now.
    if (tp.offset != RD_KAFKA_OFFSET_END) continue;
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
      if (attempt > 0) absl::SleepFor(kRetryDelay);
      int64_t low = 0;
      int64_t high = 0;
      if (rd_kafka_query_watermark_offsets(rk_.get(), tp.topic, tp.partition,
                                           &low, &high, 5000) ==
          RD_KAFKA_RESP_ERR_NO_ERROR) {
        tp.offset = high;
        break;
      }
    }
    if (tp.offset == RD_KAFKA_OFFSET_END) {
      log::Warning("broadcast end offset unavailable; the fetcher resolves it",
                   {{"topic", tp.topic}});
    }
  }
  if (IsCooperative(rk_.get())) {
    KafkaError(rd_kafka_incremental_assign(rk_.get(), partitions), "assign")
        .IgnoreError();
  } else {
    rd_kafka_assign(rk_.get(), partitions);
  }
  log::Info("broadcast partitions assigned",
            {{"group", group_id_}, {"count", partitions->cnt}});
  assigned_.store(true);
}

void BroadcastSubscriber::OnRebalance(
    rd_kafka_t* rk, rd_kafka_resp_err_t err,
    rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  auto* self = static_cast<BroadcastSubscriber*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    self->Assign(partitions);
    return;
  }
  // Revoked or lost: the only member of our own group, this happens on
  // close or after a session timeout; nothing to commit.
  self->assigned_.store(false);
  if (IsCooperative(rk)) {
    KafkaError(rd_kafka_incremental_unassign(rk, partitions), "unassign")
        .IgnoreError();
  } else {
    rd_kafka_assign(rk, nullptr);
  }
}

}  // namespace fineprint::events
