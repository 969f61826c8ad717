#include "services/analysis/delta.h"

#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "services/analysis/model.h"
#include "services/runtime/status/status.h"

namespace fineprint::analysis {
namespace {

using ClauseKey = std::pair<int, std::string>;

ClauseKey KeyOf(const v1::Finding& f) {
  return {static_cast<int>(f.category()),
          absl::StrJoin(absl::StrSplit(f.quote(), absl::ByAnyChar(" \t\r\n"),
                                       absl::SkipEmpty()),
                        " ")};
}

// "BINDING_ARBITRATION" -> "binding arbitration".
std::string Label(v1::FindingCategory category) {
  return absl::AsciiStrToLower(
      absl::StrReplaceAll(v1::FindingCategory_Name(category), {{"_", " "}}));
}

std::string WithArticle(absl::string_view noun) {
  const bool vowel = !noun.empty() && absl::StrContains("aeiou", noun[0]);
  return absl::StrCat(vowel ? "An " : "A ", noun);
}

std::string Changed(const v1::Finding& f, int count, absl::string_view verb) {
  std::string head = WithArticle(absl::StrCat(Label(f.category()), " clause"));
  if (count == 1) return absl::StrCat(head, " was ", verb, ".");
  return absl::StrCat(head, " and ", count - 1, " other clause",
                      count == 2 ? "" : "s", " were ", verb, ".");
}

}  // namespace

v1::AnalysisDelta ComputeDelta(const v1::Analysis& previous,
                               const v1::Analysis& current) {
  v1::AnalysisDelta delta;
  delta.set_previous_analysis(previous.name());
  delta.set_previous_version(previous.version());
  delta.set_score_before(previous.score());
  delta.set_score_after(current.score());
  delta.set_grade_before(previous.grade());
  std::multimap<ClauseKey, const v1::Finding*> before;
  for (const v1::Finding& f : previous.findings()) before.emplace(KeyOf(f), &f);
  // Both lists are most severe first, so the outputs are too.
  for (const v1::Finding& f : current.findings()) {
    auto it = before.find(KeyOf(f));
    if (it == before.end()) {
      *delta.add_added() = f;
      continue;
    }
    if (it->second->severity() != f.severity()) {
      v1::SeverityChange* change = delta.add_severity_changed();
      *change->mutable_finding() = f;
      change->set_old_severity(it->second->severity());
    }
    before.erase(it);
  }
  std::set<const v1::Finding*> unmatched;
  for (const auto& [key, f] : before) unmatched.insert(f);
  for (const v1::Finding& f : previous.findings()) {
    if (unmatched.count(&f) > 0) *delta.add_removed() = f;
  }
  delta.set_headline(Headline(delta));
  return delta;
}

std::string Headline(const v1::AnalysisDelta& delta) {
  // Most severe first: an added clause outranks a removed one of the same
  // severity, since that is what the user must act on.
  const v1::Finding* added = delta.added().empty() ? nullptr : &delta.added(0);
  const v1::Finding* removed =
      delta.removed().empty() ? nullptr : &delta.removed(0);
  if (added != nullptr &&
      (removed == nullptr || added->severity() >= removed->severity())) {
    return Changed(*added, delta.added_size(), "added");
  }
  if (removed != nullptr)
    return Changed(*removed, delta.removed_size(), "removed");
  if (!delta.severity_changed().empty()) {
    const v1::SeverityChange& c = delta.severity_changed(0);
    return absl::StrCat(
        "The ", Label(c.finding().category()), " clause became ",
        c.finding().severity() > c.old_severity() ? "more" : "less",
        " severe.");
  }
  if (delta.score_before() != delta.score_after()) {
    return absl::StrCat("The score changed from ", delta.score_before(), " to ",
                        delta.score_after(), ".");
  }
  return "No clause changed.";
}

absl::StatusOr<std::optional<v1::Analysis>> PreviousAnalysis(
    db::Tx& tx, absl::string_view org, absl::string_view document_id,
    absl::string_view version_id) {
  FP_ASSIGN_OR_RETURN(
      db::Result r,
      tx.Execute(
          "SELECT a.result, j.id AS job_id, j.version_id"
          " FROM jobs j"
          " JOIN document_versions v ON v.org_id = j.org_id"
          "   AND v.document_id = j.document_id AND v.id = j.version_id"
          " JOIN analyses a ON a.org_id = j.org_id AND a.job_id = j.id"
          " WHERE j.org_id = $1 AND j.document_id = $2 AND j.version_id <> $3"
          "   AND j.state = 'SUCCEEDED' AND NOT a.degraded"
          "   AND v.create_time <= (SELECT create_time FROM document_versions"
          "     WHERE org_id = $1 AND document_id = $2 AND id = $3)"
          " ORDER BY v.create_time DESC, v.id DESC, a.create_time DESC"
          " LIMIT 1",
          {org, document_id, version_id}));
  if (r.empty()) return std::nullopt;
  FP_ASSIGN_OR_RETURN(std::string encoded, r[0].GetString("result"));
  FP_ASSIGN_OR_RETURN(std::string job_id, r[0].GetString("job_id"));
  FP_ASSIGN_OR_RETURN(std::string previous_version,
                      r[0].GetString("version_id"));
  std::string blob;
  v1::Analysis analysis;
  if (!absl::Base64Unescape(encoded, &blob) ||
      !analysis.ParseFromString(blob)) {
    return absl::InternalError("unreadable analysis");
  }
  analysis.set_name(AnalysisName(org, job_id));
  analysis.set_version(VersionName(org, document_id, previous_version));
  return analysis;
}

absl::Status AttachDelta(db::Tx& tx, absl::string_view org,
                         absl::string_view document_id,
                         absl::string_view version_id, v1::Analysis* analysis) {
  analysis->clear_delta();
  FP_ASSIGN_OR_RETURN(std::optional<v1::Analysis> previous,
                      PreviousAnalysis(tx, org, document_id, version_id));
  if (previous.has_value()) {
    *analysis->mutable_delta() = ComputeDelta(*previous, *analysis);
  }
  return absl::OkStatus();
}

}  // namespace fineprint::analysis
