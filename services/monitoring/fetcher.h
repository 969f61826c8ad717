#ifndef FINEPRINT_SERVICES_MONITORING_FETCHER_H_
#define FINEPRINT_SERVICES_MONITORING_FETCHER_H_

// Fetches watched pages politely and safely, always through the runtime's
// HttpClient (SSRF guard on every hop, size limit, timeouts, gzip/br):
//
// - identifies itself as `Fineprint/<version> (+<info url>)`;
// - conditional GET from the last response's ETag / Last-Modified (304:
//   unchanged, nothing downloaded);
// - robots.txt per RFC 9309, cached per origin (≤ robots_ttl; 4xx allows
//   all, 5xx or unreachable disallows all, ≤ 5 redirects);
// - one request in flight per host and at least domain_delay between
//   request starts per registrable domain (Public Suffix List via libpsl),
//   robots.txt requests included;
// - Retry-After of 429/503 reported for the scheduler to honour.
//
// The domain delay holds across replicas through `shared_slots` (the
// service passes PostgreSQL's, see domain_slots.h); one request in flight
// per host is kept per process.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/monitoring/robots.h"
#include "services/runtime/http/http_client.h"

namespace fineprint::monitoring {

// The parts of an http(s) URL the fetcher needs.
struct ParsedUrl {
  std::string scheme;          // "http" or "https"
  std::string host;            // lower-case name or IP literal (no brackets)
  int port = 0;                // explicit or the scheme's default
  std::string path_and_query;  // starts with '/'
  // scheme://host[:port], for robots.txt.
  std::string origin;
};

// INVALID_ARGUMENT with a short reason for anything but an absolute
// http(s) URL with a host.
absl::StatusOr<ParsedUrl> ParseHttpUrl(absl::string_view url);

// The registrable domain of `host` ("www.example.co.uk" ->
// "example.co.uk"); the host itself for IP literals and public suffixes.
std::string RegistrableDomain(absl::string_view host);

// Seconds or an HTTP-date; nullopt when absent or unreadable.
std::optional<absl::Duration> ParseRetryAfter(absl::string_view value,
                                              absl::Time now);

// Where replicas agree on a domain's next request start.
class DomainSlots {
 public:
  virtual ~DomainSlots() = default;
  // Reserves the next start for `domain`, `delay` after the previous
  // reservation by anyone; returns how long to wait for it.
  virtual absl::StatusOr<absl::Duration> Reserve(absl::string_view domain,
                                                 absl::Duration delay) = 0;
};

// One request in flight per host (per process), and request starts at least
// `delay` apart per registrable domain: across replicas when `slots` is
// given, else per process (also the fallback when `slots` fails).
class HostGate {
 public:
  explicit HostGate(absl::Duration delay, DomainSlots* slots = nullptr)
      : delay_(delay), slots_(slots) {}

  class Pass {
   public:
    Pass(HostGate* gate, std::string host)
        : gate_(gate), host_(std::move(host)) {}
    Pass(Pass&& other) noexcept
        : gate_(std::exchange(other.gate_, nullptr)),
          host_(std::move(other.host_)) {}
    Pass& operator=(Pass&&) = delete;
    ~Pass();

   private:
    HostGate* gate_;
    std::string host_;
  };

  // Blocks until `host` is free and its domain's delay has passed.
  Pass Enter(const std::string& host);

 private:
  void WaitLocalSlot(const std::string& domain);

  const absl::Duration delay_;
  DomainSlots* const slots_;
  absl::Mutex mu_;
  absl::flat_hash_set<std::string> busy_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, absl::Time> next_start_ ABSL_GUARDED_BY(mu_);
};

struct FetcherOptions {
  // In the User-Agent: Fineprint/<version> (+<info_url>).
  std::string version = "0.1";
  std::string info_url = "https://fineprint.dev/bot";
  size_t max_bytes = 5 * 1024 * 1024;
  absl::Duration connect_timeout = absl::Seconds(10);
  absl::Duration total_timeout = absl::Seconds(30);
  int max_redirects = 5;
  absl::Duration robots_ttl = absl::Hours(24);
  // A robots.txt that could not be read (5xx, unreachable) is retried
  // sooner than a good one: the disallow is a guess, not the site's word.
  absl::Duration robots_error_ttl = absl::Minutes(10);
  absl::Duration domain_delay = absl::Seconds(1);
  // Shares domain_delay across replicas; per process when null.
  DomainSlots* shared_slots = nullptr;
  // --outbound_allow in the binary; loopback in tests.
  std::vector<http::IpRange> allow;
  http::Resolver resolver;
};

struct FetchRequest {
  std::string url;
  // Validators from the last 200 response ("" if none).
  std::string etag;
  std::string last_modified;
};

enum class FetchOutcome {
  kFetched,        // 2xx with a body
  kNotModified,    // 304
  kRobotsBlocked,  // robots.txt disallows the URL; nothing requested
  kFailed,         // HTTP error status or transport error
};

struct FetchResult {
  FetchOutcome outcome = FetchOutcome::kFailed;
  int http_status = 0;  // 0 without a response
  std::string body;
  std::string content_type;
  std::string etag;
  std::string last_modified;
  std::string final_url;
  // For kFailed and kRobotsBlocked; names hosts, never whole URLs.
  std::string error;
  // From Retry-After on 429/503.
  std::optional<absl::Duration> retry_after;
};

class Fetcher {
 public:
  static absl::StatusOr<std::unique_ptr<Fetcher>> Create(
      FetcherOptions options);

  FetchResult Fetch(const FetchRequest& request);

  const std::string& user_agent() const { return user_agent_; }
  const http::HttpClient& client() const { return *client_; }

 private:
  struct CachedRobots {
    RobotsRules rules;
    absl::Time expire;
  };

  Fetcher(FetcherOptions options, std::string user_agent,
          std::unique_ptr<http::HttpClient> client,
          std::unique_ptr<http::HttpClient> robots_client);

  // The rules for `url`'s origin, fetched when not cached; `why` says what
  // a disallow-all came from.
  RobotsRules RobotsFor(const ParsedUrl& url, std::string* why);

  const FetcherOptions options_;
  const std::string user_agent_;
  const std::unique_ptr<http::HttpClient> client_;
  const std::unique_ptr<http::HttpClient> robots_client_;
  HostGate gate_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, CachedRobots> robots_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::string> robots_why_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace fineprint::monitoring

#endif  // FINEPRINT_SERVICES_MONITORING_FETCHER_H_
