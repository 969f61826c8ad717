#include "events/topics/topic_spec.h"

#include <fstream>
#include <sstream>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace fineprint::events {
namespace {

constexpr int kMaxPartitions = 10000;
constexpr size_t kMaxTopicNameLength = 249;

absl::Status LineError(absl::string_view source, int line,
                       absl::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat(source, ":", line, ": ", message));
}

}  // namespace

absl::string_view CleanupPolicyName(CleanupPolicy policy) {
  switch (policy) {
    case CleanupPolicy::kDelete:
      return "delete";
    case CleanupPolicy::kCompact:
      return "compact";
  }
  return "delete";
}

std::vector<std::pair<std::string, std::string>> TopicSpec::Configs() const {
  return {
      {"cleanup.policy", std::string(CleanupPolicyName(cleanup_policy))},
      {"retention.ms", absl::StrCat(retention_ms)},
  };
}

bool IsValidTopicName(absl::string_view name) {
  if (name.empty() || name.size() > kMaxTopicNameLength || name == "." ||
      name == "..") {
    return false;
  }
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' &&
        c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

absl::StatusOr<std::vector<TopicSpec>> ParseTopicSpecs(
    absl::string_view text, absl::string_view source) {
  std::vector<TopicSpec> topics;
  absl::flat_hash_map<std::string, int> first_line;  // name -> line
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);  // also drops a trailing '\r'
    if (line.empty() || absl::StartsWith(line, "#")) continue;

    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (fields.size() != 4) {
      return LineError(
          source, line_number,
          absl::StrCat("expected 4 columns (name, partitions, retention.ms, "
                       "cleanup.policy), got ",
                       fields.size(), ": '", line, "'"));
    }
    TopicSpec spec;
    spec.name = std::string(fields[0]);
    if (!IsValidTopicName(spec.name)) {
      return LineError(source, line_number,
                       absl::StrCat("invalid topic name '", spec.name,
                                    "' (1..249 chars of [a-zA-Z0-9._-])"));
    }
    if (auto [it, inserted] = first_line.emplace(spec.name, line_number);
        !inserted) {
      return LineError(source, line_number,
                       absl::StrCat("topic '", spec.name,
                                    "' already declared on line ", it->second));
    }
    if (!absl::SimpleAtoi(fields[1], &spec.partitions) || spec.partitions < 1 ||
        spec.partitions > kMaxPartitions) {
      return LineError(source, line_number,
                       absl::StrCat("partitions of '", spec.name,
                                    "' must be an integer in 1..",
                                    kMaxPartitions, ", got '", fields[1], "'"));
    }
    if (!absl::SimpleAtoi(fields[2], &spec.retention_ms) ||
        spec.retention_ms < -1 || spec.retention_ms == 0) {
      return LineError(source, line_number,
                       absl::StrCat("retention.ms of '", spec.name,
                                    "' must be a positive integer or -1, got '",
                                    fields[2], "'"));
    }
    if (fields[3] == "delete") {
      spec.cleanup_policy = CleanupPolicy::kDelete;
    } else if (fields[3] == "compact") {
      spec.cleanup_policy = CleanupPolicy::kCompact;
    } else {
      return LineError(source, line_number,
                       absl::StrCat("cleanup.policy of '", spec.name,
                                    "' must be 'delete' or 'compact', got '",
                                    fields[3], "'"));
    }
    topics.push_back(std::move(spec));
  }
  if (topics.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": no topics declared"));
  }
  return topics;
}

absl::StatusOr<std::vector<TopicSpec>> ReadTopicSpecsFile(
    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot open topics file '", path, "'"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return absl::DataLossError(
        absl::StrCat("error reading topics file '", path, "'"));
  }
  return ParseTopicSpecs(text.str(), path);
}

const TopicSpec* FindTopic(const std::vector<TopicSpec>& topics,
                           absl::string_view name) {
  for (const TopicSpec& spec : topics) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

}  // namespace fineprint::events
