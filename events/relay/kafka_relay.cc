#include "events/relay/kafka_relay.h"

#include "absl/strings/str_cat.h"
#include "events/relay/kafka_publisher.h"
#include "events/topics/declared_topics.h"
#include "events/topics/topic_admin.h"
#include "services/runtime/status/status.h"

namespace fineprint::events {

absl::StatusOr<std::unique_ptr<OutboxRelay>> StartKafkaRelay(
    db::Pool* pool, absl::string_view bootstrap_servers, RelayOptions options) {
  FP_ASSIGN_OR_RETURN(std::vector<TopicSpec> topics, LoadDeclaredTopics());
  FP_RETURN_IF_ERROR(EnsureTopics(bootstrap_servers, topics, absl::Seconds(30)));
  const std::string bootstrap(bootstrap_servers);
  const std::string client_id = absl::StrCat("fineprint-relay-", options.service);
  auto relay = std::make_unique<OutboxRelay>(
      pool,
      [bootstrap, client_id]() -> absl::StatusOr<std::unique_ptr<EventPublisher>> {
        FP_ASSIGN_OR_RETURN(auto publisher, KafkaPublisher::Create(bootstrap, client_id));
        return std::unique_ptr<EventPublisher>(std::move(publisher));
      },
      std::move(options));
  relay->Start();
  return relay;
}

}  // namespace fineprint::events
