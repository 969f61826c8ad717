#include "events/relay/kafka_publisher.h"

#include <librdkafka/rdkafka.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "events/relay/cloudevents.h"
#include "services/runtime/log/log.h"

namespace fineprint::events {
namespace {

// Delivery outcome of one record: 0 pending, 1 delivered, 2 failed.
struct Slot {
  int state = 0;
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void*) {
  auto* slot = static_cast<Slot*>(msg->_private);
  if (slot != nullptr)
    slot->state = msg->err == RD_KAFKA_RESP_ERR_NO_ERROR ? 1 : 2;
}

}  // namespace

void KeepPerKeyPrefix(const std::vector<OutboxRecord>& records,
                      std::vector<bool>& delivered) {
  std::set<std::pair<std::string, std::string>> broken;
  for (size_t i = 0; i < records.size(); ++i) {
    auto key = std::make_pair(records[i].topic, records[i].aggregate_id);
    if (broken.count(key)) {
      delivered[i] = false;
    } else if (!delivered[i]) {
      broken.insert(std::move(key));
    }
  }
}

absl::StatusOr<std::unique_ptr<KafkaPublisher>> KafkaPublisher::Create(
    absl::string_view bootstrap_servers, absl::string_view client_id,
    const KafkaConfig& extra) {
  KafkaConfig settings = EventProducerSettings(bootstrap_servers, client_id);
  settings.insert(
      settings.end(),
      {
          {"enable.gapless.guarantee", "true"},
          {"linger.ms", "1"},
          {"compression.type", "lz4"},
          // Never time a record out inside a producer session: librdkafka's
          // idempotent producer may let later records of a partition through
          // after a local timeout (gap-less covers everything but timeouts).
          // The relay bounds a batch with its own deadline and then discards
          // the whole producer instead.
          {"message.timeout.ms", "0"},
      });
  for (const auto& kv : extra) settings.push_back(kv);
  auto conf = NewKafkaConf(settings);
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_dr_msg_cb(conf->get(), OnDelivery);
  auto handle = NewKafkaHandle(RD_KAFKA_PRODUCER, *std::move(conf));
  if (!handle.ok()) return handle.status();
  return std::unique_ptr<KafkaPublisher>(
      new KafkaPublisher(*std::move(handle)));
}

KafkaPublisher::~KafkaPublisher() {
  if (producer_) rd_kafka_flush(producer_.get(), 5000);
}

absl::StatusOr<std::vector<bool>> KafkaPublisher::Publish(
    const std::vector<OutboxRecord>& records, absl::Time deadline) {
  std::vector<Slot> slots(records.size());
  size_t queued = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    const OutboxRecord& r = records[i];
    rd_kafka_headers_t* headers = rd_kafka_headers_new(12);
    for (const auto& [name, value] : CloudEventHeaders(r)) {
      rd_kafka_header_add(headers, name.data(),
                          static_cast<ssize_t>(name.size()), value.data(),
                          static_cast<ssize_t>(value.size()));
    }
    rd_kafka_resp_err_t err;
    // A full local queue is back-pressure, not failure: serve delivery
    // reports and retry until the deadline.
    while (true) {
      err = rd_kafka_producev(
          producer_.get(), RD_KAFKA_V_TOPIC(r.topic.c_str()),
          RD_KAFKA_V_KEY(r.aggregate_id.data(), r.aggregate_id.size()),
          RD_KAFKA_V_VALUE(const_cast<char*>(r.payload.data()),
                           r.payload.size()),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(headers),
          RD_KAFKA_V_OPAQUE(&slots[i]), RD_KAFKA_V_END);
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || absl::Now() >= deadline)
        break;
      rd_kafka_poll(producer_.get(), 10);
    }
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_headers_destroy(headers);  // not taken over on failure
      slots[i].state = 2;
      // Later records of this batch must not overtake this one.
      break;
    }
    ++queued;
  }
  // Wait for every queued record's report.
  auto pending = [&] {
    for (size_t i = 0; i < queued; ++i) {
      if (slots[i].state == 0) return true;
    }
    return false;
  };
  while (pending() && absl::Now() < deadline) {
    rd_kafka_poll(producer_.get(),
                  std::max(1, std::min(100, RemainingMs(deadline))));
  }
  const bool timed_out = pending();
  if (timed_out) {
    // Reports still outstanding: the slots must outlive librdkafka's
    // references to them, so purge and wait them out before returning.
    rd_kafka_purge(producer_.get(),
                   RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    while (pending()) rd_kafka_poll(producer_.get(), 100);
  }
  char reason[512];
  const rd_kafka_resp_err_t fatal =
      rd_kafka_fatal_error(producer_.get(), reason, sizeof(reason));
  if (fatal != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return KafkaError(fatal, "producer fatal error", reason);
  }
  if (timed_out) {
    // Purged records may still land; this session must not send again.
    return absl::UnavailableError("batch not acknowledged before the deadline");
  }
  std::vector<bool> delivered(records.size());
  for (size_t i = 0; i < records.size(); ++i)
    delivered[i] = slots[i].state == 1;
  KeepPerKeyPrefix(records, delivered);
  return delivered;
}

}  // namespace fineprint::events
