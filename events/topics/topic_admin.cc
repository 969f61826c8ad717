#include "events/topics/topic_admin.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "events/topics/admin_client.h"
#include "services/runtime/log/log.h"

namespace fineprint::events {
namespace {

using internal::AdminClient;

constexpr absl::Duration kVisibilityPoll = absl::Milliseconds(50);

absl::Status Annotate(const absl::Status& status, absl::string_view context) {
  return absl::Status(status.code(),
                      absl::StrCat(context, ": ", status.message()));
}

// The full set of topic overrides to send with (non-incremental)
// AlterConfigs so that it changes only the configs `spec` manages, or
// nullopt if they already match.
std::optional<std::map<std::string, std::string>> DesiredOverrides(
    const TopicSpec& spec,
    const std::map<std::string, TopicConfigValue>& current) {
  bool drifted = false;
  for (const auto& [name, value] : spec.Configs()) {
    auto it = current.find(name);
    if (it == current.end() || it->second.value != value) drifted = true;
  }
  if (!drifted) return std::nullopt;
  std::map<std::string, std::string> overrides;
  for (const auto& [name, value] : current) {
    if (value.topic_override) overrides[name] = value.value;
  }
  for (auto& [name, value] : spec.Configs()) overrides[name] = value;
  return overrides;
}

// Partition counts of all `names`, waiting for those not yet in the
// metadata: a topic is visible a moment after CreateTopics returns (KRaft
// brokers apply metadata asynchronously), also when a concurrent caller
// created it just now.
absl::StatusOr<std::map<std::string, int>> AwaitVisible(
    AdminClient& admin, const std::vector<std::string>& names,
    absl::Time deadline) {
  for (;;) {
    absl::StatusOr<std::map<std::string, int>> counts =
        admin.PartitionCounts(names);
    if (!counts.ok()) return counts.status();
    std::vector<std::string> missing;
    for (const std::string& name : names) {
      if (!counts->contains(name)) missing.push_back(name);
    }
    if (missing.empty()) return counts;
    if (absl::Now() + kVisibilityPoll >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("topics not in the cluster metadata yet: ",
                       absl::StrJoin(missing, ", ")));
    }
    absl::SleepFor(kVisibilityPoll);
  }
}

}  // namespace

absl::Status EnsureTopics(absl::string_view bootstrap_servers,
                          const std::vector<TopicSpec>& topics,
                          absl::Duration timeout,
                          const EnsureTopicsOptions& options,
                          EnsureTopicsResult* result) {
  EnsureTopicsResult local_result;
  EnsureTopicsResult& changes = result != nullptr ? *result : local_result;
  changes = {};
  if (topics.empty()) return absl::OkStatus();
  const absl::Time deadline = absl::Now() + timeout;
  const std::string context =
      absl::StrCat("ensure topics on ", bootstrap_servers);

  absl::StatusOr<AdminClient> admin =
      AdminClient::Connect(bootstrap_servers, options.client_config, deadline);
  if (!admin.ok()) return Annotate(admin.status(), context);

  absl::StatusOr<std::map<std::string, absl::Status>> created =
      admin->CreateTopics(topics, options.replication_factor);
  if (!created.ok()) return Annotate(created.status(), context);

  std::vector<const TopicSpec*> existing;
  std::vector<std::string> existing_names;
  std::vector<std::string> all_names;
  for (const TopicSpec& spec : topics) {
    all_names.push_back(spec.name);
    auto it = created->find(spec.name);
    if (it == created->end()) {
      return absl::InternalError(absl::StrCat(
          context, ": CreateTopics returned no result for ", spec.name));
    }
    if (it->second.ok()) {
      changes.created.push_back(spec.name);
      log::Info("kafka topic created",
                {{"topic", spec.name}, {"partitions", spec.partitions}});
    } else if (absl::IsAlreadyExists(it->second)) {
      existing.push_back(&spec);
      existing_names.push_back(spec.name);
    } else {
      return Annotate(it->second, context);
    }
  }
  // Callers may produce right after this returns: wait until every topic
  // is in the metadata, which also yields the partition counts.
  absl::StatusOr<std::map<std::string, int>> counts =
      AwaitVisible(*admin, all_names, deadline);
  if (!counts.ok()) return Annotate(counts.status(), context);
  if (existing.empty()) return absl::OkStatus();

  for (const TopicSpec* spec : existing) {
    const int actual = (*counts)[spec->name];
    if (actual > spec->partitions) {
      log::Warning("kafka topic has more partitions than declared",
                   {{"topic", spec->name},
                    {"partitions", actual},
                    {"declared", spec->partitions}});
    } else if (actual < spec->partitions) {
      if (!options.grow_partitions) {
        return absl::FailedPreconditionError(absl::StrCat(
            context, ": topic ", spec->name, " has ", actual,
            " partitions but ", spec->partitions,
            " are declared; adding partitions re-maps keys, so it needs "
            "EnsureTopicsOptions::grow_partitions"));
      }
      if (absl::Status s =
              admin->CreatePartitions(spec->name, spec->partitions);
          !s.ok()) {
        return Annotate(s, context);
      }
      changes.grown.push_back(spec->name);
      log::Info(
          "kafka topic partitions added",
          {{"topic", spec->name}, {"from", actual}, {"to", spec->partitions}});
    }
  }

  auto configs = admin->DescribeConfigs(existing_names);
  // A topic another replica created just now can be in the metadata seen
  // above but not yet in that of the broker answering DescribeConfigs
  // (KRaft brokers apply metadata asynchronously): UNKNOWN_TOPIC_OR_PART
  // until it catches up, which failed concurrent starts on a cluster.
  while (!configs.ok() && absl::IsNotFound(configs.status()) &&
         absl::Now() + kVisibilityPoll < deadline) {
    absl::SleepFor(kVisibilityPoll);
    configs = admin->DescribeConfigs(existing_names);
  }
  if (!configs.ok()) return Annotate(configs.status(), context);
  for (const TopicSpec* spec : existing) {
    auto desired = DesiredOverrides(*spec, (*configs)[spec->name]);
    if (!desired.has_value()) continue;
    if (absl::Status s = admin->AlterConfigs(spec->name, *desired); !s.ok()) {
      return Annotate(s, context);
    }
    changes.reconfigured.push_back(spec->name);
    log::Info("kafka topic configs reset to declared values",
              {{"topic", spec->name}});
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<TopicDescription>> DescribeTopics(
    absl::string_view bootstrap_servers, const std::vector<std::string>& names,
    absl::Duration timeout, const KafkaConfig& client_config) {
  const absl::Time deadline = absl::Now() + timeout;
  const std::string context =
      absl::StrCat("describe topics on ", bootstrap_servers);
  absl::StatusOr<AdminClient> admin =
      AdminClient::Connect(bootstrap_servers, client_config, deadline);
  if (!admin.ok()) return Annotate(admin.status(), context);
  absl::StatusOr<std::map<std::string, int>> counts =
      admin->PartitionCounts(names);
  if (!counts.ok()) return Annotate(counts.status(), context);
  std::vector<std::string> missing;
  for (const std::string& name : names) {
    if (!counts->contains(name)) missing.push_back(name);
  }
  if (!missing.empty()) {
    return absl::NotFoundError(absl::StrCat(
        context, ": no such topic: ", absl::StrJoin(missing, ", ")));
  }
  auto configs = admin->DescribeConfigs(names);
  if (!configs.ok()) return Annotate(configs.status(), context);
  std::vector<TopicDescription> out;
  for (const std::string& name : names) {
    TopicDescription description;
    description.name = name;
    description.partitions = (*counts)[name];
    description.configs = std::move((*configs)[name]);
    out.push_back(std::move(description));
  }
  return out;
}

}  // namespace fineprint::events
