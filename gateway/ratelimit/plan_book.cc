#include "gateway/ratelimit/plan_book.h"

#include <utility>

#include "absl/time/clock.h"
#include "events/contract/event_contract.h"
#include "fineprint/identity/events/v1/events.pb.h"
#include "fineprint/identity/v1/identity.pb.h"
#include "services/runtime/log/log.h"
#include "services/runtime/status/status.h"

namespace fineprint::gateway::ratelimit {

namespace ev = ::fineprint::identity::events::v1;

void PlanBook::Set(absl::string_view organization, absl::string_view plan,
                   absl::Time changed_at) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = plans_.try_emplace(organization);
  if (!inserted && it->second.changed_at > changed_at) return;
  it->second.plan = std::string(plan);
  it->second.changed_at = changed_at;
}

std::string PlanBook::PlanOf(absl::string_view organization,
                             absl::string_view token_plan) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = plans_.find(organization);
  return it == plans_.end() ? std::string(token_plan) : it->second.plan;
}

PlanChangeListener::PlanChangeListener(PlanBook* book,
                                       metrics::Registry* registry)
    : book_(book),
      applied_((registry ? *registry : metrics::Registry::Default())
                   .GetCounter("fineprint_edge_plan_changes_total",
                               "PlanChanged events applied to the edge's "
                               "rate limits (replays at start included).")),
      delay_((registry ? *registry : metrics::Registry::Default())
                 .GetHistogram("fineprint_edge_plan_change_delay_seconds",
                               "From identity writing a PlanChanged event to "
                               "this edge limiting by the new plan.")) {}

PlanChangeListener::~PlanChangeListener() { Stop(); }

absl::Status PlanChangeListener::Start(const std::string& bootstrap_servers,
                                       absl::Duration lookback,
                                       events::KafkaConfig consumer_config) {
  if (subscriber_ != nullptr) {
    return absl::FailedPreconditionError("plan listener already started");
  }
  FP_ASSIGN_OR_RETURN(events::EventContract contract,
                      events::ContractOf(*ev::PlanChanged::descriptor()));
  events::BroadcastOptions options;
  options.bootstrap_servers = bootstrap_servers;
  options.topics = {contract.topic};
  options.name = "edge-plans";
  options.lookback = lookback;
  options.consumer_config = std::move(consumer_config);
  FP_ASSIGN_OR_RETURN(
      subscriber_,
      events::BroadcastSubscriber::Start(
          std::move(options), [this](const events::Event& e) { Apply(e); }));
  return absl::OkStatus();
}

void PlanChangeListener::Stop() {
  if (subscriber_ != nullptr) subscriber_->Stop();
}

bool PlanChangeListener::WaitUntilAssigned(absl::Duration timeout) {
  return subscriber_ != nullptr && subscriber_->WaitUntilAssigned(timeout);
}

void PlanChangeListener::Apply(const events::Event& event) {
  if (event.ce_type != ev::PlanChanged::descriptor()->full_name()) return;
  ev::PlanChanged changed;
  if (!changed.ParseFromString(event.payload) ||
      changed.organization().empty() ||
      changed.new_plan() == identity::v1::PLAN_UNSPECIFIED ||
      !identity::v1::Plan_IsValid(changed.new_plan())) {
    log::Warning("PlanChanged event unreadable; ignored",
                 {{"ce_id", event.ce_id}});
    return;
  }
  book_->Set(changed.organization(),
             identity::v1::Plan_Name(changed.new_plan()), event.ce_time);
  applied_.Increment();
  delay_.Observe(absl::ToDoubleSeconds(absl::Now() - event.ce_time));
}

}  // namespace fineprint::gateway::ratelimit
