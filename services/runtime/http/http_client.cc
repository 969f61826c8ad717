#include "services/runtime/http/http_client.h"

#include <curl/curl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "services/runtime/http/curl_global.h"
#include "services/runtime/http/curl_url.h"
#include "services/runtime/status/status.h"

namespace fineprint::http {

void HeaderMap::Add(absl::string_view name, absl::string_view value) {
  entries_.emplace_back(std::string(name), std::string(value));
}

std::optional<std::string> HeaderMap::Get(absl::string_view name) const {
  for (const auto& [key, value] : entries_) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

std::vector<std::string> HeaderMap::GetAll(absl::string_view name) const {
  std::vector<std::string> values;
  for (const auto& [key, value] : entries_) {
    if (absl::EqualsIgnoreCase(key, name)) values.push_back(value);
  }
  return values;
}

bool HeaderMap::Has(absl::string_view name) const {
  return Get(name).has_value();
}

absl::string_view MethodName(Method method) {
  switch (method) {
    case Method::kGet:
      return "GET";
    case Method::kPost:
      return "POST";
    case Method::kHead:
      return "HEAD";
  }
  return "GET";
}

namespace {

// Stable reasons for the errors a caller (or its RPC client) may act on.
constexpr absl::string_view kReasonRefused = "OUTBOUND_ADDRESS_REFUSED";
constexpr absl::string_view kReasonTooLarge = "RESPONSE_TOO_LARGE";
constexpr absl::string_view kReasonTooManyRedirects = "TOO_MANY_REDIRECTS";

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using EasyHandle = std::unique_ptr<CURL, CurlDeleter>;
using StringList = std::unique_ptr<curl_slist, CurlDeleter>;

}  // namespace

// Bounded: beyond kMaxIdle idle handles (more threads than usual sending at
// once) a handle is closed instead of kept.
class CurlHandleCache {
 public:
  ~CurlHandleCache() {
    for (CURL* handle : idle_) curl_easy_cleanup(handle);
  }

  EasyHandle Take() {
    {
      absl::MutexLock lock(&mu_);
      if (!idle_.empty()) {
        CURL* handle = idle_.back();
        idle_.pop_back();
        return EasyHandle(handle);
      }
    }
    return EasyHandle(curl_easy_init());
  }

  // Options go back to their defaults; the handle's connections (and DNS
  // entries, which the next hop's CURLOPT_RESOLVE replaces) stay.
  void Return(EasyHandle handle) {
    curl_easy_reset(handle.get());
    absl::MutexLock lock(&mu_);
    if (idle_.size() < kMaxIdle) idle_.push_back(handle.release());
  }

 private:
  static constexpr size_t kMaxIdle = 64;
  absl::Mutex mu_;
  std::vector<CURL*> idle_ ABSL_GUARDED_BY(mu_);
};

namespace {

// State shared with libcurl's callbacks during one hop.
struct Transfer {
  const SsrfGuard* guard = nullptr;
  std::string host;
  // The addresses the guard approved for this hop; a socket to anything
  // else is refused.
  std::vector<IpAddress> approved;
  size_t max_body = 0;

  std::string body;
  bool too_large = false;
  std::vector<std::pair<std::string, std::string>> headers;
  absl::Status refused;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  size_t length = size * count;
  if (length > transfer->max_body - transfer->body.size()) {
    transfer->too_large = true;
    return 0;  // Anything but `length` makes curl abort with WRITE_ERROR.
  }
  transfer->body.append(data, length);
  return length;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  size_t length = size * count;
  absl::string_view line(data, length);
  absl::ConsumeSuffix(&line, "\n");
  absl::ConsumeSuffix(&line, "\r");
  if (absl::StartsWith(line, "HTTP/")) {
    // A new status line: interim (1xx) responses' fields are not the
    // final response's.
    transfer->headers.clear();
  } else if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
    // Obsolete line folding (RFC 9112 section 5.2): join with a space.
    if (!transfer->headers.empty()) {
      absl::StrAppend(&transfer->headers.back().second, " ",
                      absl::StripAsciiWhitespace(line));
    }
  } else if (size_t colon = line.find(':'); colon != absl::string_view::npos) {
    transfer->headers.emplace_back(
        std::string(line.substr(0, colon)),
        std::string(absl::StripAsciiWhitespace(line.substr(colon + 1))));
  }
  return length;
}

// Every connection curl opens passes through here, which is what makes the
// pinning hold even if curl's own resolver were consulted (an unexpected
// proxy, a cache miss in CURLOPT_RESOLVE): the address must be one the guard
// approved for this hop, and must still pass the guard.
curl_socket_t OnOpenSocket(void* user, curlsocktype purpose,
                           curl_sockaddr* address) {
  auto* transfer = static_cast<Transfer*>(user);
  std::optional<IpAddress> ip =
      IpAddress::FromSockaddr(&address->addr, address->addrlen);
  if (purpose != CURLSOCKTYPE_IPCXN || !ip.has_value()) {
    transfer->refused = absl::PermissionDeniedError(
        absl::StrCat("outbound request to host \"", transfer->host,
                     "\" refused: not an IP connection"));
    return CURL_SOCKET_BAD;
  }
  if (std::find(transfer->approved.begin(), transfer->approved.end(), *ip) ==
      transfer->approved.end()) {
    transfer->refused = absl::PermissionDeniedError(absl::StrCat(
        "outbound request to host \"", transfer->host, "\" refused: address ",
        ip->ToString(), " is not one the guard checked"));
    return CURL_SOCKET_BAD;
  }
  absl::Status allowed = transfer->guard->CheckAddress(transfer->host, *ip);
  if (!allowed.ok()) {
    transfer->refused = allowed;
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype | SOCK_CLOEXEC,
                address->protocol);
}

// RFC 9110 field-name token characters.
bool IsTokenChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

absl::Status ValidateHeaders(
    const std::vector<std::pair<std::string, std::string>>& headers) {
  for (const auto& [name, value] : headers) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsTokenChar)) {
      return absl::InvalidArgumentError("malformed request header name");
    }
    // CR/LF would let a caller inject further headers or a second request.
    if (value.find_first_of(std::string("\r\n\0", 3)) != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "request header ", name, " contains a line break or NUL"));
    }
    // These are derived from the URL and body. A caller-chosen Host would
    // address a virtual host other than the one named in the checked URL,
    // and caller framing headers invite request smuggling.
    if (absl::EqualsIgnoreCase(name, "Host") ||
        absl::EqualsIgnoreCase(name, "Content-Length") ||
        absl::EqualsIgnoreCase(name, "Transfer-Encoding")) {
      return absl::InvalidArgumentError(
          absl::StrCat("request header ", name, " may not be set"));
    }
  }
  return absl::OkStatus();
}

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 ||
         status == 308;
}

std::string IpForCurl(const IpAddress& address) {
  return address.is_v4() ? address.ToString()
                         : absl::StrCat("[", address.ToString(), "]");
}

struct HopResult {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

absl::StatusOr<HopResult> PerformHop(
    const ClientOptions& options, const SsrfGuard& guard,
    CurlHandleCache& handles, const Url& url, Method method,
    const std::string& body,
    const std::vector<std::pair<std::string, std::string>>& headers,
    absl::Time deadline) {
  if (absl::Now() >= deadline) {
    return absl::DeadlineExceededError(absl::StrCat(
        "request to host \"", url.host(), "\" timed out (total timeout)"));
  }
  Transfer transfer;
  transfer.guard = &guard;
  transfer.host = url.host();
  transfer.max_body = options.max_response_bytes;
  absl::StatusOr<std::vector<IpAddress>> approved =
      guard.ResolveAndCheck(url.host(), deadline);
  if (!approved.ok()) {
    if (absl::IsPermissionDenied(approved.status())) {
      return status::WithReason(approved.status(), kReasonRefused);
    }
    return approved.status();
  }
  transfer.approved = *std::move(approved);

  EasyHandle easy = handles.Take();
  if (easy == nullptr) return absl::ResourceExhaustedError("curl_easy_init");
  CURL* h = easy.get();

  // Pins the name to the approved addresses so curl does not resolve it a
  // second time (which a rebinding DNS server would answer differently).
  StringList resolve;
  if (!url.is_ip_literal()) {
    std::vector<std::string> ips;
    for (const IpAddress& ip : transfer.approved) ips.push_back(IpForCurl(ip));
    std::string entry =
        absl::StrCat(url.host(), ":", url.port(), ":", absl::StrJoin(ips, ","));
    resolve.reset(curl_slist_append(nullptr, entry.c_str()));
    if (resolve == nullptr) return absl::ResourceExhaustedError("curl_slist");
  }

  StringList header_list;
  auto append_header = [&header_list](const std::string& line) {
    curl_slist* next = curl_slist_append(header_list.get(), line.c_str());
    if (next == nullptr) return false;
    header_list.release();
    header_list.reset(next);
    return true;
  };
  for (const auto& [name, value] : headers) {
    if (!append_header(absl::StrCat(name, ": ", value))) {
      return absl::ResourceExhaustedError("curl_slist");
    }
  }
  // curl would otherwise wait up to a second for "100 Continue" before
  // sending a large body; servers we call do not need the handshake.
  if (!append_header("Expect:")) {
    return absl::ResourceExhaustedError("curl_slist");
  }

  char error_buffer[CURL_ERROR_SIZE] = {};
  int64_t remaining_ms =
      std::max<int64_t>(1, absl::ToInt64Milliseconds(deadline - absl::Now()));
  int64_t connect_ms = std::max<int64_t>(
      1, std::min(remaining_ms,
                  absl::ToInt64Milliseconds(options.connect_timeout)));

  CURLcode rc = CURLE_OK;
  auto set = [&rc, h](CURLoption option, auto value) {
    if (rc == CURLE_OK) rc = curl_easy_setopt(h, option, value);
  };
  set(CURLOPT_ERRORBUFFER, error_buffer);
  set(CURLOPT_URL, url.text().c_str());
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  // Redirects are followed by Send, so every hop passes the guard.
  set(CURLOPT_FOLLOWLOCATION, 0L);
  // An empty proxy disables http_proxy & co. from the environment: a proxy
  // would connect on our behalf to addresses the guard never saw.
  set(CURLOPT_PROXY, "");
  // Timeouts without SIGALRM; required in multi-threaded programs.
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_ms));
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(remaining_ms));
  // "" offers every encoding this libcurl decodes (gzip, deflate, br, zstd).
  set(CURLOPT_ACCEPT_ENCODING, "");
  set(CURLOPT_USERAGENT, options.user_agent.c_str());
  set(CURLOPT_HTTPHEADER, header_list.get());
  if (resolve != nullptr) set(CURLOPT_RESOLVE, resolve.get());
  set(CURLOPT_OPENSOCKETFUNCTION, &OnOpenSocket);
  set(CURLOPT_OPENSOCKETDATA, &transfer);
  set(CURLOPT_WRITEFUNCTION, &OnBody);
  set(CURLOPT_WRITEDATA, &transfer);
  set(CURLOPT_HEADERFUNCTION, &OnHeader);
  set(CURLOPT_HEADERDATA, &transfer);
  switch (method) {
    case Method::kGet:
      set(CURLOPT_HTTPGET, 1L);
      break;
    case Method::kHead:
      set(CURLOPT_NOBODY, 1L);
      break;
    case Method::kPost:
      set(CURLOPT_POST, 1L);
      set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
      set(CURLOPT_POSTFIELDS, body.data());
      break;
  }
  if (rc != CURLE_OK) {
    return absl::InternalError(
        absl::StrCat("curl_easy_setopt: ", curl_easy_strerror(rc)));
  }

  rc = curl_easy_perform(h);
  if (transfer.too_large) {
    return status::WithReason(
        absl::ResourceExhaustedError(absl::StrCat(
            "response from host \"", url.host(), "\" exceeds the limit of ",
            options.max_response_bytes, " bytes")),
        kReasonTooLarge);
  }
  if (!transfer.refused.ok()) {
    return status::WithReason(transfer.refused, kReasonRefused);
  }
  if (rc != CURLE_OK) {
    std::string detail =
        error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(rc);
    std::string message =
        absl::StrCat("request to host \"", url.host(), "\" failed: ", detail);
    switch (rc) {
      case CURLE_OPERATION_TIMEDOUT:
        return absl::DeadlineExceededError(message);
      case CURLE_UNSUPPORTED_PROTOCOL:
      case CURLE_URL_MALFORMAT:
        return absl::InvalidArgumentError(message);
      case CURLE_OUT_OF_MEMORY:
        return absl::ResourceExhaustedError(message);
      default:
        return absl::UnavailableError(message);
    }
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  HopResult result;
  result.status = static_cast<int>(status);
  result.headers = std::move(transfer.headers);
  result.body = std::move(transfer.body);
  // Only a clean transfer's handle (and connection) is kept.
  handles.Return(std::move(easy));
  return result;
}

}  // namespace

HttpClient::HttpClient(ClientOptions options)
    : options_(std::move(options)),
      guard_(options_.allow, options_.resolver),
      handles_(std::make_unique<CurlHandleCache>()) {}

HttpClient::~HttpClient() = default;

absl::StatusOr<std::unique_ptr<HttpClient>> HttpClient::Create(
    ClientOptions options) {
  FP_RETURN_IF_ERROR(InitCurlOnce());
  if (options.max_redirects < 0) {
    return absl::InvalidArgumentError("max_redirects must not be negative");
  }
  if (options.connect_timeout <= absl::ZeroDuration() ||
      options.total_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("timeouts must be positive");
  }
  if (options.user_agent.find_first_of("\r\n") != std::string::npos) {
    return absl::InvalidArgumentError("user_agent contains a line break");
  }
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(options)));
}

absl::StatusOr<Response> HttpClient::Get(absl::string_view url) const {
  Request request;
  request.url = std::string(url);
  return Send(request);
}

absl::StatusOr<Response> HttpClient::Send(const Request& request) const {
  absl::Time deadline = absl::Now() + options_.total_timeout;
  FP_RETURN_IF_ERROR(ValidateHeaders(request.headers));
  FP_ASSIGN_OR_RETURN(Url url, Url::Parse(request.url));
  Method method = request.method;
  std::string body = method == Method::kPost ? request.body : std::string();
  std::vector<std::pair<std::string, std::string>> headers = request.headers;

  Response response;
  for (int redirects = 0;; ++redirects) {
    FP_ASSIGN_OR_RETURN(HopResult hop,
                        PerformHop(options_, guard_, *handles_, url, method,
                                   body, headers, deadline));
    response.hops.push_back(Hop{url.text(), method, hop.status});
    std::optional<std::string> location;
    for (const auto& [name, value] : hop.headers) {
      if (absl::EqualsIgnoreCase(name, "Location")) {
        location = value;
        break;
      }
    }
    if (!IsRedirect(hop.status) || !location.has_value() ||
        options_.max_redirects == 0) {
      response.status = hop.status;
      for (const auto& [name, value] : hop.headers) {
        response.headers.Add(name, value);
      }
      response.body = std::move(hop.body);
      response.final_url = url.text();
      return response;
    }
    if (redirects >= options_.max_redirects) {
      return status::WithReason(
          absl::ResourceExhaustedError(
              absl::StrCat("more than ", options_.max_redirects,
                           " redirects, last from host \"", url.host(), "\"")),
          kReasonTooManyRedirects);
    }
    FP_ASSIGN_OR_RETURN(Url next, url.Resolve(*location));

    // RFC 9110 section 15.4: 303 always continues with GET (HEAD stays
    // HEAD); for 301 and 302 every user agent turns POST into GET, and
    // servers rely on it. 307 and 308 repeat the request unchanged.
    bool to_get =
        (hop.status == 303 && method != Method::kHead) ||
        ((hop.status == 301 || hop.status == 302) && method == Method::kPost);
    if (to_get) {
      method = Method::kGet;
      body.clear();
      // The content these described is no longer sent.
      headers.erase(std::remove_if(headers.begin(), headers.end(),
                                   [](const auto& header) {
                                     return absl::StartsWithIgnoreCase(
                                         header.first, "Content-");
                                   }),
                    headers.end());
    }
    // Credentials meant for one origin must not follow a redirect to
    // another (as curl itself does unless told otherwise).
    if (!url.SameOrigin(next)) {
      headers.erase(
          std::remove_if(
              headers.begin(), headers.end(),
              [](const auto& header) {
                return absl::EqualsIgnoreCase(header.first, "Authorization") ||
                       absl::EqualsIgnoreCase(header.first, "Cookie") ||
                       absl::EqualsIgnoreCase(header.first,
                                              "Proxy-Authorization");
              }),
          headers.end());
    }
    url = std::move(next);
  }
}

}  // namespace fineprint::http
