#ifndef FINEPRINT_GATEWAY_SERVER_IDLE_DEADLINE_H_
#define FINEPRINT_GATEWAY_SERVER_IDLE_DEADLINE_H_

// A connection's idle timeout as a moving deadline watched by one timer.
// Beast's per-operation timeouts arm and cancel a timer on every read and
// write (timer-queue work and timerfd syscalls on each request, issue #12);
// Touch() here only stores a time, and the timer fires at most once per
// timeout to look at it. Used on its io_context's thread only.

#include <chrono>
#include <functional>
#include <memory>
#include <utility>

#include "absl/time/time.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/system/error_code.hpp"

namespace fineprint::gateway::server {

class IdleDeadline {
 public:
  using Clock = std::chrono::steady_clock;

  IdleDeadline(boost::asio::io_context& ioc, absl::Duration timeout)
      : state_(std::make_shared<State>(ioc)) {
    state_->timeout = absl::ToChronoNanoseconds(timeout);
  }
  ~IdleDeadline() { state_->timer.cancel(); }
  IdleDeadline(const IdleDeadline&) = delete;
  IdleDeadline& operator=(const IdleDeadline&) = delete;

  // Runs once the deadline has passed (on the io_context). It should hold
  // its owner weakly: the pending timer keeps only this state alive.
  void OnExpired(std::function<void()> callback) {
    state_->on_expired = std::move(callback);
  }
  // What starts now must be done within the timeout.
  void Touch() {
    state_->deadline = Clock::now() + state_->timeout;
    if (!state_->armed) Arm(state_);
  }
  // No deadline (a backend call in progress), until the next Touch().
  void Suspend() { state_->deadline = Clock::time_point::max(); }
  // The connection is closing.
  void Cancel() { state_->timer.cancel(); }

 private:
  struct State {
    explicit State(boost::asio::io_context& ioc) : timer(ioc) {}
    boost::asio::steady_timer timer;
    Clock::duration timeout{};
    Clock::time_point deadline = Clock::time_point::max();
    bool armed = false;
    std::function<void()> on_expired;
  };

  static void Arm(const std::shared_ptr<State>& state) {
    state->armed = true;
    state->timer.expires_at(state->deadline);
    state->timer.async_wait([state](boost::system::error_code ec) {
      state->armed = false;
      if (ec || state->deadline == Clock::time_point::max()) return;
      if (Clock::now() < state->deadline) return Arm(state);
      if (state->on_expired) state->on_expired();
    });
  }

  std::shared_ptr<State> state_;
};

}  // namespace fineprint::gateway::server

#endif  // FINEPRINT_GATEWAY_SERVER_IDLE_DEADLINE_H_
