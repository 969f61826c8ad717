#include "events/kafka/rdkafka_util.h"

#include <algorithm>
#include <climits>
#include <cstdint>

#include "absl/base/const_init.h"
#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "services/runtime/log/log.h"

namespace fineprint::events {
namespace {

// librdkafka logs with syslog levels from its own threads.
void LogCallback(const rd_kafka_t* rk, int level, const char* fac,
                 const char* buf) {
  log::Level our_level = log::Level::kDebug;
  if (level <= 3) {
    our_level = log::Level::kError;
  } else if (level == 4) {
    our_level = log::Level::kWarning;
  } else if (level <= 6) {
    our_level = log::Level::kInfo;
  }
  log::Log(our_level, buf,
           {{"component", "librdkafka"},
            {"facility", fac},
            {"client", rk != nullptr ? rd_kafka_name(rk) : ""}});
}

absl::Mutex default_settings_mu(absl::kConstInit);
KafkaConfig* default_settings ABSL_GUARDED_BY(default_settings_mu) = nullptr;

}  // namespace

absl::StatusOr<KafkaConfig> KafkaSecuritySettings(
    const KafkaSecurity& security) {
  KafkaConfig out;
  const bool tls = !security.ca_file.empty();
  const bool sasl = !security.sasl_mechanism.empty();
  if (security.cert_file.empty() != security.key_file.empty()) {
    return absl::InvalidArgumentError(
        "a Kafka client certificate needs both its certificate and key");
  }
  if (!security.cert_file.empty() && !tls) {
    return absl::InvalidArgumentError(
        "a Kafka client certificate needs TLS: set the CA too");
  }
  if (sasl && security.sasl_mechanism != "SCRAM-SHA-256" &&
      security.sasl_mechanism != "SCRAM-SHA-512") {
    return absl::InvalidArgumentError(
        "Kafka SASL mechanism must be SCRAM-SHA-256 or SCRAM-SHA-512");
  }
  if (sasl && security.sasl_username.empty()) {
    return absl::InvalidArgumentError("Kafka SASL/SCRAM needs a username");
  }
  if (!tls && !sasl) return out;
  out.emplace_back("security.protocol",
                   tls ? (sasl ? "sasl_ssl" : "ssl") : "sasl_plaintext");
  if (tls) {
    out.emplace_back("ssl.ca.location", security.ca_file);
    // Brokers are checked by name too, not only by CA.
    out.emplace_back("ssl.endpoint.identification.algorithm", "https");
  }
  if (!security.cert_file.empty()) {
    out.emplace_back("ssl.certificate.location", security.cert_file);
    out.emplace_back("ssl.key.location", security.key_file);
  }
  if (sasl) {
    out.emplace_back("sasl.mechanisms", security.sasl_mechanism);
    out.emplace_back("sasl.username", security.sasl_username);
    out.emplace_back("sasl.password", security.sasl_password);
  }
  return out;
}

void SetDefaultKafkaSettings(KafkaConfig settings) {
  absl::MutexLock lock(&default_settings_mu);
  delete default_settings;
  default_settings = new KafkaConfig(std::move(settings));
}

KafkaConfig DefaultKafkaSettings() {
  absl::MutexLock lock(&default_settings_mu);
  return default_settings == nullptr ? KafkaConfig() : *default_settings;
}

absl::Status SetKafkaConf(rd_kafka_conf_t* conf, absl::string_view name,
                          absl::string_view value) {
  char errstr[512];
  const std::string key(name);
  const std::string val(value);
  if (rd_kafka_conf_set(conf, key.c_str(), val.c_str(), errstr,
                        sizeof(errstr)) != RD_KAFKA_CONF_OK) {
    // errstr can quote the value; only the property is named.
    return absl::InvalidArgumentError(
        absl::StrCat("librdkafka rejected property '", name, "'"));
  }
  return absl::OkStatus();
}

KafkaConfig EventProducerSettings(absl::string_view bootstrap_servers,
                                  absl::string_view client_id) {
  return {
      {"bootstrap.servers", std::string(bootstrap_servers)},
      {"client.id", std::string(client_id)},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"partitioner", "murmur2_random"},
  };
}

absl::StatusOr<KafkaConf> NewKafkaConf(const KafkaConfig& settings) {
  KafkaConf conf(rd_kafka_conf_new());
  rd_kafka_conf_set_log_cb(conf.get(), &LogCallback);
  for (const auto& [name, value] : DefaultKafkaSettings()) {
    absl::Status status = SetKafkaConf(conf.get(), name, value);
    if (!status.ok()) return status;
  }
  for (const auto& [name, value] : settings) {
    absl::Status status = SetKafkaConf(conf.get(), name, value);
    if (!status.ok()) return status;
  }
  return conf;
}

absl::StatusOr<KafkaHandle> NewKafkaHandle(rd_kafka_type_t type,
                                           KafkaConf conf) {
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), errstr, sizeof(errstr));
  if (rk == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("rd_kafka_new failed: ", errstr));
  }
  conf.release();  // rd_kafka_new owns it now.
  return KafkaHandle(rk);
}

absl::StatusOr<KafkaHandle> NewKafkaHandle(rd_kafka_type_t type,
                                           const KafkaConfig& settings) {
  absl::StatusOr<KafkaConf> conf = NewKafkaConf(settings);
  if (!conf.ok()) return conf.status();
  return NewKafkaHandle(type, *std::move(conf));
}

absl::StatusOr<KafkaHandle> NewSubscribedConsumer(
    KafkaConfig settings, const KafkaConfig& overrides,
    RebalanceCallback on_rebalance, void* opaque,
    const std::vector<std::string>& topics) {
  settings.insert(settings.end(), overrides.begin(), overrides.end());
  absl::StatusOr<KafkaConf> conf = NewKafkaConf(settings);
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_rebalance_cb(conf->get(), on_rebalance);
  rd_kafka_conf_set_opaque(conf->get(), opaque);
  absl::StatusOr<KafkaHandle> rk =
      NewKafkaHandle(RD_KAFKA_CONSUMER, *std::move(conf));
  if (!rk.ok()) return rk.status();
  rd_kafka_poll_set_consumer(rk->get());
  KafkaPartitionList list(
      rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const std::string& topic : topics) {
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(),
                                      RD_KAFKA_PARTITION_UA);
  }
  absl::Status subscribed =
      KafkaError(rd_kafka_subscribe(rk->get(), list.get()), "subscribe");
  if (!subscribed.ok()) return subscribed;
  return rk;
}

absl::StatusCode KafkaErrorCode(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
      return absl::StatusCode::kOk;
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
      return absl::StatusCode::kDeadlineExceeded;
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_NOT_CONTROLLER:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
      return absl::StatusCode::kUnavailable;
    case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
      return absl::StatusCode::kAlreadyExists;
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
      return absl::StatusCode::kNotFound;
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICA_ASSIGNMENT:
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
    case RD_KAFKA_RESP_ERR_INVALID_REQUEST:
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
      return absl::StatusCode::kInvalidArgument;
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
      return absl::StatusCode::kPermissionDenied;
    case RD_KAFKA_RESP_ERR__FENCED:
    case RD_KAFKA_RESP_ERR_PRODUCER_FENCED:
    case RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH:
    case RD_KAFKA_RESP_ERR__STATE:
      return absl::StatusCode::kFailedPrecondition;
    case RD_KAFKA_RESP_ERR__DESTROY:
      return absl::StatusCode::kCancelled;
    default:
      return absl::StatusCode::kInternal;
  }
}

absl::Status KafkaError(rd_kafka_resp_err_t err, absl::string_view context,
                        absl::string_view detail) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return absl::OkStatus();
  const char* text = rd_kafka_err2str(err);
  return absl::Status(
      KafkaErrorCode(err),
      absl::StrCat(context, ": ", rd_kafka_err2name(err), ": ",
                   detail.empty() ? absl::string_view(text) : detail));
}

absl::Status KafkaError(rd_kafka_error_t* error, absl::string_view context) {
  if (error == nullptr) return absl::OkStatus();
  absl::Status status = KafkaError(rd_kafka_error_code(error), context,
                                   rd_kafka_error_string(error));
  rd_kafka_error_destroy(error);
  return status;
}

int RemainingMs(absl::Time deadline) {
  const int64_t ms = absl::ToInt64Milliseconds(deadline - absl::Now());
  return static_cast<int>(std::clamp<int64_t>(ms, 0, INT_MAX));
}

}  // namespace fineprint::events
