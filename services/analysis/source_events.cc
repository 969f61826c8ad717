#include "services/analysis/source_events.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "events/outbox/outbox_writer.h"
#include "fineprint/analysis/events/v1/events.pb.h"
#include "fineprint/monitoring/events/v1/events.pb.h"
#include "services/analysis/model.h"
#include "services/runtime/api/resource_name.h"
#include "services/runtime/crypto/sha256.h"
#include "services/runtime/log/log.h"
#include "services/runtime/status/status.h"
#include "services/runtime/text/utf8.h"
#include "services/runtime/trace/trace_context.h"

namespace fineprint::analysis {
namespace {

using ::fineprint::monitoring::events::v1::SourceChanged;

constexpr size_t kMaxTitle = 512;

// The document fed by the watch, locked; empty if there is none yet.
absl::StatusOr<std::string> LinkedDocument(db::Tx& tx, const std::string& org,
                                           const SourceChanged& changed) {
  if (!changed.document().empty()) {
    absl::StatusOr<std::vector<std::string>> ids = api::ParseResourceName(
        changed.document(), "orgs/{org}/documents/{document}", "document");
    // Another tenant's document in the event is a bug upstream: ignore the
    // link rather than write across tenants.
    if (ids.ok() && (*ids)[0] == org) {
      FP_ASSIGN_OR_RETURN(
          db::Result r,
          tx.Execute("SELECT id FROM documents WHERE org_id = $1 AND id = $2"
                     " FOR UPDATE",
                     {org, (*ids)[1]}));
      if (!r.empty()) return r[0].GetString("id");
    }
  }
  FP_ASSIGN_OR_RETURN(
      db::Result r,
      tx.Execute("SELECT id FROM documents WHERE org_id = $1 AND watch = $2"
                 " FOR UPDATE",
                 {org, changed.watch()}));
  if (r.empty()) return std::string();
  return r[0].GetString("id");
}

absl::Status ApplySourceChange(const SourceChanged& changed, db::Tx& tx,
                               const SourceEventsOptions& options) {
  FP_ASSIGN_OR_RETURN(
      std::vector<std::string> watch,
      api::ParseResourceName(changed.watch(), "orgs/{org}/watches/{watch}",
                             "watch"));
  const std::string& org = watch[0];
  if (changed.organization() != OrgName(org)) {
    return absl::InvalidArgumentError(
        "SourceChanged whose watch is not its organisation's");
  }
  const std::string& text = changed.text();
  std::string skipped;
  if (text.empty()) {
    skipped = changed.text_omitted() ? "text too large to carry"
                                     : "event without the text";
  } else if (text.size() > options.max_document_bytes) {
    skipped =
        absl::StrCat("text longer than ", options.max_document_bytes, " bytes");
  } else if (!text::IsValidUtf8(text)) {
    skipped = "text is not UTF-8";
  }
  if (!skipped.empty()) {
    log::Warning("source change not re-analysed",
                 {{"watch", changed.watch()}, {"reason", skipped}});
    return absl::OkStatus();
  }
  // Hashed here rather than trusted: the version's sha256 must be its text's.
  const std::string sha256 = crypto::Sha256Hex(text);

  FP_ASSIGN_OR_RETURN(std::string doc_id, LinkedDocument(tx, org, changed));
  const bool existed = !doc_id.empty();
  std::string title =
      changed.display_name().empty() ? changed.url() : changed.display_name();
  if (title.size() > kMaxTitle || !text::IsValidUtf8(title)) {
    title = changed.watch();
  }
  v1::DocumentKind kind = changed.kind();
  if (kind == v1::DOCUMENT_KIND_UNSPECIFIED ||
      !v1::DocumentKind_IsValid(kind)) {
    kind = v1::OTHER;
  }
  if (existed) {
    FP_ASSIGN_OR_RETURN(
        db::Result current,
        tx.Execute("SELECT d.title, v.sha256 FROM documents d"
                   " LEFT JOIN document_versions v ON v.org_id = d.org_id"
                   "   AND v.document_id = d.id AND v.id = d.current_version_id"
                   " WHERE d.org_id = $1 AND d.id = $2",
                   {org, doc_id}));
    // The text analysis already has (a page that flapped back, or a
    // document someone submitted by hand): nothing new to analyse.
    if (!current[0].IsNull("sha256") && current[0].Value("sha256") == sha256) {
      return absl::OkStatus();
    }
    // Users may have renamed the document; the watch does not rename it.
    FP_ASSIGN_OR_RETURN(title, current[0].GetString("title"));
  } else {
    doc_id = api::NewResourceId();
    FP_RETURN_IF_ERROR(
        tx.Execute("INSERT INTO documents (org_id, id, title, kind,"
                   "   source_url, watch) VALUES ($1, $2, $3, $4, $5, $6)",
                   {org, doc_id, title, v1::DocumentKind_Name(kind),
                    changed.url(), changed.watch()})
            .status());
  }
  FP_ASSIGN_OR_RETURN(const std::string version_id,
                      InsertVersion(tx, org, doc_id, sha256, text));

  // No caller here, so no token plan: the plan identity's events last
  // reported, else FREE (every organisation starts on it).
  FP_ASSIGN_OR_RETURN(
      db::Result plans,
      tx.Execute("SELECT plan FROM org_plans WHERE org_id = $1", {org}));
  std::string plan = "FREE";
  if (!plans.empty()) {
    FP_ASSIGN_OR_RETURN(plan, plans[0].GetString("plan"));
  }
  const v1::Priority priority = PriorityFor(plan, /*low_priority=*/false);

  const std::string job_id = api::NewResourceId();
  FP_RETURN_IF_ERROR(
      // The consumer's span travels with the job: the AnalysisCompleted the
      // worker writes continues the trace that began at the page check.
      tx.Execute("INSERT INTO jobs (org_id, id, document_id, version_id, state,"
                 "   priority, low_priority, max_attempts, traceparent)"
                 " VALUES ($1, $2, $3, $4, 'QUEUED', $5, false, $6,"
                 "   NULLIF($7, ''))",
                 {org, job_id, doc_id, version_id, static_cast<int>(priority),
                  options.max_attempts, trace::CurrentTraceparent()})
          .status());
  FP_RETURN_IF_ERROR(
      tx.Execute(
            "UPDATE documents SET current_version_id = $3,"
            "   latest_job_id = $4, source_url = $5, watch = $6,"
            "   version = version + 1, update_time = now()"
            " WHERE org_id = $1 AND id = $2",
            {org, doc_id, version_id, job_id, changed.url(), changed.watch()})
          .status());

  events::v1::DocumentSubmitted submitted =
      SubmittedEvent(org, doc_id, version_id, job_id, kind, title,
                     changed.url(), sha256, priority, /*new_version=*/existed);
  submitted.set_watch(changed.watch());
  submitted.set_source_version(changed.new_version());
  static const ::fineprint::events::OutboxWriter outbox(kService);
  FP_RETURN_IF_ERROR(outbox.Append(tx, doc_id, submitted).status());
  log::Info("source change queued for analysis",
            {{"watch", changed.watch()},
             {"document", submitted.document()},
             {"job", submitted.job()}});
  return absl::OkStatus();
}

}  // namespace

absl::Status HandleSourceChanges(::fineprint::events::EventRouter& router,
                                 SourceEventsOptions options) {
  return router.On<SourceChanged>([options](const SourceChanged& changed,
                                            const ::fineprint::events::Event&,
                                            db::Tx& tx) {
    return ApplySourceChange(changed, tx, options);
  });
}

}  // namespace fineprint::analysis
