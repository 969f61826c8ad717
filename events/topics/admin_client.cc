#include "events/topics/admin_client.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace fineprint::events::internal {
namespace {

struct NewTopicDeleter {
  void operator()(rd_kafka_NewTopic_t* t) const {
    rd_kafka_NewTopic_destroy(t);
  }
  void operator()(rd_kafka_ConfigResource_t* r) const {
    rd_kafka_ConfigResource_destroy(r);
  }
  void operator()(rd_kafka_NewPartitions_t* p) const {
    rd_kafka_NewPartitions_destroy(p);
  }
};
using NewTopic = std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDeleter>;
using ConfigResource =
    std::unique_ptr<rd_kafka_ConfigResource_t, NewTopicDeleter>;
using NewPartitions =
    std::unique_ptr<rd_kafka_NewPartitions_t, NewTopicDeleter>;

std::string ErrString(const char* s) { return s != nullptr ? s : ""; }

}  // namespace

absl::StatusOr<AdminClient> AdminClient::Connect(
    absl::string_view bootstrap_servers, const KafkaConfig& client_config,
    absl::Time deadline) {
  KafkaConfig settings = {{"bootstrap.servers", std::string(bootstrap_servers)},
                          {"client.id", "fineprint-topic-admin"}};
  settings.insert(settings.end(), client_config.begin(), client_config.end());
  absl::StatusOr<KafkaHandle> rk = NewKafkaHandle(RD_KAFKA_PRODUCER, settings);
  if (!rk.ok()) return rk.status();
  KafkaQueue queue(rd_kafka_queue_new(rk->get()));
  return AdminClient(*std::move(rk), std::move(queue), deadline);
}

absl::StatusOr<KafkaAdminOptions> AdminClient::Options(rd_kafka_admin_op_t op,
                                                       bool operation_timeout) {
  KafkaAdminOptions options(rd_kafka_AdminOptions_new(rk_.get(), op));
  char errstr[256];
  // librdkafka rejects a 0 ms timeout; an expired deadline still gets 1 ms
  // so the call fails with a timeout instead of a configuration error.
  const int ms = std::max(1, RemainingMs(deadline_));
  if (rd_kafka_AdminOptions_set_request_timeout(options.get(), ms, errstr,
                                                sizeof(errstr)) != 0 ||
      (operation_timeout &&
       rd_kafka_AdminOptions_set_operation_timeout(options.get(), ms, errstr,
                                                   sizeof(errstr)) != 0)) {
    return absl::InvalidArgumentError(absl::StrCat("admin options: ", errstr));
  }
  return options;
}

absl::StatusOr<KafkaEvent> AdminClient::Await(rd_kafka_event_type_t type,
                                              absl::string_view what) {
  while (true) {
    // librdkafka enforces the request timeout itself; the extra second
    // lets its timeout error arrive before ours.
    const int wait_ms = RemainingMs(deadline_ + absl::Seconds(1));
    KafkaEvent event(rd_kafka_queue_poll(queue_.get(), wait_ms));
    if (event == nullptr) {
      return absl::DeadlineExceededError(
          absl::StrCat(what, ": no answer before the deadline"));
    }
    if (rd_kafka_event_type(event.get()) != type) continue;
    if (rd_kafka_resp_err_t err = rd_kafka_event_error(event.get()); err) {
      return KafkaError(err, what,
                        ErrString(rd_kafka_event_error_string(event.get())));
    }
    return event;
  }
}

absl::StatusOr<std::map<std::string, absl::Status>> AdminClient::CreateTopics(
    const std::vector<TopicSpec>& topics, int replication_factor) {
  std::vector<NewTopic> owned;
  std::vector<rd_kafka_NewTopic_t*> raw;
  char errstr[512];
  for (const TopicSpec& spec : topics) {
    NewTopic topic(rd_kafka_NewTopic_new(spec.name.c_str(), spec.partitions,
                                         replication_factor, errstr,
                                         sizeof(errstr)));
    if (topic == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("topic ", spec.name, ": ", errstr));
    }
    for (const auto& [name, value] : spec.Configs()) {
      if (rd_kafka_resp_err_t err = rd_kafka_NewTopic_set_config(
              topic.get(), name.c_str(), value.c_str());
          err) {
        return KafkaError(err, absl::StrCat("topic ", spec.name, " ", name));
      }
    }
    raw.push_back(topic.get());
    owned.push_back(std::move(topic));
  }
  absl::StatusOr<KafkaAdminOptions> options =
      Options(RD_KAFKA_ADMIN_OP_CREATETOPICS, /*operation_timeout=*/true);
  if (!options.ok()) return options.status();
  rd_kafka_CreateTopics(rk_.get(), raw.data(), raw.size(), options->get(),
                        queue_.get());
  absl::StatusOr<KafkaEvent> event =
      Await(RD_KAFKA_EVENT_CREATETOPICS_RESULT, "CreateTopics");
  if (!event.ok()) return event.status();

  const rd_kafka_CreateTopics_result_t* result =
      rd_kafka_event_CreateTopics_result(event->get());
  size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(result, &count);
  std::map<std::string, absl::Status> outcome;
  for (size_t i = 0; i < count; ++i) {
    const std::string name = rd_kafka_topic_result_name(results[i]);
    outcome[name] =
        KafkaError(rd_kafka_topic_result_error(results[i]),
                   absl::StrCat("create topic ", name),
                   ErrString(rd_kafka_topic_result_error_string(results[i])));
  }
  return outcome;
}

absl::StatusOr<std::map<std::string, int>> AdminClient::PartitionCounts(
    const std::vector<std::string>& names) {
  // all_topics=1: asking for one rd_kafka_topic_t could auto-create it on a
  // broker that allows that.
  const rd_kafka_metadata_t* raw = nullptr;
  if (rd_kafka_resp_err_t err =
          rd_kafka_metadata(rk_.get(), /*all_topics=*/1, nullptr, &raw,
                            std::max(1, RemainingMs(deadline_)));
      err) {
    return KafkaError(err, "metadata");
  }
  KafkaMetadata metadata(raw);
  std::map<std::string, int> counts;
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& topic = metadata->topics[i];
    if (topic.err) continue;
    for (const std::string& name : names) {
      if (name == topic.topic) counts[name] = topic.partition_cnt;
    }
  }
  return counts;
}

absl::StatusOr<std::map<std::string, std::map<std::string, TopicConfigValue>>>
AdminClient::DescribeConfigs(const std::vector<std::string>& names) {
  std::vector<ConfigResource> owned;
  std::vector<rd_kafka_ConfigResource_t*> raw;
  for (const std::string& name : names) {
    owned.emplace_back(
        rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name.c_str()));
    raw.push_back(owned.back().get());
  }
  absl::StatusOr<KafkaAdminOptions> options =
      Options(RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, /*operation_timeout=*/false);
  if (!options.ok()) return options.status();
  rd_kafka_DescribeConfigs(rk_.get(), raw.data(), raw.size(), options->get(),
                           queue_.get());
  absl::StatusOr<KafkaEvent> event =
      Await(RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT, "DescribeConfigs");
  if (!event.ok()) return event.status();

  size_t count = 0;
  const rd_kafka_ConfigResource_t** resources =
      rd_kafka_DescribeConfigs_result_resources(
          rd_kafka_event_DescribeConfigs_result(event->get()), &count);
  std::map<std::string, std::map<std::string, TopicConfigValue>> out;
  for (size_t i = 0; i < count; ++i) {
    const std::string name = rd_kafka_ConfigResource_name(resources[i]);
    if (rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(resources[i]);
        err) {
      return KafkaError(
          err, absl::StrCat("describe configs of topic ", name),
          ErrString(rd_kafka_ConfigResource_error_string(resources[i])));
    }
    size_t entry_count = 0;
    const rd_kafka_ConfigEntry_t** entries =
        rd_kafka_ConfigResource_configs(resources[i], &entry_count);
    auto& configs = out[name];
    for (size_t j = 0; j < entry_count; ++j) {
      TopicConfigValue value;
      value.value = ErrString(rd_kafka_ConfigEntry_value(entries[j]));
      value.topic_override = rd_kafka_ConfigEntry_source(entries[j]) ==
                             RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG;
      configs[rd_kafka_ConfigEntry_name(entries[j])] = std::move(value);
    }
  }
  return out;
}

absl::Status AdminClient::AlterConfigs(
    absl::string_view topic,
    const std::map<std::string, std::string>& configs) {
  const std::string name(topic);
  ConfigResource resource(
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name.c_str()));
  for (const auto& [key, value] : configs) {
    if (rd_kafka_resp_err_t err = rd_kafka_ConfigResource_set_config(
            resource.get(), key.c_str(), value.c_str());
        err) {
      return KafkaError(err, absl::StrCat("topic ", name, " config ", key));
    }
  }
  absl::StatusOr<KafkaAdminOptions> options =
      Options(RD_KAFKA_ADMIN_OP_ALTERCONFIGS, /*operation_timeout=*/false);
  if (!options.ok()) return options.status();
  rd_kafka_ConfigResource_t* raw = resource.get();
  rd_kafka_AlterConfigs(rk_.get(), &raw, 1, options->get(), queue_.get());
  absl::StatusOr<KafkaEvent> event =
      Await(RD_KAFKA_EVENT_ALTERCONFIGS_RESULT, "AlterConfigs");
  if (!event.ok()) return event.status();
  size_t count = 0;
  const rd_kafka_ConfigResource_t** resources =
      rd_kafka_AlterConfigs_result_resources(
          rd_kafka_event_AlterConfigs_result(event->get()), &count);
  for (size_t i = 0; i < count; ++i) {
    if (rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(resources[i]);
        err) {
      return KafkaError(
          err, absl::StrCat("alter configs of topic ", name),
          ErrString(rd_kafka_ConfigResource_error_string(resources[i])));
    }
  }
  return absl::OkStatus();
}

absl::Status AdminClient::CreatePartitions(absl::string_view topic, int total) {
  const std::string name(topic);
  char errstr[512];
  NewPartitions partitions(
      rd_kafka_NewPartitions_new(name.c_str(), total, errstr, sizeof(errstr)));
  if (partitions == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("topic ", name, ": ", errstr));
  }
  absl::StatusOr<KafkaAdminOptions> options =
      Options(RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, /*operation_timeout=*/true);
  if (!options.ok()) return options.status();
  rd_kafka_NewPartitions_t* raw = partitions.get();
  rd_kafka_CreatePartitions(rk_.get(), &raw, 1, options->get(), queue_.get());
  absl::StatusOr<KafkaEvent> event =
      Await(RD_KAFKA_EVENT_CREATEPARTITIONS_RESULT, "CreatePartitions");
  if (!event.ok()) return event.status();
  size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreatePartitions_result_topics(
          rd_kafka_event_CreatePartitions_result(event->get()), &count);
  for (size_t i = 0; i < count; ++i) {
    if (rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
        err) {
      return KafkaError(
          err, absl::StrCat("add partitions to topic ", name),
          ErrString(rd_kafka_topic_result_error_string(results[i])));
    }
  }
  return absl::OkStatus();
}

}  // namespace fineprint::events::internal
