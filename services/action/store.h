#ifndef FINEPRINT_SERVICES_ACTION_STORE_H_
#define FINEPRINT_SERVICES_ACTION_STORE_H_

// The action service's SQL, beside typed records: one function per query,
// every tenant query taking the organisation id.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "fineprint/action/v1/action.pb.h"
#include "services/action/deadlines.h"
#include "services/runtime/db/transaction.h"

namespace fineprint::action::store {

struct ActionRecord {
  std::string org_id, id;
  v1::ActionKind kind = v1::ACTION_KIND_UNSPECIFIED;
  std::string template_id;  // "gdpr-erasure-en"
  int template_version = 0;
  DeadlineRule deadline;
  std::string language, title, recipient, document, suggested_action;
  std::map<std::string, std::string> variables;
  std::string creator;
  v1::ActionStatus status = v1::DRAFT;
  std::string letter_text, letter_sha256, pdf_sha256;
  std::string pdf;  // only when read with the PDF
  std::string time_zone = "UTC";
  std::optional<absl::Time> send_time;
  std::string channel;
  std::optional<absl::CivilDay> period_start;
  std::optional<absl::Time> due_time;
  int64_t version = 1;
  absl::Time create_time, update_time;

  std::string Name() const;
  // The API view at `now` (overdue and allowed transitions are derived).
  v1::Action ToProto(absl::Time now) const;
};

absl::Status InsertAction(db::Tx& tx, const ActionRecord& a);
// NOT_FOUND when the tenant has no such action. `for_update` locks the row.
absl::StatusOr<ActionRecord> LoadAction(db::Executor& db,
                                        absl::string_view org_id,
                                        absl::string_view id, bool for_update,
                                        bool with_pdf = false);
// Writes status, send_time, channel, period_start, due_time, version and
// update_time of `a`.
absl::Status UpdateActionState(db::Tx& tx, const ActionRecord& a);

struct ActionFilter {
  v1::ActionStatus status = v1::ACTION_STATUS_UNSPECIFIED;
  v1::ActionKind kind = v1::ACTION_KIND_UNSPECIFIED;
  std::string document;
};
// SQL and parameters for KeysetPage::Fetch (update_time DESC, id DESC).
std::string ListActionsSql();
std::vector<db::Param> ListActionsParams(absl::string_view org_id,
                                         const ActionFilter& filter);
absl::StatusOr<ActionRecord> ActionFromRow(const db::Row& row);

struct SuggestionRecord {
  std::string org_id, id;
  v1::SuggestedAction proto;  // name and create_time filled on read
};
// False when the tenant already has this template suggested for this
// analysis (nothing written).
absl::StatusOr<bool> InsertSuggestion(db::Tx& tx, SuggestionRecord& s);
absl::StatusOr<v1::SuggestedAction> LoadSuggestion(db::Executor& db,
                                                   absl::string_view org_id,
                                                   absl::string_view id);
absl::Status MarkSuggestionActedOn(db::Tx& tx, absl::string_view org_id,
                                   absl::string_view id,
                                   absl::string_view action_id);
std::string ListSuggestionsSql();
absl::StatusOr<v1::SuggestedAction> SuggestionFromRow(const db::Row& row);

// Replaces the pending reminders of an action: DUE_SOON at due - lead for
// each lead still ahead of `now`, OVERDUE at due.
absl::Status ScheduleReminders(db::Tx& tx, absl::string_view org_id,
                               absl::string_view action_id, absl::Time due,
                               const std::vector<absl::Duration>& leads,
                               absl::Time now);
absl::Status CancelReminders(db::Tx& tx, absl::string_view org_id,
                             absl::string_view action_id);

}  // namespace fineprint::action::store

#endif  // FINEPRINT_SERVICES_ACTION_STORE_H_
