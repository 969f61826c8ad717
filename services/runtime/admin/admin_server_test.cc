#include "services/runtime/admin/admin_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace fineprint::admin {
namespace {

std::string Get(int port, absl::string_view request_line) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return "";
  }
  std::string req = absl::StrCat(request_line, "\r\nHost: x\r\n\r\n");
  ::send(fd, req.data(), req.size(), 0);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0) out.append(buf, n);
  ::close(fd);
  return out;
}

TEST(AdminServerTest, ServesRegisteredPathsOnAFreePort) {
  AdminServer server;
  server.Handle("/healthz", [] { return Response{200, "text/plain", "ok\n"}; });
  server.Handle("/readyz", [] {
    return Response{503, "text/plain", "db down\n"};
  });
  ASSERT_TRUE(server.Start("127.0.0.1", 0).ok());
  ASSERT_GT(server.port(), 0);

  std::string ok = Get(server.port(), "GET /healthz HTTP/1.1");
  EXPECT_EQ(ok.rfind("HTTP/1.1 200 OK", 0), 0u) << ok;
  EXPECT_NE(ok.find("\r\n\r\nok\n"), std::string::npos);

  std::string not_ready = Get(server.port(), "GET /readyz?verbose=1 HTTP/1.1");
  EXPECT_EQ(not_ready.rfind("HTTP/1.1 503", 0), 0u) << not_ready;

  EXPECT_EQ(Get(server.port(), "GET /nope HTTP/1.1").rfind("HTTP/1.1 404", 0),
            0u);
  EXPECT_EQ(
      Get(server.port(), "POST /healthz HTTP/1.1").rfind("HTTP/1.1 405", 0),
      0u);
  server.Stop();
  EXPECT_EQ(Get(server.port(), "GET /healthz HTTP/1.1"), "");
}

}  // namespace
}  // namespace fineprint::admin
