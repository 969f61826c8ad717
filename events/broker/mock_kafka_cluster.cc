#include "events/broker/mock_kafka_cluster.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"

namespace fineprint::events {
namespace {

// librdkafka 2.0.2's mock thread sometimes misses the wake-up for a control
// call (topic create, error injection, its own shutdown) and serves it only
// when its idle poll() times out: a 1 s stall on ~20% of calls. Activity on
// its sockets wakes it, so while a call is in flight this connects to (and
// at once closes) every broker's listener every few ms. Every broker, as one
// that is set down is not polled.
class WakeupKicker {
 public:
  explicit WakeupKicker(const std::vector<int>& ports)
      : thread_([this, ports] {
          while (!done_.WaitForNotificationWithTimeout(absl::Milliseconds(5))) {
            for (int port : ports) Kick(port);
          }
        }) {}
  ~WakeupKicker() {
    done_.Notify();
    thread_.join();
  }

 private:
  static void Kick(int port) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return;
    sockaddr_in addr = {};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    (void)!connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
    close(fd);
  }

  absl::Notification done_;
  std::thread thread_;
};

// "127.0.0.1:<port>,127.0.0.1:<port>..." -> the ports.
std::vector<int> Ports(absl::string_view bootstraps) {
  std::vector<int> ports;
  for (absl::string_view address : absl::StrSplit(bootstraps, ',')) {
    int port = 0;
    const size_t colon = address.rfind(':');
    if (colon != absl::string_view::npos &&
        absl::SimpleAtoi(address.substr(colon + 1), &port) && port > 0) {
      ports.push_back(port);
    }
  }
  return ports;
}

}  // namespace

absl::StatusOr<std::unique_ptr<MockKafkaCluster>> MockKafkaCluster::Start(
    const MockKafkaOptions& options) {
  if (options.brokers < 1 || options.brokers > 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("brokers must be in 1..64, got ", options.brokers));
  }
  if (options.replication_factor < 1) {
    return absl::InvalidArgumentError("replication_factor must be >= 1");
  }
  // The handle only hosts the cluster. Notice-level logs are skipped: it
  // would announce its own lack of bootstrap.servers.
  absl::StatusOr<KafkaHandle> handle = NewKafkaHandle(
      RD_KAFKA_PRODUCER,
      {{"client.id", "fineprint-mock-kafka"}, {"log_level", "4"}});
  if (!handle.ok()) return handle.status();
  rd_kafka_mock_cluster_t* cluster =
      rd_kafka_mock_cluster_new(handle->get(), options.brokers);
  if (cluster == nullptr) {
    return absl::InternalError(
        "rd_kafka_mock_cluster_new failed (see the librdkafka log)");
  }
  std::unique_ptr<MockKafkaCluster> mock(new MockKafkaCluster(
      *std::move(handle), cluster, options.brokers,
      std::min(options.replication_factor, options.brokers)));
  if (absl::Status s = mock->CreateTopics(options.topics); !s.ok()) return s;
  return mock;
}

MockKafkaCluster::MockKafkaCluster(KafkaHandle handle,
                                   rd_kafka_mock_cluster_t* cluster,
                                   int brokers, int replication_factor)
    : handle_(std::move(handle)),
      cluster_(cluster),
      bootstrap_servers_(rd_kafka_mock_cluster_bootstraps(cluster)),
      wakeup_ports_(Ports(bootstrap_servers_)),
      brokers_(brokers),
      replication_factor_(replication_factor) {}

MockKafkaCluster::~MockKafkaCluster() { Stop(); }

absl::Status MockKafkaCluster::CreateTopics(
    const std::vector<TopicSpec>& topics) {
  for (const TopicSpec& spec : topics) {
    if (absl::Status s = CreateTopic(spec.name, spec.partitions); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status MockKafkaCluster::CreateTopic(absl::string_view name,
                                           int partitions) {
  if (!IsValidTopicName(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid topic name '", name, "'"));
  }
  if (partitions < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("topic ", name, ": partitions must be >= 1"));
  }
  const std::string topic(name);
  absl::Status status = Call(
      [&](rd_kafka_mock_cluster_t* cluster) {
        const rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(
            cluster, topic.c_str(), partitions, replication_factor_);
        return err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS
                   ? RD_KAFKA_RESP_ERR_NO_ERROR
                   : err;
      },
      absl::StrCat("mock create topic ", name));
  return status;
}

absl::Status MockKafkaCluster::SetBrokerUp(int32_t broker_id, bool up) {
  return Call(
      [&](rd_kafka_mock_cluster_t* cluster) {
        return up ? rd_kafka_mock_broker_set_up(cluster, broker_id)
                  : rd_kafka_mock_broker_set_down(cluster, broker_id);
      },
      absl::StrCat("mock broker ", broker_id, up ? " up" : " down"));
}

absl::Status MockKafkaCluster::Call(
    absl::FunctionRef<rd_kafka_resp_err_t(rd_kafka_mock_cluster_t*)> op,
    absl::string_view what) {
  absl::MutexLock lock(&mu_);
  if (cluster_ == nullptr) {
    return absl::FailedPreconditionError("mock Kafka cluster is stopped");
  }
  WakeupKicker kicker(wakeup_ports_);
  return KafkaError(op(cluster_), what);
}

void MockKafkaCluster::Stop() {
  rd_kafka_mock_cluster_t* cluster;
  KafkaHandle handle;
  {
    absl::MutexLock lock(&mu_);
    cluster = std::exchange(cluster_, nullptr);
    handle = std::move(handle_);
  }
  // Destroying joins the mock's thread: not under the lock.
  if (cluster != nullptr) {
    WakeupKicker kicker(wakeup_ports_);
    rd_kafka_mock_cluster_destroy(cluster);
  }
  handle.reset();
}

bool MockKafkaCluster::running() const {
  absl::MutexLock lock(&mu_);
  return cluster_ != nullptr;
}

}  // namespace fineprint::events
