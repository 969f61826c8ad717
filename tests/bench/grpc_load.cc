// A closed-loop gRPC load generator: `--concurrency` callers, each with a
// call always in flight, spread over `--channels` connections, calling
// IdentityService.GetMe (with --token) or GetPublicKeySet for `--seconds`.
// Prints requests/s and latency percentiles in a wrk-like form, so the
// edge benchmark can compare the two in one run.

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "fineprint/identity/v1/identity.grpc.pb.h"
#include "grpcpp/create_channel.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "gRPC server.");
ABSL_FLAG(std::string, method, "GetMe", "GetMe or GetPublicKeySet.");
ABSL_FLAG(std::string, token, "", "Bearer token for GetMe.");
ABSL_FLAG(int, concurrency, 64, "Calls in flight.");
ABSL_FLAG(int, channels, 64, "Connections (like wrk's -c).");
ABSL_FLAG(int, seconds, 10, "Duration.");

namespace v1 = ::fineprint::identity::v1;

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  std::vector<std::unique_ptr<v1::IdentityService::Stub>> stubs;
  for (int i = 0; i < absl::GetFlag(FLAGS_channels); ++i) {
    grpc::ChannelArguments args;
    args.SetInt("grpc.channel_id", i);  // distinct connections
    stubs.push_back(v1::IdentityService::NewStub(
        grpc::CreateCustomChannel(absl::GetFlag(FLAGS_target),
                                  grpc::InsecureChannelCredentials(), args)));
  }
  const bool get_me = absl::GetFlag(FLAGS_method) == "GetMe";
  const std::string auth = absl::StrCat("Bearer ", absl::GetFlag(FLAGS_token));
  std::atomic<int64_t> errors{0};
  std::vector<std::vector<double>> latencies(concurrency);
  const absl::Time start = absl::Now();
  const absl::Time end = start + absl::Seconds(absl::GetFlag(FLAGS_seconds));
  std::vector<std::thread> threads;
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&, t] {
      auto& stub = *stubs[t % stubs.size()];
      while (absl::Now() < end) {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(5));
        const absl::Time s = absl::Now();
        grpc::Status status;
        if (get_me) {
          ctx.AddMetadata("authorization", auth);
          v1::Me me;
          status = stub.GetMe(&ctx, {}, &me);
        } else {
          v1::PublicKeySet set;
          status = stub.GetPublicKeySet(&ctx, {}, &set);
        }
        if (status.ok()) {
          latencies[t].push_back(absl::ToDoubleMilliseconds(absl::Now() - s));
        } else {
          ++errors;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0.0 : all[static_cast<size_t>(p * (all.size() - 1))];
  };
  std::printf("requests %zu errors %lld seconds %.2f\n", all.size(),
              static_cast<long long>(errors.load()), seconds);
  std::printf("Requests/sec: %.2f\n", all.size() / seconds);
  std::printf("50%% %.3fms\n99%% %.3fms\n", pct(0.5), pct(0.99));
  return errors.load() == 0 ? 0 : 1;
}
