// Templates (global data, paged in catalog order) and the suggestions the
// AnalysisCompleted handler derived for a tenant.

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/action/action_service.h"
#include "services/runtime/api/keyset_page.h"
#include "services/runtime/api/pagination.h"
#include "services/runtime/api/tenancy.h"
#include "services/runtime/server/call_context.h"
#include "services/runtime/status/status.h"

namespace fineprint::action {
namespace {

db::TxOptions TxOptionsForCall() {
  db::TxOptions options;
  if (const server::CallContext* call = server::CurrentCall()) {
    options.deadline = call->deadline;
  }
  return options;
}

}  // namespace

absl::Status ActionServiceImpl::DoListTemplates(
    const v1::ListTemplatesRequest& req, v1::ListTemplatesResponse* resp) {
  FP_RETURN_IF_ERROR(server::RequireCaller().status());
  if (!v1::ActionKind_IsValid(req.kind())) {
    return status::InvalidArgument("invalid filter",
                                   {{"kind", "unknown kind"}});
  }
  FP_ASSIGN_OR_RETURN(int page_size, api::EffectivePageSize(req.page_size()));
  const std::string scope = absl::StrCat("templates?kind=", req.kind(),
                                         "&jurisdiction=", req.jurisdiction(),
                                         "&language=", req.language());
  FP_ASSIGN_OR_RETURN(std::vector<std::string> cursor,
                      api::DecodePageToken(req.page_token(), scope, 1));
  // The cursor is the id of the last template returned; ids are sorted.
  const std::string after = cursor.empty() ? "" : cursor[0];
  for (const LetterTemplate& t : catalog_->templates()) {
    if (t.id() <= after && !after.empty()) continue;
    if (req.kind() != v1::ACTION_KIND_UNSPECIFIED && t.kind() != req.kind()) {
      continue;
    }
    if (!req.jurisdiction().empty() && !t.proto().jurisdiction().empty() &&
        t.proto().jurisdiction() != req.jurisdiction()) {
      continue;
    }
    if (!req.language().empty() && t.language() != req.language()) continue;
    if (resp->templates_size() == page_size) {
      resp->set_next_page_token(api::EncodePageToken(
          scope, {resp->templates(page_size - 1).name().substr(10)}));
      break;
    }
    *resp->add_templates() = t.proto();
  }
  return absl::OkStatus();
}

absl::Status ActionServiceImpl::DoGetTemplate(const v1::GetTemplateRequest& req,
                                              v1::Template* resp) {
  FP_RETURN_IF_ERROR(server::RequireCaller().status());
  absl::string_view id = req.name();
  if (!absl::ConsumePrefix(&id, "templates/") || id.empty()) {
    return status::InvalidArgument("invalid name",
                                   {{"name", "expected templates/{template}"}});
  }
  const LetterTemplate* t = catalog_->Find(id);
  if (t == nullptr) return absl::NotFoundError("template not found");
  *resp = t->proto();
  return absl::OkStatus();
}

absl::Status ActionServiceImpl::DoListSuggestions(
    const v1::ListSuggestedActionsRequest& req,
    v1::ListSuggestedActionsResponse* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      api::ParseTenantName(caller, req.parent(), "orgs/{org}", "parent"));
  if (!req.document().empty()) {
    FP_RETURN_IF_ERROR(api::ParseTenantName(caller, req.document(),
                                            "orgs/{org}/documents/{document}",
                                            "document")
                           .status());
  }
  FP_ASSIGN_OR_RETURN(
      api::KeysetPage page,
      api::KeysetPage::Start(
          req.page_size(), req.page_token(),
          absl::StrCat(req.parent(), "/suggestedActions?document=",
                       req.document(), "&acted=", req.include_acted_on())));
  FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                      pool_->Acquire(TxOptionsForCall().deadline));
  FP_ASSIGN_OR_RETURN(
      *resp->mutable_next_page_token(),
      page.Fetch(*conn, store::ListSuggestionsSql(),
                 {ids[0], req.document(), req.include_acted_on()},
                 "create_time", resp->mutable_suggested_actions(),
                 store::SuggestionFromRow));
  return absl::OkStatus();
}

grpc::Status ActionServiceImpl::ListSuggestedActions(
    grpc::ServerContext*, const v1::ListSuggestedActionsRequest* req,
    v1::ListSuggestedActionsResponse* resp) {
  return status::ToGrpc(DoListSuggestions(*req, resp));
}

grpc::Status ActionServiceImpl::ListTemplates(
    grpc::ServerContext*, const v1::ListTemplatesRequest* req,
    v1::ListTemplatesResponse* resp) {
  return status::ToGrpc(DoListTemplates(*req, resp));
}

grpc::Status ActionServiceImpl::GetTemplate(grpc::ServerContext*,
                                            const v1::GetTemplateRequest* req,
                                            v1::Template* resp) {
  return status::ToGrpc(DoGetTemplate(*req, resp));
}

}  // namespace fineprint::action
