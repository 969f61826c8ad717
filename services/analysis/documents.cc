// SubmitDocument and the document / version reads.

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/analysis/analysis_service.h"
#include "services/analysis/delta.h"
#include "services/runtime/api/idempotency.h"
#include "services/runtime/api/keyset_page.h"
#include "services/runtime/api/pagination.h"
#include "services/runtime/api/resource_name.h"
#include "services/runtime/api/single_row.h"
#include "services/runtime/api/tenancy.h"
#include "services/runtime/crypto/sha256.h"
#include "services/runtime/log/log.h"
#include "services/runtime/server/call_context.h"
#include "services/runtime/status/status.h"
#include "services/runtime/text/utf8.h"
#include "services/runtime/trace/trace_context.h"

namespace fineprint::analysis {
namespace {

constexpr char kDocumentPattern[] = "orgs/{org}/documents/{document}";
constexpr char kVersionPattern[] =
    "orgs/{org}/documents/{document}/versions/{version}";
constexpr size_t kMaxTitle = 512;
constexpr size_t kMaxUrl = 2048;

void CheckSourceUrl(absl::string_view url,
                    std::vector<status::FieldViolation>& v) {
  if (url.empty()) return;
  if (url.size() > kMaxUrl) {
    v.push_back(
        {"source_url", absl::StrCat("longer than ", kMaxUrl, " bytes")});
    return;
  }
  const bool scheme =
      absl::StartsWith(url, "https://") || absl::StartsWith(url, "http://");
  const size_t host_at = url.find("//") + 2;
  bool clean = true;
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) clean = false;
  }
  if (!scheme || host_at >= url.size() || url[host_at] == '/' || !clean) {
    v.push_back(
        {"source_url", "must be an absolute http(s) URL without spaces"});
  }
}

void CheckLanguage(absl::string_view lang,
                   std::vector<status::FieldViolation>& v) {
  if (lang.empty()) return;
  bool ok = lang.size() <= 35 && absl::ascii_isalpha(lang[0]);
  for (char c : lang) ok = ok && (absl::ascii_isalnum(c) || c == '-');
  if (!ok)
    v.push_back(
        {"language", "must be a BCP-47 tag such as \"en\" or \"pt-BR\""});
}

// The plan the org's PlanChanged events last reported, else the caller's.
absl::StatusOr<std::string> PlanOf(db::Tx& tx, absl::string_view org,
                                   const auth::Principal& caller) {
  FP_ASSIGN_OR_RETURN(
      db::Result r,
      tx.Execute("SELECT plan FROM org_plans WHERE org_id = $1", {org}));
  if (r.empty()) return caller.plan;
  return r[0].GetString(0);
}

}  // namespace

db::TxOptions AnalysisServiceImpl::TxOptionsForCall() const {
  db::TxOptions options;
  if (const server::CallContext* call = server::CurrentCall()) {
    options.deadline = call->deadline;
  }
  return options;
}

absl::Status AnalysisServiceImpl::DoSubmit(const v1::SubmitDocumentRequest& req,
                                           v1::SubmitDocumentResponse* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(
      std::vector<std::string> parent,
      api::ParseTenantName(caller, req.parent(), "orgs/{org}", "parent"));
  const std::string& org = parent[0];
  std::vector<status::FieldViolation> violations;
  std::string existing_doc;
  if (!req.document().empty()) {
    absl::StatusOr<std::vector<std::string>> ids = api::ParseTenantName(
        caller, req.document(), kDocumentPattern, "document");
    if (absl::IsPermissionDenied(ids.status())) return ids.status();
    if (!ids.ok()) {
      violations.push_back(
          {"document", "must be orgs/{org}/documents/{document}"});
    } else {
      existing_doc = (*ids)[1];
    }
  }
  if (req.text().empty()) {
    violations.push_back({"text", "must not be empty"});
  } else if (req.text().size() > config_.max_document_bytes) {
    violations.push_back(
        {"text",
         absl::StrCat("longer than ", config_.max_document_bytes, " bytes")});
  } else if (const size_t bad_at = text::FindInvalidUtf8(req.text());
             bad_at != absl::string_view::npos) {
    violations.push_back(
        {"text", absl::StrCat("not valid UTF-8 at byte ", bad_at)});
  }
  if (!v1::DocumentKind_IsValid(req.kind()) ||
      (req.kind() == v1::DOCUMENT_KIND_UNSPECIFIED && existing_doc.empty())) {
    violations.push_back({"kind",
                          "must be one of TERMS_OF_SERVICE, PRIVACY_POLICY, "
                          "EULA, CONTRACT, OTHER"});
  }
  if (req.title().empty() && existing_doc.empty()) {
    violations.push_back({"title", "required for a new document"});
  } else if (req.title().size() > kMaxTitle ||
             !text::IsValidUtf8(req.title())) {
    violations.push_back({"title", absl::StrCat("must be UTF-8, at most ",
                                                kMaxTitle, " bytes")});
  }
  CheckSourceUrl(req.source_url(), violations);
  CheckLanguage(req.language(), violations);
  if (!req.request_id().empty() &&
      !api::ValidateRequestId(req.request_id()).ok()) {
    violations.push_back({"request_id", "1-128 characters of [A-Za-z0-9-_.:]"});
  }
  if (!violations.empty()) {
    return status::InvalidArgument("invalid document submission",
                                   std::move(violations));
  }
  const std::string sha256 = crypto::Sha256Hex(req.text());
  api::IdempotencyKey idem(absl::StrCat(org, "/SubmitDocument"),
                           req.request_id(), req);

  return db::RunInTransaction(
      *pool_, TxOptionsForCall(), [&](db::Tx& tx) -> absl::Status {
        if (idem.enabled()) {
          FP_ASSIGN_OR_RETURN(bool replayed, idem.Replay(tx, resp));
          if (replayed) return absl::OkStatus();
        }
        std::string doc_id = existing_doc;
        std::string version_id;
        std::string title = req.title();
        v1::DocumentKind kind = req.kind();
        if (!doc_id.empty()) {
          FP_ASSIGN_OR_RETURN(
              db::Result d,
              tx.Execute(
                  "SELECT d.title, d.kind, d.current_version_id, v.sha256"
                  " FROM documents d LEFT JOIN document_versions v"
                  "   ON v.org_id = d.org_id AND v.document_id = d.id"
                  "  AND v.id = d.current_version_id"
                  " WHERE d.org_id = $1 AND d.id = $2 FOR UPDATE OF d",
                  {org, doc_id}));
          if (d.empty()) return absl::NotFoundError("document not found");
          if (title.empty()) {
            FP_ASSIGN_OR_RETURN(title, d[0].GetString("title"));
          }
          if (kind == v1::DOCUMENT_KIND_UNSPECIFIED) {
            FP_ASSIGN_OR_RETURN(std::string k, d[0].GetString("kind"));
            v1::DocumentKind_Parse(k, &kind);
          }
          if (!d[0].IsNull("sha256") && d[0].Value("sha256") == sha256) {
            FP_ASSIGN_OR_RETURN(version_id,
                                d[0].GetString("current_version_id"));
          }
          FP_RETURN_IF_ERROR(
              tx.Execute(
                    "UPDATE documents SET title = $3, kind = $4,"
                    "   source_url = CASE WHEN $5 = '' THEN source_url ELSE $5 "
                    "END,"
                    "   language = CASE WHEN $6 = '' THEN language ELSE $6 END"
                    " WHERE org_id = $1 AND id = $2",
                    {org, doc_id, title, v1::DocumentKind_Name(kind),
                     req.source_url(), req.language()})
                  .status());
        } else {
          doc_id = api::NewResourceId();
          FP_RETURN_IF_ERROR(
              tx.Execute("INSERT INTO documents (org_id, id, title, kind, "
                         "source_url, language)"
                         " VALUES ($1, $2, $3, $4, $5, $6)",
                         {org, doc_id, title, v1::DocumentKind_Name(kind),
                          req.source_url(), req.language()})
                  .status());
        }
        if (version_id.empty()) {
          FP_ASSIGN_OR_RETURN(
              version_id, InsertVersion(tx, org, doc_id, sha256, req.text()));
        }
        FP_ASSIGN_OR_RETURN(std::string plan, PlanOf(tx, org, caller));
        const v1::Priority priority = PriorityFor(plan, req.low_priority());
        const std::string job_id = api::NewResourceId();
        FP_ASSIGN_OR_RETURN(
            db::Result hit,
            tx.Execute("SELECT a.result FROM result_cache c JOIN analyses a"
                       "   ON a.org_id = c.org_id AND a.job_id = c.job_id"
                       " WHERE c.org_id = $1 AND c.sha256 = $2 AND "
                       "c.analyzer_version = $3"
                       "   AND c.expire_time > now()",
                       {org, sha256, config_.analyzer_version}));
        const bool cached = !hit.empty();
        FP_RETURN_IF_ERROR(
            // The submitting call's span travels with the job, so the worker's
            // events continue its trace.
            tx.Execute(
                  "INSERT INTO jobs (org_id, id, document_id, version_id, "
                  "state,"
                  "   priority, low_priority, max_attempts, analyzer_version, "
                  "cached,"
                  "   progress_percent, start_time, end_time, traceparent)"
                  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
                  "   CASE WHEN $10 THEN 100 ELSE 0 END,"
                  "   CASE WHEN $10 THEN now() END, CASE WHEN $10 THEN now() "
                  "END,"
                  "   NULLIF($11, ''))",
                  {org, job_id, doc_id, version_id,
                   cached ? "SUCCEEDED" : "QUEUED", static_cast<int>(priority),
                   req.low_priority(), config_.max_attempts,
                   cached ? config_.analyzer_version : std::string(), cached,
                   trace::CurrentTraceparent()})
                .status());
        FP_RETURN_IF_ERROR(
            tx.Execute("UPDATE documents SET current_version_id = $3, "
                       "latest_job_id = $4,"
                       "   version = version + 1, update_time = now()"
                       " WHERE org_id = $1 AND id = $2",
                       {org, doc_id, version_id, job_id})
                .status());
        FP_RETURN_IF_ERROR(
            outbox_
                .Append(tx, doc_id,
                        SubmittedEvent(org, doc_id, version_id, job_id, kind,
                                       title, req.source_url(), sha256,
                                       priority, !existing_doc.empty()))
                .status());
        if (cached) {
          // Reuse the earlier result: a copy under this job's name.
          std::string blob;
          FP_ASSIGN_OR_RETURN(std::string encoded, hit[0].GetString(0));
          v1::Analysis analysis;
          if (!absl::Base64Unescape(encoded, &blob) ||
              !analysis.ParseFromString(blob)) {
            return absl::InternalError("unreadable cached analysis");
          }
          analysis.set_name(AnalysisName(org, job_id));
          analysis.set_document(DocumentName(org, doc_id));
          analysis.set_version(VersionName(org, doc_id, version_id));
          FP_RETURN_IF_ERROR(
              AttachDelta(tx, org, doc_id, version_id, &analysis));
          analysis.SerializeToString(&blob);
          FP_RETURN_IF_ERROR(
              tx.Execute(
                    "INSERT INTO analyses (org_id, job_id, result, degraded,"
                    " analyzer_version) VALUES ($1, $2, $3, false, $4)",
                    {org, job_id, absl::Base64Escape(blob),
                     analysis.analyzer_version()})
                  .status());
          FP_RETURN_IF_ERROR(
              tx.Execute("UPDATE documents SET score = $3, grade = $4"
                         " WHERE org_id = $1 AND id = $2",
                         {org, doc_id, analysis.score(),
                          static_cast<int>(analysis.grade())})
                  .status());
          FP_RETURN_IF_ERROR(
              outbox_
                  .Append(tx, job_id,
                          CompletedEvent(analysis, OrgName(org), kind, title,
                                         /*cached=*/true))
                  .status());
        }
        FP_ASSIGN_OR_RETURN(
            db::Result d,
            tx.Execute(
                absl::StrCat("SELECT ", kDocumentColumns,
                             " FROM documents WHERE org_id = $1 AND id = $2"),
                {org, doc_id}));
        FP_ASSIGN_OR_RETURN(*resp->mutable_document(), DocumentFromRow(d[0]));
        FP_ASSIGN_OR_RETURN(
            db::Result v,
            tx.Execute(absl::StrCat("SELECT ", kVersionColumns,
                                    " FROM document_versions WHERE org_id = $1"
                                    " AND document_id = $2 AND id = $3"),
                       {org, doc_id, version_id}));
        FP_ASSIGN_OR_RETURN(*resp->mutable_version(), VersionFromRow(v[0]));
        FP_ASSIGN_OR_RETURN(*resp->mutable_job(),
                            LoadJob(tx, org, job_id, false));
        if (idem.enabled()) FP_RETURN_IF_ERROR(idem.Remember(tx, *resp));
        return absl::OkStatus();
      });
}

absl::Status AnalysisServiceImpl::DoListDocuments(
    const v1::ListDocumentsRequest& req, v1::ListDocumentsResponse* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      api::ParseTenantName(caller, req.parent(), "orgs/{org}", "parent"));
  if (!v1::DocumentKind_IsValid(req.kind())) {
    return status::InvalidArgument("invalid filter",
                                   {{"kind", "unknown kind"}});
  }
  const std::string kind = req.kind() == v1::DOCUMENT_KIND_UNSPECIFIED
                               ? ""
                               : v1::DocumentKind_Name(req.kind());
  FP_ASSIGN_OR_RETURN(
      api::KeysetPage page,
      api::KeysetPage::Start(
          req.page_size(), req.page_token(),
          absl::StrCat(req.parent(), "/documents?kind=", kind)));
  FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                      pool_->Acquire(TxOptionsForCall().deadline));
  FP_ASSIGN_OR_RETURN(
      *resp->mutable_next_page_token(),
      page.Fetch(
          *conn,
          absl::StrCat(
              "SELECT ", kDocumentColumns,
              " FROM documents WHERE org_id = $1 AND ($2 = '' OR kind = $2)"
              " AND ($3 OR (update_time, id) < ($4::timestamptz, $5))"
              " ORDER BY update_time DESC, id DESC LIMIT $6"),
          {ids[0], kind}, "update_time", resp->mutable_documents(),
          DocumentFromRow));
  return absl::OkStatus();
}

absl::Status AnalysisServiceImpl::DoListVersions(
    const v1::ListDocumentVersionsRequest& req,
    v1::ListDocumentVersionsResponse* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      api::ParseTenantName(caller, req.parent(), kDocumentPattern, "parent"));
  FP_ASSIGN_OR_RETURN(
      api::KeysetPage page,
      api::KeysetPage::Start(req.page_size(), req.page_token(),
                             absl::StrCat(req.parent(), "/versions")));
  FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                      pool_->Acquire(TxOptionsForCall().deadline));
  FP_ASSIGN_OR_RETURN(
      db::Result d,
      conn->Execute("SELECT 1 FROM documents WHERE org_id = $1 AND id = $2",
                    {ids[0], ids[1]}));
  if (d.empty()) return absl::NotFoundError("document not found");
  FP_ASSIGN_OR_RETURN(
      *resp->mutable_next_page_token(),
      page.Fetch(
          *conn,
          absl::StrCat(
              "SELECT ", kVersionColumns,
              " FROM document_versions WHERE org_id = $1 AND document_id = $2"
              " AND ($3 OR (create_time, id) < ($4::timestamptz, $5))"
              " ORDER BY create_time DESC, id DESC LIMIT $6"),
          {ids[0], ids[1]}, "create_time", resp->mutable_versions(),
          VersionFromRow));
  return absl::OkStatus();
}

grpc::Status AnalysisServiceImpl::SubmitDocument(
    grpc::ServerContext*, const v1::SubmitDocumentRequest* req,
    v1::SubmitDocumentResponse* resp) {
  absl::Status s = DoSubmit(*req, resp);
  if (s.ok()) log::Info("document submitted", {{"job", resp->job().name()}});
  return status::ToGrpc(s);
}

grpc::Status AnalysisServiceImpl::GetDocument(grpc::ServerContext*,
                                              const v1::GetDocumentRequest* req,
                                              v1::Document* resp) {
  return status::ToGrpc([&]() -> absl::Status {
    FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
    FP_ASSIGN_OR_RETURN(
        std::vector<std::string> ids,
        api::ParseTenantName(caller, req->name(), kDocumentPattern, "name"));
    FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                        pool_->Acquire(TxOptionsForCall().deadline));
    FP_ASSIGN_OR_RETURN(
        *resp,
        api::ReadSingleRow(
            *conn,
            absl::StrCat("SELECT ", kDocumentColumns,
                         " FROM documents WHERE org_id = $1 AND id = $2"),
            {ids[0], ids[1]}, "document not found", DocumentFromRow));
    return absl::OkStatus();
  }());
}

grpc::Status AnalysisServiceImpl::ListDocuments(
    grpc::ServerContext*, const v1::ListDocumentsRequest* req,
    v1::ListDocumentsResponse* resp) {
  return status::ToGrpc(DoListDocuments(*req, resp));
}

grpc::Status AnalysisServiceImpl::GetDocumentVersion(
    grpc::ServerContext*, const v1::GetDocumentVersionRequest* req,
    v1::DocumentVersion* resp) {
  return status::ToGrpc([&]() -> absl::Status {
    FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
    FP_ASSIGN_OR_RETURN(
        std::vector<std::string> ids,
        api::ParseTenantName(caller, req->name(), kVersionPattern, "name"));
    FP_ASSIGN_OR_RETURN(
        const bool full,
        api::IsFullView(req->view(), v1::DocumentVersionView_IsValid,
                        v1::FULL));
    FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                        pool_->Acquire(TxOptionsForCall().deadline));
    FP_ASSIGN_OR_RETURN(
        *resp,
        api::ReadSingleRow(
            *conn,
            absl::StrCat("SELECT ", kVersionColumns, full ? ", text" : "",
                         " FROM document_versions WHERE org_id = $1"
                         " AND document_id = $2 AND id = $3"),
            {ids[0], ids[1], ids[2]}, "document version not found",
            VersionFromRow));
    return absl::OkStatus();
  }());
}

grpc::Status AnalysisServiceImpl::ListDocumentVersions(
    grpc::ServerContext*, const v1::ListDocumentVersionsRequest* req,
    v1::ListDocumentVersionsResponse* resp) {
  return status::ToGrpc(DoListVersions(*req, resp));
}

}  // namespace fineprint::analysis
