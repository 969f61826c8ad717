#include "events/topics/topics_flags.h"

#include "absl/flags/flag.h"
#include "events/topics/declared_topics.h"

ABSL_FLAG(std::string, topics_file, "",
          "Kafka topic list (topics.tsv format) to use instead of the one "
          "compiled in from infra/kafka/topics.tsv.");

namespace fineprint::events {

absl::StatusOr<std::vector<TopicSpec>> DeclaredTopicsFromFlags() {
  return LoadDeclaredTopics(absl::GetFlag(FLAGS_topics_file));
}

}  // namespace fineprint::events
