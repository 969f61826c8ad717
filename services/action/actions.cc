// Letters: CreateAction renders the template into text and PDF and stores
// both with their SHA-256; UpdateActionStatus walks the lifecycle, starts
// and moves the deadline and (re)schedules its reminders.

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "fineprint/action/events/v1/events.pb.h"
#include "google/rpc/error_details.pb.h"
#include "services/action/action_service.h"
#include "services/action/lifecycle.h"
#include "services/runtime/api/idempotency.h"
#include "services/runtime/api/keyset_page.h"
#include "services/runtime/api/resource_name.h"
#include "services/runtime/api/tenancy.h"
#include "services/runtime/crypto/sha256.h"
#include "services/runtime/db/transaction.h"
#include "services/runtime/server/call_context.h"
#include "services/runtime/status/status.h"

namespace fineprint::action {
namespace {

namespace ev = ::fineprint::action::events::v1;

constexpr char kActionPattern[] = "orgs/{org}/actions/{action}";
constexpr size_t kMaxVariable = 4096;
constexpr size_t kMaxShortField = 512;

db::TxOptions TxOptionsForCall() {
  db::TxOptions options;
  if (const server::CallContext* call = server::CurrentCall()) {
    options.deadline = call->deadline;
  }
  return options;
}

absl::Time FromProto(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

// The violations an INVALID_ARGUMENT status carries, to merge with others.
void AppendViolations(const absl::Status& s,
                      std::vector<status::FieldViolation>& out) {
  google::rpc::BadRequest bad;
  if (!status::GetDetail(s, &bad)) return;
  for (const auto& v : bad.field_violations()) {
    out.push_back({v.field(), v.description()});
  }
}

}  // namespace

absl::Status ActionServiceImpl::DoCreate(const v1::CreateActionRequest& req,
                                         v1::Action* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      api::ParseTenantName(caller, req.parent(), "orgs/{org}", "parent"));
  const std::string org = ids[0];
  const absl::Time now = config_.clock();
  std::vector<status::FieldViolation> violations;
  if (!req.request_id().empty() &&
      !api::ValidateRequestId(req.request_id()).ok()) {
    violations.push_back({"request_id", "1-128 of [A-Za-z0-9-_.:]"});
  }

  // The suggestion, if any, supplies kind, template, document and the
  // arbitration window.
  std::optional<v1::SuggestedAction> suggestion;
  std::string suggestion_id;
  if (!req.suggested_action().empty()) {
    FP_ASSIGN_OR_RETURN(
        std::vector<std::string> sids,
        api::ParseTenantName(caller, req.suggested_action(),
                             "orgs/{org}/suggestedActions/{suggested_action}",
                             "suggested_action"));
    suggestion_id = sids[1];
    FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                        pool_->Acquire(TxOptionsForCall().deadline));
    FP_ASSIGN_OR_RETURN(suggestion,
                        store::LoadSuggestion(*conn, org, suggestion_id));
  }
  std::string template_name = req.template_();
  if (template_name.empty() && suggestion) {
    template_name = suggestion->template_();
  }
  const LetterTemplate* tmpl = nullptr;
  if (template_name.empty()) {
    violations.push_back(
        {"template", "a template or a suggested_action is required"});
  } else {
    absl::string_view id = template_name;
    if (!absl::ConsumePrefix(&id, "templates/") ||
        (tmpl = catalog_->Find(id)) == nullptr) {
      violations.push_back({"template", "unknown template"});
    }
  }
  if (tmpl != nullptr && !req.language().empty() &&
      req.language() != tmpl->language()) {
    const LetterTemplate* variant =
        catalog_->Variant(tmpl->family(), req.language());
    if (variant == nullptr) {
      violations.push_back(
          {"language", "the template has no variant in this language"});
    } else {
      tmpl = variant;
    }
  }
  if (req.kind() != v1::ACTION_KIND_UNSPECIFIED) {
    if (!v1::ActionKind_IsValid(req.kind())) {
      violations.push_back({"kind", "unknown kind"});
    } else if (tmpl != nullptr && req.kind() != tmpl->kind()) {
      violations.push_back({"kind", "differs from the template's kind"});
    }
  }
  absl::StatusOr<absl::TimeZone> zone = LoadZone(req.time_zone());
  if (!zone.ok()) violations.push_back({"time_zone", "unknown IANA zone"});
  std::string document = req.document();
  if (document.empty() && suggestion) document = suggestion->document();
  if (!document.empty()) {
    absl::StatusOr<std::vector<std::string>> d = api::ParseTenantName(
        caller, document, "orgs/{org}/documents/{document}", "document");
    if (!d.ok()) {
      if (d.status().code() != absl::StatusCode::kInvalidArgument) {
        return d.status();
      }
      violations.push_back({"document", "not a document name"});
    }
  }
  if (req.title().size() > kMaxShortField) {
    violations.push_back({"title", "too long"});
  }
  if (req.recipient().size() > kMaxShortField) {
    violations.push_back({"recipient", "too long"});
  }
  std::map<std::string, std::string> variables;
  for (const auto& [k, v] : req.variables()) {
    if (v.size() > kMaxVariable) {
      violations.push_back({absl::StrCat("variables[", k, "]"), "too long"});
    }
    variables[k] = v;
  }
  if (zone.ok() && !variables.contains(std::string(kDatePlaceholder))) {
    variables[std::string(kDatePlaceholder)] =
        absl::FormatCivilTime(LocalDay(now, *zone));
  }
  if (suggestion && suggestion->opt_out_window_days() > 0 &&
      !variables.contains("opt_out_window_days")) {
    variables["opt_out_window_days"] =
        absl::StrCat(suggestion->opt_out_window_days());
  }

  store::ActionRecord a;
  std::string text;
  if (tmpl != nullptr) {
    absl::StatusOr<std::string> rendered = tmpl->Render(variables);
    if (!rendered.ok()) {
      AppendViolations(rendered.status(), violations);
    } else {
      text = *std::move(rendered);
    }
    a.deadline = tmpl->deadline();
    // The arbitration window runs from acceptance, not from sending.
    if (a.deadline.kind == DeadlineKind::kArbitration) {
      absl::CivilDay accepted;
      int days = 0;
      const bool day_ok =
          absl::ParseCivilTime(variables["acceptance_date"], &accepted);
      const bool days_ok =
          absl::SimpleAtoi(variables["opt_out_window_days"], &days) &&
          days > 0 && days <= 3650;
      if (!variables["acceptance_date"].empty() && !day_ok) {
        violations.push_back(
            {"variables[acceptance_date]", "a date, YYYY-MM-DD"});
      }
      if (!variables["opt_out_window_days"].empty() && !days_ok) {
        violations.push_back(
            {"variables[opt_out_window_days]", "a number of days, 1-3650"});
      }
      if (day_ok && days_ok && zone.ok()) {
        a.deadline.days = days;
        a.period_start = accepted;
        a.due_time = EndOfDay(*DueDay(a.deadline, accepted, false), *zone);
      }
    }
  }
  if (!violations.empty()) {
    return status::InvalidArgument("invalid action", std::move(violations));
  }

  a.org_id = org;
  a.id = api::NewResourceId();
  a.kind = tmpl->kind();
  a.template_id = tmpl->id();
  a.template_version = tmpl->version();
  a.language = tmpl->language();
  a.title = !req.title().empty() ? req.title()
            : suggestion         ? suggestion->title()
                                 : tmpl->proto().title();
  a.recipient =
      !req.recipient().empty() ? req.recipient() : variables["company_name"];
  a.document = document;
  if (suggestion) a.suggested_action = suggestion->name();
  a.variables = variables;
  a.creator = caller.user.empty() ? caller.api_key : caller.user;
  a.status = v1::DRAFT;
  a.time_zone = zone->name();
  a.create_time = a.update_time =
      absl::FromUnixSeconds(absl::ToUnixSeconds(now));
  a.letter_text = std::move(text);
  a.letter_sha256 = crypto::Sha256Hex(a.letter_text);
  PdfOptions pdf_options = config_.pdf;
  pdf_options.title = a.title;
  pdf_options.create_time = a.create_time;
  FP_ASSIGN_OR_RETURN(a.pdf, RenderPdf(a.letter_text, pdf_options));
  a.pdf_sha256 = crypto::Sha256Hex(a.pdf);

  api::IdempotencyKey idem(absl::StrCat(org, "/CreateAction"), req.request_id(),
                           req);
  return db::RunInTransaction(
      *pool_, TxOptionsForCall(), [&](db::Tx& tx) -> absl::Status {
        if (idem.enabled()) {
          FP_ASSIGN_OR_RETURN(bool replayed, idem.Replay(tx, resp));
          if (replayed) return absl::OkStatus();
        }
        FP_RETURN_IF_ERROR(store::InsertAction(tx, a));
        if (suggestion) {
          FP_RETURN_IF_ERROR(
              store::MarkSuggestionActedOn(tx, org, suggestion_id, a.id));
        }
        if (a.due_time) {
          FP_RETURN_IF_ERROR(store::ScheduleReminders(
              tx, org, a.id, *a.due_time, config_.reminder_leads, now));
        }
        ev::ActionCreated created;
        created.set_action(a.Name());
        created.set_organization(absl::StrCat("orgs/", org));
        created.set_kind(a.kind);
        created.set_template_(absl::StrCat("templates/", a.template_id));
        created.set_document(a.document);
        created.set_suggested_action(a.suggested_action);
        created.set_creator(a.creator);
        created.set_letter_sha256(a.letter_sha256);
        created.set_pdf_sha256(a.pdf_sha256);
        FP_RETURN_IF_ERROR(outbox_.Append(tx, a.id, created).status());
        *resp = a.ToProto(now);
        if (idem.enabled()) FP_RETURN_IF_ERROR(idem.Remember(tx, *resp));
        return absl::OkStatus();
      });
}

absl::Status ActionServiceImpl::DoGet(const v1::GetActionRequest& req,
                                      v1::Action* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      api::ParseTenantName(caller, req.name(), kActionPattern, "name"));
  FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                      pool_->Acquire(TxOptionsForCall().deadline));
  FP_ASSIGN_OR_RETURN(store::ActionRecord a,
                      store::LoadAction(*conn, ids[0], ids[1], false));
  *resp = a.ToProto(config_.clock());
  return absl::OkStatus();
}

absl::Status ActionServiceImpl::DoList(const v1::ListActionsRequest& req,
                                       v1::ListActionsResponse* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      api::ParseTenantName(caller, req.parent(), "orgs/{org}", "parent"));
  std::vector<status::FieldViolation> violations;
  if (!v1::ActionStatus_IsValid(req.status())) {
    violations.push_back({"status", "unknown status"});
  }
  if (!v1::ActionKind_IsValid(req.kind())) {
    violations.push_back({"kind", "unknown kind"});
  }
  if (req.document().size() > kMaxShortField) {
    violations.push_back({"document", "too long"});
  }
  if (!violations.empty()) {
    return status::InvalidArgument("invalid filter", std::move(violations));
  }
  store::ActionFilter filter{req.status(), req.kind(), req.document()};
  FP_ASSIGN_OR_RETURN(
      api::KeysetPage page,
      api::KeysetPage::Start(
          req.page_size(), req.page_token(),
          absl::StrCat(req.parent(), "/actions?status=", req.status(),
                       "&kind=", req.kind(), "&document=", req.document())));
  FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                      pool_->Acquire(TxOptionsForCall().deadline));
  const absl::Time now = config_.clock();
  FP_ASSIGN_OR_RETURN(
      *resp->mutable_next_page_token(),
      page.Fetch(*conn, store::ListActionsSql(),
                 store::ListActionsParams(ids[0], filter), "update_time",
                 resp->mutable_actions(),
                 [now](const db::Row& row) -> absl::StatusOr<v1::Action> {
                   FP_ASSIGN_OR_RETURN(store::ActionRecord a,
                                       store::ActionFromRow(row));
                   return a.ToProto(now);
                 }));
  return absl::OkStatus();
}

absl::Status ActionServiceImpl::DoUpdateStatus(
    const v1::UpdateActionStatusRequest& req, v1::Action* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      api::ParseTenantName(caller, req.name(), kActionPattern, "name"));
  const std::string &org = ids[0], &id = ids[1];
  std::vector<status::FieldViolation> violations;
  if (!v1::ActionStatus_IsValid(req.status()) ||
      req.status() == v1::ACTION_STATUS_UNSPECIFIED) {
    violations.push_back({"status", "a lifecycle status is required"});
  }
  if (req.channel().size() > 64) violations.push_back({"channel", "too long"});
  const absl::Time now = config_.clock();
  absl::Time occurred = now;
  if (req.has_occur_time()) {
    occurred = FromProto(req.occur_time());
    if (occurred > now + absl::Minutes(5)) {
      violations.push_back({"occur_time", "must not be in the future"});
    }
  }
  if (!violations.empty()) {
    return status::InvalidArgument("invalid status update",
                                   std::move(violations));
  }
  return db::RunInTransaction(
      *pool_, TxOptionsForCall(), [&](db::Tx& tx) -> absl::Status {
        FP_ASSIGN_OR_RETURN(store::ActionRecord a,
                            store::LoadAction(tx, org, id, true));
        if (!req.etag().empty() && req.etag() != absl::StrCat(a.version)) {
          return status::WithReason(
              absl::AbortedError("the action changed; read it again"),
              "ETAG_MISMATCH");
        }
        if (req.status() == a.status) {
          *resp = a.ToProto(now);
          return absl::OkStatus();
        }
        FP_RETURN_IF_ERROR(CheckTransition(a.status, req.status(), a.deadline));
        FP_ASSIGN_OR_RETURN(absl::TimeZone zone, LoadZone(a.time_zone));
        const v1::ActionStatus old_status = a.status;
        std::optional<absl::Time> old_due = a.due_time;
        if (req.status() == v1::SENT) {
          a.send_time = occurred;
          a.channel = req.channel();
          if (a.deadline.kind != DeadlineKind::kArbitration) {
            a.period_start = LocalDay(occurred, zone);
            std::optional<absl::CivilDay> due =
                DueDay(a.deadline, *a.period_start, false);
            if (due) a.due_time = EndOfDay(*due, zone);
          }
        } else if (req.status() == v1::EXTENDED) {
          if (!a.period_start.has_value()) {
            return absl::InternalError("an open action has no period start");
          }
          if (a.deadline.kind == DeadlineKind::kGdpr &&
              !GdprExtensionInTime(*a.period_start, LocalDay(occurred, zone))) {
            return status::WithReason(
                absl::FailedPreconditionError(
                    "a GDPR extension must be notified within the first "
                    "month (Art. 12(3))"),
                "EXTENSION_TOO_LATE");
          }
          a.due_time =
              EndOfDay(*DueDay(a.deadline, *a.period_start, true), zone);
        }
        a.status = req.status();
        a.version += 1;
        a.update_time = now;
        FP_RETURN_IF_ERROR(store::UpdateActionState(tx, a));
        if (IsFinal(a.status)) {
          FP_RETURN_IF_ERROR(store::CancelReminders(tx, org, id));
        } else if (a.due_time && a.due_time != old_due) {
          FP_RETURN_IF_ERROR(store::ScheduleReminders(
              tx, org, id, *a.due_time, config_.reminder_leads, now));
        }
        ev::ActionStatusChanged changed;
        changed.set_action(a.Name());
        changed.set_organization(absl::StrCat("orgs/", org));
        changed.set_old_status(old_status);
        changed.set_new_status(a.status);
        changed.set_kind(a.kind);
        FP_RETURN_IF_ERROR(outbox_.Append(tx, id, changed).status());
        *resp = a.ToProto(now);
        return absl::OkStatus();
      });
}

absl::Status ActionServiceImpl::DoDownload(const v1::DownloadLetterRequest& req,
                                           google::api::HttpBody* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      api::ParseTenantName(caller, req.name(), kActionPattern, "name"));
  FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                      pool_->Acquire(TxOptionsForCall().deadline));
  FP_ASSIGN_OR_RETURN(store::ActionRecord a,
                      store::LoadAction(*conn, ids[0], ids[1], false, true));
  resp->set_content_type("application/pdf");
  resp->set_data(std::move(a.pdf));
  return absl::OkStatus();
}

grpc::Status ActionServiceImpl::CreateAction(grpc::ServerContext*,
                                             const v1::CreateActionRequest* req,
                                             v1::Action* resp) {
  return status::ToGrpc(DoCreate(*req, resp));
}

grpc::Status ActionServiceImpl::GetAction(grpc::ServerContext*,
                                          const v1::GetActionRequest* req,
                                          v1::Action* resp) {
  return status::ToGrpc(DoGet(*req, resp));
}

grpc::Status ActionServiceImpl::ListActions(grpc::ServerContext*,
                                            const v1::ListActionsRequest* req,
                                            v1::ListActionsResponse* resp) {
  return status::ToGrpc(DoList(*req, resp));
}

grpc::Status ActionServiceImpl::UpdateActionStatus(
    grpc::ServerContext*, const v1::UpdateActionStatusRequest* req,
    v1::Action* resp) {
  return status::ToGrpc(DoUpdateStatus(*req, resp));
}

grpc::Status ActionServiceImpl::DownloadLetter(
    grpc::ServerContext*, const v1::DownloadLetterRequest* req,
    google::api::HttpBody* resp) {
  return status::ToGrpc(DoDownload(*req, resp));
}

}  // namespace fineprint::action
