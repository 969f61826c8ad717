#include "services/action/store.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "services/action/lifecycle.h"
#include "services/runtime/api/single_row.h"
#include "services/runtime/db/timestamp.h"
#include "services/runtime/status/status.h"

namespace fineprint::action::store {
namespace {

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  google::protobuf::Timestamp ts;
  const int64_t nanos = absl::ToUnixNanos(t);
  ts.set_seconds(nanos / 1000000000);
  ts.set_nanos(static_cast<int32_t>(nanos % 1000000000));
  return ts;
}

absl::StatusOr<std::string> VariablesJson(
    const std::map<std::string, std::string>& variables) {
  google::protobuf::Struct s;
  for (const auto& [k, v] : variables) {
    (*s.mutable_fields())[k].set_string_value(v);
  }
  std::string json;
  auto st = google::protobuf::util::MessageToJsonString(s, &json);
  if (!st.ok()) return absl::InternalError("variables do not encode");
  return json;
}

absl::StatusOr<std::map<std::string, std::string>> ParseVariables(
    absl::string_view json) {
  google::protobuf::Struct s;
  auto st = google::protobuf::util::JsonStringToMessage(std::string(json), &s);
  if (!st.ok()) return absl::InternalError("stored variables do not parse");
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : s.fields()) out[k] = v.string_value();
  return out;
}

std::optional<absl::Time> OptTime(const db::Row& row, absl::string_view col,
                                  absl::Status& error) {
  if (row.IsNull(col)) return std::nullopt;
  absl::StatusOr<absl::Time> t = row.GetTime(col);
  if (!t.ok()) {
    error = t.status();
    return std::nullopt;
  }
  return *t;
}

db::Param OptTimeParam(const std::optional<absl::Time>& t) {
  return t.has_value() ? db::Param(*t) : db::Param();
}

db::Param DayParam(const std::optional<absl::CivilDay>& d) {
  return d.has_value() ? db::Param(absl::FormatCivilTime(*d)) : db::Param();
}

constexpr char kActionColumns[] =
    "org_id, id, kind, template, template_version, deadline_rule, language,"
    " title, recipient, document, suggested_action, variables::text AS"
    " variables, creator, status, letter_text, letter_sha256, pdf_sha256,"
    " time_zone, send_time, channel, period_start::text AS period_start,"
    " due_time, version, create_time, update_time";

constexpr char kSuggestionColumns[] =
    "org_id, id, kind, title, reason, document, analysis, finding_category,"
    " finding_quote, finding_start_offset, finding_end_offset,"
    " opt_out_window_days, template, action_id, create_time";

}  // namespace

std::string ActionRecord::Name() const {
  return absl::StrCat("orgs/", org_id, "/actions/", id);
}

v1::Action ActionRecord::ToProto(absl::Time now) const {
  v1::Action a;
  a.set_name(Name());
  a.set_kind(kind);
  a.set_template_(absl::StrCat("templates/", template_id));
  a.set_status(status);
  a.set_letter_text(letter_text);
  a.set_recipient(recipient);
  a.set_document(document);
  *a.mutable_create_time() = ToTimestamp(create_time);
  *a.mutable_update_time() = ToTimestamp(update_time);
  a.set_etag(absl::StrCat(version));
  a.set_title(title);
  a.set_suggested_action(suggested_action);
  for (const auto& [k, v] : variables) (*a.mutable_variables())[k] = v;
  a.set_creator(creator);
  a.set_letter_sha256(letter_sha256);
  a.set_pdf_sha256(pdf_sha256);
  a.set_language(language);
  if (send_time) *a.mutable_send_time() = ToTimestamp(*send_time);
  a.set_channel(channel);
  if (due_time) *a.mutable_due_time() = ToTimestamp(*due_time);
  a.set_overdue(IsOverdue(status, due_time, now));
  if (deadline.kind == DeadlineKind::kCcpa && period_start.has_value()) {
    absl::StatusOr<absl::TimeZone> zone = LoadZone(time_zone);
    if (zone.ok()) {
      *a.mutable_receipt_confirmation_due_time() = ToTimestamp(
          EndOfDay(CcpaReceiptConfirmationDay(*period_start), *zone));
    }
  }
  a.set_time_zone(time_zone);
  for (v1::ActionStatus s : AllowedTransitions(status, deadline)) {
    a.add_allowed_transitions(s);
  }
  return a;
}

absl::Status InsertAction(db::Tx& tx, const ActionRecord& a) {
  FP_ASSIGN_OR_RETURN(std::string vars, VariablesJson(a.variables));
  return tx
      .Execute(
          "INSERT INTO actions (org_id, id, kind, template, template_version,"
          " deadline_rule, language, title, recipient, document,"
          " suggested_action, variables, creator, status, letter_text,"
          " letter_sha256, pdf, pdf_sha256, time_zone, period_start,"
          " due_time, create_time, update_time) VALUES ($1, $2, $3, $4, $5,"
          " $6, $7, $8, $9, $10, $11, $12::jsonb, $13, $14, $15, $16,"
          " decode($17, 'hex'), $18, $19, $20::date, $21, $22, $22)",
          {a.org_id,
           a.id,
           v1::ActionKind_Name(a.kind),
           a.template_id,
           a.template_version,
           DeadlineRuleName(a.deadline),
           a.language,
           a.title,
           a.recipient,
           a.document,
           a.suggested_action,
           vars,
           a.creator,
           v1::ActionStatus_Name(a.status),
           a.letter_text,
           a.letter_sha256,
           absl::BytesToHexString(a.pdf),
           a.pdf_sha256,
           a.time_zone,
           DayParam(a.period_start),
           OptTimeParam(a.due_time),
           a.create_time})
      .status();
}

absl::StatusOr<ActionRecord> ActionFromRow(const db::Row& row) {
  ActionRecord a;
  FP_ASSIGN_OR_RETURN(a.org_id, row.GetString("org_id"));
  FP_ASSIGN_OR_RETURN(a.id, row.GetString("id"));
  if (!v1::ActionKind_Parse(std::string(row.Value("kind")), &a.kind) ||
      !v1::ActionStatus_Parse(std::string(row.Value("status")), &a.status)) {
    return absl::InternalError("stored kind or status unknown");
  }
  FP_ASSIGN_OR_RETURN(a.template_id, row.GetString("template"));
  FP_ASSIGN_OR_RETURN(int64_t tv, row.GetInt64("template_version"));
  a.template_version = static_cast<int>(tv);
  FP_ASSIGN_OR_RETURN(a.deadline,
                      ParseDeadlineRule(row.Value("deadline_rule")));
  a.language = std::string(row.Value("language"));
  a.title = std::string(row.Value("title"));
  a.recipient = std::string(row.Value("recipient"));
  a.document = std::string(row.Value("document"));
  a.suggested_action = std::string(row.Value("suggested_action"));
  FP_ASSIGN_OR_RETURN(a.variables, ParseVariables(row.Value("variables")));
  a.creator = std::string(row.Value("creator"));
  a.letter_text = std::string(row.Value("letter_text"));
  a.letter_sha256 = std::string(row.Value("letter_sha256"));
  a.pdf_sha256 = std::string(row.Value("pdf_sha256"));
  a.time_zone = std::string(row.Value("time_zone"));
  a.channel = std::string(row.Value("channel"));
  absl::Status error;
  a.send_time = OptTime(row, "send_time", error);
  a.due_time = OptTime(row, "due_time", error);
  FP_RETURN_IF_ERROR(error);
  if (!row.IsNull("period_start")) {
    absl::CivilDay day;
    if (!absl::ParseCivilTime(row.Value("period_start"), &day)) {
      return absl::InternalError("stored period_start does not parse");
    }
    a.period_start = day;
  }
  FP_ASSIGN_OR_RETURN(a.version, row.GetInt64("version"));
  FP_ASSIGN_OR_RETURN(a.create_time, row.GetTime("create_time"));
  FP_ASSIGN_OR_RETURN(a.update_time, row.GetTime("update_time"));
  if (!row.IsNull("pdf_hex")) {
    a.pdf = absl::HexStringToBytes(row.Value("pdf_hex"));
  }
  return a;
}

absl::StatusOr<ActionRecord> LoadAction(db::Executor& db,
                                        absl::string_view org_id,
                                        absl::string_view id, bool for_update,
                                        bool with_pdf) {
  return api::ReadSingleRow(
      db,
      absl::StrCat("SELECT ", kActionColumns,
                   with_pdf ? ", encode(pdf, 'hex') AS pdf_hex" : "",
                   " FROM actions WHERE org_id = $1 AND id = $2",
                   for_update ? " FOR UPDATE" : ""),
      {org_id, id}, "action not found", ActionFromRow);
}

absl::Status UpdateActionState(db::Tx& tx, const ActionRecord& a) {
  return tx
      .Execute(
          "UPDATE actions SET status = $3, send_time = $4, channel = $5,"
          " period_start = $6::date, due_time = $7, version = $8,"
          " update_time = $9 WHERE org_id = $1 AND id = $2",
          {a.org_id, a.id, v1::ActionStatus_Name(a.status),
           OptTimeParam(a.send_time), a.channel, DayParam(a.period_start),
           OptTimeParam(a.due_time), a.version, a.update_time})
      .status();
}

std::string ListActionsSql() {
  return absl::StrCat(
      "SELECT ", kActionColumns,
      " FROM actions WHERE org_id = $1 AND ($2 = '' OR status = $2)"
      " AND ($3 = '' OR kind = $3) AND ($4 = '' OR document = $4)"
      " AND ($5 OR (update_time, id) < ($6::timestamptz, $7))"
      " ORDER BY update_time DESC, id DESC LIMIT $8");
}

std::vector<db::Param> ListActionsParams(absl::string_view org_id,
                                         const ActionFilter& filter) {
  return {org_id,
          filter.status == v1::ACTION_STATUS_UNSPECIFIED
              ? std::string()
              : v1::ActionStatus_Name(filter.status),
          filter.kind == v1::ACTION_KIND_UNSPECIFIED
              ? std::string()
              : v1::ActionKind_Name(filter.kind),
          filter.document};
}

absl::StatusOr<bool> InsertSuggestion(db::Tx& tx, SuggestionRecord& s) {
  const v1::SuggestedAction& p = s.proto;
  FP_ASSIGN_OR_RETURN(
      db::Result r,
      tx.Execute(
          "INSERT INTO suggested_actions (org_id, id, kind, title, reason,"
          " document, analysis, finding_category, finding_quote,"
          " finding_start_offset, finding_end_offset, opt_out_window_days,"
          " template) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
          " $12, $13) ON CONFLICT (org_id, analysis, template) DO NOTHING"
          " RETURNING create_time",
          {s.org_id, s.id, v1::ActionKind_Name(p.kind()), p.title(), p.reason(),
           p.document(), p.analysis(),
           analysis::v1::FindingCategory_Name(p.finding_category()),
           p.finding_quote(), p.finding_start_offset(), p.finding_end_offset(),
           p.opt_out_window_days(), p.template_()}));
  if (r.empty()) return false;
  FP_ASSIGN_OR_RETURN(absl::Time created, r[0].GetTime("create_time"));
  s.proto.set_name(absl::StrCat("orgs/", s.org_id, "/suggestedActions/", s.id));
  *s.proto.mutable_create_time() = ToTimestamp(created);
  return true;
}

absl::StatusOr<v1::SuggestedAction> SuggestionFromRow(const db::Row& row) {
  v1::SuggestedAction p;
  p.set_name(absl::StrCat("orgs/", row.Value("org_id"), "/suggestedActions/",
                          row.Value("id")));
  v1::ActionKind kind = v1::ACTION_KIND_UNSPECIFIED;
  analysis::v1::FindingCategory category =
      analysis::v1::FINDING_CATEGORY_UNSPECIFIED;
  if (!v1::ActionKind_Parse(std::string(row.Value("kind")), &kind) ||
      !analysis::v1::FindingCategory_Parse(
          std::string(row.Value("finding_category")), &category)) {
    return absl::InternalError("stored kind or category unknown");
  }
  p.set_kind(kind);
  p.set_finding_category(category);
  p.set_title(std::string(row.Value("title")));
  p.set_reason(std::string(row.Value("reason")));
  p.set_document(std::string(row.Value("document")));
  p.set_analysis(std::string(row.Value("analysis")));
  p.set_finding_quote(std::string(row.Value("finding_quote")));
  FP_ASSIGN_OR_RETURN(int64_t start, row.GetInt64("finding_start_offset"));
  FP_ASSIGN_OR_RETURN(int64_t end, row.GetInt64("finding_end_offset"));
  FP_ASSIGN_OR_RETURN(int64_t window, row.GetInt64("opt_out_window_days"));
  p.set_finding_start_offset(start);
  p.set_finding_end_offset(end);
  p.set_opt_out_window_days(static_cast<int32_t>(window));
  p.set_template_(std::string(row.Value("template")));
  if (!row.IsNull("action_id")) {
    p.set_action(absl::StrCat("orgs/", row.Value("org_id"), "/actions/",
                              row.Value("action_id")));
  }
  FP_ASSIGN_OR_RETURN(absl::Time created, row.GetTime("create_time"));
  *p.mutable_create_time() = ToTimestamp(created);
  return p;
}

absl::StatusOr<v1::SuggestedAction> LoadSuggestion(db::Executor& db,
                                                   absl::string_view org_id,
                                                   absl::string_view id) {
  return api::ReadSingleRow(
      db,
      absl::StrCat("SELECT ", kSuggestionColumns,
                   " FROM suggested_actions WHERE org_id = $1 AND id = $2"),
      {org_id, id}, "suggested action not found", SuggestionFromRow);
}

absl::Status MarkSuggestionActedOn(db::Tx& tx, absl::string_view org_id,
                                   absl::string_view id,
                                   absl::string_view action_id) {
  return tx
      .Execute(
          "UPDATE suggested_actions SET action_id = $3 WHERE org_id = $1"
          " AND id = $2 AND action_id IS NULL",
          {org_id, id, action_id})
      .status();
}

std::string ListSuggestionsSql() {
  return absl::StrCat(
      "SELECT ", kSuggestionColumns,
      " FROM suggested_actions WHERE org_id = $1 AND ($2 = '' OR document ="
      " $2) AND ($3 OR action_id IS NULL)"
      " AND ($4 OR (create_time, id) < ($5::timestamptz, $6))"
      " ORDER BY create_time DESC, id DESC LIMIT $7");
}

absl::Status ScheduleReminders(db::Tx& tx, absl::string_view org_id,
                               absl::string_view action_id, absl::Time due,
                               const std::vector<absl::Duration>& leads,
                               absl::Time now) {
  FP_RETURN_IF_ERROR(CancelReminders(tx, org_id, action_id));
  for (absl::Duration lead : leads) {
    const absl::Time fire_at = due - lead;
    // A lead already behind us would only announce what the user sees.
    if (fire_at <= now) continue;
    FP_RETURN_IF_ERROR(
        tx.Execute(
              "INSERT INTO reminders (org_id, action_id, kind,"
              " lead_seconds, fire_at, due_time) VALUES ($1, $2,"
              " 'DUE_SOON', $3, $4, $5)",
              {org_id, action_id, absl::ToInt64Seconds(lead), fire_at, due})
            .status());
  }
  return tx
      .Execute(
          "INSERT INTO reminders (org_id, action_id, kind, lead_seconds,"
          " fire_at, due_time) VALUES ($1, $2, 'OVERDUE', 0, $3, $3)",
          {org_id, action_id, due})
      .status();
}

absl::Status CancelReminders(db::Tx& tx, absl::string_view org_id,
                             absl::string_view action_id) {
  return tx
      .Execute("DELETE FROM reminders WHERE org_id = $1 AND action_id = $2",
               {org_id, action_id})
      .status();
}

}  // namespace fineprint::action::store
