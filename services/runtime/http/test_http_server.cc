#include "services/runtime/http/test_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace fineprint::http::testing {

std::string ReceivedRequest::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

absl::StatusOr<std::unique_ptr<TestHttpServer>> TestHttpServer::Start(
    absl::string_view address) {
  sockaddr_in bind_address = {};
  bind_address.sin_family = AF_INET;
  std::string address_text(address);
  if (inet_pton(AF_INET, address_text.c_str(), &bind_address.sin_addr) != 1) {
    return absl::InvalidArgumentError("test server needs an IPv4 address");
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError("socket");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  socklen_t length = sizeof(bind_address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&bind_address), length) != 0 ||
      listen(fd, 64) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&bind_address), &length) !=
          0) {
    std::string error = std::strerror(errno);
    close(fd);
    return absl::InternalError(
        absl::StrCat("test server on ", address, ": ", error));
  }
  int wake = eventfd(0, EFD_CLOEXEC);
  if (wake < 0) {
    close(fd);
    return absl::InternalError("eventfd");
  }
  return std::unique_ptr<TestHttpServer>(
      new TestHttpServer(fd, wake, address_text, ntohs(bind_address.sin_port)));
}

TestHttpServer::TestHttpServer(int listen_fd, int wake_fd, std::string address,
                               int port)
    : listen_fd_(listen_fd),
      wake_fd_(wake_fd),
      address_(std::move(address)),
      port_(port) {
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

TestHttpServer::~TestHttpServer() {
  stopping_.Notify();
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
  acceptor_.join();
  std::vector<std::thread> workers;
  {
    absl::MutexLock lock(&mu_);
    workers.swap(workers_);
  }
  for (std::thread& worker : workers) worker.join();
  close(listen_fd_);
  close(wake_fd_);
}

std::string TestHttpServer::Url(absl::string_view path) const {
  return absl::StrCat("http://", address_, ":", port_, path);
}

void TestHttpServer::Handle(absl::string_view path, ScriptedResponse response) {
  absl::MutexLock lock(&mu_);
  routes_[std::string(path)] = std::move(response);
}

std::vector<ReceivedRequest> TestHttpServer::requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

void TestHttpServer::AcceptLoop() {
  while (!stopping_.HasBeenNotified()) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    connections_.fetch_add(1);
    absl::MutexLock lock(&mu_);
    workers_.emplace_back([this, fd] { Serve(fd); });
  }
}

namespace {

bool SendAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    // MSG_NOSIGNAL: a client that gave up must not kill the test with
    // SIGPIPE.
    ssize_t sent = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    data.remove_prefix(static_cast<size_t>(sent));
  }
  return true;
}

absl::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 404:
      return "Not Found";
    default:
      return "Status";
  }
}

}  // namespace

void TestHttpServer::Serve(int fd) {
  timeval timeout = {5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  std::string data;
  char buffer[8192];
  size_t header_end = std::string::npos;
  while ((header_end = data.find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) {
      close(fd);
      return;
    }
    data.append(buffer, static_cast<size_t>(n));
  }
  ReceivedRequest request;
  std::vector<absl::string_view> lines =
      absl::StrSplit(absl::string_view(data).substr(0, header_end), "\r\n");
  std::vector<absl::string_view> request_line =
      absl::StrSplit(lines[0], absl::MaxSplits(' ', 2));
  if (request_line.size() >= 2) {
    request.method = std::string(request_line[0]);
    request.target = std::string(request_line[1]);
  }
  size_t content_length = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    size_t colon = lines[i].find(':');
    if (colon == absl::string_view::npos) continue;
    std::string name(lines[i].substr(0, colon));
    std::string value(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
    if (absl::EqualsIgnoreCase(name, "Content-Length")) {
      (void)absl::SimpleAtoi(value, &content_length);
    }
    request.headers.emplace_back(std::move(name), std::move(value));
  }
  request.body = data.substr(header_end + 4);
  while (request.body.size() < content_length) {
    ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    request.body.append(buffer, static_cast<size_t>(n));
  }

  std::string path = request.target.substr(0, request.target.find('?'));
  ScriptedResponse response;
  {
    absl::MutexLock lock(&mu_);
    requests_.push_back(request);
    auto route = routes_.find(path);
    if (route != routes_.end()) {
      response = route->second;
    } else {
      response.status = 404;
      response.body = "not found";
    }
  }
  if (response.delay > absl::ZeroDuration() &&
      stopping_.WaitForNotificationWithTimeout(response.delay)) {
    close(fd);
    return;
  }
  std::string head = absl::StrCat("HTTP/1.1 ", response.status, " ",
                                  ReasonPhrase(response.status), "\r\n");
  bool has_length = false;
  for (const auto& [name, value] : response.headers) {
    if (absl::EqualsIgnoreCase(name, "Content-Length")) has_length = true;
    absl::StrAppend(&head, name, ": ", value, "\r\n");
  }
  if (!has_length) {
    absl::StrAppend(&head, "Content-Length: ", response.body.size(), "\r\n");
  }
  absl::StrAppend(&head, "Connection: close\r\n\r\n");
  if (SendAll(fd, head) && request.method != "HEAD") {
    SendAll(fd, response.body);
  }
  shutdown(fd, SHUT_WR);
  // Drain so the close does not turn into a reset that loses the response.
  while (recv(fd, buffer, sizeof(buffer), 0) > 0) {
  }
  close(fd);
}

std::string Gzip(absl::string_view data) {
  z_stream stream = {};
  // 15 window bits + 16 selects the gzip wrapper rather than zlib's.
  deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
               Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, data.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

}  // namespace fineprint::http::testing
