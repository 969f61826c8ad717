#ifndef FINEPRINT_SERVICES_RUNTIME_DB_SHA256_H_
#define FINEPRINT_SERVICES_RUNTIME_DB_SHA256_H_

#include <string>

#include "absl/strings/string_view.h"

namespace fineprint::db {

// Lowercase hex SHA-256 of `data` (64 characters).
std::string Sha256Hex(absl::string_view data);

}  // namespace fineprint::db

#endif  // FINEPRINT_SERVICES_RUNTIME_DB_SHA256_H_
