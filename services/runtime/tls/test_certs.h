#ifndef FINEPRINT_SERVICES_RUNTIME_TLS_TEST_CERTS_H_
#define FINEPRINT_SERVICES_RUNTIME_TLS_TEST_CERTS_H_

// Certificates for tests, made by the same script developers use
// (infra/tls/make-dev-certs.sh): a CA and one certificate per name.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace fineprint::tls::testing {

// A fresh folder under TEST_TMPDIR (or /tmp).
std::string NewCertDir();

// Runs the script on `dir` for `names` (see the script for "name@localhost").
// The CA already in `dir` is kept, so calling it again rotates certificates
// under the same root.
absl::Status MakeCerts(const std::string& dir,
                       const std::vector<std::string>& names);

}  // namespace fineprint::tls::testing

#endif  // FINEPRINT_SERVICES_RUNTIME_TLS_TEST_CERTS_H_
