#include "tests/testing/kafka_broker.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/testing/kafka_process.h"

namespace fineprint::testing {
namespace {

using kafka_internal::BaseTempDir;
using kafka_internal::EnvironmentWith;
using kafka_internal::FindKafkaLibs;
using kafka_internal::FindKafkaScripts;
using kafka_internal::LastLines;
using kafka_internal::PickFreePort;
using kafka_internal::ProcessAlive;
using kafka_internal::ReadFile;
using kafka_internal::RunCommand;
using kafka_internal::SendToWatchdog;
using kafka_internal::StartWatchdog;

absl::Status ErrnoStatus(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

}  // namespace

KafkaBroker::KafkaBroker(KafkaBrokerOptions options)
    : options_(std::move(options)), port_(options_.port) {}

KafkaBroker::~KafkaBroker() {
  if (running() && !Stop().ok()) Kill().IgnoreError();
  if (watchdog_fd_ >= 0) {
    SendToWatchdog(watchdog_fd_, 0);
    close(watchdog_fd_);
  }
  if (watchdog_pid_ > 0) {
    int status;
    while (waitpid(watchdog_pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (!dir_.empty() && !options_.keep_dir) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

absl::Status KafkaBroker::Prepare() {
  absl::StatusOr<std::string> scripts = FindKafkaScripts(options_.scripts_dir);
  if (!scripts.ok()) return scripts.status();
  absl::StatusOr<std::string> libs = FindKafkaLibs(options_.kafka_libs);
  if (!libs.ok()) return libs.status();
  std::string pattern = BaseTempDir() + "/kafka.XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    return ErrnoStatus(absl::StrCat("mkdtemp ", pattern));
  }
  if (absl::Status s = StartWatchdog(&watchdog_fd_, &watchdog_pid_); !s.ok()) {
    std::error_code ignored;
    std::filesystem::remove_all(pattern, ignored);
    return s;
  }
  scripts_dir_ = *std::move(scripts);
  kafka_libs_ = *std::move(libs);
  dir_ = std::move(pattern);
  return absl::OkStatus();
}

absl::StatusOr<std::string> KafkaBroker::RunScript(
    const std::string& script, const std::vector<std::string>& args,
    absl::Duration timeout) {
  std::vector<std::string> argv = {"/bin/bash", scripts_dir_ + "/" + script};
  argv.insert(argv.end(), args.begin(), args.end());
  std::map<std::string, std::string> env = {
      // The scripts would otherwise run install.sh, which needs HOME.
      {"KAFKA_LIBS", kafka_libs_},
      {"KAFKA_START_TIMEOUT",
       absl::StrCat(
           std::max<int64_t>(1, absl::ToInt64Seconds(options_.start_timeout)))},
      {"KAFKA_EXTRA_PROPERTIES",
       absl::StrJoin(options_.extra_properties, "\n")},
  };
  if (!options_.heap_opts.empty()) env["KAFKA_HEAP_OPTS"] = options_.heap_opts;
  if (options_.ssl_listener) env["KAFKA_SSL_PORT"] = "0";
  if (options_.node_id > 0) {
    env["KAFKA_NODE_ID"] = absl::StrCat(options_.node_id);
    env["KAFKA_QUORUM_VOTERS"] = options_.quorum_voters;
    env["KAFKA_CLUSTER_ID"] = options_.cluster_id;
  }
  if (options_.controller_port > 0) {
    env["KAFKA_CONTROLLER_PORT"] = absl::StrCat(options_.controller_port);
  }
  if (std::getenv("PATH") == nullptr) env["PATH"] = "/bin:/usr/bin";
  absl::StatusOr<std::string> out =
      RunCommand(argv, EnvironmentWith(env), dir_ + "/scripts.log", timeout);
  if (!out.ok()) {
    return absl::Status(
        out.status().code(),
        absl::StrCat(out.status().message(), "\n(broker dir ", dir_, ")"));
  }
  return out;
}

std::string KafkaBroker::ssl_bootstrap_servers() const {
  int port = 0;
  if (!absl::SimpleAtoi(
          absl::StripAsciiWhitespace(ReadFile(dir_ + "/ssl.port")), &port) ||
      port <= 0) {
    return "";
  }
  return absl::StrCat("127.0.0.1:", port);
}

absl::StatusOr<std::string> KafkaBroker::Start() {
  if (running()) {
    return absl::FailedPreconditionError(
        absl::StrCat("broker already running at ", bootstrap_));
  }
  if (dir_.empty()) {
    if (absl::Status s = Prepare(); !s.ok()) return s;
  }
  const absl::Time started = absl::Now();
  std::vector<std::string> args = {dir_};
  if (port_ > 0) args.push_back(absl::StrCat(port_));
  absl::StatusOr<std::string> out =
      RunScript("start.sh", args, options_.start_timeout + absl::Seconds(60));
  if (!out.ok()) return out.status();

  // The broker runs now: arm the watchdog before anything else can fail.
  int pid = 0;
  if (!absl::SimpleAtoi(
          absl::StripAsciiWhitespace(ReadFile(dir_ + "/kafka.pid")), &pid) ||
      pid <= 0) {
    return absl::InternalError(
        absl::StrCat("start.sh left no kafka.pid in ", dir_));
  }
  pid_ = pid;
  SendToWatchdog(watchdog_fd_, pid_);

  const std::string address = LastLines(*out, 1);
  absl::string_view port_text = address;
  int port = 0;
  if (!absl::ConsumePrefix(&port_text, "127.0.0.1:") ||
      !absl::SimpleAtoi(port_text, &port) || port <= 0) {
    return absl::InternalError(absl::StrCat(
        "start.sh printed no bootstrap address; stdout: '", *out, "'"));
  }
  port_ = port;
  bootstrap_ = address;
  last_start_duration_ = absl::Now() - started;
  return bootstrap_;
}

absl::Status KafkaBroker::Stop() {
  if (!running()) return absl::OkStatus();
  absl::StatusOr<std::string> out =
      RunScript("stop.sh", {dir_}, absl::Seconds(60));
  if (!out.ok()) return out.status();
  pid_ = 0;
  SendToWatchdog(watchdog_fd_, 0);
  return absl::OkStatus();
}

absl::Status KafkaBroker::Restart() {
  if (absl::Status s = Stop(); !s.ok()) return s;
  return Start().status();
}

absl::Status KafkaBroker::Kill() {
  if (!running()) return absl::OkStatus();
  const pid_t pid = pid_;
  if (kill(pid, SIGKILL) != 0 && errno != ESRCH) {
    return ErrnoStatus(absl::StrCat("kill -KILL ", pid));
  }
  // Not our child (start.sh detaches it), so poll instead of waitpid.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (ProcessAlive(pid)) {
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("broker pid ", pid, " still alive after SIGKILL"));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  pid_ = 0;
  SendToWatchdog(watchdog_fd_, 0);
  return absl::OkStatus();
}

std::string KafkaBroker::LogTail(int lines) const {
  if (dir_.empty()) return "";
  return LastLines(ReadFile(dir_ + "/kafka.log"), lines);
}

KafkaCluster::KafkaCluster(KafkaClusterOptions options) {
  std::vector<std::string> properties = {
      absl::StrCat("default.replication.factor=", options.brokers),
      absl::StrCat("min.insync.replicas=", std::max(1, options.brokers - 1)),
      absl::StrCat("offsets.topic.replication.factor=", options.brokers),
      absl::StrCat("transaction.state.log.replication.factor=",
                   options.brokers),
      absl::StrCat("transaction.state.log.min.isr=",
                   std::max(1, options.brokers - 1)),
  };
  properties.insert(properties.end(), options.broker.extra_properties.begin(),
                    options.broker.extra_properties.end());
  options.broker.extra_properties = std::move(properties);
  for (int i = 0; i < options.brokers; ++i) {
    brokers_.push_back(std::make_unique<KafkaBroker>(options.broker));
  }
}

KafkaCluster::~KafkaCluster() {
  std::vector<std::thread> threads;
  for (std::unique_ptr<KafkaBroker>& broker : brokers_) {
    KafkaBroker* b = broker.get();
    threads.emplace_back([b] {
      if (b->options_.keep_dir && b->Stop().ok()) return;
      b->Kill().IgnoreError();
    });
  }
  for (std::thread& t : threads) t.join();
}

absl::StatusOr<std::string> KafkaCluster::Start() {
  if (brokers_.empty()) return absl::InvalidArgumentError("no brokers");
  if (!bootstrap_.empty()) {
    return absl::FailedPreconditionError("cluster already started");
  }
  // Ports, voters and the cluster id must be known to every node before
  // any starts.
  std::vector<int> ports, controller_ports;
  std::vector<std::string> voters;
  for (size_t i = 0; i < brokers_.size(); ++i) {
    absl::StatusOr<int> port = PickFreePort();
    if (!port.ok()) return port.status();
    absl::StatusOr<int> controller = PickFreePort();
    if (!controller.ok()) return controller.status();
    ports.push_back(*port);
    controller_ports.push_back(*controller);
    voters.push_back(absl::StrCat(i + 1, "@127.0.0.1:", *controller));
  }
  // Kafka's Uuid: 16 random bytes, base64url without padding; not
  // starting with '-', which the storage tool would read as a flag.
  std::string cluster_id;
  std::random_device random;
  do {
    std::string bytes(16, '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    cluster_id = absl::WebSafeBase64Escape(bytes);
  } while (cluster_id.front() == '-');
  // Directories and watchdogs one after another (Prepare forks).
  for (size_t i = 0; i < brokers_.size(); ++i) {
    KafkaBroker& b = *brokers_[i];
    KafkaBrokerOptions& o = b.options_;
    o.node_id = static_cast<int>(i) + 1;
    o.controller_port = controller_ports[i];
    o.quorum_voters = absl::StrJoin(voters, ",");
    o.cluster_id = cluster_id;
    b.port_ = ports[i];
    if (absl::Status s = b.Prepare(); !s.ok()) return s;
  }
  std::vector<absl::Status> results(brokers_.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < brokers_.size(); ++i) {
    threads.emplace_back(
        [this, i, &results] { results[i] = brokers_[i]->Start().status(); });
  }
  for (std::thread& t : threads) t.join();
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i].ok()) {
      return absl::Status(
          results[i].code(),
          absl::StrCat("kafka node ", i + 1, ": ", results[i].message()));
    }
  }
  std::vector<std::string> addresses;
  for (const auto& b : brokers_) addresses.push_back(b->bootstrap_servers());
  bootstrap_ = absl::StrJoin(addresses, ",");
  return bootstrap_;
}

namespace {

struct Shared {
  absl::Mutex mu;
  bool tried ABSL_GUARDED_BY(mu) = false;
  absl::Status error ABSL_GUARDED_BY(mu);
  std::unique_ptr<KafkaBroker> broker ABSL_GUARDED_BY(mu);
};

Shared& GetShared() {
  static Shared* shared = new Shared();  // never destroyed: see Environment
  return *shared;
}

// Stops the broker after the last test, while the process is intact.
class SharedKafkaEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    std::unique_ptr<KafkaBroker> broker;
    {
      Shared& shared = GetShared();
      absl::MutexLock lock(&shared.mu);
      broker = std::move(shared.broker);
    }
    broker.reset();
  }
};

[[maybe_unused]] ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new SharedKafkaEnvironment());

}  // namespace

absl::StatusOr<KafkaBroker*> SharedKafka() {
  Shared& shared = GetShared();
  absl::MutexLock lock(&shared.mu);
  if (!shared.tried) {
    shared.tried = true;
    auto broker = std::make_unique<KafkaBroker>();
    absl::StatusOr<std::string> started = broker->Start();
    if (started.ok()) {
      shared.broker = std::move(broker);
    } else {
      shared.error = started.status();
    }
  }
  if (shared.broker == nullptr) {
    return shared.error.ok()
               ? absl::FailedPreconditionError("shared Kafka already stopped")
               : shared.error;
  }
  return shared.broker.get();
}

}  // namespace fineprint::testing
