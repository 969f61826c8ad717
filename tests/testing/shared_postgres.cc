#include "tests/testing/shared_postgres.h"

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"

namespace fineprint::testing {
namespace {

struct Shared {
  absl::Mutex mu;
  bool tried ABSL_GUARDED_BY(mu) = false;
  absl::Status error ABSL_GUARDED_BY(mu);
  std::unique_ptr<PostgresServer> server ABSL_GUARDED_BY(mu);
};

Shared& GetShared() {
  static Shared* shared = new Shared();  // never destroyed: see Environment
  return *shared;
}

// Stops the server once all tests ran, while the process is still intact
// (static destructors would run in an unspecified order).
class SharedPostgresEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    std::unique_ptr<PostgresServer> server;
    {
      Shared& shared = GetShared();
      absl::MutexLock lock(&shared.mu);
      server = std::move(shared.server);
    }
    server.reset();
  }
};

// Registered at load time, so it is in place before RUN_ALL_TESTS.
[[maybe_unused]] ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new SharedPostgresEnvironment());

}  // namespace

absl::StatusOr<PostgresServer*> SharedPostgres() {
  Shared& shared = GetShared();
  absl::MutexLock lock(&shared.mu);
  if (!shared.tried) {
    shared.tried = true;
    absl::StatusOr<std::unique_ptr<PostgresServer>> server =
        PostgresServer::Start();
    if (server.ok()) {
      shared.server = *std::move(server);
    } else {
      shared.error = server.status();
    }
  }
  if (shared.server == nullptr) {
    return shared.error.ok()
               ? absl::FailedPreconditionError("shared server already stopped")
               : shared.error;
  }
  return shared.server.get();
}

absl::StatusOr<std::string> NewTestDatabase(absl::string_view prefix) {
  absl::StatusOr<PostgresServer*> server = SharedPostgres();
  if (!server.ok()) return server.status();
  return (*server)->CreateUniqueDatabase(prefix);
}

}  // namespace fineprint::testing
