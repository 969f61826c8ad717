#include "services/action/templates.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/action/embedded_files.h"
#include "services/runtime/status/status.h"

namespace fineprint::action {
namespace {

bool IsName(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '_' &&
        c != '-') {
      return false;
    }
  }
  return true;
}

absl::Status FileError(absl::string_view file, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(file, ": ", why));
}

}  // namespace

absl::StatusOr<LetterTemplate> LetterTemplate::Parse(
    absl::string_view file_name, absl::string_view text) {
  LetterTemplate t;
  const size_t sep = text.find("\n---\n");
  if (sep == absl::string_view::npos) {
    return FileError(file_name, "no '---' line between header and body");
  }
  std::map<std::string, std::string> header;
  for (absl::string_view line :
       absl::StrSplit(text.substr(0, sep), '\n', absl::SkipEmpty())) {
    if (absl::StartsWith(line, "#")) continue;
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(line, absl::MaxSplits(' ', 1));
    if (!header
             .emplace(std::string(kv.first),
                      std::string(absl::StripAsciiWhitespace(kv.second)))
             .second) {
      return FileError(file_name, absl::StrCat("repeated key ", kv.first));
    }
  }
  for (const char* key : {"family", "language", "version", "kind", "title"}) {
    if (header[key].empty()) {
      return FileError(file_name, absl::StrCat("missing ", key));
    }
  }
  t.family_ = header["family"];
  t.language_ = header["language"];
  t.id_ = absl::StrCat(t.family_, "-", t.language_);
  if (!IsName(t.family_) || !IsName(t.language_) ||
      file_name != absl::StrCat(t.family_, ".", t.language_, ".tmpl")) {
    return FileError(file_name, "file name must be {family}.{language}.tmpl");
  }
  if (!absl::SimpleAtoi(header["version"], &t.version_) || t.version_ < 1) {
    return FileError(file_name, "version must be a positive integer");
  }
  if (!v1::ActionKind_Parse(header["kind"], &t.kind_) ||
      t.kind_ == v1::ACTION_KIND_UNSPECIFIED) {
    return FileError(file_name, "unknown kind");
  }
  absl::StatusOr<DeadlineRule> rule = ParseDeadlineRule(header["deadline"]);
  if (!rule.ok()) return FileError(file_name, rule.status().message());
  t.deadline_ = *rule;
  t.required_ = absl::StrSplit(header["required"], ' ', absl::SkipEmpty());

  // Body -> segments.
  const absl::string_view body = text.substr(sep + 5);
  std::set<std::string> used;
  size_t pos = 0;
  while (pos < body.size()) {
    const size_t open = body.find("{{", pos);
    if (open == absl::string_view::npos) {
      t.segments_.push_back({false, std::string(body.substr(pos))});
      break;
    }
    if (open > pos) {
      t.segments_.push_back({false, std::string(body.substr(pos, open - pos))});
    }
    const size_t close = body.find("}}", open + 2);
    if (close == absl::string_view::npos) {
      return FileError(file_name, "unclosed {{");
    }
    std::string name(body.substr(open + 2, close - open - 2));
    if (!IsName(name)) return FileError(file_name, "bad placeholder name");
    used.insert(name);
    t.segments_.push_back({true, std::move(name)});
    pos = close + 2;
  }
  const std::set<std::string> required(t.required_.begin(), t.required_.end());
  if (required.size() != t.required_.size()) {
    return FileError(file_name, "a required field is listed twice");
  }
  for (const std::string& name : used) {
    if (name != kDatePlaceholder && !required.contains(name)) {
      return FileError(file_name,
                       absl::StrCat("placeholder ", name, " is not required"));
    }
  }
  for (const std::string& name : required) {
    if (!used.contains(name)) {
      return FileError(file_name,
                       absl::StrCat("required ", name, " is not in the body"));
    }
  }

  v1::Template& p = t.proto_;
  p.set_name(absl::StrCat("templates/", t.id_));
  p.set_kind(t.kind_);
  p.set_title(header["title"]);
  p.set_body(std::string(body));
  p.set_jurisdiction(header["jurisdiction"]);
  p.set_version(t.version_);
  for (const std::string& name : used) p.add_placeholders(name);
  p.set_language(t.language_);
  p.set_description(header["description"]);
  p.set_family(t.family_);
  p.set_legal_basis(header["legal_basis"]);
  for (const std::string& name : t.required_) p.add_required_fields(name);
  p.set_deadline_rule(header["deadline"]);
  return t;
}

absl::StatusOr<std::string> LetterTemplate::Render(
    const std::map<std::string, std::string>& variables) const {
  std::vector<status::FieldViolation> violations;
  for (const std::string& name : required_) {
    auto it = variables.find(name);
    if (it == variables.end() ||
        absl::StripAsciiWhitespace(it->second).empty()) {
      violations.push_back(
          {absl::StrCat("variables[", name, "]"),
           absl::StrCat("template ", id_, " requires ", name)});
    }
  }
  if (!violations.empty()) {
    return status::InvalidArgument("missing template fields",
                                   std::move(violations),
                                   "MISSING_TEMPLATE_FIELDS");
  }
  return Substitute(variables);
}

std::string LetterTemplate::Substitute(
    const std::map<std::string, std::string>& variables) const {
  std::string out;
  out.reserve(proto_.body().size() + 256);
  for (const Segment& s : segments_) {
    if (!s.placeholder) {
      out.append(s.text);
      continue;
    }
    auto it = variables.find(s.text);
    if (it != variables.end()) out.append(it->second);
  }
  return out;
}

std::string FillPlain(absl::string_view text,
                      const std::map<std::string, std::string>& values) {
  std::string out(text);
  for (const auto& [key, value] : values) {
    const std::string marker = absl::StrCat("{{", key, "}}");
    size_t pos = 0;
    while ((pos = out.find(marker, pos)) != std::string::npos) {
      out.replace(pos, marker.size(), value);
      pos += value.size();
    }
  }
  return out;
}

absl::StatusOr<std::shared_ptr<const TemplateCatalog>>
TemplateCatalog::FromFiles(
    const std::vector<std::pair<std::string, std::string>>& files) {
  auto catalog = std::make_shared<TemplateCatalog>();
  bool have_suggestions = false;
  for (const auto& [name, text] : files) {
    if (absl::EndsWith(name, ".tmpl")) {
      absl::StatusOr<LetterTemplate> t = LetterTemplate::Parse(name, text);
      if (!t.ok()) return t.status();
      catalog->templates_.push_back(*std::move(t));
      continue;
    }
    if (name != "suggestions.tsv") continue;
    have_suggestions = true;
    for (absl::string_view line :
         absl::StrSplit(text, '\n', absl::SkipEmpty())) {
      if (absl::StartsWith(line, "#")) continue;
      std::vector<std::string> cols = absl::StrSplit(line, '\t');
      if (cols.size() == 2 && cols[0] == "version") {
        if (!absl::SimpleAtoi(cols[1], &catalog->suggestions_version_)) {
          return FileError(name, "bad version");
        }
        continue;
      }
      if (cols.size() != 5) return FileError(name, "a row needs 5 columns");
      SuggestionRule rule;
      if (!analysis::v1::FindingCategory_Parse(cols[0], &rule.category) ||
          !v1::ActionKind_Parse(cols[1], &rule.kind)) {
        return FileError(
            name,
            absl::StrCat("unknown category or kind: ", cols[0], " ", cols[1]));
      }
      rule.family = cols[2];
      rule.title = cols[3];
      rule.reason = cols[4];
      catalog->suggestions_.push_back(std::move(rule));
    }
  }
  if (!have_suggestions || catalog->suggestions_version_ < 1) {
    return absl::InvalidArgumentError("suggestions.tsv missing or unversioned");
  }
  std::sort(catalog->templates_.begin(), catalog->templates_.end(),
            [](const LetterTemplate& a, const LetterTemplate& b) {
              return a.id() < b.id();
            });
  for (size_t i = 0; i < catalog->templates_.size(); ++i) {
    if (!catalog->by_id_.emplace(catalog->templates_[i].id(), i).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("template ", catalog->templates_[i].id(), " twice"));
    }
  }
  for (const SuggestionRule& rule : catalog->suggestions_) {
    bool found = false;
    for (const LetterTemplate& t : catalog->templates_) {
      if (t.family() == rule.family) {
        found = true;
        if (t.kind() != rule.kind) {
          return absl::InvalidArgumentError(absl::StrCat(
              "suggestion kind differs from template ", t.id(), "'s"));
        }
      }
    }
    if (!found) {
      return absl::InvalidArgumentError(
          absl::StrCat("suggestion names unknown family ", rule.family));
    }
  }
  return std::shared_ptr<const TemplateCatalog>(std::move(catalog));
}

absl::StatusOr<std::shared_ptr<const TemplateCatalog>>
TemplateCatalog::Embedded() {
  std::vector<std::pair<std::string, std::string>> files;
  for (size_t i = 0; i < internal::kEmbeddedFileCount; ++i) {
    const internal::EmbeddedFile& f = internal::kEmbeddedFiles[i];
    files.emplace_back(f.name, std::string(f.data, f.size));
  }
  return FromFiles(files);
}

const LetterTemplate* TemplateCatalog::Find(absl::string_view id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &templates_[it->second];
}

const LetterTemplate* TemplateCatalog::Variant(
    absl::string_view family, absl::string_view language) const {
  return Find(absl::StrCat(family, "-", language));
}

}  // namespace fineprint::action
