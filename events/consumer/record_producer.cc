#include "events/consumer/record_producer.h"

#include <algorithm>
#include <atomic>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace fineprint::events {
namespace {

// The delivery report of one record. Shared with librdkafka through the
// message opaque, so it must live until the report has been served.
struct Delivery {
  std::atomic<bool> done{false};
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  ProducedAt at;
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
  auto* delivery = static_cast<Delivery*>(message->_private);
  if (delivery == nullptr) return;
  delivery->err = message->err;
  delivery->at.partition = message->partition;
  delivery->at.offset = message->offset;
  delivery->done.store(true, std::memory_order_release);
}

}  // namespace

absl::StatusOr<std::unique_ptr<RecordProducer>> RecordProducer::Create(
    absl::string_view bootstrap_servers, absl::string_view client_id,
    const KafkaConfig& extra) {
  // The relay's settings: a replayed record lands in the partition of its
  // key, next to the rest of its aggregate's history.
  KafkaConfig settings = EventProducerSettings(bootstrap_servers, client_id);
  settings.push_back({"linger.ms", "0"});
  settings.push_back({"message.timeout.ms", "30000"});
  settings.insert(settings.end(), extra.begin(), extra.end());
  absl::StatusOr<KafkaConf> conf = NewKafkaConf(settings);
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &OnDelivery);
  absl::StatusOr<KafkaHandle> rk =
      NewKafkaHandle(RD_KAFKA_PRODUCER, *std::move(conf));
  if (!rk.ok()) return rk.status();
  return std::unique_ptr<RecordProducer>(new RecordProducer(*std::move(rk)));
}

RecordProducer::~RecordProducer() {
  // Produce() never returns with a report outstanding, so nothing here
  // points at a dead Delivery; flushing only bounds the shutdown.
  rd_kafka_flush(rk_.get(), 5000);
}

absl::StatusOr<ProducedAt> RecordProducer::Produce(
    absl::string_view topic, const std::optional<std::string>& key,
    const std::optional<std::string>& value, const RecordHeaders& headers,
    absl::Time deadline) {
  const std::string topic_name(topic);
  Delivery delivery;
  rd_kafka_headers_t* kafka_headers = ToKafkaHeaders(headers);
  rd_kafka_resp_err_t err;
  while (true) {
    err = rd_kafka_producev(
        rk_.get(), RD_KAFKA_V_TOPIC(topic_name.c_str()),
        RD_KAFKA_V_KEY(key.has_value() ? key->data() : nullptr,
                       key.has_value() ? key->size() : 0),
        RD_KAFKA_V_VALUE(
            value.has_value() ? const_cast<char*>(value->data()) : nullptr,
            value.has_value() ? value->size() : 0),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_HEADERS(kafka_headers), RD_KAFKA_V_OPAQUE(&delivery),
        RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || absl::Now() >= deadline) break;
    rd_kafka_poll(rk_.get(), 10);
  }
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_headers_destroy(kafka_headers);  // only taken over on success
    return KafkaError(err, absl::StrCat("produce to ", topic));
  }
  while (!delivery.done.load(std::memory_order_acquire) &&
         absl::Now() < deadline) {
    rd_kafka_poll(rk_.get(), std::clamp(RemainingMs(deadline), 1, 100));
  }
  if (!delivery.done.load(std::memory_order_acquire)) {
    // `delivery` lives on this stack frame: purge and wait for the report
    // (librdkafka always delivers one) before it goes away.
    rd_kafka_purge(rk_.get(),
                   RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    while (!delivery.done.load(std::memory_order_acquire)) {
      rd_kafka_poll(rk_.get(), 100);
    }
    if (delivery.err == RD_KAFKA_RESP_ERR_NO_ERROR) return delivery.at;
    return absl::DeadlineExceededError(
        absl::StrCat("produce to ", topic, ": not acknowledged in time"));
  }
  char reason[512];
  if (rd_kafka_resp_err_t fatal =
          rd_kafka_fatal_error(rk_.get(), reason, sizeof(reason));
      fatal != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return KafkaError(fatal, "producer fatal error", reason);
  }
  if (delivery.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return KafkaError(delivery.err, absl::StrCat("produce to ", topic));
  }
  return delivery.at;
}

}  // namespace fineprint::events
