// Kafka over TLS against a real broker whose SSL listener requires client
// certificates, with a keystore and truststore this test makes from
// certificates of the dev CA script (openssl for the keystore, the JRE's
// keytool for the truststore).

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "events/kafka/rdkafka_util.h"
#include "events/topics/topic_admin.h"
#include "gtest/gtest.h"
#include "services/runtime/tls/test_certs.h"
#include "tests/testing/kafka_broker.h"
#include "tests/testing/kafka_test_client.h"

namespace fineprint::events {
namespace {

constexpr char kStorePassword[] = "fineprint-test";
constexpr absl::Duration kTimeout = absl::Seconds(30);

absl::Status RunCommand(const std::string& command) {
  const int rc = std::system(command.c_str());
  if (rc != 0) {
    return absl::InternalError(absl::StrCat(command, " exited with ", rc));
  }
  return absl::OkStatus();
}

class KafkaTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(tls::testing::NewCertDir());
    ASSERT_TRUE(
        tls::testing::MakeCerts(*dir_, {"kafka@localhost", "relay"}).ok());
    other_ = new std::string(tls::testing::NewCertDir());
    ASSERT_TRUE(tls::testing::MakeCerts(*other_, {"relay"}).ok());
    const std::string& d = *dir_;
    ASSERT_TRUE(
        RunCommand(absl::StrCat("openssl pkcs12 -export -in ", d, "/kafka.pem",
                                " -inkey ", d, "/kafka.key",
                                " -name kafka -out ", d,
                                "/kafka.p12 -passout pass:", kStorePassword))
            .ok());
    ASSERT_TRUE(
        RunCommand(absl::StrCat("keytool -importcert -noprompt -alias ca",
                                " -file ", d, "/ca.pem -keystore ", d,
                                "/truststore.p12 -storetype PKCS12",
                                " -storepass ", kStorePassword,
                                " >/dev/null 2>&1"))
            .ok());
    fineprint::testing::KafkaBrokerOptions options;
    options.ssl_listener = true;
    options.extra_properties = {
        "ssl.keystore.type=PKCS12",
        absl::StrCat("ssl.keystore.location=", d, "/kafka.p12"),
        absl::StrCat("ssl.keystore.password=", kStorePassword),
        absl::StrCat("ssl.key.password=", kStorePassword),
        "ssl.truststore.type=PKCS12",
        absl::StrCat("ssl.truststore.location=", d, "/truststore.p12"),
        absl::StrCat("ssl.truststore.password=", kStorePassword),
        "ssl.client.auth=required",
    };
    broker_ = new fineprint::testing::KafkaBroker(options);
    absl::StatusOr<std::string> started = broker_->Start();
    ASSERT_TRUE(started.ok()) << started.status();
    ASSERT_FALSE(broker_->ssl_bootstrap_servers().empty());
  }
  static void TearDownTestSuite() {
    delete broker_;
    delete dir_;
    delete other_;
  }

  static KafkaSecurity Client(const std::string& ca_dir,
                              const std::string& cert_dir) {
    KafkaSecurity s;
    s.ca_file = ca_dir + "/ca.pem";
    if (!cert_dir.empty()) {
      s.cert_file = cert_dir + "/relay.pem";
      s.key_file = cert_dir + "/relay.key";
    }
    return s;
  }

  // A metadata request over the SSL listener: the handshake has to pass.
  static absl::Status Metadata(const KafkaSecurity& security) {
    absl::StatusOr<KafkaConfig> settings = KafkaSecuritySettings(security);
    if (!settings.ok()) return settings.status();
    settings->emplace_back("bootstrap.servers",
                           broker_->ssl_bootstrap_servers());
    absl::StatusOr<KafkaHandle> rk =
        NewKafkaHandle(RD_KAFKA_PRODUCER, *settings);
    if (!rk.ok()) return rk.status();
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_resp_err_t err =
        rd_kafka_metadata(rk->get(), 0, nullptr, &md, /*timeout_ms=*/5000);
    if (md != nullptr) rd_kafka_metadata_destroy(md);
    return KafkaError(err, "metadata");
  }

  static std::string* dir_;
  static std::string* other_;
  static fineprint::testing::KafkaBroker* broker_;
};

std::string* KafkaTlsTest::dir_ = nullptr;
std::string* KafkaTlsTest::other_ = nullptr;
fineprint::testing::KafkaBroker* KafkaTlsTest::broker_ = nullptr;

TEST_F(KafkaTlsTest, ProducesAndConsumesOverMutualTls) {
  absl::StatusOr<KafkaConfig> tls = KafkaSecuritySettings(Client(*dir_, *dir_));
  ASSERT_TRUE(tls.ok()) << tls.status();
  const std::string bootstrap = broker_->ssl_bootstrap_servers();
  EnsureTopicsOptions admin;
  admin.client_config = *tls;
  ASSERT_TRUE(
      EnsureTopics(bootstrap, {{"fineprint.tls.test.v1", 1}}, kTimeout, admin)
          .ok());
  std::vector<fineprint::testing::KafkaRecord> records = {{"k1", "over tls 1"},
                                                          {"k2", "over tls 2"}};
  absl::Status produced = fineprint::testing::ProduceRecords(
      bootstrap, "fineprint.tls.test.v1", records, *tls);
  ASSERT_TRUE(produced.ok()) << produced;
  auto consumer = fineprint::testing::TestConsumer::CreateAssigned(
      bootstrap, "tls-test", "fineprint.tls.test.v1", 1, *tls);
  ASSERT_TRUE(consumer.ok()) << consumer.status();
  auto got = (*consumer)->Consume(records.size(), kTimeout);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ((*got)[i].key, records[i].key);
    EXPECT_EQ((*got)[i].value, records[i].value);
  }
}

TEST_F(KafkaTlsTest, ProcessDefaultsApplyToEveryClient) {
  // What the service kit does with --kafka_ca/--kafka_cert/--kafka_key.
  SetDefaultKafkaSettings(*KafkaSecuritySettings(Client(*dir_, *dir_)));
  absl::StatusOr<KafkaHandle> rk = NewKafkaHandle(
      RD_KAFKA_PRODUCER,
      KafkaConfig{{"bootstrap.servers", broker_->ssl_bootstrap_servers()}});
  ASSERT_TRUE(rk.ok()) << rk.status();
  const rd_kafka_metadata_t* md = nullptr;
  EXPECT_EQ(rd_kafka_metadata(rk->get(), 0, nullptr, &md, 10000),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  if (md != nullptr) rd_kafka_metadata_destroy(md);
  SetDefaultKafkaSettings({});
}

TEST_F(KafkaTlsTest, ClientWithoutCertificateIsRefused) {
  EXPECT_FALSE(Metadata(Client(*dir_, "")).ok());
}

TEST_F(KafkaTlsTest, ClientCertificateFromAnotherCaIsRefused) {
  EXPECT_FALSE(Metadata(Client(*dir_, *other_)).ok());
}

TEST_F(KafkaTlsTest, BrokerNotSignedByTheTrustedCaIsRefused) {
  // The client trusts another CA (and presents that CA's certificate).
  EXPECT_FALSE(Metadata(Client(*other_, *other_)).ok());
}

TEST(KafkaSecuritySettingsTest, MapsToLibrdkafkaProperties) {
  EXPECT_TRUE(KafkaSecuritySettings({})->empty());
  KafkaSecurity scram;
  scram.ca_file = "/ca.pem";
  scram.sasl_mechanism = "SCRAM-SHA-512";
  scram.sasl_username = "relay";
  scram.sasl_password = "secret";
  KafkaConfig expected = {
      {"security.protocol", "sasl_ssl"},
      {"ssl.ca.location", "/ca.pem"},
      {"ssl.endpoint.identification.algorithm", "https"},
      {"sasl.mechanisms", "SCRAM-SHA-512"},
      {"sasl.username", "relay"},
      {"sasl.password", "secret"},
  };
  EXPECT_EQ(*KafkaSecuritySettings(scram), expected);
  // librdkafka accepts every property it is given.
  EXPECT_TRUE(NewKafkaConf(*KafkaSecuritySettings(scram)).ok());
  scram.sasl_mechanism = "PLAIN";
  EXPECT_EQ(KafkaSecuritySettings(scram).status().code(),
            absl::StatusCode::kInvalidArgument);
  KafkaSecurity half;
  half.ca_file = "/ca.pem";
  half.cert_file = "/c.pem";
  EXPECT_EQ(KafkaSecuritySettings(half).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fineprint::events
