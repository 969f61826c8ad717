#include "services/runtime/tls/test_certs.h"

#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace fineprint::tls::testing {
namespace {

std::string ScriptPath() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  if (srcdir == nullptr) return "infra/tls/make-dev-certs.sh";
  return absl::StrCat(srcdir, "/fineprint/infra/tls/make-dev-certs.sh");
}

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace

std::string NewCertDir() {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string pattern = absl::StrCat(tmp ? tmp : "/tmp", "/certs-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) return "";
  return pattern;
}

absl::Status MakeCerts(const std::string& dir,
                       const std::vector<std::string>& names) {
  std::string command =
      absl::StrCat("bash ", Quote(ScriptPath()), " ", Quote(dir));
  for (const std::string& name : names)
    absl::StrAppend(&command, " ", Quote(name));
  absl::StrAppend(&command, " >/dev/null");
  const int rc = std::system(command.c_str());
  if (rc != 0) {
    return absl::InternalError(absl::StrCat(command, " exited with ", rc));
  }
  return absl::OkStatus();
}

}  // namespace fineprint::tls::testing
