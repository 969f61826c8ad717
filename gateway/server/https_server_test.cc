// HTTPS at the edge's HTTP server, over real sockets: curl talks to it,
// TLS 1.1 is refused, and a certificate re-read on reload reaches new
// connections while open ones carry on.

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/server/http_server.h"
#include "gateway/server/tls_stream.h"
#include "gtest/gtest.h"
#include "services/runtime/tls/test_certs.h"
#include "services/runtime/tls/tls_options.h"

namespace fineprint::gateway::server {
namespace {

// A TLS client on a plain socket, so the test controls the protocol
// versions it offers and can keep a connection open across a reload.
class RawTlsClient {
 public:
  ~RawTlsClient() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
    if (fd_ >= 0) close(fd_);
  }

  // Empty on success, else why the handshake failed.
  std::string Connect(int port, int min_version, int max_version,
                      const std::string& ca_file) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    // Level 0 lets this client offer TLS 1.1 at all; the server must be
    // the one to refuse it.
    SSL_CTX_set_security_level(ctx_, 0);
    SSL_CTX_set_min_proto_version(ctx_, min_version);
    SSL_CTX_set_max_proto_version(ctx_, max_version);
    SSL_CTX_load_verify_locations(ctx_, ca_file.c_str(), nullptr);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      return "connect failed";
    }
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    SSL_set_tlsext_host_name(ssl_, "localhost");
    SSL_set1_host(ssl_, "localhost");
    if (SSL_connect(ssl_) != 1) {
      char buf[256];
      ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
      ERR_clear_error();
      return buf;
    }
    return "";
  }

  int version() const { return SSL_version(ssl_); }

  std::string PeerCertificate() const {
    X509* cert = SSL_get1_peer_certificate(ssl_);
    if (cert == nullptr) return "";
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, cert);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);  // NOLINT(runtime/int)
    std::string pem(data, static_cast<size_t>(n));
    BIO_free(bio);
    X509_free(cert);
    return pem;
  }

  // One keep-alive GET; the body, or "" when the connection failed.
  std::string Get(const std::string& path) {
    const std::string req =
        absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: localhost\r\n\r\n");
    if (SSL_write(ssl_, req.data(), static_cast<int>(req.size())) <= 0) {
      return "";
    }
    std::string in;
    char buf[4096];
    while (true) {
      const size_t head_end = in.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        const size_t cl = in.find("Content-Length: ");
        size_t length = 0;
        if (cl != std::string::npos &&
            absl::SimpleAtoi(in.substr(cl + 16, in.find("\r\n", cl) - cl - 16),
                             &length) &&
            in.size() >= head_end + 4 + length) {
          return in.substr(head_end + 4, length);
        }
      }
      const int n = SSL_read(ssl_, buf, sizeof(buf));
      if (n <= 0) return "";
      in.append(buf, static_cast<size_t>(n));
    }
  }

 private:
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
};

class HttpsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tls::testing::NewCertDir();
    ASSERT_TRUE(tls::testing::MakeCerts(dir_, {"edge-https@localhost"}).ok());
    auto edge_tls =
        EdgeTls::Open(dir_ + "/edge-https.pem", dir_ + "/edge-https.key");
    ASSERT_TRUE(edge_tls.ok()) << edge_tls.status();
    tls_ = *edge_tls;
    HttpServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 2;
    options.tls = tls_;
    server_ = std::make_unique<HttpServer>(
        options,
        [this](HttpRequest req, HttpServer::Responder respond, StreamOpener) {
          HttpResponse r;
          r.body = absl::StrCat("hello ", req.target, " ", ++served_);
          r.SetHeader("content-type", "text/plain");
          respond(std::move(r));
        });
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }

  std::string ca() const { return dir_ + "/ca.pem"; }

  std::string dir_;
  std::shared_ptr<EdgeTls> tls_;
  std::unique_ptr<HttpServer> server_;
  std::atomic<int> served_{0};
};

size_t Append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

TEST_F(HttpsServerTest, CurlGetsAnAnswerOverHttps) {
  CURL* curl = curl_easy_init();
  std::string body;
  const std::string url =
      absl::StrCat("https://localhost:", server_->port(), "/v1/ping");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CAINFO, ca().c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  const CURLcode rc = curl_easy_perform(curl);
  long status = 0;  // NOLINT(runtime/int): libcurl
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  ASSERT_EQ(rc, CURLE_OK) << curl_easy_strerror(rc);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, "hello /v1/ping 1");
}

TEST_F(HttpsServerTest, PlainHttpOnTheHttpsPortGetsNoAnswer) {
  CURL* curl = curl_easy_init();
  const std::string url =
      absl::StrCat("http://127.0.0.1:", server_->port(), "/v1/ping");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  const CURLcode rc = curl_easy_perform(curl);
  curl_easy_cleanup(curl);
  EXPECT_NE(rc, CURLE_OK);
  EXPECT_EQ(served_.load(), 0);
}

TEST_F(HttpsServerTest, RefusesTls11AndServesTls12And13) {
  RawTlsClient old;
  EXPECT_NE(old.Connect(server_->port(), TLS1_1_VERSION, TLS1_1_VERSION, ca()),
            "");
  RawTlsClient v12;
  ASSERT_EQ(v12.Connect(server_->port(), TLS1_2_VERSION, TLS1_2_VERSION, ca()),
            "");
  EXPECT_EQ(v12.version(), TLS1_2_VERSION);
  EXPECT_EQ(v12.Get("/a"), "hello /a 1");
  RawTlsClient v13;
  ASSERT_EQ(v13.Connect(server_->port(), TLS1_3_VERSION, TLS1_3_VERSION, ca()),
            "");
  EXPECT_EQ(v13.Get("/b"), "hello /b 2");
  EXPECT_EQ(served_.load(), 2);
}

TEST_F(HttpsServerTest, ReloadServesNewCertificateWithoutDroppingConnections) {
  RawTlsClient before;
  ASSERT_EQ(
      before.Connect(server_->port(), TLS1_2_VERSION, TLS1_3_VERSION, ca()),
      "");
  const std::string first = before.PeerCertificate();
  EXPECT_EQ(first, *tls::ReadPemFile(dir_ + "/edge-https.pem"));
  EXPECT_EQ(before.Get("/x"), "hello /x 1");

  ASSERT_TRUE(tls::testing::MakeCerts(dir_, {"edge-https@localhost"}).ok());
  const std::string rotated = *tls::ReadPemFile(dir_ + "/edge-https.pem");
  ASSERT_NE(rotated, first);
  ASSERT_TRUE(tls_->Reload().ok());

  RawTlsClient after;
  ASSERT_EQ(
      after.Connect(server_->port(), TLS1_2_VERSION, TLS1_3_VERSION, ca()), "");
  EXPECT_EQ(after.PeerCertificate(), rotated);
  EXPECT_EQ(after.Get("/y"), "hello /y 2");
  // The connection opened before the reload is still served.
  EXPECT_EQ(before.Get("/z"), "hello /z 3");
}

TEST_F(HttpsServerTest, BadFilesOnReloadKeepTheRunningCertificate) {
  const std::string good = *tls::ReadPemFile(dir_ + "/edge-https.pem");
  // Not a key: a half-written rotation, say.
  std::filesystem::copy_file(dir_ + "/ca.pem", dir_ + "/edge-https.key",
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_FALSE(tls_->Reload().ok());
  RawTlsClient client;
  ASSERT_EQ(
      client.Connect(server_->port(), TLS1_2_VERSION, TLS1_3_VERSION, ca()),
      "");
  EXPECT_EQ(client.PeerCertificate(), good);
}

}  // namespace
}  // namespace fineprint::gateway::server
