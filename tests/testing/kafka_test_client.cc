#include "tests/testing/kafka_test_client.h"

#include <atomic>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace fineprint::testing {
namespace {

using events::KafkaConfig;
using events::KafkaError;
using events::KafkaHandle;

struct DeliveryTally {
  std::atomic<int> delivered{0};
  std::atomic<int> failed{0};
  std::atomic<int> first_error{0};
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* tally = static_cast<DeliveryTally*>(opaque);
  if (message->err) {
    int expected = 0;
    tally->first_error.compare_exchange_strong(expected, message->err);
    tally->failed.fetch_add(1);
  } else {
    tally->delivered.fetch_add(1);
  }
}

KafkaConfig Merge(KafkaConfig base, const KafkaConfig& extra) {
  base.insert(base.end(), extra.begin(), extra.end());
  return base;
}

absl::StatusOr<KafkaHandle> NewConsumerHandle(
    absl::string_view bootstrap_servers, absl::string_view group_id,
    const KafkaConfig& extra) {
  auto rk = events::NewKafkaHandle(
      RD_KAFKA_CONSUMER,
      Merge({{"bootstrap.servers", std::string(bootstrap_servers)},
             {"group.id", std::string(group_id)},
             {"client.id", "fineprint-test-consumer"},
             {"auto.offset.reset", "earliest"},
             {"enable.auto.commit", "false"},
             {"session.timeout.ms", "6000"},
             {"heartbeat.interval.ms", "500"}},
            extra));
  if (rk.ok()) rd_kafka_poll_set_consumer(rk->get());
  return rk;
}

}  // namespace

KafkaConfig DefaultTestProducerConfig() {
  return {{"acks", "all"},
          {"enable.idempotence", "true"},
          {"linger.ms", "5"},
          {"message.timeout.ms", "30000"}};
}

absl::Status ProduceRecords(absl::string_view bootstrap_servers,
                            absl::string_view topic,
                            const std::vector<KafkaRecord>& records,
                            const KafkaConfig& extra, absl::Duration timeout) {
  DeliveryTally tally;
  auto conf = events::NewKafkaConf(
      Merge(Merge({{"bootstrap.servers", std::string(bootstrap_servers)},
                   {"client.id", "fineprint-test-producer"}},
                  DefaultTestProducerConfig()),
            extra));
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &OnDelivery);
  rd_kafka_conf_set_opaque(conf->get(), &tally);
  auto rk = events::NewKafkaHandle(RD_KAFKA_PRODUCER, *std::move(conf));
  if (!rk.ok()) return rk.status();

  const std::string topic_name(topic);
  for (const KafkaRecord& record : records) {
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk->get(), RD_KAFKA_V_TOPIC(topic_name.c_str()),
        RD_KAFKA_V_PARTITION(record.partition),
        RD_KAFKA_V_KEY(record.key.data(), record.key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(record.value.data()),
                         record.value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    if (err) return KafkaError(err, absl::StrCat("produce to ", topic));
  }
  const rd_kafka_resp_err_t flushed =
      rd_kafka_flush(rk->get(), events::RemainingMs(absl::Now() + timeout));
  char fatal[256];
  if (rd_kafka_resp_err_t err =
          rd_kafka_fatal_error(rk->get(), fatal, sizeof(fatal));
      err) {
    return KafkaError(err, "producer fatal error", fatal);
  }
  if (flushed) return KafkaError(flushed, absl::StrCat("flush to ", topic));
  if (tally.failed.load() > 0) {
    return KafkaError(
        static_cast<rd_kafka_resp_err_t>(tally.first_error.load()),
        absl::StrCat(tally.failed.load(), " of ", records.size(),
                     " records to ", topic, " failed"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<TestConsumer>> TestConsumer::Create(
    absl::string_view bootstrap_servers, absl::string_view group_id,
    const std::vector<std::string>& topics, const KafkaConfig& extra) {
  auto rk = NewConsumerHandle(bootstrap_servers, group_id, extra);
  if (!rk.ok()) return rk.status();
  events::KafkaPartitionList subscription(
      rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const std::string& topic : topics) {
    rd_kafka_topic_partition_list_add(subscription.get(), topic.c_str(),
                                      RD_KAFKA_PARTITION_UA);
  }
  if (rd_kafka_resp_err_t err =
          rd_kafka_subscribe(rk->get(), subscription.get());
      err) {
    return KafkaError(err, "subscribe");
  }
  return std::unique_ptr<TestConsumer>(new TestConsumer(*std::move(rk)));
}

absl::StatusOr<std::unique_ptr<TestConsumer>> TestConsumer::CreateAssigned(
    absl::string_view bootstrap_servers, absl::string_view group_id,
    absl::string_view topic, int partitions, const KafkaConfig& extra) {
  auto rk = NewConsumerHandle(bootstrap_servers, group_id, extra);
  if (!rk.ok()) return rk.status();
  const std::string name(topic);
  events::KafkaPartitionList assignment(
      rd_kafka_topic_partition_list_new(partitions));
  for (int32_t p = 0; p < partitions; ++p) {
    // INVALID offset: resume from the committed one, else auto.offset.reset.
    rd_kafka_topic_partition_list_add(assignment.get(), name.c_str(), p)
        ->offset = RD_KAFKA_OFFSET_INVALID;
  }
  if (rd_kafka_resp_err_t err = rd_kafka_assign(rk->get(), assignment.get());
      err) {
    return KafkaError(err, "assign");
  }
  return std::unique_ptr<TestConsumer>(new TestConsumer(*std::move(rk)));
}

TestConsumer::~TestConsumer() { Close().IgnoreError(); }

absl::Status TestConsumer::PollOnce(absl::Duration wait,
                                    std::vector<KafkaRecord>& out) {
  events::KafkaMessage message(rd_kafka_consumer_poll(
      rk_.get(), static_cast<int>(absl::ToInt64Milliseconds(wait))));
  if (message == nullptr) return absl::OkStatus();
  if (message->err) {
    switch (message->err) {
      case RD_KAFKA_RESP_ERR__PARTITION_EOF:
      case RD_KAFKA_RESP_ERR__TRANSPORT:
      case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
        return absl::OkStatus();  // retried by librdkafka
      default:
        return KafkaError(message->err, "consume",
                          rd_kafka_message_errstr(message.get()));
    }
  }
  KafkaRecord record;
  if (message->key != nullptr) {
    record.key.assign(static_cast<const char*>(message->key), message->key_len);
  }
  if (message->payload != nullptr) {
    record.value.assign(static_cast<const char*>(message->payload),
                        message->len);
  }
  record.partition = message->partition;
  record.offset = message->offset;
  out.push_back(std::move(record));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<KafkaRecord>> TestConsumer::Consume(
    size_t count, absl::Duration timeout) {
  std::vector<KafkaRecord> records;
  const absl::Time deadline = absl::Now() + timeout;
  while (records.size() < count) {
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("consumed ", records.size(), " of ", count,
                       " records within ", absl::FormatDuration(timeout)));
    }
    if (absl::Status s = PollOnce(absl::Milliseconds(100), records); !s.ok()) {
      return s;
    }
  }
  return records;
}

absl::StatusOr<std::vector<KafkaRecord>> TestConsumer::ConsumeFor(
    absl::Duration duration) {
  std::vector<KafkaRecord> records;
  const absl::Time end = absl::Now() + duration;
  while (absl::Now() < end) {
    if (absl::Status s = PollOnce(absl::Milliseconds(100), records); !s.ok()) {
      return s;
    }
  }
  return records;
}

absl::Status TestConsumer::Commit() {
  const rd_kafka_resp_err_t err =
      rd_kafka_commit(rk_.get(), nullptr, /*async=*/0);
  // Nothing consumed since the last commit.
  if (err == RD_KAFKA_RESP_ERR__NO_OFFSET) return absl::OkStatus();
  return KafkaError(err, "commit");
}

absl::StatusOr<std::map<int32_t, int64_t>> TestConsumer::Committed(
    absl::string_view topic, int partitions, absl::Duration timeout) {
  const std::string name(topic);
  events::KafkaPartitionList list(
      rd_kafka_topic_partition_list_new(partitions));
  for (int32_t p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(list.get(), name.c_str(), p);
  }
  if (rd_kafka_resp_err_t err = rd_kafka_committed(
          rk_.get(), list.get(), events::RemainingMs(absl::Now() + timeout));
      err) {
    return KafkaError(err, "committed offsets");
  }
  std::map<int32_t, int64_t> offsets;
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& tp = list->elems[i];
    if (tp.err) return KafkaError(tp.err, "committed offset");
    if (tp.offset >= 0) offsets[tp.partition] = tp.offset;
  }
  return offsets;
}

absl::Status TestConsumer::Close() {
  if (closed_) return absl::OkStatus();
  closed_ = true;
  return KafkaError(rd_kafka_consumer_close(rk_.get()), "consumer close");
}

absl::StatusOr<int> PartitionCount(absl::string_view bootstrap_servers,
                                   absl::string_view topic,
                                   absl::Duration timeout) {
  auto rk = events::NewKafkaHandle(
      RD_KAFKA_PRODUCER,
      {{"bootstrap.servers", std::string(bootstrap_servers)}});
  if (!rk.ok()) return rk.status();
  const rd_kafka_metadata_t* raw = nullptr;
  if (rd_kafka_resp_err_t err =
          rd_kafka_metadata(rk->get(), /*all_topics=*/1, nullptr, &raw,
                            events::RemainingMs(absl::Now() + timeout));
      err) {
    return KafkaError(err, "metadata");
  }
  events::KafkaMetadata metadata(raw);
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    if (topic == metadata->topics[i].topic && !metadata->topics[i].err) {
      return metadata->topics[i].partition_cnt;
    }
  }
  return absl::NotFoundError(absl::StrCat("no topic ", topic));
}

}  // namespace fineprint::testing
