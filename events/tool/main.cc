// fpevents: tail topics and manage the dead-letter topic. See cli.h.

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_split.h"
#include "events/consumer/dead_letter.h"
#include "events/tool/cli.h"

ABSL_FLAG(std::string, bootstrap_servers, "127.0.0.1:9092",
          "Kafka bootstrap servers (host:port,...).");
ABSL_FLAG(std::vector<std::string>, kafka_config, {},
          "Extra librdkafka properties as name=value,... (TLS, SASL).");
ABSL_FLAG(std::string, dlq_topic,
          std::string(fineprint::events::kDeadLetterTopic),
          "The dead-letter topic.");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(30),
          "Bound on each Kafka read/write.");
ABSL_FLAG(std::string, topic, "", "tail: the topic to read.");
ABSL_FLAG(bool, from_beginning, false,
          "tail: start at the oldest retained record instead of the end.");
ABSL_FLAG(int64_t, max, 0, "tail: stop after N records (0: follow).");
ABSL_FLAG(absl::Duration, idle_timeout, absl::InfiniteDuration(),
          "tail: stop after this long without a record.");
ABSL_FLAG(int64_t, offset, -1, "dlq show/replay: the dead letter's offset.");
ABSL_FLAG(int32_t, partition, -1,
          "dlq show/replay: its partition (-1: find it).");
ABSL_FLAG(bool, all, false, "dlq replay: every dead letter.");
ABSL_FLAG(std::string, group, "",
          "dlq list/replay: only those this consumer group dead-lettered.");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(fineprint::events::CliUsage());
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  std::vector<std::string> args(positional.begin() + 1, positional.end());

  fineprint::events::CliOptions options;
  options.dlq.reader.bootstrap_servers = absl::GetFlag(FLAGS_bootstrap_servers);
  for (const std::string& kv : absl::GetFlag(FLAGS_kafka_config)) {
    std::pair<std::string, std::string> pair =
        absl::StrSplit(kv, absl::MaxSplits('=', 1));
    options.dlq.reader.client_config.push_back(pair);
  }
  options.dlq.reader.timeout = absl::GetFlag(FLAGS_timeout);
  options.dlq.topic = absl::GetFlag(FLAGS_dlq_topic);
  options.topic = absl::GetFlag(FLAGS_topic);
  options.from_beginning = absl::GetFlag(FLAGS_from_beginning);
  options.max = absl::GetFlag(FLAGS_max);
  options.idle_timeout = absl::GetFlag(FLAGS_idle_timeout);
  if (absl::GetFlag(FLAGS_offset) >= 0) {
    options.offset = absl::GetFlag(FLAGS_offset);
  }
  if (absl::GetFlag(FLAGS_partition) >= 0) {
    options.partition = absl::GetFlag(FLAGS_partition);
  }
  options.all = absl::GetFlag(FLAGS_all);
  options.group = absl::GetFlag(FLAGS_group);

  absl::Status status =
      fineprint::events::RunCli(args, options, [](absl::string_view line) {
        std::fwrite(line.data(), 1, line.size(), stdout);
        std::fputc('\n', stdout);
        std::fflush(stdout);
      });
  if (!status.ok()) {
    std::cerr << "fpevents: " << status << "\n";
    return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  return 0;
}
