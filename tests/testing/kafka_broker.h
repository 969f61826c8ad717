#ifndef FINEPRINT_TESTS_TESTING_KAFKA_BROKER_H_
#define FINEPRINT_TESTS_TESTING_KAFKA_BROKER_H_

// A real single-node Apache Kafka broker (KRaft) for tests, run through
// infra/kafka/start.sh and stop.sh in a fresh directory:
//
//   KafkaBroker broker;
//   absl::StatusOr<std::string> bootstrap = broker.Start();
//   ASSERT_TRUE(bootstrap.ok()) << bootstrap.status();
//   ... broker.Restart() / broker.Kill() + broker.Start() for fault tests ...
//
// The BUILD target carries the scripts as runfiles. The jars are NOT built by
// Bazel: run infra/kafka/install.sh once; they are found through
// $KAFKA_LIBS, $FINEPRINT_CACHE, $HOME or the account's home directory (Bazel
// clears HOME in tests), in that order.
//
// The directory lives under $TEST_TMPDIR (else $TMPDIR or /tmp). A watchdog
// process SIGKILLs the broker if the test process dies without stopping it,
// so crashed or timed-out tests do not leak a JVM.

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace fineprint::testing {

struct KafkaBrokerOptions {
  // Directory holding start.sh / stop.sh; empty: found via runfiles, then
  // $FINEPRINT_KAFKA_SCRIPTS, then ./infra/kafka.
  std::string scripts_dir;
  // Directory of the Kafka jars; empty: see the file comment.
  std::string kafka_libs;
  // How long start.sh waits for the broker to be ready.
  absl::Duration start_timeout = absl::Seconds(90);
  // Extra server.properties lines ("key=value"); they win over the defaults.
  std::vector<std::string> extra_properties;
  // JVM heap flags; empty: start.sh's default (-Xmx512m).
  std::string heap_opts;
  // Keep the directory (logs, data) after the broker is destroyed.
  bool keep_dir = false;
  // Also an SSL listener (start.sh's KAFKA_SSL_PORT); its keystore and
  // truststore go in extra_properties. Its address: ssl_bootstrap_servers().
  bool ssl_listener = false;

  // Cluster membership (set by KafkaCluster): node.id, the controller
  // listener's port, controller.quorum.voters and the cluster id; 0/empty:
  // a cluster of this node alone. `port`: the listener's port on the first
  // Start (0: a free one).
  int node_id = 0;
  int port = 0;
  int controller_port = 0;
  std::string quorum_voters;
  std::string cluster_id;
};

class KafkaBroker {
 public:
  explicit KafkaBroker(KafkaBrokerOptions options = {});
  // Stops the broker (SIGKILL if a clean stop fails) and removes its
  // directory unless options.keep_dir.
  ~KafkaBroker();
  KafkaBroker(const KafkaBroker&) = delete;
  KafkaBroker& operator=(const KafkaBroker&) = delete;

  // Starts the broker and returns its bootstrap address ("127.0.0.1:<port>").
  // The first call creates the directory and picks a free port; later calls
  // (after Stop or Kill) reuse both, keeping topics, data and offsets.
  // Failures carry the broker's error lines and log tail.
  absl::StatusOr<std::string> Start();

  // Clean shutdown (SIGTERM, SIGKILL after 30 s). OK if not running.
  absl::Status Stop();

  // Stop + Start on the same directory and port.
  absl::Status Restart();

  // SIGKILL, as in a crash; waits until the process is gone. Start()
  // afterwards recovers the logs (and takes a few seconds longer).
  absl::Status Kill();

  bool running() const { return pid_ > 0; }
  // Valid after the first successful Start.
  const std::string& bootstrap_servers() const { return bootstrap_; }
  int port() const { return port_; }
  // "127.0.0.1:<ssl port>" with options.ssl_listener, after a Start.
  std::string ssl_bootstrap_servers() const;
  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_; }
  // How long the last successful Start took.
  absl::Duration last_start_duration() const { return last_start_duration_; }

  // The last `lines` lines of the broker log (kafka.log).
  std::string LogTail(int lines = 40) const;

 private:
  // First Start: finds scripts and jars, makes the directory, starts the
  // watchdog.
  absl::Status Prepare();
  // Runs one of the scripts with `args`; returns its stdout.
  absl::StatusOr<std::string> RunScript(const std::string& script,
                                        const std::vector<std::string>& args,
                                        absl::Duration timeout);

  KafkaBrokerOptions options_;  // membership filled in by KafkaCluster
  std::string scripts_dir_;
  std::string kafka_libs_;
  std::string dir_;
  std::string bootstrap_;
  int port_ = 0;
  pid_t pid_ = 0;
  int watchdog_fd_ = -1;
  pid_t watchdog_pid_ = -1;
  absl::Duration last_start_duration_;

  friend class KafkaCluster;
};

// Several brokers forming one KRaft cluster, each a combined broker and
// controller, for replication and broker-failure tests:
//
//   KafkaCluster cluster;  // 3 nodes, replication factor 3, min ISR 2
//   absl::StatusOr<std::string> bootstrap = cluster.Start();
//   ... cluster.broker(1).Kill(); ... cluster.broker(1).Start() ...
//
// A killed broker restarts with broker(i).Start() on its directory and port.
struct KafkaClusterOptions {
  int brokers = 3;
  // Every broker's options; the cluster's own properties (replication
  // factor = brokers, min.insync.replicas = brokers - 1, the internal
  // topics alike) come first, so extra_properties here win.
  KafkaBrokerOptions broker;
};

class KafkaCluster {
 public:
  explicit KafkaCluster(KafkaClusterOptions options = {});
  // SIGKILLs every broker at once (a clean stop of the last nodes waits for
  // a quorum that is leaving), or stops them cleanly with keep_dir.
  ~KafkaCluster();
  KafkaCluster(const KafkaCluster&) = delete;
  KafkaCluster& operator=(const KafkaCluster&) = delete;

  // Starts every broker concurrently (a node is ready only once a quorum
  // of controllers is up) and returns the bootstrap list of all of them.
  absl::StatusOr<std::string> Start();

  int size() const { return static_cast<int>(brokers_.size()); }
  KafkaBroker& broker(int i) { return *brokers_.at(i); }
  // "127.0.0.1:<p1>,127.0.0.1:<p2>,..." (valid after Start).
  const std::string& bootstrap_servers() const { return bootstrap_; }

 private:
  std::vector<std::unique_ptr<KafkaBroker>> brokers_;
  std::string bootstrap_;
};

// One broker per test binary, started on first use (thread-safe) and stopped
// after the last test. Tests sharing it should use their own topic names.
// Do not Stop/Kill it: use a KafkaBroker of your own for fault tests. A start
// failure is remembered and returned to every caller.
absl::StatusOr<KafkaBroker*> SharedKafka();

}  // namespace fineprint::testing

#endif  // FINEPRINT_TESTS_TESTING_KAFKA_BROKER_H_
