#include "events/relay/kafka_relay.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "events/kafka/rdkafka_util.h"
#include "events/relay/kafka_publisher.h"
#include "events/topics/declared_topics.h"
#include "events/topics/topic_admin.h"
#include "services/runtime/status/status.h"

namespace fineprint::events {

namespace {

// The declared topics the cluster does not have yet. Creating only those
// keeps start-up working against clusters without an admin API (the
// embedded mock broker creates the declared topics itself).
absl::StatusOr<std::vector<TopicSpec>> MissingTopics(
    absl::string_view bootstrap, std::vector<TopicSpec> topics) {
  FP_ASSIGN_OR_RETURN(
      KafkaHandle rk,
      NewKafkaHandle(RD_KAFKA_PRODUCER,
                     {{"bootstrap.servers", std::string(bootstrap)}}));
  const rd_kafka_metadata_t* raw = nullptr;
  rd_kafka_resp_err_t err =
      rd_kafka_metadata(rk.get(), 1, nullptr, &raw, 10000);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return KafkaError(err, "cluster metadata");
  KafkaMetadata metadata(raw);
  std::set<std::string> present;
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    if (metadata->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      present.insert(metadata->topics[i].topic);
    }
  }
  topics.erase(
      std::remove_if(topics.begin(), topics.end(),
                     [&](const TopicSpec& t) { return present.count(t.name); }),
      topics.end());
  return topics;
}

}  // namespace

absl::StatusOr<std::unique_ptr<OutboxRelay>> StartKafkaRelay(
    db::Pool* pool, absl::string_view bootstrap_servers, RelayOptions options) {
  FP_ASSIGN_OR_RETURN(std::vector<TopicSpec> declared, LoadDeclaredTopics());
  FP_ASSIGN_OR_RETURN(std::vector<TopicSpec> missing,
                      MissingTopics(bootstrap_servers, std::move(declared)));
  if (!missing.empty()) {
    FP_RETURN_IF_ERROR(
        EnsureTopics(bootstrap_servers, missing, absl::Seconds(30)));
  }
  const std::string bootstrap(bootstrap_servers);
  const std::string client_id =
      absl::StrCat("fineprint-relay-", options.service);
  auto relay = std::make_unique<OutboxRelay>(
      pool,
      [bootstrap,
       client_id]() -> absl::StatusOr<std::unique_ptr<EventPublisher>> {
        FP_ASSIGN_OR_RETURN(auto publisher,
                            KafkaPublisher::Create(bootstrap, client_id));
        return std::unique_ptr<EventPublisher>(std::move(publisher));
      },
      std::move(options));
  relay->Start();
  return relay;
}

}  // namespace fineprint::events
