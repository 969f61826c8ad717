#ifndef FINEPRINT_SERVICES_RUNTIME_CONFIG_CONFIG_H_
#define FINEPRINT_SERVICES_RUNTIME_CONFIG_CONFIG_H_

// Configuration comes from Abseil flags; every flag can also be set from the
// environment as FINEPRINT_<FLAG_NAME_UPPERCASE>. The command line wins over
// the environment, the environment over the flag's default, so a container
// can be configured by env alone and a developer can still override by flag.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace fineprint::config {

// The environment variable that sets flag `flag_name`.
std::string EnvVarFor(absl::string_view flag_name);

// Applies environment overrides, then parses the command line. Exits the
// process with a usage message on malformed input (as absl::ParseCommandLine
// does). Returns the positional arguments.
std::vector<char*> ParseFlagsAndEnv(int argc, char** argv);

// Applies FINEPRINT_* environment overrides to registered flags. Returns an
// error naming the variable when a value does not parse.
absl::Status ApplyEnvironment();

}  // namespace fineprint::config

#endif  // FINEPRINT_SERVICES_RUNTIME_CONFIG_CONFIG_H_
