#include "services/notification/email_templates.h"

#include "absl/strings/str_cat.h"
#include "services/runtime/status/status.h"

namespace fineprint::notification {

std::string HtmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

absl::StatusOr<std::string> FillTemplate(
    absl::string_view text, const TemplateValues& values, bool html,
    const absl::flat_hash_set<std::string>& raw) {
  std::string out;
  out.reserve(text.size() * 2);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '{') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '{') {
      out.push_back('{');
      ++i;
      continue;
    }
    const size_t end = text.find('}', i);
    if (end == absl::string_view::npos) {
      return absl::InvalidArgumentError("template: unterminated '{'");
    }
    const std::string name(text.substr(i + 1, end - i - 1));
    auto it = values.find(name);
    if (it == values.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("template: unknown value {", name, "}"));
    }
    out += html && !raw.contains(name) ? HtmlEscape(it->second) : it->second;
    i = end;
  }
  return out;
}

absl::StatusOr<EmailTemplate> LoadEmailTemplate(db::Executor& ex,
                                                absl::string_view name) {
  FP_ASSIGN_OR_RETURN(
      db::Result r,
      ex.Execute("SELECT subject, text_body, html_body FROM email_templates"
                 " WHERE name = $1",
                 {std::string(name)}));
  if (r.empty()) {
    return absl::NotFoundError(absl::StrCat("no email template ", name));
  }
  return EmailTemplate{std::string(r[0].Value("subject")),
                       std::string(r[0].Value("text_body")),
                       std::string(r[0].Value("html_body"))};
}

}  // namespace fineprint::notification
