#include "services/runtime/tls/grpc_tls.h"

#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "services/runtime/server/service_host.h"
#include "services/runtime/tls/test_certs.h"
#include "services/runtime/tls/tls_options.h"

namespace fineprint::tls {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

// A real gRPC server on a loopback port (the kit's ServiceHost: health is
// always served), as "identity", that only "edge" may call.
class GrpcTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::NewCertDir();
    ASSERT_FALSE(dir_.empty());
    ASSERT_TRUE(
        testing::MakeCerts(dir_, {"identity", "edge", "analysis"}).ok());
    server::HostOptions host;
    host.service_name = "identity";
    host.host = "127.0.0.1";
    host.admin_port = -1;
    host.shutdown_grace = absl::Milliseconds(100);
    host.tls = For("identity");
    host.tls.allowed_peers = {"edge"};
    host.tls.refresh_interval = absl::Seconds(1);
    host_ = std::make_unique<server::ServiceHost>(host);
    ASSERT_TRUE(host_->Start().ok());
  }

  TlsOptions For(const std::string& name) const {
    TlsOptions o;
    o.cert_file = dir_ + "/" + name + ".pem";
    o.key_file = dir_ + "/" + name + ".key";
    o.ca_file = dir_ + "/ca.pem";
    return o;
  }

  // One health check on `channel`; `server_cert`, if given, gets the PEM
  // certificate the server presented.
  grpc::Status Check(const std::shared_ptr<grpc::Channel>& channel,
                     std::string* server_cert = nullptr) {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    HealthCheckRequest req;
    HealthCheckResponse res;
    grpc::Status s = Health::NewStub(channel)->Check(&ctx, req, &res);
    if (s.ok() && server_cert != nullptr) {
      auto values = ctx.auth_context()->FindPropertyValues("x509_pem_cert");
      if (!values.empty())
        server_cert->assign(values[0].data(), values[0].size());
    }
    return s;
  }

  std::shared_ptr<grpc::Channel> Channel(const TlsOptions& client,
                                         const std::string& server_name) {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
        CreateGrpcChannel(host_->grpc_target(), client, server_name);
    EXPECT_TRUE(channel.ok()) << channel.status();
    return channel.ok() ? *channel : nullptr;
  }

  std::string dir_;
  std::unique_ptr<server::ServiceHost> host_;
};

TEST_F(GrpcTlsTest, AllowedPeerIsServed) {
  EXPECT_TRUE(Check(Channel(For("edge"), "identity")).ok());
}

TEST_F(GrpcTlsTest, ClientWithoutCertificateIsRefused) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = *ReadPemFile(dir_ + "/ca.pem");
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("identity");
  auto channel = grpc::CreateCustomChannel(host_->grpc_target(),
                                           grpc::SslCredentials(ssl), args);
  grpc::Status s = Check(channel);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
}

TEST_F(GrpcTlsTest, PlaintextClientIsRefused) {
  auto channel = grpc::CreateChannel(host_->grpc_target(),
                                     grpc::InsecureChannelCredentials());
  EXPECT_EQ(Check(channel).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(GrpcTlsTest, CertificateOfAServiceNotAllowedIsRefused) {
  // Issued by the same CA, so only the allow-list stops it.
  grpc::Status s = Check(Channel(For("analysis"), "identity"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
}

TEST_F(GrpcTlsTest, CertificateFromAnotherCaIsRefused) {
  const std::string other = testing::NewCertDir();
  ASSERT_TRUE(testing::MakeCerts(other, {"edge"}).ok());
  TlsOptions forged;
  forged.cert_file = other + "/edge.pem";
  forged.key_file = other + "/edge.key";
  forged.ca_file = dir_ + "/ca.pem";  // trusts the real server
  // The forged pair does not chain to the CA it names: refused before any
  // connection, and by the server if sent anyway.
  EXPECT_FALSE(ValidateTlsOptions(forged).ok());
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = *ReadPemFile(dir_ + "/ca.pem");
  ssl.pem_cert_chain = *ReadPemFile(forged.cert_file);
  ssl.pem_private_key = *ReadPemFile(forged.key_file);
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("identity");
  auto channel = grpc::CreateCustomChannel(host_->grpc_target(),
                                           grpc::SslCredentials(ssl), args);
  EXPECT_EQ(Check(channel).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(GrpcTlsTest, ClientRefusesServerWithAnotherName) {
  // The server is identity; a client that expects analysis must not talk.
  EXPECT_EQ(Check(Channel(For("edge"), "analysis")).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(GrpcTlsTest, RotatedCertificateIsPresentedWithoutRestart) {
  std::string before;
  ASSERT_TRUE(Check(Channel(For("edge"), "identity"), &before).ok());
  EXPECT_EQ(before, *ReadPemFile(dir_ + "/identity.pem"));
  ASSERT_TRUE(testing::MakeCerts(dir_, {"identity"}).ok());
  const std::string rotated = *ReadPemFile(dir_ + "/identity.pem");
  ASSERT_NE(rotated, before);
  // The server re-reads its files every refresh interval (1s here); a new
  // connection (a new channel) then gets the new certificate.
  std::string now;
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    now.clear();
    ASSERT_TRUE(Check(Channel(For("edge"), "identity"), &now).ok());
    if (now == rotated) break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_EQ(now, rotated);
}

TEST_F(GrpcTlsTest, RotatedClientCertificateIsAllowedWithoutRestart) {
  ASSERT_TRUE(testing::MakeCerts(dir_, {"edge"}).ok());
  // The server trusts the CA, not one certificate: a rotated client works
  // on its first connection.
  EXPECT_TRUE(Check(Channel(For("edge"), "identity")).ok());
}

TEST(TlsOptionsTest, HalfConfiguredTlsIsRejected) {
  TlsOptions o;
  o.cert_file = "/nonexistent.pem";
  EXPECT_EQ(ValidateTlsOptions(o).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(GrpcServerCredentials(o).ok());
  EXPECT_TRUE(ValidateTlsOptions(TlsOptions{}).ok());
}

TEST(TlsOptionsTest, PeerNameFromProtoService) {
  EXPECT_EQ(*PeerNameForProtoService("fineprint.identity.v1.IdentityService"),
            "identity");
  EXPECT_FALSE(PeerNameForProtoService("grpc.health.v1.Health").ok());
}

}  // namespace
}  // namespace fineprint::tls
