#ifndef FINEPRINT_GATEWAY_RATELIMIT_PLAN_BOOK_H_
#define FINEPRINT_GATEWAY_RATELIMIT_PLAN_BOOK_H_

// The organisations' current plans as identity's PlanChanged events tell
// them, so the edge limits by the plan an organisation has now rather than
// the one its access token was issued under (up to a token lifetime ago).
// The edge has no database: PlanChangeListener reads the events through a
// BroadcastSubscriber (every edge hears every change, no commits) and
// replays the last token lifetime at start. Older changes need no replay:
// every token still valid was issued after them and carries their plan.

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "events/consumer/broadcast_subscriber.h"
#include "events/consumer/event.h"
#include "services/runtime/metrics/metrics.h"

namespace fineprint::gateway::ratelimit {

class PlanBook {
 public:
  // `organization` is "orgs/{org}"; `plan` an identity Plan value name.
  // A change older than the one recorded is ignored (replays, reordering).
  void Set(absl::string_view organization, absl::string_view plan,
           absl::Time changed_at);
  // The latest plan heard for `organization`, else `token_plan`.
  std::string PlanOf(absl::string_view organization,
                     absl::string_view token_plan) const;

 private:
  struct Entry {
    std::string plan;
    absl::Time changed_at;
  };
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> plans_ ABSL_GUARDED_BY(mu_);
};

class PlanChangeListener {
 public:
  // `book` is borrowed. `registry` null: the default.
  explicit PlanChangeListener(PlanBook* book,
                              metrics::Registry* registry = nullptr);
  ~PlanChangeListener();
  PlanChangeListener(const PlanChangeListener&) = delete;
  PlanChangeListener& operator=(const PlanChangeListener&) = delete;

  // Reads the PlanChanged topic on `bootstrap_servers`, replaying
  // `lookback`; `consumer_config` carries extra librdkafka properties.
  absl::Status Start(const std::string& bootstrap_servers,
                     absl::Duration lookback,
                     events::KafkaConfig consumer_config = {});
  void Stop();
  bool WaitUntilAssigned(absl::Duration timeout);

  // Applies one event (other types are ignored). Thread-safe.
  void Apply(const events::Event& event);

 private:
  PlanBook* const book_;
  metrics::Counter& applied_;
  metrics::Histogram& delay_;
  std::unique_ptr<events::BroadcastSubscriber> subscriber_;
};

}  // namespace fineprint::gateway::ratelimit

#endif  // FINEPRINT_GATEWAY_RATELIMIT_PLAN_BOOK_H_
