#include "services/runtime/config/config.h"

#include <cstdlib>
#include <iostream>

#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace fineprint::config {

std::string EnvVarFor(absl::string_view flag_name) {
  return absl::StrCat("FINEPRINT_", absl::AsciiStrToUpper(flag_name));
}

absl::Status ApplyEnvironment() {
  for (auto& [name, flag] : absl::GetAllFlags()) {
    const std::string var = EnvVarFor(name);
    const char* value = std::getenv(var.c_str());
    if (value == nullptr) continue;
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      // Abseil's message quotes the value, which may be a credential, so
      // only the variable and the flag's type are reported.
      return absl::InvalidArgumentError(absl::StrCat(
          "environment variable ", var, " does not parse as flag --", name));
    }
  }
  return absl::OkStatus();
}

std::vector<char*> ParseFlagsAndEnv(int argc, char** argv) {
  if (absl::Status s = ApplyEnvironment(); !s.ok()) {
    std::cerr << s.message() << "\n";
    std::exit(2);
  }
  return absl::ParseCommandLine(argc, argv);
}

}  // namespace fineprint::config
