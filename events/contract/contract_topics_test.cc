// The topic list Kafka is provisioned from (infra/kafka/topics.tsv) and the
// topics the event contracts name must agree: an event whose topic is not
// provisioned would stall its relay; a provisioned topic no event uses is a
// leftover.

#include <set>
#include <string>

#include "events/contract/event_contract.h"
#include "events/topics/declared_topics.h"
#include "fineprint/action/events/v1/events.pb.h"
#include "fineprint/analysis/events/v1/events.pb.h"
#include "fineprint/identity/events/v1/events.pb.h"
#include "fineprint/monitoring/events/v1/events.pb.h"
#include "fineprint/notification/events/v1/events.pb.h"
#include "gtest/gtest.h"

namespace fineprint::events {
namespace {

// One message of each events package; the test walks the whole file.
std::vector<const google::protobuf::FileDescriptor*> EventFiles() {
  return {
      identity::events::v1::UserRegistered::descriptor()->file(),
      analysis::events::v1::AnalysisCompleted::descriptor()->file(),
      monitoring::events::v1::SourceChanged::descriptor()->file(),
      notification::events::v1::NotificationCreated::descriptor()->file(),
      action::events::v1::ActionCreated::descriptor()->file(),
  };
}

TEST(ContractTopicsTest, EveryEventNamesItsAggregate) {
  for (const auto* file : EventFiles()) {
    for (int i = 0; i < file->message_type_count(); ++i) {
      EXPECT_TRUE(ContractOf(*file->message_type(i)).ok())
          << ContractOf(*file->message_type(i)).status();
    }
  }
}

TEST(ContractTopicsTest, DeclaredTopicsMatchTheContracts) {
  std::set<std::string> from_contracts;
  for (const auto* file : EventFiles()) {
    for (int i = 0; i < file->message_type_count(); ++i) {
      absl::StatusOr<EventContract> contract =
          ContractOf(*file->message_type(i));
      ASSERT_TRUE(contract.ok()) << contract.status();
      from_contracts.insert(contract->topic);
    }
  }
  absl::StatusOr<std::vector<TopicSpec>> declared = LoadDeclaredTopics();
  ASSERT_TRUE(declared.ok()) << declared.status();
  std::set<std::string> provisioned;
  for (const TopicSpec& spec : *declared) {
    if (spec.name != "fineprint.deadletter.v1") provisioned.insert(spec.name);
  }
  for (const std::string& topic : from_contracts) {
    EXPECT_TRUE(provisioned.count(topic))
        << topic
        << " is named by an event contract but not in infra/kafka/topics.tsv";
  }
  for (const std::string& topic : provisioned) {
    EXPECT_TRUE(from_contracts.count(topic))
        << topic
        << " is in infra/kafka/topics.tsv but no event contract names it";
  }
}

TEST(EventContractTest, ReadsServiceAndAggregate) {
  absl::StatusOr<EventContract> c =
      ContractOf(*identity::events::v1::ApiKeyRevoked::descriptor());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->type, "fineprint.identity.events.v1.ApiKeyRevoked");
  EXPECT_EQ(c->service, "identity");
  EXPECT_EQ(c->aggregate, "apikey");
  EXPECT_EQ(c->topic, "fineprint.identity.apikey.v1");
}

TEST(EventContractTest, RefusesMessagesThatAreNotEvents) {
  absl::StatusOr<EventContract> c =
      ContractOf(*identity::v1::User::descriptor());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace fineprint::events
