#include "services/monitoring/fetcher.h"

#include <curl/curl.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "libpsl.h"
#include "services/runtime/http/ip_address.h"
#include "services/runtime/log/log.h"

namespace fineprint::monitoring {
namespace {

std::string UrlPart(CURLU* url, CURLUPart part) {
  char* value = nullptr;
  if (curl_url_get(url, part, &value, 0) != CURLUE_OK || value == nullptr)
    return "";
  std::string out(value);
  curl_free(value);
  return out;
}

const psl_ctx_t* Psl() {
  // The system's list (publicsuffix package) when present, else libpsl's
  // built-in copy; loaded once.
  static const psl_ctx_t* psl = [] {
    const psl_ctx_t* loaded = psl_latest(nullptr);
    return loaded != nullptr ? loaded : psl_builtin();
  }();
  return psl;
}

}  // namespace

absl::StatusOr<ParsedUrl> ParseHttpUrl(absl::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError(
          "contains spaces or control characters");
    }
  }
  CURLU* url = curl_url();
  const std::string copy(text);
  const CURLUcode rc = curl_url_set(url, CURLUPART_URL, copy.c_str(), 0);
  if (rc != CURLUE_OK) {
    curl_url_cleanup(url);
    return absl::InvalidArgumentError("not an absolute URL");
  }
  ParsedUrl parsed;
  parsed.scheme = absl::AsciiStrToLower(UrlPart(url, CURLUPART_SCHEME));
  parsed.host = absl::AsciiStrToLower(UrlPart(url, CURLUPART_HOST));
  const std::string port = UrlPart(url, CURLUPART_PORT);
  std::string path = UrlPart(url, CURLUPART_PATH);
  const std::string query = UrlPart(url, CURLUPART_QUERY);
  curl_url_cleanup(url);
  if (parsed.scheme != "http" && parsed.scheme != "https") {
    return absl::InvalidArgumentError("scheme must be http or https");
  }
  if (parsed.host.empty()) return absl::InvalidArgumentError("has no host");
  const std::string host_for_origin = parsed.host;
  if (parsed.host.front() == '[' && parsed.host.back() == ']') {
    parsed.host = parsed.host.substr(1, parsed.host.size() - 2);
  }
  parsed.port = parsed.scheme == "https" ? 443 : 80;
  if (!port.empty() && !absl::SimpleAtoi(port, &parsed.port)) {
    return absl::InvalidArgumentError("bad port");
  }
  if (path.empty()) path = "/";
  parsed.path_and_query = query.empty() ? path : absl::StrCat(path, "?", query);
  parsed.origin = absl::StrCat(parsed.scheme, "://", host_for_origin,
                               port.empty() ? "" : ":", port);
  return parsed;
}

std::string RegistrableDomain(absl::string_view host) {
  std::string h(host);
  if (http::IpAddress::Parse(h).has_value()) return h;
  const char* domain = psl_registrable_domain(Psl(), h.c_str());
  return domain != nullptr ? std::string(domain) : h;
}

std::optional<absl::Duration> ParseRetryAfter(absl::string_view value,
                                              absl::Time now) {
  value = absl::StripAsciiWhitespace(value);
  if (value.empty()) return std::nullopt;
  int64_t seconds = 0;
  if (absl::SimpleAtoi(value, &seconds)) {
    if (seconds < 0) return std::nullopt;
    return absl::Seconds(seconds);
  }
  absl::Time when;
  std::string error;
  // IMF-fixdate, the only form senders may generate (RFC 9110 5.6.7).
  if (absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", std::string(value),
                      absl::UTCTimeZone(), &when, &error)) {
    return std::max(absl::ZeroDuration(), when - now);
  }
  return std::nullopt;
}

HostGate::Pass::~Pass() {
  if (gate_ == nullptr) return;
  absl::MutexLock lock(&gate_->mu_);
  gate_->busy_.erase(host_);
}

HostGate::Pass HostGate::Enter(const std::string& host) {
  const std::string domain = RegistrableDomain(host);
  {
    absl::MutexLock lock(&mu_);
    auto host_free = [this, &host]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !busy_.contains(host);
    };
    mu_.Await(absl::Condition(&host_free));
    busy_.insert(host);
  }
  Pass pass(this, host);
  if (slots_ != nullptr) {
    absl::StatusOr<absl::Duration> wait = slots_->Reserve(domain, delay_);
    if (wait.ok()) {
      absl::SleepFor(*wait);
      return pass;
    }
    // Without the shared slots each replica still keeps the delay itself.
    log::Warning("shared domain slot unavailable; using the local one",
                 {{"domain", domain}, {"error", wait.status().ToString()}});
  }
  WaitLocalSlot(domain);
  return pass;
}

void HostGate::WaitLocalSlot(const std::string& domain) {
  absl::MutexLock lock(&mu_);
  while (true) {
    const absl::Time now = absl::Now();
    auto it = next_start_.find(domain);
    if (it == next_start_.end() || it->second <= now) {
      next_start_[domain] = now + delay_;
      return;
    }
    // Another host of the domain went recently: wait out its delay, then
    // look again (someone else may have taken the slot meanwhile).
    const absl::Time until = it->second;
    mu_.Unlock();
    absl::SleepFor(until - now);
    mu_.Lock();
  }
}

absl::StatusOr<std::unique_ptr<Fetcher>> Fetcher::Create(
    FetcherOptions options) {
  const std::string user_agent =
      absl::StrCat("Fineprint/", options.version, " (+", options.info_url, ")");
  http::ClientOptions client;
  client.connect_timeout = options.connect_timeout;
  client.total_timeout = options.total_timeout;
  client.max_response_bytes = options.max_bytes;
  client.max_redirects = options.max_redirects;
  client.user_agent = user_agent;
  client.allow = options.allow;
  client.resolver = options.resolver;
  auto page_client = http::HttpClient::Create(client);
  if (!page_client.ok()) return page_client.status();
  // RFC 9309 2.3.1.2-3: follow at least five redirects; parse at least
  // 500 KiB.
  client.max_redirects = 5;
  client.max_response_bytes = 512 * 1024;
  auto robots_client = http::HttpClient::Create(client);
  if (!robots_client.ok()) return robots_client.status();
  return std::unique_ptr<Fetcher>(new Fetcher(std::move(options), user_agent,
                                              *std::move(page_client),
                                              *std::move(robots_client)));
}

Fetcher::Fetcher(FetcherOptions options, std::string user_agent,
                 std::unique_ptr<http::HttpClient> client,
                 std::unique_ptr<http::HttpClient> robots_client)
    : options_(std::move(options)),
      user_agent_(std::move(user_agent)),
      client_(std::move(client)),
      robots_client_(std::move(robots_client)),
      gate_(options_.domain_delay, options_.shared_slots) {}

RobotsRules Fetcher::RobotsFor(const ParsedUrl& url, std::string* why) {
  const absl::Time now = absl::Now();
  {
    absl::MutexLock lock(&mu_);
    auto it = robots_.find(url.origin);
    if (it != robots_.end() && it->second.expire > now) {
      *why = robots_why_[url.origin];
      return it->second.rules;
    }
  }
  absl::StatusOr<http::Response> response;
  {
    HostGate::Pass pass = gate_.Enter(url.host);
    response = robots_client_->Get(absl::StrCat(url.origin, "/robots.txt"));
  }
  RobotsRules rules;
  absl::Duration ttl = options_.robots_ttl;
  std::string reason;
  if (!response.ok()) {
    if (absl::IsResourceExhausted(response.status()) &&
        absl::StrContains(response.status().message(), "redirect")) {
      // Too many redirects: RFC 9309 lets us treat it as unavailable (4xx).
      rules = RobotsRules::AllowAll();
    } else {
      rules = RobotsRules::DisallowAll();
      ttl = std::min(ttl, options_.robots_error_ttl);
      reason =
          absl::StrCat("robots.txt unreachable: ", response.status().message());
    }
  } else if (response->status >= 200 && response->status < 300) {
    rules = RobotsRules::Parse(response->body, "Fineprint");
    reason = "disallowed by robots.txt";
  } else if (response->status >= 400 && response->status < 500) {
    rules = RobotsRules::AllowAll();
  } else {
    rules = RobotsRules::DisallowAll();
    ttl = std::min(ttl, options_.robots_error_ttl);
    reason = absl::StrCat("robots.txt answered HTTP ", response->status);
  }
  absl::MutexLock lock(&mu_);
  robots_[url.origin] = {rules, now + ttl};
  robots_why_[url.origin] = reason;
  *why = reason;
  return rules;
}

FetchResult Fetcher::Fetch(const FetchRequest& request) {
  FetchResult result;
  absl::StatusOr<ParsedUrl> url = ParseHttpUrl(request.url);
  if (!url.ok()) {
    result.error = absl::StrCat("bad URL: ", url.status().message());
    return result;
  }
  std::string why;
  if (!RobotsFor(*url, &why).Allowed(url->path_and_query)) {
    result.outcome = FetchOutcome::kRobotsBlocked;
    result.error = why.empty() ? "disallowed by robots.txt" : why;
    return result;
  }
  http::Request req;
  req.url = request.url;
  req.headers.push_back({"Accept",
                         "text/html,application/xhtml+xml,application/pdf,text/"
                         "plain;q=0.9,*/*;q=0.5"});
  if (!request.etag.empty())
    req.headers.push_back({"If-None-Match", request.etag});
  if (!request.last_modified.empty()) {
    req.headers.push_back({"If-Modified-Since", request.last_modified});
  }
  absl::StatusOr<http::Response> response;
  {
    HostGate::Pass pass = gate_.Enter(url->host);
    response = client_->Send(req);
  }
  if (!response.ok()) {
    const absl::Status& s = response.status();
    std::string kind = absl::IsPermissionDenied(s)   ? "blocked address"
                       : absl::IsDeadlineExceeded(s) ? "timeout"
                       : absl::IsResourceExhausted(s)
                           ? "too large or too many redirects"
                       : absl::IsInvalidArgument(s) ? "bad request"
                                                    : "unreachable";
    result.error = absl::StrCat(kind, ": ", s.message());
    return result;
  }
  result.http_status = response->status;
  result.final_url = response->final_url;
  if (response->status == 304) {
    result.outcome = FetchOutcome::kNotModified;
    return result;
  }
  if (response->status >= 200 && response->status < 300) {
    result.outcome = FetchOutcome::kFetched;
    result.body = std::move(response->body);
    result.content_type = response->headers.Get("Content-Type").value_or("");
    result.etag = response->headers.Get("ETag").value_or("");
    result.last_modified = response->headers.Get("Last-Modified").value_or("");
    return result;
  }
  result.error = absl::StrCat("HTTP ", response->status, " from ", url->host);
  if (response->status == 429 || response->status == 503) {
    if (auto value = response->headers.Get("Retry-After")) {
      result.retry_after = ParseRetryAfter(*value, absl::Now());
    }
  }
  return result;
}

}  // namespace fineprint::monitoring
