// Notification throughput and latency, each against a baseline:
//   a) webhook deliveries/s of ~1 KB events to a local receiver (signed,
//      recorded, one job per attempt) vs a bare libcurl POST loop with the
//      same number of threads to the same receiver;
//   b) inbox fan-out: notifications written/s for events reaching 1,000
//      members (with their NotificationCreated outbox rows);
//   c) notification committed -> gRPC stream message latency, p50/p99, at
//      100 events/s (the edge's SSE framing and Kafka are not included).
//
//   bazel run -c opt //services/notification/bench:notification_bench

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "fineprint/analysis/events/v1/events.pb.h"
#include "fineprint/notification/v1/notification.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "services/notification/notification_app.h"
#include "services/notification/signature.h"
#include "services/runtime/db/transaction.h"
#include "services/runtime/log/log.h"
#include "services/runtime/status/status.h"
#include "tests/testing/identity_test_client.h"
#include "tests/testing/service_test_util.h"
#include "tests/testing/shared_postgres.h"

ABSL_FLAG(int, deliveries, 2000, "Webhook deliveries timed (phase a).");
ABSL_FLAG(int, payload_bytes, 1024, "Approximate webhook body size.");
ABSL_FLAG(int, workers, 8, "Attempt workers (and bare-loop threads).");
ABSL_FLAG(int, fanout_users, 1000, "Members an event reaches (phase b).");
ABSL_FLAG(int, fanout_events, 20, "Events fanned out (phase b).");
ABSL_FLAG(int, stream_events, 300, "Events timed at 100/s (phase c).");

namespace fineprint::notification {
namespace {

absl::Status Exec(db::Pool& pool, absl::string_view sql,
                  std::vector<db::Param> params = {}) {
  return db::RunInTransaction(pool, {}, [&](db::Tx& tx) -> absl::Status {
    return tx.Execute(sql, params).status();
  });
}

absl::StatusOr<int64_t> CountOf(db::Pool& pool, absl::string_view sql) {
  int64_t n = 0;
  FP_RETURN_IF_ERROR(
      db::RunInTransaction(pool, {}, [&](db::Tx& tx) -> absl::Status {
        FP_ASSIGN_OR_RETURN(db::Result r, tx.Execute(sql, {}));
        FP_ASSIGN_OR_RETURN(n, r[0].GetInt64(0));
        return absl::OkStatus();
      }));
  return n;
}

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

// The local webhook endpoint: HTTP/1.1 with keep-alive (as real receivers
// behind a load balancer are), a thread per connection, 200 to every POST.
// Minimal on purpose: it must cost the service and the baseline alike as
// little as possible.
class KeepAliveReceiver {
 public:
  static absl::StatusOr<std::unique_ptr<KeepAliveReceiver>> Start() {
    auto r = std::unique_ptr<KeepAliveReceiver>(new KeepAliveReceiver());
    r->fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (r->fd_ < 0 ||
        bind(r->fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        listen(r->fd_, 128) != 0 ||
        getsockname(r->fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return absl::UnavailableError("receiver socket");
    }
    r->port_ = ntohs(addr.sin_port);
    // Detached: the process ends with the benchmark.
    std::thread([fd = r->fd_] {
      for (;;) {
        int conn = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (conn < 0) return;
        std::thread(Serve, conn).detach();
      }
    }).detach();
    return r;
  }

  std::string Url(absl::string_view path) const {
    return absl::StrCat("http://127.0.0.1:", port_, path);
  }

 private:
  KeepAliveReceiver() = default;

  static void Serve(int conn) {
    static constexpr absl::string_view kOk =
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    std::string buffer;
    char chunk[16384];
    for (;;) {
      size_t head_end;
      while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
        ssize_t n = read(conn, chunk, sizeof(chunk));
        if (n <= 0) return (void)close(conn);
        buffer.append(chunk, static_cast<size_t>(n));
      }
      size_t length = 0;
      const std::string head =
          absl::AsciiStrToLower(buffer.substr(0, head_end));
      if (size_t at = head.find("content-length:"); at != std::string::npos) {
        length = std::strtoul(head.c_str() + at + 15, nullptr, 10);
      }
      while (buffer.size() < head_end + 4 + length) {
        ssize_t n = read(conn, chunk, sizeof(chunk));
        if (n <= 0) return (void)close(conn);
        buffer.append(chunk, static_cast<size_t>(n));
      }
      buffer.erase(0, head_end + 4 + length);
      if (write(conn, kOk.data(), kOk.size()) !=
          static_cast<ssize_t>(kOk.size())) {
        return (void)close(conn);
      }
    }
  }

  int fd_ = -1;
  int port_ = 0;
};

// `threads` threads POSTing `body` `total` times in all, one easy handle
// each, reusing its connection (as the service's HttpClient does).
double BareCurlRate(const std::string& url, const std::string& body, int total,
                    int threads) {
  std::atomic<int> next{0};
  const absl::Time start = absl::Now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      CURL* h = curl_easy_init();
      curl_slist* headers =
          curl_slist_append(nullptr, "Content-Type: application/json");
      while (next.fetch_add(1) < total) {
        curl_easy_reset(h);
        curl_easy_setopt(h, CURLOPT_URL, url.c_str());
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE,
                         static_cast<long>(body.size()));
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, Discard);
        curl_easy_perform(h);
      }
      curl_slist_free_all(headers);
      curl_easy_cleanup(h);
    });
  }
  for (auto& t : pool) t.join();
  return total / absl::ToDoubleSeconds(absl::Now() - start);
}

absl::Status Run() {
  const int workers = absl::GetFlag(FLAGS_workers);
  FP_ASSIGN_OR_RETURN(std::unique_ptr<identity::IdentityApp> identity,
                      fineprint::testing::StartTestIdentity());
  FP_ASSIGN_OR_RETURN(std::string dsn, fineprint::testing::NewTestDatabase(
                                           "notification_bench"));
  FP_ASSIGN_OR_RETURN(std::unique_ptr<KeepAliveReceiver> receiver,
                      KeepAliveReceiver::Start());

  NotificationAppOptions options;
  options.pg_dsn = dsn;
  options.pg_pool_size = workers + 8;
  options.host.host = "127.0.0.1";
  options.host.admin_port = -1;
  options.identity_target = identity->grpc_target();
  options.config.allow_http_webhooks = true;
  FP_ASSIGN_OR_RETURN(options.outbound_allow,
                      http::ParseIpRanges("127.0.0.1/32"));
  options.workers.workers = workers;
  options.workers.idle_poll = absl::Milliseconds(5);
  options.config.stream_poll = absl::Seconds(5);  // wake-ups only
  FP_ASSIGN_OR_RETURN(std::unique_ptr<NotificationApp> app,
                      NotificationApp::Start(options));
  db::Pool& pool = app->pool();
  const Fanout& fanout = *app->domain().fanout;

  // a) Webhook deliveries.
  const int n = absl::GetFlag(FLAGS_deliveries);
  analysis::events::v1::AnalysisCompleted event;
  event.set_organization("orgs/hookorg");
  event.set_title(std::string(static_cast<size_t>(std::max(
                                  0, absl::GetFlag(FLAGS_payload_bytes) - 200)),
                              'x'));
  FP_ASSIGN_OR_RETURN(std::string body, WebhookBody(event, absl::Now()));
  const double bare = BareCurlRate(receiver->Url("/hook"), body, n, workers);
  FP_RETURN_IF_ERROR(Exec(pool,
                          "INSERT INTO webhooks (org_id, id, url, event_types,"
                          " active, secret) VALUES ('hookorg', 'wh1', $1,"
                          " '{}', true, $2)",
                          {receiver->Url("/hook"), NewWebhookSecret()}));
  const absl::Time start = absl::Now();
  for (int i = 0; i < n;) {
    FP_RETURN_IF_ERROR(
        db::RunInTransaction(pool, {}, [&](db::Tx& tx) -> absl::Status {
          for (int j = i; j < std::min(n, i + 200); ++j) {
            ::fineprint::events::Event meta;
            meta.ce_id = absl::StrCat("bench-", j);
            meta.ce_time = absl::Now();
            FP_RETURN_IF_ERROR(fanout.OnEvent(event, meta, tx));
          }
          return absl::OkStatus();
        }));
    i = std::min(n, i + 200);
  }
  for (;;) {
    FP_ASSIGN_OR_RETURN(int64_t done,
                        CountOf(pool,
                                "SELECT count(*) FROM deliveries WHERE"
                                " status = 'SUCCEEDED'"));
    if (done >= n) break;
    if (absl::Now() - start > absl::Minutes(5)) {
      return absl::DeadlineExceededError(
          absl::StrCat("only ", done, " deliveries in 5 min"));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  const double rate = n / absl::ToDoubleSeconds(absl::Now() - start);
  std::printf(
      "webhooks: %d deliveries of %zu B, %d workers: %.0f/s; bare libcurl "
      "POST loop (%d threads): %.0f/s; ratio %.2f\n",
      n, body.size(), workers, rate, workers, bare, rate / bare);

  // b) Inbox fan-out.
  const int users = absl::GetFlag(FLAGS_fanout_users);
  const int events = absl::GetFlag(FLAGS_fanout_events);
  FP_RETURN_IF_ERROR(Exec(pool,
                          "INSERT INTO members (org_id, user_id, role) SELECT"
                          " 'fanorg', 'u' || g, 'MEMBER' FROM"
                          " generate_series(1, $1) g",
                          {users}));
  Notice notice;
  notice.org = "fanorg";
  notice.kind = v1::ANALYSIS_COMPLETED;
  notice.title = "Analysis of \"Acme ToS\" finished: grade GRADE_D";
  notice.body = "Score 35/100 with 4 findings.";
  notice.link = "orgs/fanorg/jobs/j/analysis";
  const absl::Time fan_start = absl::Now();
  int64_t written = 0;
  for (int e = 0; e < events; ++e) {
    notice.event_id = absl::StrCat("fan-", e);
    FP_RETURN_IF_ERROR(
        db::RunInTransaction(pool, {}, [&](db::Tx& tx) -> absl::Status {
          FP_ASSIGN_OR_RETURN(int count, fanout.Notify(tx, notice, {"MEMBER"}));
          written += count;
          return absl::OkStatus();
        }));
  }
  const double fan_seconds = absl::ToDoubleSeconds(absl::Now() - fan_start);
  std::printf(
      "fan-out: %d events x %d members = %lld notifications in %.2f s: "
      "%.0f notifications/s (%.1f ms per event)\n",
      events, users, static_cast<long long>(written), fan_seconds,
      written / fan_seconds, 1000 * fan_seconds / events);

  // c) Committed -> stream message latency at 100 events/s.
  auto identity_stub =
      fineprint::testing::ConnectInsecure<identity::v1::IdentityService>(
          identity->grpc_target());
  fineprint::testing::IdentityAccount owner =
      fineprint::testing::SignUpOwner(*identity_stub, "bench");
  const std::string user_id =
      owner.user.name().substr(owner.user.name().rfind('/') + 1);
  FP_RETURN_IF_ERROR(Exec(pool,
                          "INSERT INTO members (org_id, user_id, role)"
                          " VALUES ($1, $2, 'OWNER')",
                          {owner.org_id(), user_id}));
  auto stub = fineprint::testing::ConnectInsecure<v1::NotificationService>(
      app->grpc_target());
  auto ctx = fineprint::testing::ClientContext(owner.token, absl::Minutes(5));
  v1::StreamNotificationsRequest req;
  req.set_parent(owner.user.name());
  auto reader = stub->StreamNotifications(ctx.get(), req);
  absl::SleepFor(absl::Milliseconds(300));
  notice.org = owner.org_id();
  std::vector<double> latencies;
  const int m = absl::GetFlag(FLAGS_stream_events);
  absl::Time slot = absl::Now();
  for (int e = 0; e < m; ++e) {
    absl::SleepFor(slot - absl::Now());
    slot += absl::Milliseconds(10);
    notice.event_id = absl::StrCat("lat-", e);
    absl::Time committed;
    FP_RETURN_IF_ERROR(
        db::RunInTransaction(pool, {}, [&](db::Tx& tx) -> absl::Status {
          return fanout.Notify(tx, notice, {"OWNER"}).status();
        }));
    committed = absl::Now();
    v1::StreamNotificationsResponse msg;
    if (!reader->Read(&msg)) return absl::InternalError("stream ended");
    latencies.push_back(absl::ToDoubleMicroseconds(absl::Now() - committed));
  }
  ctx->TryCancel();
  std::sort(latencies.begin(), latencies.end());
  std::printf(
      "stream: %d notifications at 100/s, commit -> gRPC stream message "
      "p50 %.0f us, p99 %.0f us\n",
      m, latencies[latencies.size() / 2],
      latencies[latencies.size() * 99 / 100]);
  app->Shutdown();
  return absl::OkStatus();
}

}  // namespace
}  // namespace fineprint::notification

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  fineprint::log::SetMinLevel(fineprint::log::Level::kWarning);
  absl::Status s = fineprint::notification::Run();
  if (!s.ok()) {
    std::fprintf(stderr, "notification_bench: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}
