#include "events/tool/cli.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "events/consumer/record_producer.h"
#include "events/tool/event_json.h"
#include "events/tool/topic_reader.h"

namespace fineprint::events {
namespace {

absl::Status Tail(const CliOptions& options,
                  const std::function<void(absl::string_view)>& out) {
  if (options.topic.empty()) {
    return absl::InvalidArgumentError("tail needs --topic");
  }
  TailOptions tail;
  tail.from_beginning = options.from_beginning;
  tail.max_records = options.max;
  tail.idle_timeout = options.idle_timeout;
  return TailTopic(options.dlq.reader, options.topic, tail,
                   [&](const RawRecord& record) {
                     out(RecordToJson(record));
                     return true;
                   });
}

absl::Status Dlq(absl::string_view verb, const CliOptions& options,
                 const std::function<void(absl::string_view)>& out) {
  if (verb == "list") {
    absl::StatusOr<std::vector<DeadLetter>> letters =
        ListDeadLetters(options.dlq);
    if (!letters.ok()) return letters.status();
    for (const DeadLetter& letter : *letters) {
      if (!options.group.empty() &&
          letter.info.consumer_group != options.group) {
        continue;
      }
      out(DeadLetterSummaryJson(letter));
    }
    return absl::OkStatus();
  }
  if (verb == "show") {
    if (!options.offset.has_value()) {
      return absl::InvalidArgumentError("dlq show needs --offset");
    }
    absl::StatusOr<DeadLetter> letter =
        FindDeadLetter(options.dlq, options.partition, *options.offset);
    if (!letter.ok()) return letter.status();
    // The DLQ record itself: decoded payload plus every header, dlq_*
    // included.
    out(RecordToJson(letter->record));
    return absl::OkStatus();
  }
  if (verb == "replay") {
    absl::StatusOr<std::unique_ptr<RecordProducer>> producer =
        RecordProducer::Create(options.dlq.reader.bootstrap_servers,
                               "fpevents-replay",
                               options.dlq.reader.client_config);
    if (!producer.ok()) return producer.status();
    ReplaySelection selection;
    selection.all = options.all;
    selection.offset = options.offset;
    selection.partition = options.partition;
    selection.group = options.group;
    absl::StatusOr<std::vector<Replayed>> replayed =
        ReplayDeadLetters(options.dlq, **producer, selection);
    if (!replayed.ok()) return replayed.status();
    for (const Replayed& r : *replayed) {
      out(absl::StrCat(
          "{\"replayed\":{\"partition\":", r.letter.record.partition,
          ",\"offset\":", r.letter.record.offset, "},\"to\":", "{\"topic\":\"",
          r.letter.info.original_topic, "\",\"partition\":", r.at.partition,
          ",\"offset\":", r.at.offset, "}}"));
    }
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown dlq command '", verb, "'\n", CliUsage()));
}

}  // namespace

std::string CliUsage() {
  return "usage:\n"
         "  fpevents tail --topic=T [--from_beginning] [--max=N] "
         "[--idle_timeout=D]\n"
         "  fpevents dlq list [--group=G]\n"
         "  fpevents dlq show --offset=N [--partition=P]\n"
         "  fpevents dlq replay (--offset=N [--partition=P] | --all) "
         "[--group=G]\n"
         "common: --bootstrap_servers, --dlq_topic, --timeout\n";
}

absl::Status RunCli(const std::vector<std::string>& args,
                    const CliOptions& options,
                    const std::function<void(absl::string_view)>& out) {
  if (options.dlq.reader.bootstrap_servers.empty()) {
    return absl::InvalidArgumentError("--bootstrap_servers is required");
  }
  if (args.size() == 1 && args[0] == "tail") return Tail(options, out);
  if (args.size() == 2 && args[0] == "dlq") return Dlq(args[1], options, out);
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown command '", absl::StrJoin(args, " "), "'\n", CliUsage()));
}

}  // namespace fineprint::events
