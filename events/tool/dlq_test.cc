// fpevents' commands against a real broker: a consumer dead-letters an
// event, the CLI lists, shows and replays it, and the consumer then applies
// it exactly once.

#include "events/tool/dlq.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "events/consumer/consumer.h"
#include "events/consumer/consumer_testing.h"
#include "events/tool/cli.h"
#include "events/tool/topic_reader.h"
#include "fineprint/identity/events/v1/events.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/runtime/trace/trace.h"

namespace fineprint::events {
namespace {

namespace ev = ::fineprint::identity::events::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kPlanChanged[] = "fineprint.identity.events.v1.PlanChanged";

class DlqToolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<testing::Env> env = testing::NewEnv();
    ASSERT_TRUE(env.ok()) << env.status();
    env_ = *std::move(env);
    topic_ = testing::Unique("tool-test");
    dlq_ = testing::Unique("tool-test-dlq");
    group_ = testing::Unique("tool-group");
    ASSERT_TRUE(testing::CreateTopics(env_.bootstrap, {topic_, dlq_}, 1).ok());
    cli_.dlq.reader.bootstrap_servers = env_.bootstrap;
    cli_.dlq.reader.timeout = absl::Seconds(30);
    cli_.dlq.topic = dlq_;
  }

  testing::TestRecord PlanChange(const std::string& id,
                                 const std::string& organization) {
    ev::PlanChanged event;
    event.set_organization(organization);
    event.set_new_plan(::fineprint::identity::v1::PREMIUM);
    return {organization, event.SerializeAsString(),
            testing::CloudEventHeaders(id, organization, kPlanChanged)};
  }

  std::vector<std::string> Run(const std::vector<std::string>& args,
                               const CliOptions& options) {
    std::vector<std::string> lines;
    absl::Status status = RunCli(args, options, [&](absl::string_view line) {
      lines.emplace_back(line);
    });
    EXPECT_TRUE(status.ok()) << status;
    return lines;
  }

  testing::Env env_;
  std::string topic_;
  std::string dlq_;
  std::string group_;
  CliOptions cli_;
};

TEST_F(DlqToolTest, ReplayRoundTrip) {
  const std::string good_id = trace::NewUuid();
  const std::string bad_id = trace::NewUuid();
  const testing::TestRecord bad = PlanChange(bad_id, "organizations/bad");
  ASSERT_TRUE(testing::Produce(env_.bootstrap, topic_,
                               {PlanChange(good_id, "organizations/good"), bad})
                  .ok());
  // Fails the "bad" organisation until the bug is "fixed".
  std::atomic<bool> fixed{false};
  testing::RecordingHandler handler([&](const Event& e, int) {
    ev::PlanChanged event;
    if (!event.ParseFromString(e.payload)) {
      return absl::InvalidArgumentError("bad payload");
    }
    if (event.organization() == "organizations/bad" && !fixed.load()) {
      return absl::FailedPreconditionError("organisation unknown");
    }
    return absl::OkStatus();
  });
  auto consumer = Consumer::Create(
      testing::TestOptions(env_, group_, {topic_}, dlq_), &handler);
  ASSERT_TRUE(consumer.ok()) << consumer.status();
  auto outcomes = (*consumer)->PollUntil(2, absl::Seconds(60));
  ASSERT_TRUE(outcomes.ok()) << outcomes.status();
  EXPECT_THAT(*outcomes,
              ElementsAre(Outcome::kHandled, Outcome::kDeadLettered));

  // dlq list: one summary line.
  std::vector<std::string> list = Run({"dlq", "list"}, cli_);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_THAT(list[0], HasSubstr("\"partition\":0,\"offset\":0"));
  EXPECT_THAT(list[0], HasSubstr("\"original_topic\":\"" + topic_ + "\""));
  EXPECT_THAT(list[0], HasSubstr("\"original_offset\":1"));
  EXPECT_THAT(list[0], HasSubstr("\"group\":\"" + group_ + "\""));
  EXPECT_THAT(list[0], HasSubstr("\"ce_id\":\"" + bad_id + "\""));
  EXPECT_THAT(
      list[0],
      HasSubstr("\"error\":\"FAILED_PRECONDITION: organisation unknown\""));
  CliOptions other_group = cli_;
  other_group.group = "someone-else";
  EXPECT_TRUE(Run({"dlq", "list"}, other_group).empty());

  // dlq show: decoded payload with every header, dlq_* included.
  CliOptions show = cli_;
  show.offset = 0;
  std::vector<std::string> shown = Run({"dlq", "show"}, show);
  ASSERT_EQ(shown.size(), 1u);
  EXPECT_THAT(shown[0], HasSubstr("\"organization\":\"organizations/bad\""));
  EXPECT_THAT(shown[0], HasSubstr("\"new_plan\":\"PREMIUM\""));
  EXPECT_THAT(shown[0], HasSubstr("\"dlq_consumer_group\":\"" + group_ + "\""));
  EXPECT_THAT(shown[0], HasSubstr("\"dlq_attempts\":\"1\""));
  EXPECT_THAT(shown[0], HasSubstr("\"ce_id\":\"" + bad_id + "\""));
  show.offset = 5;
  EXPECT_EQ(RunCli({"dlq", "show"}, show, [](absl::string_view) {}).code(),
            absl::StatusCode::kNotFound);

  // A replay filtered to another group is refused.
  CliOptions wrong = cli_;
  wrong.offset = 0;
  wrong.group = "someone-else";
  EXPECT_EQ(RunCli({"dlq", "replay"}, wrong, [](absl::string_view) {}).code(),
            absl::StatusCode::kFailedPrecondition);

  // Fix, replay everything of the group: the original record is back.
  fixed = true;
  CliOptions replay = cli_;
  replay.all = true;
  replay.group = group_;
  std::vector<std::string> replayed = Run({"dlq", "replay"}, replay);
  ASSERT_EQ(replayed.size(), 1u);
  EXPECT_THAT(replayed[0], HasSubstr("\"offset\":2}"));
  ReaderOptions reader;
  reader.bootstrap_servers = env_.bootstrap;
  absl::StatusOr<RawRecord> copy = ReadRecord(reader, topic_, 0, 2);
  ASSERT_TRUE(copy.ok()) << copy.status();
  EXPECT_EQ(copy->key, bad.key);
  EXPECT_EQ(copy->value, bad.value);
  EXPECT_EQ(copy->headers, bad.headers);

  outcomes = (*consumer)->PollUntil(1, absl::Seconds(60));
  ASSERT_TRUE(outcomes.ok()) << outcomes.status();
  EXPECT_THAT(*outcomes, ElementsAre(Outcome::kHandled));
  absl::StatusOr<int> effects = testing::EffectCount(*env_.pool, bad_id);
  ASSERT_TRUE(effects.ok()) << effects.status();
  EXPECT_EQ(*effects, 1);

  // Replaying again is harmless: the inbox knows the ce_id.
  CliOptions again = cli_;
  again.offset = 0;
  again.partition = 0;
  ASSERT_EQ(Run({"dlq", "replay"}, again).size(), 1u);
  outcomes = (*consumer)->PollUntil(1, absl::Seconds(60));
  ASSERT_TRUE(outcomes.ok()) << outcomes.status();
  EXPECT_THAT(*outcomes, ElementsAre(Outcome::kDuplicate));
  effects = testing::EffectCount(*env_.pool, bad_id);
  ASSERT_TRUE(effects.ok());
  EXPECT_EQ(*effects, 1);
  ASSERT_TRUE((*consumer)->Stop().ok());

  // tail --from_beginning --max=4: the whole history, decoded.
  CliOptions tail = cli_;
  tail.topic = topic_;
  tail.from_beginning = true;
  tail.max = 4;
  tail.idle_timeout = absl::Seconds(30);
  std::vector<std::string> lines = Run({"tail"}, tail);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_THAT(lines[0], HasSubstr("\"organization\":\"organizations/good\""));
  EXPECT_THAT(lines[1], HasSubstr("\"organization\":\"organizations/bad\""));
  EXPECT_THAT(lines[0], HasSubstr("\"type\":\"" + std::string(kPlanChanged)));
  for (const std::string& line : lines) {
    EXPECT_FALSE(absl::StrContains(line, "dlq_")) << line;
  }
}

TEST_F(DlqToolTest, TailFromEndSeesOnlyNewRecords) {
  ASSERT_TRUE(
      testing::Produce(env_.bootstrap, topic_,
                       {PlanChange(trace::NewUuid(), "organizations/old")})
          .ok());
  CliOptions tail = cli_;
  tail.topic = topic_;
  tail.max = 1;
  tail.idle_timeout = absl::Seconds(30);
  std::vector<std::string> lines;
  absl::Status status;
  std::thread tailer([&] {
    status = RunCli({"tail"}, tail,
                    [&](absl::string_view line) { lines.emplace_back(line); });
  });
  // Give the tailer time to resolve the end offset before producing.
  absl::SleepFor(absl::Seconds(2));
  ASSERT_TRUE(
      testing::Produce(env_.bootstrap, topic_,
                       {PlanChange(trace::NewUuid(), "organizations/new")})
          .ok());
  tailer.join();
  ASSERT_TRUE(status.ok()) << status;
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("organizations/new"));
}

TEST(CliTest, RejectsUnknownCommandsAndMissingFlags) {
  CliOptions options;
  auto ignore = [](absl::string_view) {};
  EXPECT_EQ(RunCli({"tail"}, options, ignore).code(),
            absl::StatusCode::kInvalidArgument);  // no bootstrap
  options.dlq.reader.bootstrap_servers = "127.0.0.1:1";
  EXPECT_EQ(RunCli({"frobnicate"}, options, ignore).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunCli({"tail"}, options, ignore).code(),
            absl::StatusCode::kInvalidArgument);  // no --topic
  EXPECT_EQ(RunCli({"dlq", "show"}, options, ignore).code(),
            absl::StatusCode::kInvalidArgument);  // no --offset
  EXPECT_EQ(RunCli({"dlq", "nope"}, options, ignore).code(),
            absl::StatusCode::kInvalidArgument);
  options.all = true;
  options.offset = 3;
  EXPECT_EQ(RunCli({"dlq", "replay"}, options, ignore).code(),
            absl::StatusCode::kInvalidArgument);  // both --all and --offset
}

}  // namespace
}  // namespace fineprint::events
