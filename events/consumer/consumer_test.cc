// The consumer against a real Kafka broker and a real PostgreSQL.

#include "events/consumer/consumer.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "events/consumer/consumer_testing.h"
#include "events/consumer/dead_letter.h"
#include "events/consumer/inbox.h"
#include "events/tool/topic_reader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/runtime/log/log.h"
#include "services/runtime/metrics/metrics.h"
#include "services/runtime/trace/trace.h"

namespace fineprint::events {
namespace {

using testing::CloudEventHeaders;
using testing::CommittedOffset;
using testing::EffectCount;
using ::testing::ElementsAre;
using testing::Env;
using testing::RecordingHandler;
using testing::TestRecord;

class ConsumerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Env> env = testing::NewEnv();
    ASSERT_TRUE(env.ok()) << env.status();
    env_ = *std::move(env);
    topic_ = testing::Unique("consumer-test");
    dlq_ = testing::Unique("consumer-test-dlq");
    group_ = testing::Unique("group");
    ASSERT_TRUE(testing::CreateTopics(env_.bootstrap, {topic_, dlq_}, 1).ok());
  }

  ConsumerOptions Options() {
    ConsumerOptions options =
        testing::TestOptions(env_, group_, {topic_}, dlq_);
    options.metrics = &registry_;
    return options;
  }

  std::unique_ptr<Consumer> NewConsumer(ConsumerOptions options,
                                        EventHandler* handler) {
    absl::StatusOr<std::unique_ptr<Consumer>> c =
        Consumer::Create(std::move(options), handler);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *std::move(c) : nullptr;
  }

  TestRecord Valid(const std::string& id, const std::string& key = "k1",
                   const std::string& traceparent = "") {
    return {key, "payload-" + id,
            CloudEventHeaders(id, key, "test.Event", traceparent)};
  }

  // Produces one valid event under a fresh id and returns the id, or "" when
  // producing failed (the failure is already reported).
  std::string ProduceOne() {
    const std::string id = trace::NewUuid();
    absl::Status produced =
        testing::Produce(env_.bootstrap, topic_, {Valid(id)});
    EXPECT_TRUE(produced.ok()) << produced;
    return produced.ok() ? id : "";
  }

  // A handler script that fails every delivery with `status`.
  static RecordingHandler::Script AlwaysFails(absl::Status status) {
    return [status](const Event&, int) { return status; };
  }

  std::vector<RawRecord> ReadDlq() {
    ReaderOptions reader;
    reader.bootstrap_servers = env_.bootstrap;
    absl::StatusOr<std::vector<RawRecord>> records = ReadTopic(reader, dlq_);
    EXPECT_TRUE(records.ok()) << records.status();
    return records.ok() ? *records : std::vector<RawRecord>{};
  }

  int64_t Committed() {
    absl::StatusOr<int64_t> offset =
        CommittedOffset(env_.bootstrap, group_, topic_, 0);
    EXPECT_TRUE(offset.ok()) << offset.status();
    return offset.value_or(-2);
  }

  // Stops `consumer` and checks the group's committed offset: what a clean
  // stop promises is exactly the offsets of the records it finished.
  void StopAndExpectCommitted(Consumer& consumer, int64_t offset) {
    ASSERT_TRUE(consumer.Stop().ok());
    EXPECT_EQ(Committed(), offset);
  }

  int Effects(const std::string& id) {
    absl::StatusOr<int> n = EffectCount(*env_.pool, id);
    EXPECT_TRUE(n.ok()) << n.status();
    return n.value_or(-1);
  }

  double Counter(absl::string_view name) {
    return registry_
        .GetCounter(name, "", {{"group", group_}, {"topic", topic_}})
        .Value();
  }

  Env env_;
  std::string topic_;
  std::string dlq_;
  std::string group_;
  metrics::Registry registry_;
};

// Kafka delivers an event twice (here: the producer sent it twice, as the
// relay does after a lost acknowledgement): the effect happens once.
TEST_F(ConsumerTest, DuplicateCeIdTakesEffectOnce) {
  const std::string a = trace::NewUuid();
  const std::string b = trace::NewUuid();
  ASSERT_TRUE(
      testing::Produce(env_.bootstrap, topic_, {Valid(a), Valid(a), Valid(b)})
          .ok());
  RecordingHandler handler;
  auto consumer = NewConsumer(Options(), &handler);
  ASSERT_NE(consumer, nullptr);
  auto outcomes = consumer->PollUntil(3, absl::Seconds(60));
  ASSERT_TRUE(outcomes.ok()) << outcomes.status();
  EXPECT_THAT(*outcomes, ElementsAre(Outcome::kHandled, Outcome::kDuplicate,
                                     Outcome::kHandled));
  EXPECT_EQ(handler.Calls(a), 1);
  EXPECT_EQ(Effects(a), 1);
  EXPECT_EQ(Effects(b), 1);
  const ConsumerStats stats = consumer->stats();
  EXPECT_EQ(stats.consumed, 3);
  EXPECT_EQ(stats.handled, 2);
  EXPECT_EQ(stats.duplicates, 1);
  EXPECT_EQ(Counter("fineprint_consumer_duplicates_skipped_total"), 1);
  EXPECT_EQ(Counter("fineprint_consumer_events_handled_total"), 2);
  StopAndExpectCommitted(*consumer, 3);
}

// Processed but not committed (a crash): the next member of the group gets
// the records again, and the inbox turns them into no-ops.
TEST_F(ConsumerTest, CrashBeforeCommitRedeliversWithoutSecondEffect) {
  const std::vector<std::string> ids = {trace::NewUuid(), trace::NewUuid(),
                                        trace::NewUuid()};
  ASSERT_TRUE(
      testing::Produce(env_.bootstrap, topic_,
                       {Valid(ids[0]), Valid(ids[1], "k2"), Valid(ids[2])})
          .ok());
  ConsumerOptions options = Options();
  options.commit_interval = absl::InfiniteDuration();
  RecordingHandler first_handler;
  auto first = NewConsumer(options, &first_handler);
  ASSERT_NE(first, nullptr);
  auto outcomes = first->PollUntil(3, absl::Seconds(60));
  ASSERT_TRUE(outcomes.ok()) << outcomes.status();
  EXPECT_THAT(*outcomes, ElementsAre(Outcome::kHandled, Outcome::kHandled,
                                     Outcome::kHandled));
  ASSERT_TRUE(first->CloseWithoutCommit().ok());
  EXPECT_EQ(Committed(), -1) << "nothing may be committed before Commit/Stop";

  RecordingHandler second_handler;
  auto second = NewConsumer(Options(), &second_handler);
  ASSERT_NE(second, nullptr);
  outcomes = second->PollUntil(3, absl::Seconds(60));
  ASSERT_TRUE(outcomes.ok()) << outcomes.status();
  EXPECT_THAT(*outcomes, ElementsAre(Outcome::kDuplicate, Outcome::kDuplicate,
                                     Outcome::kDuplicate));
  EXPECT_EQ(second_handler.TotalCalls(), 0);
  for (const std::string& id : ids) EXPECT_EQ(Effects(id), 1) << id;
  StopAndExpectCommitted(*second, 3);
}

// A transient failure is retried in place; the failed runs' writes roll
// back, so the effect still happens once.
TEST_F(ConsumerTest, TransientFailureIsRetriedThenSucceeds) {
  const std::string id = ProduceOne();
  ASSERT_FALSE(id.empty());
  RecordingHandler handler([](const Event&, int call) {
    return call <= 2 ? absl::UnavailableError("downstream busy")
                     : absl::OkStatus();
  });
  auto consumer = NewConsumer(Options(), &handler);
  ASSERT_NE(consumer, nullptr);
  auto outcomes = consumer->PollUntil(1, absl::Seconds(60));
  ASSERT_TRUE(outcomes.ok()) << outcomes.status();
  EXPECT_THAT(*outcomes, ElementsAre(Outcome::kHandled));
  EXPECT_EQ(handler.Calls(id), 3);
  EXPECT_EQ(Effects(id), 1);
  EXPECT_EQ(consumer->stats().retries, 2);
  EXPECT_EQ(Counter("fineprint_consumer_retries_total"), 2);
  EXPECT_EQ(consumer->stats().dead_lettered, 0);
  ASSERT_TRUE(consumer->Commit().ok());
  EXPECT_EQ(Committed(), 1);
  EXPECT_TRUE(ReadDlq().empty());
}

// A non-retryable error dead-letters the record at once with its origin and
// cause, and the partition moves on.
TEST_F(ConsumerTest, NonRetryableErrorGoesToDeadLetterTopic) {
  const std::string bad = trace::NewUuid();
  const std::string good = trace::NewUuid();
  const TestRecord bad_record = Valid(bad, "k-bad");
  ASSERT_TRUE(
      testing::Produce(env_.bootstrap, topic_, {bad_record, Valid(good)}).ok());
  RecordingHandler handler([&](const Event& e, int) {
    return e.ce_id == bad ? absl::InvalidArgumentError("unknown plan")
                          : absl::OkStatus();
  });
  auto consumer = NewConsumer(Options(), &handler);
  ASSERT_NE(consumer, nullptr);
  const absl::Time before = absl::Now();
  auto outcomes = consumer->PollUntil(2, absl::Seconds(60));
  ASSERT_TRUE(outcomes.ok()) << outcomes.status();
  EXPECT_THAT(*outcomes,
              ElementsAre(Outcome::kDeadLettered, Outcome::kHandled));
  EXPECT_EQ(handler.Calls(bad), 1);
  EXPECT_EQ(Effects(bad), 0);
  EXPECT_EQ(Effects(good), 1);
  EXPECT_EQ(Counter("fineprint_consumer_dead_lettered_total"), 1);

  std::vector<RawRecord> dlq = ReadDlq();
  ASSERT_EQ(dlq.size(), 1u);
  const RawRecord& letter = dlq[0];
  EXPECT_EQ(letter.key, bad_record.key);
  EXPECT_EQ(letter.value, bad_record.value);
  EXPECT_EQ(OriginalHeaders(letter.headers), bad_record.headers);
  EXPECT_EQ(FindHeader(letter.headers, kDlqOriginalTopic), topic_);
  EXPECT_EQ(FindHeader(letter.headers, kDlqOriginalPartition), "0");
  EXPECT_EQ(FindHeader(letter.headers, kDlqOriginalOffset), "0");
  EXPECT_EQ(FindHeader(letter.headers, kDlqConsumerGroup), group_);
  EXPECT_EQ(FindHeader(letter.headers, kDlqError),
            "INVALID_ARGUMENT: unknown plan");
  EXPECT_EQ(FindHeader(letter.headers, kDlqAttempts), "1");
  absl::StatusOr<DeadLetterInfo> info = ParseDeadLetterInfo(letter.headers);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_GE(info->time, before - absl::Seconds(1));
  EXPECT_LE(info->time, absl::Now());
  StopAndExpectCommitted(*consumer, 2);
}

// A key that keeps failing holds its partition for at most max_attempts
// runs, then goes to the DLQ.
TEST_F(ConsumerTest, RetriesExhaustedGoToDeadLetterTopic) {
  const std::string id = ProduceOne();
  ASSERT_FALSE(id.empty());
  RecordingHandler handler(AlwaysFails(absl::UnavailableError("still down")));
  ConsumerOptions options = Options();
  options.max_attempts = 3;
  auto consumer = NewConsumer(options, &handler);
  ASSERT_NE(consumer, nullptr);
  auto outcomes = consumer->PollUntil(1, absl::Seconds(60));
  ASSERT_TRUE(outcomes.ok()) << outcomes.status();
  EXPECT_THAT(*outcomes, ElementsAre(Outcome::kDeadLettered));
  EXPECT_EQ(handler.Calls(id), 3);
  EXPECT_EQ(consumer->stats().retries, 2);
  EXPECT_EQ(Effects(id), 0);
  std::vector<RawRecord> dlq = ReadDlq();
  ASSERT_EQ(dlq.size(), 1u);
  EXPECT_EQ(FindHeader(dlq[0].headers, kDlqAttempts), "3");
  EXPECT_EQ(FindHeader(dlq[0].headers, kDlqError), "UNAVAILABLE: still down");
}

// Records that are not CloudEvents never reach the handler.
TEST_F(ConsumerTest, PoisonRecordsAreDeadLetteredImmediately) {
  const std::string good = trace::NewUuid();
  TestRecord no_headers{"k", "raw bytes", {}};
  TestRecord json = Valid(trace::NewUuid());
  json.headers.emplace_back("content-type", "application/json");
  ASSERT_TRUE(
      testing::Produce(env_.bootstrap, topic_, {no_headers, json, Valid(good)})
          .ok());
  RecordingHandler handler;
  auto consumer = NewConsumer(Options(), &handler);
  ASSERT_NE(consumer, nullptr);
  auto outcomes = consumer->PollUntil(3, absl::Seconds(60));
  ASSERT_TRUE(outcomes.ok()) << outcomes.status();
  EXPECT_THAT(*outcomes,
              ElementsAre(Outcome::kDeadLettered, Outcome::kDeadLettered,
                          Outcome::kHandled));
  EXPECT_EQ(handler.TotalCalls(), 1);
  EXPECT_EQ(consumer->stats().retries, 0);
  std::vector<RawRecord> dlq = ReadDlq();
  ASSERT_EQ(dlq.size(), 2u);
  for (const RawRecord& letter : dlq) {
    EXPECT_EQ(FindHeader(letter.headers, kDlqAttempts), "0");
    EXPECT_TRUE(
        absl::StartsWith(FindHeader(letter.headers, kDlqError).value_or(""),
                         "INVALID_ARGUMENT"));
  }
  EXPECT_EQ(dlq[0].value, "raw bytes");
  EXPECT_EQ(OriginalHeaders(dlq[0].headers), RecordHeaders{});
  EXPECT_EQ(FindHeader(dlq[1].headers, kDlqOriginalOffset), "1");
}

// Stop() while a record waits for its next retry: what was done is
// committed, the waiting record is not (and is not dead-lettered); the next
// consumer picks up exactly there.
TEST_F(ConsumerTest, GracefulStopCommitsOnlyWhatIsDone) {
  const std::vector<std::string> ids = {trace::NewUuid(), trace::NewUuid(),
                                        trace::NewUuid()};
  ASSERT_TRUE(testing::Produce(env_.bootstrap, topic_,
                               {Valid(ids[0]), Valid(ids[1]), Valid(ids[2])})
                  .ok());
  RecordingHandler stuck([&](const Event& e, int) {
    return e.ce_id == ids[1] ? absl::UnavailableError("flaky")
                             : absl::OkStatus();
  });
  ConsumerOptions options = Options();
  options.backoff.base = absl::Seconds(30);
  options.backoff.max = absl::Seconds(30);
  options.commit_interval = absl::InfiniteDuration();
  auto consumer = NewConsumer(options, &stuck);
  ASSERT_NE(consumer, nullptr);
  ASSERT_TRUE(consumer->Start().ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (stuck.Calls(ids[1]) == 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_EQ(stuck.Calls(ids[1]), 1);
  absl::SleepFor(absl::Milliseconds(200));  // well into the backoff wait
  const absl::Time stop_start = absl::Now();
  ASSERT_TRUE(consumer->Stop().ok());
  EXPECT_LT(absl::Now() - stop_start, absl::Seconds(10)) << "Stop must not "
                                                            "wait out backoff";
  EXPECT_EQ(Committed(), 1);
  EXPECT_EQ(stuck.Calls(ids[2]), 0);
  EXPECT_TRUE(ReadDlq().empty());

  RecordingHandler healthy;
  auto next = NewConsumer(Options(), &healthy);
  ASSERT_NE(next, nullptr);
  auto outcomes = next->PollUntil(2, absl::Seconds(60));
  ASSERT_TRUE(outcomes.ok()) << outcomes.status();
  EXPECT_THAT(*outcomes, ElementsAre(Outcome::kHandled, Outcome::kHandled));
  EXPECT_EQ(healthy.Calls(ids[0]), 0);
  for (const std::string& id : ids) EXPECT_EQ(Effects(id), 1) << id;
  StopAndExpectCommitted(*next, 3);
}

// While the DLQ cannot take a record, its offset does not move: stopping
// then commits nothing, and the next consumer dead-letters it once the
// DLQ is back. Nothing is lost.
TEST_F(ConsumerTest, OffsetWaitsForDeadLetterAcknowledgement) {
  const std::string id = ProduceOne();
  ASSERT_FALSE(id.empty());
  RecordingHandler handler(AlwaysFails(absl::FailedPreconditionError("no")));
  const std::string missing_dlq = testing::Unique("not-yet-dlq");
  ConsumerOptions options = Options();
  options.dead_letter_topic = missing_dlq;
  options.dead_letter_timeout = absl::Seconds(5);
  options.producer_config = {{"message.timeout.ms", "1500"}};
  auto consumer = NewConsumer(options, &handler);
  ASSERT_NE(consumer, nullptr);
  ASSERT_TRUE(consumer->Start().ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (consumer->stats().dead_letter_failures < 2 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_GE(consumer->stats().dead_letter_failures, 2);
  ASSERT_TRUE(consumer->Stop().ok());
  EXPECT_EQ(consumer->stats().dead_lettered, 0);
  EXPECT_EQ(handler.Calls(id), 1) << "the handler is not re-run for the DLQ";
  EXPECT_EQ(Committed(), -1);

  ASSERT_TRUE(testing::CreateTopics(env_.bootstrap, {missing_dlq}, 1).ok());
  options.producer_config.clear();
  auto next = NewConsumer(options, &handler);
  ASSERT_NE(next, nullptr);
  auto outcomes = next->PollUntil(1, absl::Seconds(60));
  ASSERT_TRUE(outcomes.ok()) << outcomes.status();
  EXPECT_THAT(*outcomes, ElementsAre(Outcome::kDeadLettered));
  StopAndExpectCommitted(*next, 1);
  ReaderOptions reader;
  reader.bootstrap_servers = env_.bootstrap;
  auto letters = ReadTopic(reader, missing_dlq);
  ASSERT_TRUE(letters.ok()) << letters.status();
  ASSERT_EQ(letters->size(), 1u);
  EXPECT_EQ(FindHeader((*letters)[0].headers, "ce_id"), id);
}

// The handler's log lines carry the event's trace id and its ce_id.
TEST_F(ConsumerTest, HandlerLogsCarryTraceContext) {
  absl::Mutex mu;
  std::vector<std::string> lines;
  log::SetSinkForTesting([&](absl::string_view line) {
    absl::MutexLock lock(&mu);
    lines.emplace_back(line);
  });
  const std::string id = trace::NewUuid();
  const std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  ASSERT_TRUE(testing::Produce(
                  env_.bootstrap, topic_,
                  {Valid(id, "k1", "00-" + trace + "-00f067aa0ba902b7-01")})
                  .ok());
  RecordingHandler handler([](const Event& e, int) {
    log::Info("handler saw event", {{"seq", e.seq}});
    return absl::OkStatus();
  });
  auto consumer = NewConsumer(Options(), &handler);
  ASSERT_NE(consumer, nullptr);
  auto outcomes = consumer->PollUntil(1, absl::Seconds(60));
  ASSERT_TRUE(consumer->Stop().ok());
  log::SetSinkForTesting(nullptr);
  ASSERT_TRUE(outcomes.ok()) << outcomes.status();
  absl::MutexLock lock(&mu);
  int found = 0;
  for (const std::string& line : lines) {
    if (!absl::StrContains(line, "handler saw event")) continue;
    ++found;
    EXPECT_TRUE(absl::StrContains(line, "\"trace_id\":\"" + trace + "\""))
        << line;
    EXPECT_TRUE(absl::StrContains(line, "\"request_id\":\"" + id + "\""))
        << line;
  }
  EXPECT_EQ(found, 1);
}

// fineprint_consumer_lag follows the position through the partition.
TEST_F(ConsumerTest, LagGaugeTracksUnprocessedRecords) {
  std::vector<TestRecord> records;
  for (int i = 0; i < 5; ++i) records.push_back(Valid(trace::NewUuid()));
  ASSERT_TRUE(testing::Produce(env_.bootstrap, topic_, records).ok());
  RecordingHandler handler;
  ConsumerOptions options = Options();
  options.lag_interval = absl::ZeroDuration();
  auto consumer = NewConsumer(options, &handler);
  ASSERT_NE(consumer, nullptr);
  metrics::Gauge& lag = registry_.GetGauge(
      "fineprint_consumer_lag", "",
      {{"group", group_}, {"topic", topic_}, {"partition", "0"}});
  ASSERT_TRUE(consumer->PollUntil(1, absl::Seconds(60)).ok());
  EXPECT_EQ(lag.Value(), 4);
  ASSERT_TRUE(consumer->PollUntil(4, absl::Seconds(60)).ok());
  EXPECT_EQ(lag.Value(), 0);
  EXPECT_THAT(consumer->Assignment(), ElementsAre(topic_ + "/0"));
}

// With a commit interval, offsets reach the broker while running, and
// only for processed records.
TEST_F(ConsumerTest, PeriodicCommitCoversProcessedRecords) {
  ASSERT_TRUE(
      testing::Produce(env_.bootstrap, topic_,
                       {Valid(trace::NewUuid()), Valid(trace::NewUuid()),
                        Valid(trace::NewUuid())})
          .ok());
  RecordingHandler handler;
  ConsumerOptions options = Options();
  options.commit_interval = absl::ZeroDuration();
  auto consumer = NewConsumer(options, &handler);
  ASSERT_NE(consumer, nullptr);
  ASSERT_TRUE(consumer->PollUntil(2, absl::Seconds(60)).ok());
  EXPECT_EQ(Committed(), 2);
  ASSERT_TRUE(consumer->CloseWithoutCommit().ok());
  EXPECT_EQ(Committed(), 2);
}

// Old inbox rows of the group go; other groups' and recent rows stay.
TEST_F(ConsumerTest, InboxPruneDeletesOnlyOldRowsOfTheGroup) {
  const std::string id = ProduceOne();
  ASSERT_FALSE(id.empty());
  RecordingHandler handler;
  auto consumer = NewConsumer(Options(), &handler);
  ASSERT_NE(consumer, nullptr);
  ASSERT_TRUE(consumer->PollUntil(1, absl::Seconds(60)).ok());
  Inbox inbox(testing::kSchema);
  EXPECT_TRUE(*inbox.Contains(*env_.pool, group_, id));
  EXPECT_FALSE(*inbox.Contains(*env_.pool, "other", id));
  auto pruned = inbox.Prune(*env_.pool, group_, absl::Now() - absl::Hours(1));
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  EXPECT_EQ(*pruned, 0);
  pruned = inbox.Prune(*env_.pool, "other", absl::Now() + absl::Hours(1));
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  EXPECT_EQ(*pruned, 0);
  pruned = inbox.Prune(*env_.pool, group_, absl::Now() + absl::Hours(1));
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  EXPECT_EQ(*pruned, 1);
  EXPECT_FALSE(*inbox.Contains(*env_.pool, group_, id));
}

TEST(ConsumerCreateTest, RejectsBadSettings) {
  RecordingHandler handler;
  absl::StatusOr<Env> env = testing::NewEnv();
  ASSERT_TRUE(env.ok()) << env.status();
  ConsumerOptions options = testing::TestOptions(*env, "g", {"t"}, "dlq");
  options.schema = "bad schema; DROP TABLE x";
  EXPECT_EQ(Consumer::Create(options, &handler).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.schema = "no_inbox_here";
  EXPECT_EQ(Consumer::Create(options, &handler).status().code(),
            absl::StatusCode::kFailedPrecondition);
  options.schema = testing::kSchema;
  options.consumer_config.emplace_back("no.such.property", "1");
  EXPECT_EQ(Consumer::Create(options, &handler).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.consumer_config.pop_back();
  options.max_attempts = 0;
  EXPECT_EQ(Consumer::Create(options, &handler).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ConsumerCreateTest, RejectsIncompleteOptions) {
  RecordingHandler handler;
  ConsumerOptions options;
  EXPECT_EQ(Consumer::Create(options, &handler).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.bootstrap_servers = "127.0.0.1:1";
  options.group_id = "g";
  options.topics = {"t"};
  EXPECT_EQ(Consumer::Create(options, &handler).status().code(),
            absl::StatusCode::kInvalidArgument);  // no pool
}

}  // namespace
}  // namespace fineprint::events
