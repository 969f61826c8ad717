// Claim latency of the job queue as the backlog grows: fills the reference
// jobs table with 10k, then 1M QUEUED jobs (generate_series, mixed
// priorities and ages), times --claims claims at each size and prints
// p50/p99 and the 1M/10k ratio. An index-driven claim stays flat; one that
// sorts the eligible rows grows with them.
//
//   bazel run -c opt //services/runtime/jobs:claim_bench
//   bazel run -c opt //services/runtime/jobs:claim_bench -- --pg_dsn='host=...
//   dbname=...'
//
// Without --pg_dsn it starts a throwaway PostgreSQL (as the tests do; needs
// root or the `postgres` user). With --pg_dsn it creates schema jobs_test in
// that database and drops it at the end.

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "services/runtime/db/pool.h"
#include "services/runtime/jobs/job_queue.h"
#include "services/runtime/jobs/test_jobs.h"
#include "tests/testing/postgres_server.h"

ABSL_FLAG(std::string, pg_dsn, "",
          "libpq conninfo; empty: start a throwaway server");
ABSL_FLAG(int, claims, 2000, "Claims timed at each size.");
ABSL_FLAG(std::vector<std::string>, sizes,
          std::vector<std::string>({"10000", "1000000"}),
          "Backlog sizes (QUEUED jobs).");

namespace fineprint::jobs {
namespace {

struct Figures {
  double p50_ms = 0;
  double p99_ms = 0;
};

absl::Status Exec(db::Pool& pool, absl::string_view sql) {
  absl::StatusOr<db::PooledConnection> conn = pool.Acquire();
  if (!conn.ok()) return conn.status();
  return (*conn)->Execute(sql).status();
}

absl::StatusOr<Figures> Measure(db::Pool& pool, JobQueue& queue, int64_t size,
                                int claims) {
  absl::Status s = Exec(pool, "TRUNCATE jobs");
  if (!s.ok()) return s;
  const absl::Time fill = absl::Now();
  // Ages spread over a day, priorities 1..3: ranks interleave, so the
  // claim cannot just take the newest or oldest rows.
  s = Exec(pool,
           absl::StrCat(
               "INSERT INTO jobs (org_id, id, state, priority, max_attempts,"
               "   enqueue_time, rank_time, payload)"
               " SELECT 'org' || (i % 100), 'job' || i, 'QUEUED', 1 + i % 3, 3,"
               "   t, t - (1 + i % 3) * interval '30 seconds', ''"
               " FROM generate_series(1, ",
               size,
               ") AS i, LATERAL (SELECT now() - (i % 86400) * interval "
               "'1 second' AS t) AS s"));
  if (!s.ok()) return s;
  s = Exec(pool, "VACUUM ANALYZE jobs");
  if (!s.ok()) return s;
  std::fprintf(stderr, "filled %lld jobs in %s\n", static_cast<long long>(size),
               absl::FormatDuration(absl::Now() - fill).c_str());
  // Warm-up: connections, plan cache, index pages.
  for (int i = 0; i < 50; ++i) {
    absl::StatusOr<std::optional<ClaimedJob<testing::TestPayload>>> job =
        queue.Claim<testing::TestPayload>("bench");
    if (!job.ok()) return job.status();
  }
  std::vector<double> ms;
  ms.reserve(claims);
  for (int i = 0; i < claims; ++i) {
    const absl::Time start = absl::Now();
    absl::StatusOr<std::optional<ClaimedJob<testing::TestPayload>>> job =
        queue.Claim<testing::TestPayload>(absl::StrCat("bench/", i));
    const absl::Duration took = absl::Now() - start;
    if (!job.ok()) return job.status();
    if (!job->has_value()) return absl::InternalError("the queue ran dry");
    ms.push_back(absl::ToDoubleMilliseconds(took));
  }
  std::sort(ms.begin(), ms.end());
  return Figures{ms[ms.size() / 2],
                 ms[std::min(ms.size() - 1, ms.size() * 99 / 100)]};
}

int Main() {
  std::unique_ptr<::fineprint::testing::PostgresServer> server;
  std::string dsn = absl::GetFlag(FLAGS_pg_dsn);
  if (dsn.empty()) {
    absl::StatusOr<std::unique_ptr<::fineprint::testing::PostgresServer>>
        started = ::fineprint::testing::PostgresServer::Start();
    if (!started.ok()) {
      std::fprintf(stderr, "starting PostgreSQL: %s\n",
                   started.status().ToString().c_str());
      return 1;
    }
    server = *std::move(started);
    dsn = server->dsn();
  }
  absl::StatusOr<std::unique_ptr<db::Pool>> pool =
      testing::OpenJobsDatabase(dsn, 2);
  if (!pool.ok()) {
    std::fprintf(stderr, "opening the database: %s\n",
                 pool.status().ToString().c_str());
    return 1;
  }
  JobQueueOptions options;
  options.table = "jobs";
  options.track_progress = true;
  JobQueue queue(pool->get(), options);
  std::vector<std::pair<int64_t, Figures>> results;
  for (const std::string& size : absl::GetFlag(FLAGS_sizes)) {
    int64_t n = 0;
    if (!absl::SimpleAtoi(size, &n) || n < absl::GetFlag(FLAGS_claims) + 50) {
      std::fprintf(stderr, "bad --sizes entry %s\n", size.c_str());
      return 1;
    }
    absl::StatusOr<Figures> f =
        Measure(**pool, queue, n, absl::GetFlag(FLAGS_claims));
    if (!f.ok()) {
      std::fprintf(stderr, "at %s: %s\n", size.c_str(),
                   f.status().ToString().c_str());
      return 1;
    }
    results.emplace_back(n, *f);
    std::printf("%9lld queued: claim p50 %.3f ms  p99 %.3f ms  (%d claims)\n",
                static_cast<long long>(n), f->p50_ms, f->p99_ms,
                absl::GetFlag(FLAGS_claims));
    std::fflush(stdout);
  }
  if (results.size() >= 2) {
    const Figures& first = results.front().second;
    const Figures& last = results.back().second;
    std::printf("ratio %lld/%lld: p50 %.2fx  p99 %.2fx\n",
                static_cast<long long>(results.back().first),
                static_cast<long long>(results.front().first),
                last.p50_ms / first.p50_ms, last.p99_ms / first.p99_ms);
  }
  if (server == nullptr) {
    Exec(**pool, "DROP SCHEMA jobs_test CASCADE").IgnoreError();
  }
  return 0;
}

}  // namespace
}  // namespace fineprint::jobs

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return fineprint::jobs::Main();
}
