#ifndef FINEPRINT_SERVICES_MONITORING_EXTRACT_H_
#define FINEPRINT_SERVICES_MONITORING_EXTRACT_H_

// From a fetched body to UTF-8 text with the document's structure kept as
// lines: HTML through gumbo (scripts, styles, nav, header and footer
// dropped; headings, paragraphs, list items and other blocks one line
// each), PDF through poppler-cpp, plain text as is.
//
// Charset: the Content-Type parameter, else a byte-order mark, else (HTML)
// <meta charset> / <meta http-equiv=Content-Type>, else valid UTF-8, else
// uchardet's guess; converted with iconv, undecodable bytes as U+FFFD.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fineprint::monitoring {

// A parsed CSS selector (the simple subset Watch.css_selector documents):
// alternatives separated by ',', each a descendant chain of compounds
// `tag#id.class1.class2` (any part optional, `*` for any tag).
struct SelectorCompound {
  std::string tag;  // lower case; empty: any
  std::string id;
  std::vector<std::string> classes;
};
struct Selector {
  std::vector<std::vector<SelectorCompound>> alternatives;
};

// INVALID_ARGUMENT with a description when `text` is not in the subset.
absl::StatusOr<Selector> ParseSelector(absl::string_view text);

enum class ContentKind { kHtml, kPdf, kText };

// From the media type, else by sniffing the first bytes.
ContentKind KindOf(absl::string_view content_type, absl::string_view body);

// The charset parameter of a Content-Type value, lower-cased ("" if none).
std::string CharsetParam(absl::string_view content_type);

struct DecodedText {
  std::string utf8;
  // The charset used, lower-case ("utf-8", "windows-1252", ...).
  std::string charset;
};

// `declared`: the Content-Type charset ("" if none).
DecodedText DecodeToUtf8(absl::string_view body, absl::string_view declared,
                         bool html);

// Text of HTML (already UTF-8); with `selector`, only of the outermost
// elements it matches (FAILED_PRECONDITION when it matches nothing).
absl::StatusOr<std::string> HtmlToText(absl::string_view utf8_html,
                                       const Selector* selector);

// Text of every page of a PDF; INVALID_ARGUMENT when it cannot be read.
absl::StatusOr<std::string> PdfToText(absl::string_view pdf);

struct Extracted {
  std::string text;
  ContentKind kind = ContentKind::kText;
  std::string charset;
};

// The whole pipeline for one response.
absl::StatusOr<Extracted> ExtractText(absl::string_view body,
                                      absl::string_view content_type,
                                      const Selector* selector);

}  // namespace fineprint::monitoring

#endif  // FINEPRINT_SERVICES_MONITORING_EXTRACT_H_
