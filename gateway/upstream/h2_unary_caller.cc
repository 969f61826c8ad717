#include "gateway/upstream/h2_unary_caller.h"

#include <chrono>
#include <utility>
#include <vector>

#include "boost/asio/steady_timer.hpp"
#include "gateway/server/io_thread.h"

namespace fineprint::gateway::upstream {
namespace {

// Deadlines are checked this often (the backend enforces grpc-timeout on
// its side too); one timer per thread, armed while calls are pending.
constexpr auto kSweepInterval = std::chrono::milliseconds(20);
// After a failed connect, calls fail at once for this long instead of each
// trying again (gRPC's channel does the same in TRANSIENT_FAILURE).
constexpr absl::Duration kReconnectBackoff = absl::Milliseconds(100);

}  // namespace

class H2UnaryCaller::ThreadConnections {
 public:
  ThreadConnections(boost::asio::io_context& io, const H2Target& target,
                    const H2ConnectionOptions& options)
      : io_(io), target_(target), options_(options), sweep_(io) {}

  ~ThreadConnections() {
    sweep_.cancel();
    for (auto& c : connections_) c->Close();
  }

  void Call(UnaryCall call, UnaryDone done, int attempt) {
    if (current_ == nullptr || !current_->accepting()) {
      if (current_ != nullptr &&
          absl::Now() - current_->connect_failed_at() < kReconnectBackoff) {
        return done(
            grpc::Status(grpc::StatusCode::UNAVAILABLE, "backend unreachable"),
            "");
      }
      Prune();
      current_ =
          H2Connection::Open(io_, target_, options_,
                             [this](UnaryCall c, UnaryDone d, int attempt) {
                               Call(std::move(c), std::move(d), attempt);
                             });
      connections_.push_back(current_);
    }
    current_->Call(std::move(call), std::move(done), attempt);
    ArmSweep();
  }

 private:
  // Connections that are done: closed, or drained after a GOAWAY.
  void Prune() {
    std::vector<std::shared_ptr<H2Connection>> live;
    for (auto& c : connections_) {
      if (c->pending() > 0 || (c->accepting() && c != current_)) {
        live.push_back(c);
      } else if (c != current_) {
        c->Close();
      }
    }
    connections_ = std::move(live);
  }

  void ArmSweep() {
    if (sweeping_) return;
    sweeping_ = true;
    sweep_.expires_after(kSweepInterval);
    // `this` lives until the thread's loop has ended, and a cancelled wait
    // is never run after that.
    sweep_.async_wait([this](const boost::system::error_code& ec) {
      sweeping_ = false;
      if (ec) return;
      const absl::Time now = absl::Now();
      bool pending = false;
      for (size_t i = 0; i < connections_.size(); ++i) {
        connections_[i]->ExpireCalls(now);
        pending = pending || connections_[i]->pending() > 0;
      }
      if (pending) ArmSweep();
    });
  }

  boost::asio::io_context& io_;
  const H2Target& target_;
  const H2ConnectionOptions& options_;
  boost::asio::steady_timer sweep_;
  bool sweeping_ = false;
  std::shared_ptr<H2Connection> current_;
  std::vector<std::shared_ptr<H2Connection>> connections_;  // current_ too
};

void H2UnaryCaller::Call(UnaryCall call, UnaryDone done) {
  server::IoThread* thread = server::IoThread::Current();
  if (thread == nullptr)
    return fallback_->Call(std::move(call), std::move(done));
  thread
      ->Local<ThreadConnections>(this,
                                 [&] {
                                   return std::make_unique<ThreadConnections>(
                                       thread->context(), target_, options_);
                                 })
      .Call(std::move(call), std::move(done), 0);
}

}  // namespace fineprint::gateway::upstream
