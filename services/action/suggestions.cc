#include "services/action/suggestions.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "events/outbox/outbox_writer.h"
#include "fineprint/action/events/v1/events.pb.h"
#include "re2/re2.h"
#include "services/action/store.h"
#include "services/runtime/api/resource_name.h"
#include "services/runtime/status/status.h"

namespace fineprint::action {
namespace {

namespace ev = ::fineprint::action::events::v1;
using analysis::events::v1::AnalysisCompleted;

}  // namespace

int OptOutWindowDays(absl::string_view quote) {
  static const RE2* const kWindow =
      new RE2(R"((?i)\b(?:within|in)\s+(\d{1,3})\s+(?:calendar\s+)?days?\b)");
  int days = 0;
  if (!RE2::PartialMatch(re2::StringPiece(quote.data(), quote.size()), *kWindow,
                         &days)) {
    return 0;
  }
  return days;
}

std::vector<v1::SuggestedAction> SuggestionsFor(const AnalysisCompleted& event,
                                                const TemplateCatalog& catalog,
                                                absl::string_view language) {
  std::vector<v1::SuggestedAction> out;
  for (const analysis::v1::Finding& f : event.top_findings()) {
    for (const SuggestionRule& rule : catalog.suggestions()) {
      if (rule.category != f.category()) continue;
      const LetterTemplate* t = catalog.Variant(rule.family, language);
      if (t == nullptr) t = catalog.Variant(rule.family, "en");
      if (t == nullptr) continue;
      v1::SuggestedAction s;
      const std::map<std::string, std::string> values = {
          {"document_title", event.title()}};
      s.set_kind(rule.kind);
      s.set_title(FillPlain(rule.title, values));
      s.set_reason(FillPlain(rule.reason, values));
      s.set_document(event.document());
      s.set_analysis(event.analysis());
      s.set_finding_category(f.category());
      s.set_finding_quote(f.quote());
      s.set_finding_start_offset(f.start_offset());
      s.set_finding_end_offset(f.end_offset());
      if (rule.kind == v1::ARBITRATION_OPT_OUT) {
        s.set_opt_out_window_days(OptOutWindowDays(f.quote()));
      }
      s.set_template_(t->proto().name());
      out.push_back(std::move(s));
    }
  }
  return out;
}

absl::Status HandleAnalysisCompleted(
    ::fineprint::events::EventRouter& router,
    std::shared_ptr<const TemplateCatalog> catalog, std::string language) {
  return router.On<AnalysisCompleted>(
      [catalog, language, outbox = ::fineprint::events::OutboxWriter("action")](
          const AnalysisCompleted& event, const ::fineprint::events::Event&,
          db::Tx& tx) -> absl::Status {
        absl::StatusOr<std::vector<std::string>> org = api::ParseResourceName(
            event.organization(), "orgs/{org}", "organization");
        // Not ours to fix: a malformed event is dead-lettered.
        if (!org.ok()) return org.status();
        for (v1::SuggestedAction& s :
             SuggestionsFor(event, *catalog, language)) {
          store::SuggestionRecord record{(*org)[0], api::NewResourceId(),
                                         std::move(s)};
          FP_ASSIGN_OR_RETURN(bool inserted,
                              store::InsertSuggestion(tx, record));
          if (!inserted) continue;
          ev::ActionSuggested suggested;
          suggested.set_suggested_action(record.proto.name());
          suggested.set_organization(event.organization());
          suggested.set_kind(record.proto.kind());
          suggested.set_document(record.proto.document());
          suggested.set_title(record.proto.title());
          suggested.set_reason(record.proto.reason());
          FP_RETURN_IF_ERROR(outbox.Append(tx, record.id, suggested).status());
        }
        return absl::OkStatus();
      });
}

}  // namespace fineprint::action
