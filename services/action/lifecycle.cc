#include "services/action/lifecycle.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/rpc/error_details.pb.h"
#include "services/runtime/status/status.h"

namespace fineprint::action {

std::vector<v1::ActionStatus> AllowedTransitions(v1::ActionStatus from,
                                                 const DeadlineRule& rule) {
  std::vector<v1::ActionStatus> out;
  switch (from) {
    case v1::DRAFT:
      out = {v1::SENT, v1::WITHDRAWN};
      break;
    case v1::SENT:
      out = {v1::ACKNOWLEDGED, v1::EXTENDED, v1::FULFILLED, v1::DENIED,
             v1::WITHDRAWN};
      break;
    case v1::ACKNOWLEDGED:
      out = {v1::EXTENDED, v1::FULFILLED, v1::DENIED, v1::WITHDRAWN};
      break;
    case v1::EXTENDED:
      out = {v1::FULFILLED, v1::DENIED, v1::WITHDRAWN};
      break;
    default:
      break;
  }
  if (!rule.extendable()) std::erase(out, v1::EXTENDED);
  return out;
}

absl::Status CheckTransition(v1::ActionStatus from, v1::ActionStatus to,
                             const DeadlineRule& rule) {
  const std::vector<v1::ActionStatus> allowed = AllowedTransitions(from, rule);
  for (v1::ActionStatus s : allowed) {
    if (s == to) return absl::OkStatus();
  }
  google::rpc::PreconditionFailure failure;
  std::vector<std::string> names;
  for (v1::ActionStatus s : allowed) {
    names.push_back(v1::ActionStatus_Name(s));
    auto* v = failure.add_violations();
    v->set_type("ALLOWED_TRANSITION");
    v->set_subject(absl::StrCat(v1::ActionStatus_Name(from), " -> ",
                                v1::ActionStatus_Name(s)));
    v->set_description("allowed from the current status");
  }
  if (allowed.empty()) {
    auto* v = failure.add_violations();
    v->set_type("FINAL_STATUS");
    v->set_subject(v1::ActionStatus_Name(from));
    v->set_description("the action is closed; no transition is allowed");
  }
  absl::Status s = status::WithReason(
      absl::FailedPreconditionError(absl::StrCat(
          "cannot move an action from ", v1::ActionStatus_Name(from), " to ",
          v1::ActionStatus_Name(to))),
      "INVALID_TRANSITION",
      {{"from", v1::ActionStatus_Name(from)},
       {"to", v1::ActionStatus_Name(to)},
       {"allowed", absl::StrJoin(names, ",")}});
  status::AttachDetail(s, failure);
  return s;
}

bool IsOpen(v1::ActionStatus status) {
  return status == v1::SENT || status == v1::ACKNOWLEDGED ||
         status == v1::EXTENDED;
}

bool IsFinal(v1::ActionStatus status) {
  return status == v1::FULFILLED || status == v1::DENIED ||
         status == v1::WITHDRAWN;
}

bool IsOverdue(v1::ActionStatus status, std::optional<absl::Time> due,
               absl::Time now) {
  return IsOpen(status) && due.has_value() && now >= *due;
}

}  // namespace fineprint::action
