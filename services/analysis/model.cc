#include "services/analysis/model.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "services/runtime/api/resource_name.h"
#include "services/runtime/status/status.h"

namespace fineprint::analysis {

std::string OrgName(absl::string_view org) {
  return absl::StrCat("orgs/", org);
}

std::string DocumentName(absl::string_view org, absl::string_view document) {
  return absl::StrCat("orgs/", org, "/documents/", document);
}

std::string VersionName(absl::string_view org, absl::string_view document,
                        absl::string_view version) {
  return absl::StrCat(DocumentName(org, document), "/versions/", version);
}

std::string JobName(absl::string_view org, absl::string_view job) {
  return absl::StrCat("orgs/", org, "/jobs/", job);
}

std::string AnalysisName(absl::string_view org, absl::string_view job) {
  return absl::StrCat(JobName(org, job), "/analysis");
}

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  return google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
      absl::ToUnixMicros(t));
}

absl::StatusOr<v1::AnalysisJob> JobFromRow(const db::Row& row) {
  v1::AnalysisJob job;
  FP_ASSIGN_OR_RETURN(std::string org, row.GetString("org_id"));
  FP_ASSIGN_OR_RETURN(std::string id, row.GetString("id"));
  FP_ASSIGN_OR_RETURN(std::string document, row.GetString("document_id"));
  FP_ASSIGN_OR_RETURN(std::string version, row.GetString("version_id"));
  job.set_name(JobName(org, id));
  job.set_document(DocumentName(org, document));
  job.set_version(VersionName(org, document, version));
  FP_ASSIGN_OR_RETURN(std::string state, row.GetString("state"));
  v1::JobState parsed = v1::JOB_STATE_UNSPECIFIED;
  v1::JobState_Parse(state, &parsed);
  job.set_state(parsed);
  FP_ASSIGN_OR_RETURN(int64_t priority, row.GetInt64("priority"));
  job.set_priority(static_cast<v1::Priority>(priority));
  FP_ASSIGN_OR_RETURN(int64_t attempt, row.GetInt64("attempt"));
  job.set_attempt(static_cast<int32_t>(attempt));
  FP_ASSIGN_OR_RETURN(int64_t progress, row.GetInt64("progress_percent"));
  job.set_progress_percent(static_cast<int32_t>(progress));
  FP_ASSIGN_OR_RETURN(*job.mutable_current_section(),
                      row.GetString("current_section"));
  FP_ASSIGN_OR_RETURN(int64_t code, row.GetInt64("error_code"));
  if (code != 0) {
    job.mutable_error()->set_code(static_cast<int32_t>(code));
    FP_ASSIGN_OR_RETURN(*job.mutable_error()->mutable_message(),
                        row.GetString("error_message"));
  }
  FP_ASSIGN_OR_RETURN(*job.mutable_analyzer_version(),
                      row.GetString("analyzer_version"));
  FP_ASSIGN_OR_RETURN(bool cached, row.GetBool("cached"));
  job.set_cached(cached);
  FP_ASSIGN_OR_RETURN(absl::Time created, row.GetTime("create_time"));
  *job.mutable_create_time() = ToTimestamp(created);
  if (!row.IsNull("start_time")) {
    FP_ASSIGN_OR_RETURN(absl::Time t, row.GetTime("start_time"));
    *job.mutable_start_time() = ToTimestamp(t);
  }
  if (!row.IsNull("end_time")) {
    FP_ASSIGN_OR_RETURN(absl::Time t, row.GetTime("end_time"));
    *job.mutable_end_time() = ToTimestamp(t);
  }
  if (parsed == v1::SUCCEEDED) job.set_analysis(AnalysisName(org, id));
  return job;
}

absl::StatusOr<v1::Document> DocumentFromRow(const db::Row& row) {
  v1::Document doc;
  FP_ASSIGN_OR_RETURN(std::string org, row.GetString("org_id"));
  FP_ASSIGN_OR_RETURN(std::string id, row.GetString("id"));
  doc.set_name(DocumentName(org, id));
  FP_ASSIGN_OR_RETURN(*doc.mutable_title(), row.GetString("title"));
  FP_ASSIGN_OR_RETURN(std::string kind, row.GetString("kind"));
  v1::DocumentKind parsed = v1::DOCUMENT_KIND_UNSPECIFIED;
  v1::DocumentKind_Parse(kind, &parsed);
  doc.set_kind(parsed);
  FP_ASSIGN_OR_RETURN(*doc.mutable_source_url(), row.GetString("source_url"));
  FP_ASSIGN_OR_RETURN(*doc.mutable_language(), row.GetString("language"));
  if (!row.IsNull("current_version_id")) {
    FP_ASSIGN_OR_RETURN(std::string v, row.GetString("current_version_id"));
    doc.set_current_version(VersionName(org, id, v));
  }
  if (!row.IsNull("latest_job_id")) {
    FP_ASSIGN_OR_RETURN(std::string j, row.GetString("latest_job_id"));
    doc.set_latest_job(JobName(org, j));
  }
  FP_ASSIGN_OR_RETURN(*doc.mutable_watch(), row.GetString("watch"));
  FP_ASSIGN_OR_RETURN(int64_t score, row.GetInt64("score"));
  doc.set_score(static_cast<int32_t>(score));
  FP_ASSIGN_OR_RETURN(int64_t grade, row.GetInt64("grade"));
  doc.set_grade(static_cast<v1::Grade>(grade));
  FP_ASSIGN_OR_RETURN(int64_t version, row.GetInt64("version"));
  doc.set_etag(absl::StrCat("W/\"", version, "\""));
  FP_ASSIGN_OR_RETURN(absl::Time created, row.GetTime("create_time"));
  *doc.mutable_create_time() = ToTimestamp(created);
  FP_ASSIGN_OR_RETURN(absl::Time updated, row.GetTime("update_time"));
  *doc.mutable_update_time() = ToTimestamp(updated);
  return doc;
}

absl::StatusOr<v1::DocumentVersion> VersionFromRow(const db::Row& row) {
  v1::DocumentVersion version;
  FP_ASSIGN_OR_RETURN(std::string org, row.GetString("org_id"));
  FP_ASSIGN_OR_RETURN(std::string doc, row.GetString("document_id"));
  FP_ASSIGN_OR_RETURN(std::string id, row.GetString("id"));
  version.set_name(VersionName(org, doc, id));
  FP_ASSIGN_OR_RETURN(*version.mutable_sha256(), row.GetString("sha256"));
  FP_ASSIGN_OR_RETURN(int64_t size, row.GetInt64("size_bytes"));
  version.set_size_bytes(size);
  FP_ASSIGN_OR_RETURN(absl::Time created, row.GetTime("create_time"));
  *version.mutable_create_time() = ToTimestamp(created);
  if (absl::StatusOr<std::string> text = row.GetString("text"); text.ok()) {
    version.set_text(*std::move(text));
  }
  return version;
}

bool IsTerminal(v1::JobState state) {
  return state == v1::SUCCEEDED || state == v1::FAILED ||
         state == v1::CANCELLED || state == v1::DEAD;
}

v1::Priority PriorityFor(absl::string_view plan, bool low_priority) {
  if (low_priority) return v1::PRIORITY_LOW;
  if (plan == "ENTERPRISE" || plan == "PREMIUM") return v1::PRIORITY_HIGH;
  return v1::PRIORITY_NORMAL;
}

events::v1::AnalysisCompleted CompletedEvent(const v1::Analysis& analysis,
                                             absl::string_view organization,
                                             v1::DocumentKind kind,
                                             absl::string_view title,
                                             bool cached) {
  events::v1::AnalysisCompleted event;
  const std::string& name = analysis.name();
  event.set_job(name.substr(0, name.size() - std::string("/analysis").size()));
  event.set_document(analysis.document());
  event.set_version(analysis.version());
  event.set_organization(std::string(organization));
  event.set_kind(kind);
  event.set_title(std::string(title));
  event.set_score(analysis.score());
  event.set_grade(analysis.grade());
  auto& counts = *event.mutable_counts_per_category();
  for (const v1::Finding& f : analysis.findings()) {
    counts[v1::FindingCategory_Name(f.category())]++;
  }
  // Findings are stored most severe first, so the top ones are a prefix.
  for (int i = 0; i < analysis.findings_size() && i < 5; ++i) {
    *event.add_top_findings() = analysis.findings(i);
  }
  event.set_finding_count(analysis.findings_size());
  event.set_degraded(analysis.degraded());
  event.set_cached(cached);
  event.set_analyzer_version(analysis.analyzer_version());
  event.set_analysis(name);
  if (analysis.has_delta()) *event.mutable_delta() = analysis.delta();
  return event;
}

absl::StatusOr<std::string> InsertVersion(db::Executor& ex,
                                          absl::string_view org,
                                          absl::string_view document,
                                          absl::string_view sha256,
                                          absl::string_view text) {
  std::string id = api::NewResourceId();
  FP_RETURN_IF_ERROR(
      ex.Execute("INSERT INTO document_versions (org_id, document_id, id,"
                 "   sha256, size_bytes, text) VALUES ($1, $2, $3, $4, $5, $6)",
                 {org, document, id, sha256, static_cast<int64_t>(text.size()),
                  text})
          .status());
  return id;
}

events::v1::DocumentSubmitted SubmittedEvent(
    absl::string_view org, absl::string_view document,
    absl::string_view version, absl::string_view job, v1::DocumentKind kind,
    absl::string_view title, absl::string_view source_url,
    absl::string_view sha256, v1::Priority priority, bool new_version) {
  events::v1::DocumentSubmitted submitted;
  submitted.set_document(DocumentName(org, document));
  submitted.set_version(VersionName(org, document, version));
  submitted.set_job(JobName(org, job));
  submitted.set_organization(OrgName(org));
  submitted.set_kind(kind);
  submitted.set_title(std::string(title));
  submitted.set_source_url(std::string(source_url));
  submitted.set_sha256(std::string(sha256));
  submitted.set_priority(priority);
  submitted.set_new_version(new_version);
  return submitted;
}

}  // namespace fineprint::analysis
