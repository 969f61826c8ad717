// The event legs on a real Kafka broker: an AnalysisCompleted record on
// analysis's topic becomes suggestions through the kit's consumer, and a
// deadline passing under the moved clock publishes ActionOverdue through
// the relay onto fineprint.action.action.v1.

#include "absl/strings/str_cat.h"
#include "events/consumer/consumer_testing.h"
#include "fineprint/action/events/v1/events.pb.h"
#include "services/action/tests/action_fixture.h"
#include "tests/testing/kafka_broker.h"
#include "tests/testing/kafka_test_client.h"

namespace fineprint::action::testing {
namespace {

namespace ev = ::fineprint::action::events::v1;

class KafkaTest : public ActionTest {
 protected:
  static void SetUpTestSuite() {
    broker_ = new fineprint::testing::KafkaBroker();
    auto bootstrap = broker_->Start();
    ASSERT_TRUE(bootstrap.ok()) << bootstrap.status();
    bootstrap_ = *bootstrap;
    ASSERT_TRUE(::fineprint::events::testing::CreateTopics(
                    bootstrap_,
                    {"fineprint.analysis.job.v1", "fineprint.action.action.v1"},
                    3)
                    .ok());
    StartApps({}, bootstrap_);
  }
  static void TearDownTestSuite() {
    ActionTest::TearDownTestSuite();
    delete broker_;
  }

  static fineprint::testing::KafkaBroker* broker_;
  static std::string bootstrap_;
};

fineprint::testing::KafkaBroker* KafkaTest::broker_ = nullptr;
std::string KafkaTest::bootstrap_;

TEST_F(KafkaTest, AnalysisCompletedToSuggestionsAndOverdueToKafka) {
  Account a = SignUp();
  const analysis::events::v1::AnalysisCompleted completed =
      Completed(a, "doc9", "job9");
  ::fineprint::events::testing::TestRecord record;
  record.key = completed.job();
  completed.SerializeToString(&record.value);
  record.headers = ::fineprint::events::testing::CloudEventHeaders(
      "6f1c2d3e-4a5b-4c6d-8e7f-000000000009", record.key,
      std::string(completed.GetDescriptor()->full_name()));
  ASSERT_TRUE(::fineprint::events::testing::Produce(
                  bootstrap_, "fineprint.analysis.job.v1", {record})
                  .ok());

  v1::ListSuggestedActionsRequest list;
  list.set_parent(a.org.name());
  list.set_document(completed.document());
  v1::ListSuggestedActionsResponse resp;
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  do {
    absl::SleepFor(absl::Milliseconds(100));
    resp.Clear();
    ASSERT_TRUE(
        stub().ListSuggestedActions(Ctx(a.token).get(), list, &resp).ok());
  } while (resp.suggested_actions_size() < 4 && absl::Now() < deadline);
  ASSERT_EQ(resp.suggested_actions_size(), 4);

  // Act on the CCPA opt-out suggestion and let its deadline pass.
  std::string ccpa;
  for (const auto& s : resp.suggested_actions()) {
    if (s.template_() == "templates/ccpa-opt-out-en") ccpa = s.name();
  }
  ASSERT_FALSE(ccpa.empty());
  v1::CreateActionRequest create;
  create.set_parent(a.org.name());
  create.set_suggested_action(ccpa);
  for (const auto& [k, v] : Variables()) (*create.mutable_variables())[k] = v;
  v1::Action act;
  ASSERT_TRUE(TryCreate(a, create, &act).ok());
  v1::Action sent;
  ASSERT_TRUE(Move(a, act.name(), v1::SENT, &sent).ok());
  ASSERT_TRUE(sent.has_due_time());
  clock().Advance(absl::Hours(24 * 46));

  auto consumer = fineprint::testing::TestConsumer::Create(
      bootstrap_, "action-kafka-test", {"fineprint.action.action.v1"});
  ASSERT_TRUE(consumer.ok()) << consumer.status();
  bool overdue = false;
  const absl::Time consume_deadline = absl::Now() + absl::Seconds(60);
  while (!overdue && absl::Now() < consume_deadline) {
    auto records = (*consumer)->ConsumeFor(absl::Milliseconds(500));
    ASSERT_TRUE(records.ok()) << records.status();
    for (const auto& r : *records) {
      // Only ActionOverdue carries field 7 (the next escalation).
      ev::ActionOverdue e;
      if (e.ParseFromString(r.value) && e.action() == act.name() &&
          e.next_escalation_template() == "templates/reminder-en") {
        overdue = true;
        EXPECT_EQ(e.status(), v1::SENT);
        EXPECT_EQ(e.due_time().seconds(), sent.due_time().seconds());
      }
    }
  }
  EXPECT_TRUE(overdue) << "no ActionOverdue on fineprint.action.action.v1";
}

}  // namespace
}  // namespace fineprint::action::testing
