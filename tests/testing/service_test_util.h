#ifndef FINEPRINT_TESTS_TESTING_SERVICE_TEST_UTIL_H_
#define FINEPRINT_TESTS_TESTING_SERVICE_TEST_UTIL_H_

// What every in-process service fixture needs around the service itself:
// calls over real gRPC with a bearer token, unique sign-up emails, and
// direct reads and writes of the service's database to check side effects.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "services/runtime/db/param.h"
#include "services/runtime/db/pool.h"

namespace fineprint::testing {

// A context carrying `bearer_token` (none if empty) whose deadline is
// `timeout` from now, so a hung service fails the test instead of the run.
std::unique_ptr<grpc::ClientContext> ClientContext(
    const std::string& bearer_token,
    absl::Duration timeout = absl::Seconds(10));

// An email address no other call returns, even in a concurrent test process
// sharing the database server.
std::string UniqueEmail(absl::string_view tag);

// The integer in the first column of the first row `sql` returns (a count),
// or -1 after failing the current test.
int64_t QueryInt64(db::Pool& pool, absl::string_view sql,
                   std::vector<db::Param> params = {});

// Runs one statement in its own transaction.
absl::Status Exec(db::Pool& pool, absl::string_view sql,
                  std::vector<db::Param> params = {});

// A stub for `Service` on a plaintext channel to `target` (an in-process
// server on 127.0.0.1).
template <typename Service>
std::unique_ptr<typename Service::Stub> ConnectInsecure(
    const std::string& target) {
  return Service::NewStub(
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
}

}  // namespace fineprint::testing

#endif  // FINEPRINT_TESTS_TESTING_SERVICE_TEST_UTIL_H_
