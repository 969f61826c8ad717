#include "events/tool/topic_reader.h"

#include <unistd.h>

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace fineprint::events {
namespace {

absl::StatusOr<KafkaHandle> NewReader(const ReaderOptions& options) {
  KafkaConfig settings = {
      {"bootstrap.servers", options.bootstrap_servers},
      // Required by librdkafka even for assign(); never used to commit.
      {"group.id", absl::StrCat("fpevents-", getpid(), "-",
                                absl::ToUnixNanos(absl::Now()))},
      {"client.id", "fpevents"},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},
      {"enable.partition.eof", "true"},
  };
  settings.insert(settings.end(), options.client_config.begin(),
                  options.client_config.end());
  absl::StatusOr<KafkaHandle> rk = NewKafkaHandle(RD_KAFKA_CONSUMER, settings);
  if (rk.ok()) rd_kafka_poll_set_consumer(rk->get());
  return rk;
}

absl::Status Assign(rd_kafka_t* rk, absl::string_view topic,
                    const std::vector<std::pair<int32_t, int64_t>>& starts) {
  const std::string name(topic);
  KafkaPartitionList list(
      rd_kafka_topic_partition_list_new(static_cast<int>(starts.size())));
  for (const auto& [partition, offset] : starts) {
    rd_kafka_topic_partition_list_add(list.get(), name.c_str(), partition)
        ->offset = offset;
  }
  return KafkaError(rd_kafka_assign(rk, list.get()), "assign");
}

// Errors that end a read; EOF and transient transport trouble do not.
bool IsFatalConsumeError(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__PARTITION_EOF:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
      return false;
    default:
      return true;
  }
}

}  // namespace

absl::StatusOr<int> TopicPartitions(const ReaderOptions& options,
                                    absl::string_view topic) {
  absl::StatusOr<KafkaHandle> rk = NewReader(options);
  if (!rk.ok()) return rk.status();
  const rd_kafka_metadata_t* raw = nullptr;
  // All topics: naming one could make a permissive broker auto-create it.
  if (rd_kafka_resp_err_t err =
          rd_kafka_metadata(rk->get(), 1, nullptr, &raw,
                            RemainingMs(absl::Now() + options.timeout));
      err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return KafkaError(err, "metadata");
  }
  KafkaMetadata metadata(raw);
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    if (topic == metadata->topics[i].topic && !metadata->topics[i].err) {
      return metadata->topics[i].partition_cnt;
    }
  }
  return absl::NotFoundError(absl::StrCat("no topic ", topic));
}

absl::StatusOr<std::vector<RawRecord>> ReadTopic(const ReaderOptions& options,
                                                 absl::string_view topic) {
  absl::StatusOr<int> partitions = TopicPartitions(options, topic);
  if (!partitions.ok()) return partitions.status();
  absl::StatusOr<KafkaHandle> rk = NewReader(options);
  if (!rk.ok()) return rk.status();
  const absl::Time deadline = absl::Now() + options.timeout;
  const std::string name(topic);
  std::vector<std::pair<int32_t, int64_t>> starts;
  std::set<int32_t> pending;
  for (int32_t p = 0; p < *partitions; ++p) {
    int64_t low = 0;
    int64_t high = 0;
    if (rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
            rk->get(), name.c_str(), p, &low, &high, RemainingMs(deadline));
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return KafkaError(err, absl::StrCat("watermarks of ", topic, "/", p));
    }
    if (high > low) {
      starts.emplace_back(p, RD_KAFKA_OFFSET_BEGINNING);
      pending.insert(p);
    }
  }
  std::vector<RawRecord> records;
  if (starts.empty()) return records;
  if (absl::Status s = Assign(rk->get(), topic, starts); !s.ok()) return s;
  // Until every partition reported its end (EOF also covers gaps left by
  // compaction and transaction markers, where offsets stop short of high).
  while (!pending.empty()) {
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("reading ", topic, ": ", pending.size(),
                       " partitions not read to the end in time"));
    }
    KafkaMessage m(rd_kafka_consumer_poll(rk->get(), 100));
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      pending.erase(m->partition);
    } else if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (IsFatalConsumeError(m->err)) {
        return KafkaError(m->err, absl::StrCat("read ", topic),
                          rd_kafka_message_errstr(m.get()));
      }
    } else {
      records.push_back(CopyRecord(*m));
    }
  }
  std::stable_sort(records.begin(), records.end(),
                   [](const RawRecord& a, const RawRecord& b) {
                     return std::make_pair(a.partition, a.offset) <
                            std::make_pair(b.partition, b.offset);
                   });
  return records;
}

absl::StatusOr<RawRecord> ReadRecord(const ReaderOptions& options,
                                     absl::string_view topic, int32_t partition,
                                     int64_t offset) {
  absl::StatusOr<KafkaHandle> rk = NewReader(options);
  if (!rk.ok()) return rk.status();
  const absl::Time deadline = absl::Now() + options.timeout;
  const std::string name(topic);
  int64_t low = 0;
  int64_t high = 0;
  if (rd_kafka_resp_err_t err =
          rd_kafka_query_watermark_offsets(rk->get(), name.c_str(), partition,
                                           &low, &high, RemainingMs(deadline));
      err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return KafkaError(err,
                      absl::StrCat("watermarks of ", topic, "/", partition));
  }
  const std::string where = absl::StrCat(topic, "/", partition, "@", offset);
  if (offset < low || offset >= high) {
    return absl::NotFoundError(absl::StrCat("no record at ", where));
  }
  if (absl::Status s = Assign(rk->get(), topic, {{partition, offset}});
      !s.ok()) {
    return s;
  }
  while (absl::Now() < deadline) {
    KafkaMessage m(rd_kafka_consumer_poll(rk->get(), 100));
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) break;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (IsFatalConsumeError(m->err)) {
        return KafkaError(m->err, absl::StrCat("read ", where),
                          rd_kafka_message_errstr(m.get()));
      }
      continue;
    }
    // Compaction or a control record can leave the offset empty: the
    // first record at or after it is then someone else.
    if (m->offset != offset) break;
    return CopyRecord(*m);
  }
  if (absl::Now() >= deadline) {
    return absl::DeadlineExceededError(absl::StrCat("reading ", where));
  }
  return absl::NotFoundError(absl::StrCat("no record at ", where));
}

absl::Status TailTopic(const ReaderOptions& options, absl::string_view topic,
                       const TailOptions& tail,
                       const std::function<bool(const RawRecord&)>& sink) {
  absl::StatusOr<int> partitions = TopicPartitions(options, topic);
  if (!partitions.ok()) return partitions.status();
  absl::StatusOr<KafkaHandle> rk = NewReader(options);
  if (!rk.ok()) return rk.status();
  std::vector<std::pair<int32_t, int64_t>> starts;
  for (int32_t p = 0; p < *partitions; ++p) {
    starts.emplace_back(p, tail.from_beginning ? RD_KAFKA_OFFSET_BEGINNING
                                               : RD_KAFKA_OFFSET_END);
  }
  if (absl::Status s = Assign(rk->get(), topic, starts); !s.ok()) return s;
  int64_t seen = 0;
  absl::Time last = absl::Now();
  while (tail.max_records <= 0 || seen < tail.max_records) {
    if (absl::Now() - last >= tail.idle_timeout) break;
    KafkaMessage m(rd_kafka_consumer_poll(rk->get(), 100));
    if (m == nullptr) continue;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (IsFatalConsumeError(m->err)) {
        return KafkaError(m->err, absl::StrCat("tail ", topic),
                          rd_kafka_message_errstr(m.get()));
      }
      continue;
    }
    last = absl::Now();
    ++seen;
    if (!sink(CopyRecord(*m))) break;
  }
  return absl::OkStatus();
}

}  // namespace fineprint::events
