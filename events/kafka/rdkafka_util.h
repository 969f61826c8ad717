#ifndef FINEPRINT_EVENTS_KAFKA_RDKAFKA_UTIL_H_
#define FINEPRINT_EVENTS_KAFKA_RDKAFKA_UTIL_H_

// Small RAII and error helpers over librdkafka's C API, shared by the topic
// admin, the mock broker and tests. Handles created here log through
// services/runtime/log instead of librdkafka's own stderr format.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "librdkafka/rdkafka.h"

namespace fineprint::events {

struct RdKafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
  void operator()(rd_kafka_event_t* ev) const { rd_kafka_event_destroy(ev); }
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
  void operator()(const rd_kafka_metadata_t* md) const {
    rd_kafka_metadata_destroy(md);
  }
  void operator()(rd_kafka_AdminOptions_t* o) const {
    rd_kafka_AdminOptions_destroy(o);
  }
};

using KafkaHandle = std::unique_ptr<rd_kafka_t, RdKafkaDeleter>;
using KafkaConf = std::unique_ptr<rd_kafka_conf_t, RdKafkaDeleter>;
using KafkaQueue = std::unique_ptr<rd_kafka_queue_t, RdKafkaDeleter>;
using KafkaEvent = std::unique_ptr<rd_kafka_event_t, RdKafkaDeleter>;
using KafkaMessage = std::unique_ptr<rd_kafka_message_t, RdKafkaDeleter>;
using KafkaPartitionList =
    std::unique_ptr<rd_kafka_topic_partition_list_t, RdKafkaDeleter>;
using KafkaMetadata =
    std::unique_ptr<const rd_kafka_metadata_t, RdKafkaDeleter>;
using KafkaAdminOptions =
    std::unique_ptr<rd_kafka_AdminOptions_t, RdKafkaDeleter>;

using KafkaConfig = std::vector<std::pair<std::string, std::string>>;

// A conf with the process defaults (SetDefaultKafkaSettings), then
// `settings`, applied and logging routed to services/runtime/log.
// Fails on an unknown property or bad value (naming the property only:
// values may be credentials such as sasl.password).
absl::StatusOr<KafkaConf> NewKafkaConf(const KafkaConfig& settings);

// Settings every Fineprint producer of domain events starts from: an
// idempotent producer with acks=all and the Java-compatible murmur2
// partitioner, so every producer (relay, dead-letter replays) puts an
// aggregate's records in the same partition. Callers append their own
// (later entries win).
KafkaConfig EventProducerSettings(absl::string_view bootstrap_servers,
                                  absl::string_view client_id);

// How this process's Kafka clients reach the brokers: TLS (librdkafka's
// ssl.*) when ca_file is set, brokers verified against it and by name;
// a client certificate when cert_file and key_file are; SASL/SCRAM when
// sasl_mechanism is (over TLS when ca_file is set, which it should be).
struct KafkaSecurity {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string sasl_mechanism;  // "", "SCRAM-SHA-256" or "SCRAM-SHA-512"
  std::string sasl_username;
  std::string sasl_password;
};

// The librdkafka properties for `security` (none when it is all empty);
// INVALID_ARGUMENT for a half-set pair or an unknown mechanism.
absl::StatusOr<KafkaConfig> KafkaSecuritySettings(
    const KafkaSecurity& security);

// Settings NewKafkaConf applies to every client the process creates from
// then on, before the caller's own (which win). The service kit installs
// KafkaSecuritySettings here at startup, so the relay, consumers and
// listeners all connect the same way without each being told.
void SetDefaultKafkaSettings(KafkaConfig settings);
KafkaConfig DefaultKafkaSettings();

absl::Status SetKafkaConf(rd_kafka_conf_t* conf, absl::string_view name,
                          absl::string_view value);

// rd_kafka_new; takes ownership of `conf` on success and on failure.
absl::StatusOr<KafkaHandle> NewKafkaHandle(rd_kafka_type_t type,
                                           KafkaConf conf);

// NewKafkaConf + NewKafkaHandle.
absl::StatusOr<KafkaHandle> NewKafkaHandle(rd_kafka_type_t type,
                                           const KafkaConfig& settings);

using RebalanceCallback = void (*)(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                   rd_kafka_topic_partition_list_t* partitions,
                                   void* opaque);

// A group consumer from `settings` followed by `overrides` (later entries
// win), its rebalances delivered to `on_rebalance` with `opaque`, its events
// served by rd_kafka_consumer_poll, and subscribed to `topics`. Every
// consumer of the tree starts this way; what differs is in `settings`.
absl::StatusOr<KafkaHandle> NewSubscribedConsumer(
    KafkaConfig settings, const KafkaConfig& overrides,
    RebalanceCallback on_rebalance, void* opaque,
    const std::vector<std::string>& topics);

// Maps a librdkafka error to an absl::Status ("<context>: <err name>: <text>").
// Timeouts -> DEADLINE_EXCEEDED, transport/broker unreachable -> UNAVAILABLE,
// already exists -> ALREADY_EXISTS, unknown topic -> NOT_FOUND, invalid
// request/config -> INVALID_ARGUMENT, authz -> PERMISSION_DENIED.
absl::Status KafkaError(rd_kafka_resp_err_t err, absl::string_view context,
                        absl::string_view detail = "");

// Same for an rd_kafka_error_t (transactional/idempotence APIs); destroys it.
absl::Status KafkaError(rd_kafka_error_t* error, absl::string_view context);

absl::StatusCode KafkaErrorCode(rd_kafka_resp_err_t err);

// Milliseconds left until `deadline`, clamped to [0, INT_MAX].
int RemainingMs(absl::Time deadline);

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_KAFKA_RDKAFKA_UTIL_H_
