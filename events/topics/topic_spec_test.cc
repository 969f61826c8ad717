#include "events/topics/topic_spec.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fineprint::events {
namespace {

using ::testing::HasSubstr;

TEST(ParseTopicSpecsTest, ParsesColumnsCommentsAndBlankLines) {
  auto topics = ParseTopicSpecs(
      "# header\n"
      "\n"
      "a.b.v1\t6\t604800000\tdelete\n"
      "   # indented comment\n"
      "org.v1   3   -1   compact\r\n"
      "last.v1\t1\t1000\tdelete");  // no trailing newline
  ASSERT_TRUE(topics.ok()) << topics.status();
  ASSERT_EQ(topics->size(), 3u);
  EXPECT_EQ((*topics)[0],
            (TopicSpec{"a.b.v1", 6, 604800000, CleanupPolicy::kDelete}));
  EXPECT_EQ((*topics)[1],
            (TopicSpec{"org.v1", 3, -1, CleanupPolicy::kCompact}));
  EXPECT_EQ((*topics)[2].name, "last.v1");
  EXPECT_EQ((*topics)[2].retention_ms, 1000);
}

TEST(ParseTopicSpecsTest, ConfigsUseKafkaNames) {
  TopicSpec spec{"t", 3, 86400000, CleanupPolicy::kCompact};
  EXPECT_THAT(
      spec.Configs(),
      ::testing::UnorderedElementsAre(
          std::pair<std::string, std::string>("cleanup.policy", "compact"),
          std::pair<std::string, std::string>("retention.ms", "86400000")));
}

struct BadLine {
  const char* line;
  const char* message;
};

class MalformedLineTest : public ::testing::TestWithParam<BadLine> {};

TEST_P(MalformedLineTest, NamesFileLineAndProblem) {
  const std::string text =
      absl::StrCat("# ok\ngood.v1\t3\t1000\tdelete\n", GetParam().line, "\n");
  auto topics = ParseTopicSpecs(text, "my.tsv");
  ASSERT_FALSE(topics.ok());
  EXPECT_EQ(topics.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(topics.status().message(), HasSubstr("my.tsv:3: "));
  EXPECT_THAT(topics.status().message(), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Lines, MalformedLineTest,
    ::testing::Values(
        BadLine{"x.v1\t3\t1000", "expected 4 columns"},
        BadLine{"x.v1\t3\t1000\tdelete\textra", "expected 4 columns"},
        BadLine{"bad/name\t3\t1000\tdelete", "invalid topic name 'bad/name'"},
        BadLine{"..\t3\t1000\tdelete", "invalid topic name"},
        BadLine{"x.v1\tsix\t1000\tdelete", "partitions of 'x.v1'"},
        BadLine{"x.v1\t0\t1000\tdelete", "partitions of 'x.v1'"},
        BadLine{"x.v1\t-3\t1000\tdelete", "partitions of 'x.v1'"},
        BadLine{"x.v1\t3\t7d\tdelete", "retention.ms of 'x.v1'"},
        BadLine{"x.v1\t3\t0\tdelete", "retention.ms of 'x.v1'"},
        BadLine{"x.v1\t3\t-2\tdelete", "retention.ms of 'x.v1'"},
        BadLine{"x.v1\t3\t1000\tcompact,delete", "cleanup.policy of 'x.v1'"},
        BadLine{"x.v1\t3\t1000\tDelete", "cleanup.policy of 'x.v1'"},
        BadLine{"good.v1\t3\t1000\tdelete",
                "topic 'good.v1' already declared on line 2"}));

TEST(ParseTopicSpecsTest, EmptyListIsAnError) {
  auto topics = ParseTopicSpecs("# only comments\n\n", "empty.tsv");
  ASSERT_FALSE(topics.ok());
  EXPECT_THAT(topics.status().message(), HasSubstr("empty.tsv: no topics"));
}

TEST(TopicNameTest, FollowsKafkaRules) {
  EXPECT_TRUE(IsValidTopicName("fineprint.identity.user.v1"));
  EXPECT_TRUE(IsValidTopicName("a_b-C.9"));
  EXPECT_FALSE(IsValidTopicName(""));
  EXPECT_FALSE(IsValidTopicName("."));
  EXPECT_FALSE(IsValidTopicName("has space"));
  EXPECT_FALSE(IsValidTopicName("ümlaut"));
  EXPECT_TRUE(IsValidTopicName(std::string(249, 'a')));
  EXPECT_FALSE(IsValidTopicName(std::string(250, 'a')));
}

TEST(ReadTopicSpecsFileTest, ReadsFileAndReportsItsPath) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string path =
      absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/topics_read_test.tsv");
  {
    std::ofstream out(path);
    out << "t.v1\t2\t5000\tcompact\nbroken line\n";
  }
  auto topics = ReadTopicSpecsFile(path);
  ASSERT_FALSE(topics.ok());
  EXPECT_THAT(topics.status().message(), HasSubstr(absl::StrCat(path, ":2:")));
  std::remove(path.c_str());

  auto missing = ReadTopicSpecsFile(path);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

TEST(FindTopicTest, FindsByName) {
  std::vector<TopicSpec> topics = {{"a", 1, 1, CleanupPolicy::kDelete},
                                   {"b", 2, 1, CleanupPolicy::kDelete}};
  ASSERT_NE(FindTopic(topics, "b"), nullptr);
  EXPECT_EQ(FindTopic(topics, "b")->partitions, 2);
  EXPECT_EQ(FindTopic(topics, "c"), nullptr);
}

}  // namespace
}  // namespace fineprint::events
