// CPU cost per request of the edge's rate limiting: the shared limiter
// (one EVALSHA round trip to a real redis-server on loopback) against the
// local token buckets, through the same RequestLimiter the edge calls, in
// the same run:
//
//   bazel run -c opt //gateway/ratelimit:limiter_bench -- --seconds=5
//
// Reports the edge process's CPU time per decision (what an edge replica
// pays), the redis-server's CPU per decision (what the shared Redis pays),
// decision latency percentiles, and the ratios.

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway/ratelimit/redis_limiter.h"
#include "gateway/ratelimit/redis_test_server.h"
#include "gateway/ratelimit/request_limiter.h"

ABSL_FLAG(double, seconds, 5, "Measuring time of each variant.");
ABSL_FLAG(int, threads, 2, "Threads deciding concurrently.");
ABSL_FLAG(int, orgs, 1000, "Distinct organisations (bucket keys).");

namespace fineprint::gateway::ratelimit {
namespace {

double ProcessCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

// utime + stime of another process, from /proc.
double ChildCpuSeconds(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string line;
  std::getline(in, line);
  // Fields after the ")" closing the command name; utime and stime are
  // fields 14 and 15 of the whole line.
  std::istringstream rest(line.substr(line.rfind(')') + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  return (utime + stime) / sysconf(_SC_CLK_TCK);
}

struct Result {
  int64_t decisions = 0;
  double cpu_us = 0;         // this process, per decision
  double server_cpu_us = 0;  // redis-server, per decision
  double p50_us = 0, p99_us = 0;
  double per_second = 0;
};

Result Run(RequestLimiter& limiter, pid_t server) {
  const int threads = absl::GetFlag(FLAGS_threads);
  const int orgs = absl::GetFlag(FLAGS_orgs);
  std::vector<std::string> names;
  for (int i = 0; i < orgs; ++i) names.push_back(absl::StrCat("orgs/", i));
  // Warm-up: connections, script load, buckets.
  for (int i = 0; i < orgs; ++i)
    limiter.TakeForOrganization(names[i], "ENTERPRISE");

  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> latencies(threads);
  std::vector<int64_t> counts(threads, 0);
  const double cpu0 = ProcessCpuSeconds();
  const double server0 = server > 0 ? ChildCpuSeconds(server) : 0;
  const absl::Time t0 = absl::Now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      uint64_t n = t;
      latencies[t].reserve(1 << 20);
      while (!stop.load(std::memory_order_relaxed)) {
        const std::string& org = names[n++ % names.size()];
        const absl::Time s = absl::Now();
        limiter.TakeForOrganization(org, "ENTERPRISE");
        if ((counts[t]++ & 15) == 0) {
          latencies[t].push_back(absl::ToDoubleMicroseconds(absl::Now() - s));
        }
      }
    });
  }
  absl::SleepFor(absl::Seconds(absl::GetFlag(FLAGS_seconds)));
  stop = true;
  for (auto& th : pool) th.join();
  const double wall = absl::ToDoubleSeconds(absl::Now() - t0);
  Result r;
  for (int64_t c : counts) r.decisions += c;
  r.cpu_us = (ProcessCpuSeconds() - cpu0) * 1e6 / r.decisions;
  if (server > 0) {
    r.server_cpu_us = (ChildCpuSeconds(server) - server0) * 1e6 / r.decisions;
  }
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  r.p50_us = all[all.size() / 2];
  r.p99_us = all[static_cast<size_t>(all.size() * 0.99)];
  r.per_second = r.decisions / wall;
  return r;
}

void Print(const char* name, const Result& r) {
  std::printf(
      "%-7s %10lld decisions  %9.0f/s  edge CPU %7.2f us/decision  redis CPU "
      "%6.2f us/decision  latency p50 %7.1f us  p99 %7.1f us\n",
      name, static_cast<long long>(r.decisions), r.per_second, r.cpu_us,
      r.server_cpu_us, r.p50_us, r.p99_us);
}

int Main() {
  auto redis = testing::RedisTestServer::Start();
  if (!redis.ok()) {
    std::fprintf(stderr, "redis-server: %s\n",
                 std::string(redis.status().message()).c_str());
    return 1;
  }
  RequestLimitOptions options;
  // A limit no run reaches: every decision is a full one (admit + write).
  options.plans.enterprise_per_minute = 1e9;
  RequestLimiter local(options);
  const Result l = Run(local, -1);

  RedisLimiterOptions redis_options;
  redis_options.address = (*redis)->address();
  RedisLimiter shared(redis_options);
  options.shared = &shared;
  RequestLimiter via_redis(options);
  const Result r = Run(via_redis, (*redis)->pid());
  if (!shared.shared()) {
    std::fprintf(stderr, "Redis fell back to local during the run\n");
    return 1;
  }
  std::printf("rate limiter, %d threads, %d organisations, %.0f s each\n",
              absl::GetFlag(FLAGS_threads), absl::GetFlag(FLAGS_orgs),
              absl::GetFlag(FLAGS_seconds));
  Print("local", l);
  Print("redis", r);
  std::printf(
      "ratio redis/local: edge CPU per decision x%.1f (+%.2f us), latency p50 "
      "x%.1f; redis-server adds %.2f us CPU per decision\n",
      r.cpu_us / l.cpu_us, r.cpu_us - l.cpu_us, r.p50_us / l.p50_us,
      r.server_cpu_us);
  return 0;
}

}  // namespace
}  // namespace fineprint::gateway::ratelimit

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return fineprint::gateway::ratelimit::Main();
}
