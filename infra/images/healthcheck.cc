// fineprint_healthcheck PORT PATH: exits 0 if http://127.0.0.1:PORT/PATH
// answers 200 within two seconds, 1 otherwise.
//
// The container healthcheck of the Fineprint images (infra/compose), which
// carry no shell and no curl. It only ever talks to its own container's
// loopback admin port, so it is plain sockets rather than the runtime's
// HttpClient, whose SSRF guard refuses loopback by design.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

constexpr char kUsage[] =
    "usage: fineprint_healthcheck PORT PATH\n"
    "Exits 0 if GET http://127.0.0.1:PORT/PATH answers 200 within 2 s.\n";

int Check(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 1;
  timeval timeout{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return 1;
  }
  const std::string request =
      "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  if (send(fd, request.data(), request.size(), 0) !=
      static_cast<ssize_t>(request.size())) {
    close(fd);
    return 1;
  }
  char buf[64];
  size_t got = 0;
  while (got < sizeof(buf) - 1) {
    const ssize_t n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
    if (memchr(buf, '\n', got) != nullptr) break;
  }
  close(fd);
  buf[got] = '\0';
  // "HTTP/1.x 200 ..."
  return std::strncmp(buf, "HTTP/1.", 7) == 0 && got >= 12 &&
                 std::strncmp(buf + 8, " 200", 4) == 0
             ? 0
             : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--help") == 0) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (argc != 3) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  char* end = nullptr;
  const long port = std::strtol(argv[1], &end, 10);
  if (*end != '\0' || port <= 0 || port > 65535 || argv[2][0] != '/') {
    std::fputs(kUsage, stderr);
    return 2;
  }
  return Check(static_cast<int>(port), argv[2]);
}
