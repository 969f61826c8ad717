#ifndef FINEPRINT_EVENTS_TOPICS_TOPICS_FLAGS_H_
#define FINEPRINT_EVENTS_TOPICS_TOPICS_FLAGS_H_

// --topics_file for binaries that want the override (also settable as
// FINEPRINT_TOPICS_FILE through services/runtime/config). Kept apart from
// declared_topics so that linking the topic list does not add a flag.

#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/status/statusor.h"
#include "events/topics/topic_spec.h"

ABSL_DECLARE_FLAG(std::string, topics_file);

namespace fineprint::events {

// LoadDeclaredTopics(--topics_file).
absl::StatusOr<std::vector<TopicSpec>> DeclaredTopicsFromFlags();

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_TOPICS_TOPICS_FLAGS_H_
