// Runs the fineprint_mock_kafka binary as a user would: start, wait for the
// port file, talk Kafka to it, stop it with a signal.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/kafka_test_client.h"

extern char** environ;

namespace fineprint::testing {
namespace {

std::string TestDir() {
  const char* tmp = std::getenv("TEST_TMPDIR");
  return tmp != nullptr ? tmp : "/tmp";
}

std::string BinaryPath() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  return absl::StrCat(srcdir != nullptr ? srcdir : ".",
                      "/fineprint/events/broker/fineprint_mock_kafka");
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The binary, with stdout to a pipe and stderr to a file.
class MockKafkaProcess {
 public:
  explicit MockKafkaProcess(std::vector<std::string> flags)
      : stderr_path_(TestDir() + "/mock_kafka." + std::to_string(counter_++) +
                     ".stderr") {
    std::vector<std::string> args = {BinaryPath()};
    args.insert(args.end(), flags.begin(), flags.end());
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int out[2];
    EXPECT_EQ(pipe2(out, O_CLOEXEC), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, stderr_path_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    EXPECT_EQ(
        posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ),
        0);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    stdout_fd_ = out[0];
  }

  ~MockKafkaProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      Wait();
    }
    close(stdout_fd_);
  }

  // The first stdout line (blocks until it is written or stdout closes).
  std::string FirstLine() {
    std::string line;
    char c;
    while (read(stdout_fd_, &c, 1) == 1 && c != '\n') line.push_back(c);
    return line;
  }

  void Signal(int signal_number) { kill(pid_, signal_number); }

  // The wait status.
  int Wait() {
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return status;
  }

  std::string Stderr() const { return ReadFile(stderr_path_); }

 private:
  static inline int counter_ = 0;
  const std::string stderr_path_;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
};

// Polls for the port file the binary writes once ready.
std::string AwaitPortFile(const std::string& path, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    std::string content(absl::StripAsciiWhitespace(ReadFile(path)));
    if (!content.empty()) return content;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return "";
}

TEST(FineprintMockKafkaTest, PortFileProduceConsumeAndCleanStop) {
  const std::string port_file = TestDir() + "/mock_kafka.port";
  const absl::Time t0 = absl::Now();
  MockKafkaProcess process({"--port_file=" + port_file, "--brokers=1"});
  const std::string bootstrap = AwaitPortFile(port_file, absl::Seconds(20));
  std::printf("binary start to port file: %s\n",
              absl::FormatDuration(absl::Now() - t0).c_str());
  ASSERT_FALSE(bootstrap.empty()) << process.Stderr();
  EXPECT_TRUE(absl::StartsWith(bootstrap, "127.0.0.1:")) << bootstrap;
  EXPECT_EQ(process.FirstLine(), bootstrap);

  // Declared topics exist with their partition counts.
  EXPECT_EQ(*PartitionCount(bootstrap, "fineprint.analysis.document.v1"), 6);
  EXPECT_EQ(*PartitionCount(bootstrap, "fineprint.identity.user.v1"), 3);

  const std::string topic = "fineprint.identity.user.v1";
  std::vector<KafkaRecord> records = {
      {"u1", "created"}, {"u1", "renamed"}, {"u2", "created"}};
  ASSERT_TRUE(ProduceRecords(bootstrap, topic, records).ok());
  auto consumer = TestConsumer::CreateAssigned(bootstrap, "it", topic, 3);
  ASSERT_TRUE(consumer.ok()) << consumer.status();
  auto got = (*consumer)->Consume(records.size(), absl::Seconds(30));
  ASSERT_TRUE(got.ok()) << got.status();
  std::vector<std::string> u1_values;
  for (const KafkaRecord& r : *got) {
    if (r.key == "u1") u1_values.push_back(r.value);
  }
  EXPECT_THAT(u1_values, ::testing::ElementsAre("created", "renamed"));
  ASSERT_TRUE((*consumer)->Commit().ok());
  ASSERT_TRUE((*consumer)->Close().ok());
  consumer->reset();

  process.Signal(SIGTERM);
  const int status = process.Wait();
  ASSERT_TRUE(WIFEXITED(status)) << process.Stderr();
  EXPECT_EQ(WEXITSTATUS(status), 0) << process.Stderr();
  EXPECT_EQ(access(port_file.c_str(), F_OK), -1) << "port file left behind";
  EXPECT_THAT(process.Stderr(), ::testing::HasSubstr("mock Kafka stopping"));
}

TEST(FineprintMockKafkaTest, SigintStopsCleanlyAndTopicsFileOverrides) {
  const std::string topics_file = TestDir() + "/custom_topics.tsv";
  {
    std::ofstream out(topics_file);
    out << "custom.topic.v1\t5\t1000\tdelete\n";
  }
  const std::string port_file = TestDir() + "/mock_kafka_3.port";
  MockKafkaProcess process({"--port_file=" + port_file, "--brokers=3",
                            "--topics_file=" + topics_file});
  const std::string bootstrap = AwaitPortFile(port_file, absl::Seconds(20));
  ASSERT_FALSE(bootstrap.empty()) << process.Stderr();
  EXPECT_EQ(std::count(bootstrap.begin(), bootstrap.end(), ','), 2)
      << bootstrap;
  EXPECT_EQ(*PartitionCount(bootstrap, "custom.topic.v1"), 5);
  EXPECT_FALSE(PartitionCount(bootstrap, "fineprint.identity.user.v1").ok());

  process.Signal(SIGINT);
  const int status = process.Wait();
  ASSERT_TRUE(WIFEXITED(status)) << process.Stderr();
  EXPECT_EQ(WEXITSTATUS(status), 0) << process.Stderr();
}

TEST(FineprintMockKafkaTest, BadTopicsFileFailsFast) {
  const std::string topics_file = TestDir() + "/bad_topics.tsv";
  {
    std::ofstream out(topics_file);
    out << "ok.v1\t1\t1000\tdelete\nbroken.v1\t0\t1000\tdelete\n";
  }
  MockKafkaProcess process({"--topics_file=" + topics_file});
  const int status = process.Wait();
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
  EXPECT_THAT(process.Stderr(), ::testing::HasSubstr("bad_topics.tsv:2:"));
}

}  // namespace
}  // namespace fineprint::testing
