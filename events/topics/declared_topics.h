#ifndef FINEPRINT_EVENTS_TOPICS_DECLARED_TOPICS_H_
#define FINEPRINT_EVENTS_TOPICS_DECLARED_TOPICS_H_

// Fineprint's topic list. infra/kafka/topics.tsv is compiled into every
// binary that links this library, so a service never depends on finding the
// file at runtime; a file on disk can still override it (e.g. a staging
// deployment with fewer partitions).

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "events/topics/topic_spec.h"

namespace fineprint::events {

// The bytes of infra/kafka/topics.tsv as of the build.
absl::string_view EmbeddedTopicsFile();

// `topics_file` empty: the embedded list; else the file at that path.
absl::StatusOr<std::vector<TopicSpec>> LoadDeclaredTopics(
    absl::string_view topics_file = "");

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_TOPICS_DECLARED_TOPICS_H_
