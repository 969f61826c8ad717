// fineprint_mock_kafka: the embedded default Kafka for local runs. Starts
// librdkafka's mock cluster with Fineprint's declared topics, announces its
// bootstrap address, and runs until SIGTERM or SIGINT (exit 0).
//
//   fineprint_mock_kafka [--brokers=1] [--port_file=PATH] [--topics_file=PATH]
//
// The listening ports are random (librdkafka 2.0.2 cannot pin them), so the
// contract is the address: the only line on stdout, and the content of
// --port_file (written atomically once the cluster is ready, removed on
// exit). Logs are JSON lines on stderr.

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "events/broker/mock_kafka_cluster.h"
#include "events/topics/topics_flags.h"
#include "services/runtime/config/config.h"
#include "services/runtime/log/log.h"

ABSL_FLAG(int, brokers, 1, "Number of mock brokers.");
ABSL_FLAG(std::string, port_file, "",
          "Where to write the bootstrap address (host:port[,host:port...]) "
          "once the cluster is ready.");

namespace fineprint::events {
namespace {

absl::Status WriteAtomically(const std::string& path,
                             const std::string& content) {
  const std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << content << "\n";
    if (!out.flush()) {
      return absl::InternalError(absl::StrCat("cannot write ", tmp));
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return absl::InternalError(
        absl::StrCat("cannot rename ", tmp, " to ", path));
  }
  return absl::OkStatus();
}

int Run(int argc, char** argv) {
  // Block the stop signals before librdkafka starts threads (they inherit
  // the mask), so that only sigwait below ever sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  config::ParseFlagsAndEnv(argc, argv);
  log::SetServiceName("fineprint_mock_kafka");

  absl::StatusOr<std::vector<TopicSpec>> topics = DeclaredTopicsFromFlags();
  if (!topics.ok()) {
    log::Error("cannot load the topic list", {{"error", topics.status()}});
    return 2;
  }
  MockKafkaOptions options;
  options.brokers = absl::GetFlag(FLAGS_brokers);
  options.topics = *topics;
  absl::StatusOr<std::unique_ptr<MockKafkaCluster>> cluster =
      MockKafkaCluster::Start(options);
  if (!cluster.ok()) {
    log::Error("mock Kafka failed to start", {{"error", cluster.status()}});
    return 1;
  }
  const std::string bootstrap = (*cluster)->bootstrap_servers();
  const std::string port_file = absl::GetFlag(FLAGS_port_file);
  if (!port_file.empty()) {
    if (absl::Status s = WriteAtomically(port_file, bootstrap); !s.ok()) {
      log::Error("cannot write the port file", {{"error", s}});
      return 1;
    }
  }
  std::printf("%s\n", bootstrap.c_str());
  std::fflush(stdout);
  log::Info("mock Kafka ready",
            {{"bootstrap_servers", bootstrap},
             {"brokers", options.brokers},
             {"topics", static_cast<int64_t>(topics->size())}});

  int signal_number = 0;
  while (sigwait(&stop_signals, &signal_number) != 0) {
  }
  log::Info("mock Kafka stopping", {{"signal", signal_number}});
  if (!port_file.empty()) std::remove(port_file.c_str());
  const absl::Time stopping = absl::Now();
  cluster->reset();
  log::Info("mock Kafka stopped", {{"took", absl::Now() - stopping}});
  return 0;
}

}  // namespace
}  // namespace fineprint::events

int main(int argc, char** argv) { return fineprint::events::Run(argc, argv); }
