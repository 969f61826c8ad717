// Throughput of monitoring's checks on one replica against a local HTTP
// server, with the same fetches made by a bare libcurl loop in the same run
// as the baseline (ratio = Fineprint's rate / the bare loop's rate):
//
//   (a) unchanged checks per second: every watch answered 304 (target
//       >= 500/s);
//   (b) changed checks per second: 50 KB HTML pages that changed, each
//       extracted, normalised, diffed and stored with its SourceChanged
//       (target >= 100/s);
//   (c) memory per watch: the process's RSS delta over the checks / watches,
//       and the database bytes per watch;
//   (d) claim time of the check queue at 10k and at 100k due watches
//       (p50/p99 and the 100k/10k ratio).
//
//   bazel run -c opt //services/monitoring/bench:check_bench
//   bazel run -c opt //services/monitoring/bench:check_bench -- --watches=2000
//
// The real MonitoringApp runs in-process (scheduler, worker pool, Checker,
// Fetcher on the SSRF-guarded HttpClient) on a throwaway PostgreSQL (as the
// tests do; needs root or the `postgres` user) with no Kafka (events stay
// in the outbox). Watches are inserted with SQL, as CreateWatch would store
// them. The server listens on --hosts loopback addresses (127.0.1.x,
// admitted through the fetcher's allow-list): the fetcher keeps one request
// in flight per host, so one address would serialise every check.
// The per-domain politeness delay is 0 here (it is 1 s by default: one
// domain would give 1 check/s).

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "services/monitoring/checker.h"
#include "services/monitoring/monitoring_app.h"
#include "services/runtime/db/pool.h"
#include "services/runtime/http/ip_address.h"
#include "services/runtime/jobs/job_queue.h"
#include "services/runtime/log/log.h"
#include "services/runtime/status/status.h"
#include "tests/testing/postgres_server.h"

ABSL_FLAG(std::string, bench_pg_dsn, "",
          "libpq conninfo of an empty database; empty: start a throwaway "
          "server");
ABSL_FLAG(int, watches, 10000, "Watches on the replica (phase a).");
ABSL_FLAG(int, changed, 1000,
          "Watches whose 50 KB page changes (phase b; a subset).");
ABSL_FLAG(int, page_kb, 50, "Size of the changing HTML page.");
ABSL_FLAG(int, workers, 8, "Check workers (and bare-loop threads).");
ABSL_FLAG(int, hosts, 16, "Loopback addresses the server listens on.");
ABSL_FLAG(int, claim_due, 100000, "Due watches for the large claim figure.");
ABSL_FLAG(int, claims, 1000, "Claims timed at each backlog size.");

namespace fineprint::monitoring {
namespace {

// --- A minimal loopback HTTP server
// -------------------------------------------

// One listening socket per loopback address, all on one port, each served
// by two threads that accept, read one request, answer and close (the
// runtime HttpClient opens a connection per request).
class PageServer {
 public:
  PageServer(int hosts, int changed, int page_kb) : changed_(changed) {
    small_ = Page(0, 2);
    for (int g = 1; g <= 2; ++g) big_.push_back(Page(g, page_kb));
    for (int i = 0; i < hosts; ++i) {
      addresses_.push_back(absl::StrCat("127.0.1.", i + 1));
    }
  }
  ~PageServer() {
    stop_ = true;
    for (int fd : fds_) shutdown(fd, SHUT_RDWR);
    for (std::thread& t : threads_) t.join();
    for (int fd : fds_) close(fd);
  }

  absl::Status Start() {
    for (int attempt = 0; attempt < 20; ++attempt) {
      if (Listen()) break;
      for (int fd : fds_) close(fd);
      fds_.clear();
    }
    if (fds_.empty()) return absl::UnavailableError("cannot listen");
    for (int fd : fds_) {
      for (int t = 0; t < 2; ++t)
        threads_.emplace_back([this, fd] { Loop(fd); });
    }
    return absl::OkStatus();
  }

  int port() const { return port_; }
  const std::vector<std::string>& addresses() const { return addresses_; }
  std::string Url(int watch) const {
    return absl::StrCat("http://", addresses_[watch % addresses_.size()], ":",
                        port_, "/p/", watch);
  }
  // 0: every page is the small one; g >= 1: pages of the first `changed`
  // watches are the big page of generation g.
  void set_generation(int g) { generation_ = g; }
  const std::string& big(int g) const { return big_[g - 1]; }
  int64_t ok() const { return ok_; }
  int64_t not_modified() const { return not_modified_; }

 private:
  // A terms page of about `kb` KB; generation g rewrites a few clauses.
  static std::string Page(int generation, int kb) {
    std::string html =
        "<!doctype html><html><head><meta charset=\"utf-8\">"
        "<title>Terms</title><script>var x = 1;</script></head><body>"
        "<nav><a href=\"/\">Home</a></nav><main><h1>Terms of Service</h1>\n";
    const size_t target = static_cast<size_t>(kb) * 1024;
    for (int n = 1; html.size() < target; ++n) {
      if (n % 10 == 1)
        absl::StrAppend(&html, "<h2>Section ", n / 10 + 1, "</h2>\n");
      std::string clause = absl::StrCat(
          "Clause ", n, ": the provider may process account data of type ",
          n * 7 % 13, " for the purposes listed in schedule ", n % 5,
          ", subject to the limits of section ", n % 17,
          " and the user's right to object at any time.");
      // Each generation rewrites three clauses and adds one.
      if (generation > 0 && n % 97 == generation) {
        clause = absl::StrCat("Clause ", n, " (revision ", generation,
                              "): disputes are settled by binding arbitration "
                              "and class actions are waived.");
      }
      absl::StrAppend(&html, "<p>", clause, "</p>\n");
    }
    absl::StrAppend(&html, "</main><footer>Acme</footer></body></html>\n");
    return html;
  }

  bool Listen() {
    port_ = 0;
    for (const std::string& address : addresses_) {
      const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0) return false;
      fds_.push_back(fd);
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      sa.sin_port = htons(port_);
      inet_pton(AF_INET, address.c_str(), &sa.sin_addr);
      if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0 ||
          listen(fd, 1024) != 0) {
        return false;
      }
      if (port_ == 0) {
        socklen_t len = sizeof(sa);
        getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
        port_ = ntohs(sa.sin_port);
      }
    }
    return true;
  }

  void Loop(int listen_fd) {
    while (!stop_) {
      const int fd = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        if (stop_) return;
        continue;
      }
      Serve(fd);
      close(fd);
    }
  }

  void Serve(int fd) {
    std::string request;
    char buf[4096];
    while (!absl::StrContains(request, "\r\n\r\n") && request.size() < 65536) {
      const ssize_t n = read(fd, buf, sizeof(buf));
      if (n <= 0) return;
      request.append(buf, n);
    }
    const size_t sp1 = request.find(' ');
    const size_t sp2 = request.find(' ', sp1 + 1);
    const std::string path = request.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string inm;
    for (absl::string_view line : absl::StrSplit(request, "\r\n")) {
      if (absl::StartsWithIgnoreCase(line, "if-none-match:")) {
        inm = std::string(absl::StripAsciiWhitespace(line.substr(14)));
      }
    }
    int watch = -1;
    if (!absl::StartsWith(path, "/p/") ||
        !absl::SimpleAtoi(path.substr(3), &watch)) {
      Write(fd,
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
            "Connection: close\r\n\r\n");
      return;
    }
    const int g = generation_;
    const bool big = g > 0 && watch < changed_;
    const std::string etag = big ? absl::StrCat("\"b", g, "\"") : "\"s\"";
    if (inm == etag) {
      ++not_modified_;
      Write(fd, absl::StrCat("HTTP/1.1 304 Not Modified\r\nETag: ", etag,
                             "\r\nConnection: close\r\n\r\n"));
      return;
    }
    ++ok_;
    const std::string& body = big ? big_[g - 1] : small_;
    Write(fd, absl::StrCat("HTTP/1.1 200 OK\r\nContent-Type: text/html; "
                           "charset=utf-8\r\nETag: ",
                           etag, "\r\nContent-Length: ", body.size(),
                           "\r\nConnection: close\r\n\r\n"));
    Write(fd, body);
  }

  static void Write(int fd, absl::string_view data) {
    while (!data.empty()) {
      const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      data.remove_prefix(n);
    }
  }

  const int changed_;
  std::string small_;
  std::vector<std::string> big_;
  std::vector<std::string> addresses_;
  std::vector<int> fds_;
  int port_ = 0;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<int> generation_{0};
  std::atomic<int64_t> ok_{0};
  std::atomic<int64_t> not_modified_{0};
};

// --- Helpers
// -------------------------------------------------------------------

int64_t RssBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (absl::StartsWith(line, "VmRSS:")) {
      int64_t kb = 0;
      std::string digits;
      for (char c : line) {
        if (c >= '0' && c <= '9') digits += c;
      }
      if (absl::SimpleAtoi(digits, &kb)) return kb * 1024;
    }
  }
  return 0;
}

absl::Status Exec(db::Pool& pool, absl::string_view sql,
                  std::vector<db::Param> params = {}) {
  absl::StatusOr<db::PooledConnection> conn = pool.Acquire();
  if (!conn.ok()) return conn.status();
  return (*conn)->Execute(sql, params).status();
}

absl::StatusOr<int64_t> Count(db::Pool& pool, absl::string_view sql,
                              std::vector<db::Param> params = {}) {
  absl::StatusOr<db::PooledConnection> conn = pool.Acquire();
  if (!conn.ok()) return conn.status();
  absl::StatusOr<db::Result> r = (*conn)->Execute(sql, params);
  if (!r.ok()) return r.status();
  return (*r)[0].GetInt64(0);
}

std::string WatchId(int i) { return absl::StrFormat("w%06d", i); }

// Inserts watches [from, to) as CreateWatch stores them, with their check
// rows in `check_state` (SCHEDULED a day ahead, or QUEUED).
absl::Status InsertWatches(db::Pool& pool, const PageServer& web, int from,
                           int to, absl::string_view check_state) {
  const std::string hosts = absl::StrCat(web.addresses().size());
  FP_RETURN_IF_ERROR(Exec(
      pool,
      absl::StrCat("INSERT INTO watches (org_id, id, url, display_name, kind,"
                   "   check_interval_seconds, state, plan)"
                   " SELECT 'bench', 'w' || lpad(i::text, 6, '0'),"
                   "   'http://127.0.1.' || (i % ",
                   hosts, " + 1) || ':", web.port(),
                   "/p/' || i, 'Terms', 'TERMS_OF_SERVICE', 86400, 'ACTIVE',"
                   "   'ENTERPRISE'"
                   " FROM generate_series($1::int, $2::int - 1) AS i"),
      {from, to}));
  return Exec(
      pool,
      "INSERT INTO checks (org_id, id, state, priority, max_attempts,"
      "   available_at, rank_time)"
      " SELECT 'bench', 'w' || lpad(i::text, 6, '0'), $3, 0, 3,"
      "   CASE WHEN $3 = 'QUEUED' THEN now() ELSE now() + interval '1 day' END,"
      "   CASE WHEN $3 = 'QUEUED'"
      "     THEN now() - (i % 86400) * interval '1 second' END"
      " FROM generate_series($1::int, $2::int - 1) AS i",
      {from, to, std::string(check_state)});
}

// Makes watches [0, n) due now and waits until each has `round` checks;
// the checks per second from the update to the last completion.
absl::StatusOr<double> CheckRound(db::Pool& pool, int n, int round) {
  const absl::Time start = absl::Now();
  FP_RETURN_IF_ERROR(Exec(pool,
                          "UPDATE checks SET available_at = now()"
                          " WHERE state = 'SCHEDULED' AND id < $1",
                          {WatchId(n)}));
  const absl::Time deadline = start + absl::Minutes(10);
  while (true) {
    FP_ASSIGN_OR_RETURN(
        int64_t done,
        Count(pool,
              "SELECT count(*) FROM watches WHERE id < $1 AND checks_total >= "
              "$2",
              {WatchId(n), round}));
    if (done >= n) break;
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("round ", round, ": ", done, " of ", n, " checked"));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return n / absl::ToDoubleSeconds(absl::Now() - start);
}

// The bare baseline: `threads` threads fetch watches [0, n) with plain
// libcurl, a fresh handle (and connection) per request like the runtime
// client, sending `etag` as If-None-Match when not empty. Requests/s.
double BareLoop(const PageServer& web, int n, int threads,
                const std::string& etag, int64_t* bytes) {
  std::atomic<int> next{0};
  std::atomic<int64_t> total{0};
  std::atomic<int> errors{0};
  const absl::Time start = absl::Now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      std::string body;
      for (int i = next++; i < n; i = next++) {
        CURL* h = curl_easy_init();
        curl_slist* headers = nullptr;
        if (!etag.empty()) {
          headers = curl_slist_append(
              headers, absl::StrCat("If-None-Match: ", etag).c_str());
        }
        const std::string url = web.Url(i);
        body.clear();
        curl_easy_setopt(h, CURLOPT_URL, url.c_str());
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(
            h, CURLOPT_WRITEFUNCTION,
            +[](char* p, size_t size, size_t count, void* out) -> size_t {
              static_cast<std::string*>(out)->append(p, size * count);
              return size * count;
            });
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
        long status = 0;
        if (curl_easy_perform(h) != CURLE_OK) ++errors;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        if (status != (etag.empty() ? 200 : 304)) ++errors;
        total += body.size();
        curl_slist_free_all(headers);
        curl_easy_cleanup(h);
      }
    });
  }
  for (std::thread& t : pool) t.join();
  const double rate = n / absl::ToDoubleSeconds(absl::Now() - start);
  if (errors > 0) std::fprintf(stderr, "bare loop: %d errors\n", errors.load());
  if (bytes != nullptr) *bytes = total;
  return rate;
}

struct Latency {
  double p50_ms = 0;
  double p99_ms = 0;
};

absl::StatusOr<Latency> TimeClaims(db::Pool& pool, jobs::JobQueue& queue,
                                   int claims) {
  FP_RETURN_IF_ERROR(Exec(pool, "VACUUM ANALYZE checks"));
  for (int i = 0; i < 20; ++i) {  // warm-up
    FP_RETURN_IF_ERROR(queue.Claim<CheckPayload>("bench").status());
  }
  std::vector<double> ms;
  for (int i = 0; i < claims; ++i) {
    const absl::Time start = absl::Now();
    absl::StatusOr<std::optional<jobs::ClaimedJob<CheckPayload>>> job =
        queue.Claim<CheckPayload>(absl::StrCat("bench/", i));
    ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
    if (!job.ok()) return job.status();
    if (!job->has_value()) return absl::InternalError("the queue ran dry");
  }
  std::sort(ms.begin(), ms.end());
  return Latency{ms[ms.size() / 2],
                 ms[std::min(ms.size() - 1, ms.size() * 99 / 100)]};
}

absl::Status Run() {
  const int n = absl::GetFlag(FLAGS_watches);
  const int changed = std::min(absl::GetFlag(FLAGS_changed), n);
  const int workers = absl::GetFlag(FLAGS_workers);
  const int claim_due = absl::GetFlag(FLAGS_claim_due);
  const int claims = absl::GetFlag(FLAGS_claims);
  if (n < claims + 20 || claim_due < n) {
    return absl::InvalidArgumentError(
        "need --watches >= --claims + 20 and --claim_due >= --watches");
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);

  PageServer web(absl::GetFlag(FLAGS_hosts), changed,
                 absl::GetFlag(FLAGS_page_kb));
  FP_RETURN_IF_ERROR(web.Start());

  std::unique_ptr<::fineprint::testing::PostgresServer> pg;
  std::string dsn = absl::GetFlag(FLAGS_bench_pg_dsn);
  if (dsn.empty()) {
    FP_ASSIGN_OR_RETURN(pg, ::fineprint::testing::PostgresServer::Start());
    dsn = pg->dsn();
  }
  MonitoringAppOptions options;
  options.pg_dsn = dsn;
  options.pg_pool_size = workers + 4;
  options.host.host = "127.0.0.1";
  options.host.admin_port = -1;
  // Credentials are never checked here: no RPC is made.
  options.identity_target = "127.0.0.1:1";
  FP_ASSIGN_OR_RETURN(options.fetcher.allow,
                      http::ParseIpRanges("127.0.1.0/24"));
  options.fetcher.domain_delay = absl::ZeroDuration();
  options.workers.workers = workers;
  options.workers.idle_poll = absl::Milliseconds(5);
  options.scheduler.poll = absl::Milliseconds(10);
  FP_ASSIGN_OR_RETURN(std::unique_ptr<MonitoringApp> app,
                      MonitoringApp::Start(options));
  db::Pool& pool = app->pool();

  std::printf(
      "monitoring check_bench: %d watches on %zu loopback hosts, %d workers, "
      "%d changing %d KB pages\n",
      n, web.addresses().size(), workers, changed,
      absl::GetFlag(FLAGS_page_kb));
  FP_RETURN_IF_ERROR(InsertWatches(pool, web, 0, n, "SCHEDULED"));
  const int64_t rss_before = RssBytes();

  // First check of every watch: a 2 KB page, a first version each.
  FP_ASSIGN_OR_RETURN(double first, CheckRound(pool, n, 1));
  std::printf("first checks (2 KB page, new version):  %8.1f /s\n", first);

  // (a) Every watch again: 304.
  const int64_t nm_before = web.not_modified();
  FP_ASSIGN_OR_RETURN(double unchanged, CheckRound(pool, n, 2));
  const int64_t rss_after = RssBytes();
  const int64_t nm = web.not_modified() - nm_before;
  const double bare_304 = BareLoop(web, n, workers, "\"s\"", nullptr);
  std::printf(
      "(a) unchanged checks via 304:            %8.1f /s  (bare libcurl %.1f "
      "/s, ratio %.2f; %lld of %d answered 304; target >= 500/s)\n",
      unchanged, bare_304, unchanged / bare_304, static_cast<long long>(nm), n);

  // (c) Memory.
  FP_ASSIGN_OR_RETURN(int64_t db_bytes,
                      Count(pool,
                            "SELECT pg_total_relation_size('watches') + "
                            "pg_total_relation_size('checks')"));
  std::printf(
      "(c) memory per watch: process RSS delta %.0f B (%.1f MiB over %d "
      "watches); database %.0f B (watches + checks rows and indexes)\n",
      static_cast<double>(rss_after - rss_before) / n,
      (rss_after - rss_before) / 1048576.0, n,
      static_cast<double>(db_bytes) / n);

  // (b) Changed 50 KB pages: generation 1 replaces the small page (a large
  // diff), generation 2 rewrites a few clauses (the usual change).
  FP_ASSIGN_OR_RETURN(int64_t versions_before,
                      Count(pool, "SELECT count(*) FROM source_versions"));
  web.set_generation(1);
  FP_ASSIGN_OR_RETURN(double to_big, CheckRound(pool, changed, 3));
  web.set_generation(2);
  FP_ASSIGN_OR_RETURN(double changed_rate, CheckRound(pool, changed, 4));
  FP_ASSIGN_OR_RETURN(int64_t versions_after,
                      Count(pool, "SELECT count(*) FROM source_versions"));
  int64_t bytes = 0;
  const double bare_200 = BareLoop(web, changed, workers, "", &bytes);
  std::printf("    small -> 50 KB page (whole-page diff): %8.1f /s\n", to_big);
  std::printf(
      "(b) changed 50 KB pages, extract + diff:  %8.1f /s  (bare libcurl "
      "%.1f /s, ratio %.2f; %lld new versions of %d; target >= 100/s)\n",
      changed_rate, bare_200, changed_rate / bare_200,
      static_cast<long long>(versions_after - versions_before), 2 * changed);

  // (d) Claims, with the workers and scheduler stopped.
  app->workers().Stop();
  app->scheduler().Stop();
  jobs::JobQueue queue(&pool, CheckQueueOptions());
  FP_RETURN_IF_ERROR(
      Exec(pool,
           "UPDATE checks SET state = 'QUEUED', available_at = now(),"
           "   rank_time = now() - random() * interval '1 day'"));
  FP_ASSIGN_OR_RETURN(Latency small, TimeClaims(pool, queue, claims));
  FP_RETURN_IF_ERROR(InsertWatches(pool, web, n, claim_due, "QUEUED"));
  FP_RETURN_IF_ERROR(Exec(pool,
                          "UPDATE checks SET state = 'QUEUED', lease_owner = "
                          "NULL, lease_expires_at = NULL WHERE state <> "
                          "'QUEUED'"));
  FP_ASSIGN_OR_RETURN(Latency large, TimeClaims(pool, queue, claims));
  std::printf(
      "(d) claim at %d due: p50 %.3f ms  p99 %.3f ms;  at %d due: p50 %.3f "
      "ms  p99 %.3f ms  (ratio %d/%d: p50 %.2f, p99 %.2f)\n",
      n, small.p50_ms, small.p99_ms, claim_due, large.p50_ms, large.p99_ms,
      claim_due, n, large.p50_ms / small.p50_ms, large.p99_ms / small.p99_ms);
  std::fflush(stdout);
  app->Shutdown();
  return absl::OkStatus();
}

}  // namespace
}  // namespace fineprint::monitoring

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  // Per-check info logs would measure the terminal.
  fineprint::log::SetMinLevel(fineprint::log::Level::kWarning);
  absl::Status s = fineprint::monitoring::Run();
  if (!s.ok()) {
    std::fprintf(stderr, "check_bench: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}
