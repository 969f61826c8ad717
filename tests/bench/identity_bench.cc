// Sign-up and login throughput of the identity service over gRPC against a
// real PostgreSQL, with production argon2id costs, and in the same run the
// baseline that bounds them: raw argon2id hashes per second on the same
// cores. Prints figures and ratios.
//
//   bazel run -c opt //tests/bench:identity_bench -- --seconds=10 --clients=4

#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/create_channel.h"
#include "services/identity/identity_app.h"
#include "services/identity/passwords.h"
#include "services/runtime/log/log.h"
#include "tests/testing/postgres_server.h"

ABSL_FLAG(int, seconds, 10, "Duration of each phase.");
ABSL_FLAG(int, clients, 4, "Concurrent client threads.");

namespace fineprint {
namespace {

namespace v1 = ::fineprint::identity::v1;

struct Phase {
  int64_t ok = 0;
  int64_t failed = 0;
  double seconds = 0;
  std::vector<double> latencies_ms;
  double rate() const { return ok / seconds; }
  double percentile(double p) {
    if (latencies_ms.empty()) return 0;
    std::sort(latencies_ms.begin(), latencies_ms.end());
    return latencies_ms[static_cast<size_t>(p * (latencies_ms.size() - 1))];
  }
};

// Runs `op(thread, i)` on `clients` threads for `duration`.
template <typename Op>
Phase Run(int clients, absl::Duration duration, Op op) {
  std::atomic<int64_t> ok{0}, failed{0};
  std::vector<std::vector<double>> lat(clients);
  const absl::Time start = absl::Now(), end = start + duration;
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      for (int64_t i = 0; absl::Now() < end; ++i) {
        const absl::Time s = absl::Now();
        if (op(t, i)) {
          ++ok;
          lat[t].push_back(absl::ToDoubleMilliseconds(absl::Now() - s));
        } else {
          ++failed;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  Phase p;
  p.ok = ok;
  p.failed = failed;
  p.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  for (auto& l : lat)
    p.latencies_ms.insert(p.latencies_ms.end(), l.begin(), l.end());
  return p;
}

void Report(const char* name, Phase& p) {
  std::printf(
      "%-22s %8.1f ops/s   p50 %7.1f ms   p99 %7.1f ms   (%lld ok, %lld "
      "failed)\n",
      name, p.rate(), p.percentile(0.5), p.percentile(0.99),
      static_cast<long long>(p.ok), static_cast<long long>(p.failed));
}

int Main() {
  log::SetMinLevel(log::Level::kWarning);
  const int clients = absl::GetFlag(FLAGS_clients);
  const absl::Duration duration = absl::Seconds(absl::GetFlag(FLAGS_seconds));

  auto pg = testing::PostgresServer::Start();
  if (!pg.ok()) {
    std::fprintf(stderr, "postgres: %s\n", pg.status().ToString().c_str());
    return 1;
  }
  auto dsn = (*pg)->CreateDatabase("bench");
  identity::IdentityAppOptions options;
  options.pg_dsn = *dsn;
  options.host.host = "127.0.0.1";
  options.host.admin_port = -1;
  options.config.max_login_failures = 1000000;
  auto app = identity::IdentityApp::Start(options);
  if (!app.ok()) {
    std::fprintf(stderr, "identity: %s\n", app.status().ToString().c_str());
    return 1;
  }
  auto channel = grpc::CreateChannel((*app)->grpc_target(),
                                     grpc::InsecureChannelCredentials());
  auto stub = v1::IdentityService::NewStub(channel);
  const std::string password = "correct horse battery staple";

  std::printf(
      "identity benchmark: %d clients, %d s per phase, argon2id INTERACTIVE\n",
      clients, absl::GetFlag(FLAGS_seconds));

  // Baseline: the password hash alone, same threads, no RPC, no database.
  identity::PasswordHasher hasher(identity::PasswordCost::Interactive());
  auto hash = hasher.Hash(password);
  Phase baseline = Run(clients, duration, [&](int, int64_t) {
    return hasher.Verify(*hash, password);
  });
  Report("baseline argon2id", baseline);

  std::vector<std::string> emails;
  absl::Mutex mu;
  Phase signup = Run(clients, duration, [&](int t, int64_t i) {
    v1::SignUpRequest req;
    const std::string email = absl::StrCat("bench", t, "-", i, "@example.com");
    req.set_email(email);
    req.set_password(password);
    req.set_display_name("Bench");
    v1::SignUpResponse resp;
    grpc::ClientContext ctx;
    if (!stub->SignUp(&ctx, req, &resp).ok()) return false;
    absl::MutexLock lock(&mu);
    emails.push_back(email);
    return true;
  });
  Report("SignUp", signup);

  Phase login = Run(clients, duration, [&](int t, int64_t i) {
    v1::LoginRequest req;
    req.set_email(emails[(t * 7919 + i) % emails.size()]);
    req.set_password(password);
    v1::AuthTokens resp;
    grpc::ClientContext ctx;
    return stub->Login(&ctx, req, &resp).ok();
  });
  Report("Login", login);

  std::printf("ratio SignUp/baseline   %.2f\n",
              signup.rate() / baseline.rate());
  std::printf("ratio Login/baseline    %.2f\n", login.rate() / baseline.rate());
  return signup.failed + login.failed == 0 ? 0 : 1;
}

}  // namespace
}  // namespace fineprint

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return fineprint::Main();
}
