// Source versions and the diff between two of them.

#include "absl/strings/str_cat.h"
#include "services/monitoring/diff.h"
#include "services/monitoring/monitoring_service.h"
#include "services/runtime/api/keyset_page.h"
#include "services/runtime/api/single_row.h"
#include "services/runtime/api/tenancy.h"
#include "services/runtime/server/call_context.h"

namespace fineprint::monitoring {
namespace {

struct StoredVersion {
  std::string id;
  std::string previous_id;
  std::string text;
};

absl::StatusOr<StoredVersion> LoadText(db::Executor& ex, absl::string_view org,
                                       absl::string_view watch,
                                       absl::string_view id) {
  FP_ASSIGN_OR_RETURN(
      db::Result r,
      ex.Execute("SELECT id, previous_id, text FROM source_versions"
                 " WHERE org_id = $1 AND watch_id = $2 AND id = $3",
                 {org, watch, id}));
  if (r.empty()) return absl::NotFoundError("source version not found");
  StoredVersion v;
  v.id = std::string(id);
  v.previous_id = std::string(r[0].Value("previous_id"));
  FP_ASSIGN_OR_RETURN(v.text, r[0].GetString("text"));
  return v;
}

v1::DiffLine::Op OpOf(LineOp op) {
  switch (op) {
    case LineOp::kAdded:
      return v1::DiffLine::ADDED;
    case LineOp::kRemoved:
      return v1::DiffLine::REMOVED;
    case LineOp::kContext:
      break;
  }
  return v1::DiffLine::CONTEXT;
}

void ToProto(const LineDiff& diff, v1::VersionDiff* out) {
  out->set_lines_added(diff.added);
  out->set_lines_removed(diff.removed);
  for (const Hunk& hunk : diff.hunks) {
    v1::DiffHunk* h = out->add_hunks();
    h->set_base_start(hunk.base_start);
    h->set_base_lines(hunk.base_lines);
    h->set_start(hunk.start);
    h->set_lines(hunk.lines);
    for (const DiffLine& line : hunk.diff_lines) {
      v1::DiffLine* l = h->add_diff_lines();
      l->set_op(OpOf(line.op));
      l->set_text(line.text);
      for (const WordSpan& span : line.words) {
        v1::DiffSpan* w = l->add_words();
        w->set_op(OpOf(span.op));
        w->set_text(span.text);
      }
    }
  }
}

}  // namespace

absl::Status MonitoringServiceImpl::DoListVersions(
    const v1::ListSourceVersionsRequest& req,
    v1::ListSourceVersionsResponse* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      api::ParseTenantName(caller, req.parent(), kWatchPattern, "parent"));
  FP_ASSIGN_OR_RETURN(
      api::KeysetPage page,
      api::KeysetPage::Start(req.page_size(), req.page_token(),
                             absl::StrCat(req.parent(), "/versions")));
  FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                      pool_->Acquire(TxOptionsForCall().deadline));
  FP_ASSIGN_OR_RETURN(
      db::Result w,
      conn->Execute("SELECT 1 FROM watches WHERE org_id = $1 AND id = $2",
                    {ids[0], ids[1]}));
  if (w.empty()) return absl::NotFoundError("watch not found");
  FP_ASSIGN_OR_RETURN(
      *resp->mutable_next_page_token(),
      page.Fetch(*conn,
                 absl::StrCat(
                     "SELECT ", kVersionColumns,
                     " FROM source_versions WHERE org_id = $1 AND watch_id = $2"
                     " AND ($3 OR (fetch_time, id) < ($4::timestamptz, $5))"
                     " ORDER BY fetch_time DESC, id DESC LIMIT $6"),
                 {ids[0], ids[1]}, "fetch_time", resp->mutable_versions(),
                 VersionFromRow));
  return absl::OkStatus();
}

absl::Status MonitoringServiceImpl::DoDiff(const v1::GetVersionDiffRequest& req,
                                           v1::VersionDiff* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      api::ParseTenantName(caller, req.name(), kVersionPattern, "name"));
  std::string base_id;
  std::vector<status::FieldViolation> violations;
  if (!req.base_version().empty()) {
    absl::StatusOr<std::vector<std::string>> base = api::ParseTenantName(
        caller, req.base_version(), kVersionPattern, "base_version");
    if (absl::IsPermissionDenied(base.status())) return base.status();
    if (!base.ok() || (*base)[1] != ids[1]) {
      violations.push_back(
          {"base_version", "must be a version of the same watch"});
    } else {
      base_id = (*base)[2];
    }
  }
  if (req.context_lines() < 0 || req.context_lines() > 50) {
    violations.push_back({"context_lines", "between 0 and 50"});
  }
  if (!violations.empty())
    return status::InvalidArgument("invalid diff request", violations);
  const int context = req.context_lines() == 0 ? 3 : req.context_lines();
  FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                      pool_->Acquire(TxOptionsForCall().deadline));
  FP_ASSIGN_OR_RETURN(StoredVersion version,
                      LoadText(*conn, ids[0], ids[1], ids[2]));
  if (base_id.empty()) base_id = version.previous_id;
  std::string base_text;
  if (!base_id.empty()) {
    absl::StatusOr<StoredVersion> base =
        LoadText(*conn, ids[0], ids[1], base_id);
    // The previous version may have aged out of the retention window.
    if (absl::IsNotFound(base.status()) && req.base_version().empty()) {
      return status::WithReason(
          absl::FailedPreconditionError(
              "the previous version is no longer retained"),
          "VERSION_EXPIRED");
    }
    if (!base.ok()) return base.status();
    base_text = std::move(base->text);
    resp->set_base_version(VersionName(ids[0], ids[1], base_id));
  }
  resp->set_version(req.name());
  const LineDiff diff = DiffLines(base_text, version.text, context);
  ToProto(diff, resp);
  resp->set_unified(
      UnifiedDiff(diff, base_id.empty() ? "/dev/null" : resp->base_version(),
                  resp->version()));
  return absl::OkStatus();
}

grpc::Status MonitoringServiceImpl::GetSourceVersion(
    grpc::ServerContext*, const v1::GetSourceVersionRequest* req,
    v1::SourceVersion* resp) {
  return status::ToGrpc([&]() -> absl::Status {
    FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
    FP_ASSIGN_OR_RETURN(
        std::vector<std::string> ids,
        api::ParseTenantName(caller, req->name(), kVersionPattern, "name"));
    FP_ASSIGN_OR_RETURN(
        const bool full,
        api::IsFullView(req->view(), v1::SourceVersionView_IsValid, v1::FULL));
    FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                        pool_->Acquire(TxOptionsForCall().deadline));
    FP_ASSIGN_OR_RETURN(
        *resp,
        api::ReadSingleRow(
            *conn,
            absl::StrCat("SELECT ", kVersionColumns, full ? ", text" : "",
                         " FROM source_versions WHERE org_id = $1"
                         " AND watch_id = $2 AND id = $3"),
            {ids[0], ids[1], ids[2]}, "source version not found",
            VersionFromRow));
    return absl::OkStatus();
  }());
}

grpc::Status MonitoringServiceImpl::ListSourceVersions(
    grpc::ServerContext*, const v1::ListSourceVersionsRequest* req,
    v1::ListSourceVersionsResponse* resp) {
  return status::ToGrpc(DoListVersions(*req, resp));
}

grpc::Status MonitoringServiceImpl::GetVersionDiff(
    grpc::ServerContext*, const v1::GetVersionDiffRequest* req,
    v1::VersionDiff* resp) {
  return status::ToGrpc(DoDiff(*req, resp));
}

}  // namespace fineprint::monitoring
