#ifndef FINEPRINT_SERVICES_ACTION_TEMPLATES_H_
#define FINEPRINT_SERVICES_ACTION_TEMPLATES_H_

// Letter templates and the finding -> suggestion mapping, as versioned data
// (templates/v1/*.tmpl and suggestions.tsv, embedded into the binary).
//
// A template is `{family}.{language}.tmpl`: `key value` header lines
// (family, language, version, kind, jurisdiction, legal_basis, deadline,
// title, description, required), `---`, then the body with
// {{placeholder}} markers. Every placeholder of the body is either
// automatic (`date`) or listed in `required`, and every required field
// appears in the body; a file breaking that does not load, so a letter can
// never go out with a silently blank field.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fineprint/action/v1/action.pb.h"
#include "fineprint/analysis/v1/analysis.pb.h"
#include "services/action/deadlines.h"

namespace fineprint::action {

// Placeholders the server fills itself.
inline constexpr absl::string_view kDatePlaceholder = "date";

class LetterTemplate {
 public:
  // Parses one template file; `file_name` must be `{family}.{language}.tmpl`.
  static absl::StatusOr<LetterTemplate> Parse(absl::string_view file_name,
                                              absl::string_view text);

  // `{family}-{language}`, the id in `templates/{id}`.
  const std::string& id() const { return id_; }
  const std::string& family() const { return family_; }
  const std::string& language() const { return language_; }
  int version() const { return version_; }
  v1::ActionKind kind() const { return kind_; }
  const DeadlineRule& deadline() const { return deadline_; }
  const std::vector<std::string>& required() const { return required_; }
  const v1::Template& proto() const { return proto_; }

  // The body with every placeholder replaced. INVALID_ARGUMENT with one
  // field violation `variables[<name>]` per required field that is missing
  // or blank; `date` may be overridden.
  absl::StatusOr<std::string> Render(
      const std::map<std::string, std::string>& variables) const;
  // Substitution only, no validation (missing values become ""): the
  // benchmark's baseline.
  std::string Substitute(
      const std::map<std::string, std::string>& variables) const;

 private:
  struct Segment {
    bool placeholder = false;
    std::string text;  // literal text, or the placeholder's name
  };

  std::string id_, family_, language_;
  int version_ = 0;
  v1::ActionKind kind_ = v1::ACTION_KIND_UNSPECIFIED;
  DeadlineRule deadline_;
  std::vector<std::string> required_;
  std::vector<Segment> segments_;
  v1::Template proto_;
};

struct SuggestionRule {
  analysis::v1::FindingCategory category;
  v1::ActionKind kind;
  std::string family;
  std::string title;   // may contain {{document_title}}
  std::string reason;  // may contain {{document_title}}
};

class TemplateCatalog {
 public:
  // From the embedded data files.
  static absl::StatusOr<std::shared_ptr<const TemplateCatalog>> Embedded();
  // From (file name, contents) pairs: *.tmpl and suggestions.tsv.
  static absl::StatusOr<std::shared_ptr<const TemplateCatalog>> FromFiles(
      const std::vector<std::pair<std::string, std::string>>& files);

  // Sorted by id.
  const std::vector<LetterTemplate>& templates() const { return templates_; }
  const LetterTemplate* Find(absl::string_view id) const;
  // The variant of `family` in `language`, else nullptr.
  const LetterTemplate* Variant(absl::string_view family,
                                absl::string_view language) const;
  const std::vector<SuggestionRule>& suggestions() const {
    return suggestions_;
  }
  int suggestions_version() const { return suggestions_version_; }

 private:
  std::vector<LetterTemplate> templates_;
  absl::flat_hash_map<std::string, size_t> by_id_;
  std::vector<SuggestionRule> suggestions_;
  int suggestions_version_ = 0;
};

// Replaces each {{key}} of `text` with its value in `values` (unknown keys
// stay as they are).
std::string FillPlain(absl::string_view text,
                      const std::map<std::string, std::string>& values);

}  // namespace fineprint::action

#endif  // FINEPRINT_SERVICES_ACTION_TEMPLATES_H_
