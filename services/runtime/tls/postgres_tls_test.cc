// PostgreSQL over TLS with sslmode=verify-full: the DSN is all a service
// needs (libpq does the rest). A real server with ssl=on and a certificate
// from the dev CA script; the client must trust that CA and the name it
// connects to must be on the certificate.

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/runtime/db/pg_connection.h"
#include "services/runtime/tls/test_certs.h"
#include "tests/testing/postgres_server.h"

namespace fineprint::tls {
namespace {

class PostgresTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testing::NewCertDir());
    ASSERT_TRUE(testing::MakeCerts(*dir_, {"postgres@localhost"}).ok());
    other_dir_ = new std::string(testing::NewCertDir());
    ASSERT_TRUE(testing::MakeCerts(*other_dir_, {"postgres@localhost"}).ok());
    fineprint::testing::PostgresServerOptions options;
    options.tls_cert_file = *dir_ + "/postgres.pem";
    options.tls_key_file = *dir_ + "/postgres.key";
    auto pg = fineprint::testing::PostgresServer::Start(options);
    ASSERT_TRUE(pg.ok()) << pg.status();
    pg_ = pg->release();
  }
  static void TearDownTestSuite() {
    delete pg_;
    delete dir_;
    delete other_dir_;
  }

  // The DSN a service would be given: TLS required, CA and name verified.
  static std::string Dsn(const std::string& host, const std::string& ca) {
    return absl::StrCat("host=", host, " hostaddr=127.0.0.1 port=", pg_->port(),
                        " user=postgres dbname=test connect_timeout=10 "
                        "sslmode=verify-full sslrootcert=",
                        ca);
  }

  static absl::StatusOr<std::unique_ptr<db::PgConnection>> Connect(
      const std::string& dsn) {
    db::PoolOptions options;
    options.dsn = dsn;
    return db::PgConnection::Connect(options, absl::Now() + absl::Seconds(10));
  }

  static std::string* dir_;
  static std::string* other_dir_;
  static fineprint::testing::PostgresServer* pg_;
};

std::string* PostgresTlsTest::dir_ = nullptr;
std::string* PostgresTlsTest::other_dir_ = nullptr;
fineprint::testing::PostgresServer* PostgresTlsTest::pg_ = nullptr;

TEST_F(PostgresTlsTest, VerifyFullConnectsOverTls) {
  for (const std::string host : {"localhost", "127.0.0.1"}) {
    auto conn = Connect(Dsn(host, *dir_ + "/ca.pem"));
    ASSERT_TRUE(conn.ok()) << host << ": " << conn.status();
    auto result = (*conn)->Execute(
        "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
    ASSERT_TRUE(result.ok()) << result.status();
    ASSERT_EQ(result->num_rows(), 1);
    EXPECT_TRUE(*(*result)[0].GetBool("ssl"));
    const std::string version = *(*result)[0].GetString("version");
    EXPECT_TRUE(version == "TLSv1.2" || version == "TLSv1.3") << version;
  }
}

TEST_F(PostgresTlsTest, CertificateFromAnotherCaIsRefused) {
  auto conn = Connect(Dsn("localhost", *other_dir_ + "/ca.pem"));
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.status().code(), absl::StatusCode::kUnavailable)
      << conn.status();
  EXPECT_NE(conn.status().message().find("certificate verify failed"),
            std::string::npos)
      << conn.status();
}

TEST_F(PostgresTlsTest, NameNotOnTheCertificateIsRefused) {
  // Right CA, wrong name: verify-full checks the host, verify-ca would not.
  auto conn = Connect(Dsn("db.example.com", *dir_ + "/ca.pem"));
  ASSERT_FALSE(conn.ok());
  EXPECT_NE(conn.status().message().find("does not match host name"),
            std::string::npos)
      << conn.status();
}

}  // namespace
}  // namespace fineprint::tls
