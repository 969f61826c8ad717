#include "services/runtime/tls/tls_options.h"

#include <string>

#include "gtest/gtest.h"
#include "services/runtime/tls/server_context.h"
#include "services/runtime/tls/test_certs.h"

namespace fineprint::tls {
namespace {

class TlsFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::NewCertDir();
    ASSERT_TRUE(testing::MakeCerts(dir_, {"identity", "edge"}).ok());
  }
  TlsOptions For(const std::string& cert, const std::string& key) const {
    TlsOptions o;
    o.cert_file = dir_ + "/" + cert + ".pem";
    o.key_file = dir_ + "/" + key + ".key";
    o.ca_file = dir_ + "/ca.pem";
    return o;
  }
  std::string dir_;
};

TEST_F(TlsFilesTest, MatchingPairChainedToTheCaIsValid) {
  EXPECT_TRUE(ValidateTlsOptions(For("identity", "identity")).ok());
}

TEST_F(TlsFilesTest, KeyOfAnotherCertificateIsRejected) {
  absl::Status s = ValidateTlsOptions(For("identity", "edge"));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("is not the key of"), std::string::npos) << s;
}

TEST_F(TlsFilesTest, MissingFileIsNamed) {
  TlsOptions o = For("identity", "identity");
  o.ca_file = dir_ + "/nope.pem";
  absl::Status s = ValidateTlsOptions(o);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("nope.pem"), std::string::npos) << s;
}

TEST_F(TlsFilesTest, StoreReloadsAndKeepsThePreviousPairOnFailure) {
  auto store =
      ServerContextStore::Open(dir_ + "/identity.pem", dir_ + "/identity.key");
  ASSERT_TRUE(store.ok()) << store.status();
  std::shared_ptr<SSL_CTX> first = (*store)->Current();
  ASSERT_NE(first, nullptr);
  ASSERT_TRUE(testing::MakeCerts(dir_, {"identity"}).ok());
  ASSERT_TRUE((*store)->Reload().ok());
  EXPECT_NE((*store)->Current(), first);
  EXPECT_EQ((*store)->generation(), 2);
  // A key that is not the certificate's: refused, the last good pair stays.
  ASSERT_TRUE(testing::MakeCerts(dir_, {"edge"}).ok());
  std::shared_ptr<SSL_CTX> good = (*store)->Current();
  ASSERT_EQ(std::rename((dir_ + "/edge.key").c_str(),
                        (dir_ + "/identity.key").c_str()),
            0);
  EXPECT_FALSE((*store)->Reload().ok());
  EXPECT_EQ((*store)->Current(), good);
  EXPECT_EQ((*store)->generation(), 2);
}

}  // namespace
}  // namespace fineprint::tls
