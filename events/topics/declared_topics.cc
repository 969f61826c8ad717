#include "events/topics/declared_topics.h"

#include <string>

namespace fineprint::events {

absl::StatusOr<std::vector<TopicSpec>> LoadDeclaredTopics(
    absl::string_view topics_file) {
  if (topics_file.empty()) {
    return ParseTopicSpecs(EmbeddedTopicsFile(),
                           "infra/kafka/topics.tsv (embedded)");
  }
  return ReadTopicSpecsFile(std::string(topics_file));
}

}  // namespace fineprint::events
