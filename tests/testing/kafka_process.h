#ifndef FINEPRINT_TESTS_TESTING_KAFKA_PROCESS_H_
#define FINEPRINT_TESTS_TESTING_KAFKA_PROCESS_H_

// Process plumbing behind KafkaBroker (kafka_broker.h): finding the scripts
// and jars from inside `bazel test`, running a script, and the watchdog that
// kills an orphaned broker. Not for direct use by tests.

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace fineprint::testing::kafka_internal {

// The directory with start.sh/stop.sh: `configured` if set (only that),
// else $FINEPRINT_KAFKA_SCRIPTS, else the runfiles ($RUNFILES_DIR,
// $TEST_SRCDIR, <binary>.runfiles), else ./infra/kafka.
absl::StatusOr<std::string> FindKafkaScripts(const std::string& configured);

// The jars dir (holding install.sh's `.complete` marker): `configured` if
// set (only that), else $KAFKA_LIBS, else $FINEPRINT_CACHE/kafka/<v>/libs,
// else ~/.cache/fineprint/kafka/<v>/libs from $HOME and from the passwd
// entry (Bazel clears HOME in tests). <v> is $KAFKA_VERSION or 3.9.2.
absl::StatusOr<std::string> FindKafkaLibs(const std::string& configured);

// A TCP port on 127.0.0.1 that was free a moment ago.
absl::StatusOr<int> PickFreePort();

// $TEST_TMPDIR, else $TMPDIR, else /tmp.
std::string BaseTempDir();

// This process's environment with `overrides` replacing (or adding)
// variables; an empty value removes the variable.
std::vector<std::string> EnvironmentWith(
    const std::map<std::string, std::string>& overrides);

// Runs `argv` with `env`, stdin from /dev/null, stderr appended to
// `stderr_log`, and no other inherited descriptors. Returns stdout if it
// exits 0; otherwise an error with the tail of what it wrote to stderr.
absl::StatusOr<std::string> RunCommand(const std::vector<std::string>& argv,
                                       const std::vector<std::string>& env,
                                       const std::string& stderr_log,
                                       absl::Duration timeout);

// Alive and not a zombie.
bool ProcessAlive(pid_t pid);

// Forks a watchdog in its own session that SIGKILLs the last pid sent
// through `*fd_out` (SendToWatchdog) when this process dies or closes the
// socket; pid 0 disarms it. Only a process whose command line names
// kafka.Kafka is killed (pids get reused).
absl::Status StartWatchdog(int* fd_out, pid_t* pid_out);
void SendToWatchdog(int fd, pid_t pid);

std::string ReadFile(const std::string& path, size_t offset = 0);
std::string LastLines(absl::string_view text, int lines);

}  // namespace fineprint::testing::kafka_internal

#endif  // FINEPRINT_TESTS_TESTING_KAFKA_PROCESS_H_
