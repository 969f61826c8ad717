#ifndef FINEPRINT_EVENTS_TOOL_CLI_H_
#define FINEPRINT_EVENTS_TOOL_CLI_H_

// fpevents: look at the event bus from a shell.
//
//   fpevents tail --topic=T [--from_beginning] [--max=N] [--idle_timeout=5s]
//   fpevents dlq list
//   fpevents dlq show --offset=N [--partition=P]
//   fpevents dlq replay (--offset=N [--partition=P] | --all) [--group=G]
//
// Output: JSON lines on stdout (see event_json.h); diagnostics on stderr.
// The flags live in main.cc; this is the part that tests call.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "events/tool/dlq.h"

namespace fineprint::events {

struct CliOptions {
  DlqOptions dlq;  // bootstrap, client config, timeout, DLQ topic
  std::string topic;
  bool from_beginning = false;
  int64_t max = 0;
  absl::Duration idle_timeout = absl::InfiniteDuration();
  std::optional<int64_t> offset;
  std::optional<int32_t> partition;
  bool all = false;
  std::string group;
};

// Runs the command named by `args` (without the program name), writing
// each output line (no trailing newline) to `out`.
absl::Status RunCli(const std::vector<std::string>& args,
                    const CliOptions& options,
                    const std::function<void(absl::string_view)>& out);

// The usage text.
std::string CliUsage();

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_TOOL_CLI_H_
