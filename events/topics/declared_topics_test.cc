#include "events/topics/declared_topics.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "events/topics/topics_flags.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fineprint::events {
namespace {

std::string RunfilePath(absl::string_view relative) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  return absl::StrCat(srcdir != nullptr ? srcdir : ".", "/fineprint/",
                      relative);
}

TEST(DeclaredTopicsTest, EmbeddedBytesEqualTheSourceFile) {
  std::ifstream in(RunfilePath("infra/kafka/topics.tsv"), std::ios::binary);
  ASSERT_TRUE(in) << "topics.tsv not in runfiles";
  std::ostringstream file;
  file << in.rdbuf();
  EXPECT_EQ(EmbeddedTopicsFile(), file.str());
}

TEST(DeclaredTopicsTest, DeclaresEveryAggregateTopicAndTheDeadLetterTopic) {
  auto topics = LoadDeclaredTopics();
  ASSERT_TRUE(topics.ok()) << topics.status();
  std::vector<std::string> names;
  for (const TopicSpec& t : *topics) {
    names.push_back(t.name);
    EXPECT_EQ(t.retention_ms, 7LL * 24 * 3600 * 1000) << t.name;
    EXPECT_TRUE(t.partitions == 3 || t.partitions == 6) << t.name;
  }
  EXPECT_THAT(
      names,
      ::testing::UnorderedElementsAre(
          "fineprint.identity.organization.v1", "fineprint.identity.user.v1",
          "fineprint.identity.apikey.v1", "fineprint.analysis.document.v1",
          "fineprint.analysis.job.v1", "fineprint.monitoring.watch.v1",
          "fineprint.notification.notification.v1",
          "fineprint.notification.webhook.v1", "fineprint.action.action.v1",
          "fineprint.deadletter.v1"));
  for (const TopicSpec& t : *topics) {
    EXPECT_EQ(t.cleanup_policy, t.name == "fineprint.identity.organization.v1"
                                    ? CleanupPolicy::kCompact
                                    : CleanupPolicy::kDelete)
        << t.name;
  }
}

TEST(DeclaredTopicsTest, FlagOverridesTheEmbeddedList) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string path =
      absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/override_topics.tsv");
  {
    std::ofstream out(path);
    out << "only.v1\t1\t60000\tdelete\n";
  }
  absl::SetFlag(&FLAGS_topics_file, path);
  auto topics = DeclaredTopicsFromFlags();
  absl::SetFlag(&FLAGS_topics_file, "");
  ASSERT_TRUE(topics.ok()) << topics.status();
  ASSERT_EQ(topics->size(), 1u);
  EXPECT_EQ((*topics)[0].name, "only.v1");

  auto embedded = DeclaredTopicsFromFlags();
  ASSERT_TRUE(embedded.ok());
  EXPECT_EQ(embedded->size(), 10u);

  absl::SetFlag(&FLAGS_topics_file, path + ".missing");
  EXPECT_EQ(DeclaredTopicsFromFlags().status().code(),
            absl::StatusCode::kNotFound);
  absl::SetFlag(&FLAGS_topics_file, "");
}

}  // namespace
}  // namespace fineprint::events
