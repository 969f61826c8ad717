#include "services/monitoring/extract.h"

#include <iconv.h>

#include <cerrno>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gumbo.h"
#include "poppler/cpp/poppler-document.h"
#include "poppler/cpp/poppler-page.h"
#include "uchardet/uchardet.h"

namespace fineprint::monitoring {
namespace {

bool IsNameChar(char c) {
  return absl::ascii_isalnum(c) || c == '-' || c == '_';
}

absl::StatusOr<SelectorCompound> ParseCompound(absl::string_view text) {
  SelectorCompound compound;
  size_t i = 0;
  if (i < text.size() && text[i] == '*') {
    ++i;
  } else {
    while (i < text.size() && IsNameChar(text[i])) ++i;
    compound.tag = absl::AsciiStrToLower(text.substr(0, i));
  }
  while (i < text.size()) {
    const char mark = text[i++];
    if (mark != '#' && mark != '.') {
      return absl::InvalidArgumentError(
          absl::StrCat("unsupported character '", std::string(1, mark),
                       "' (only tag, #id, .class and descendant chains)"));
    }
    const size_t start = i;
    while (i < text.size() && IsNameChar(text[i])) ++i;
    if (i == start) {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", std::string(1, mark), "' must be followed by a name"));
    }
    std::string name(text.substr(start, i - start));
    if (mark == '#') {
      if (!compound.id.empty())
        return absl::InvalidArgumentError("two ids in one compound");
      compound.id = std::move(name);
    } else {
      compound.classes.push_back(std::move(name));
    }
  }
  return compound;
}

// --- Charset
// ------------------------------------------------------------------

bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = s[i];
    size_t n;
    if (c < 0x80) {
      n = 0;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
    } else {
      return false;
    }
    if (i + n >= s.size() && n > 0) return false;
    for (size_t k = 1; k <= n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n + 1;
  }
  return true;
}

// <meta charset="x"> or <meta http-equiv="Content-Type" content="...;
// charset=x"> in the first 4 KiB, as the HTML spec's prescan does.
std::string MetaCharset(absl::string_view html) {
  const std::string head = absl::AsciiStrToLower(html.substr(0, 4096));
  size_t at = 0;
  while ((at = head.find("<meta", at)) != std::string::npos) {
    const size_t end = head.find('>', at);
    if (end == std::string::npos) break;
    absl::string_view tag(head.data() + at, end - at);
    at = end;
    size_t c = tag.find("charset");
    if (c == absl::string_view::npos) continue;
    c += 7;
    while (c < tag.size() && (tag[c] == ' ' || tag[c] == '=' || tag[c] == '"' ||
                              tag[c] == '\'')) {
      ++c;
    }
    size_t e = c;
    while (e < tag.size() &&
           (absl::ascii_isalnum(tag[e]) || tag[e] == '-' || tag[e] == '_' ||
            tag[e] == ':' || tag[e] == '.')) {
      ++e;
    }
    if (e > c) return std::string(tag.substr(c, e - c));
  }
  return "";
}

std::string DetectCharset(absl::string_view body) {
  uchardet_t detector = uchardet_new();
  uchardet_handle_data(detector, body.data(), body.size());
  uchardet_data_end(detector);
  std::string charset = absl::AsciiStrToLower(uchardet_get_charset(detector));
  uchardet_delete(detector);
  return charset;
}

// iconv from `charset`; false when iconv does not know it.
bool Convert(absl::string_view body, const std::string& charset,
             std::string* out) {
  iconv_t cd = iconv_open("UTF-8", charset.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return false;
  out->clear();
  char* in = const_cast<char*>(body.data());
  size_t in_left = body.size();
  std::string buffer(4096, '\0');
  while (in_left > 0) {
    char* o = buffer.data();
    size_t o_left = buffer.size();
    const size_t r = iconv(cd, &in, &in_left, &o, &o_left);
    out->append(buffer.data(), buffer.size() - o_left);
    if (r == static_cast<size_t>(-1)) {
      if (errno == E2BIG) continue;
      // EILSEQ or a truncated sequence at the end: one replacement
      // character, then resynchronise on the next byte.
      out->append("\xEF\xBF\xBD");
      ++in;
      --in_left;
    }
  }
  iconv_close(cd);
  return true;
}

std::string CanonicalCharset(std::string charset) {
  charset = absl::AsciiStrToLower(absl::StripAsciiWhitespace(charset));
  // Browsers decode these labels as windows-1252 (WHATWG Encoding), and
  // pages that declare Latin-1 often use its extra characters.
  if (charset == "iso-8859-1" || charset == "latin1" || charset == "us-ascii" ||
      charset == "ascii" || charset == "iso8859-1" || charset == "l1") {
    return "windows-1252";
  }
  if (charset == "utf8") return "utf-8";
  return charset;
}

// --- HTML
// ---------------------------------------------------------------------

bool Dropped(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_NAV:
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_SVG:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_FORM:
      return true;
    default:
      return false;
  }
}

bool IsBlock(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_P:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_UL:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_DL:
    case GUMBO_TAG_DT:
    case GUMBO_TAG_DD:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_TABLE:
    case GUMBO_TAG_SECTION:
    case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_MAIN:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_ADDRESS:
    case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FIGCAPTION:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_BODY:
    case GUMBO_TAG_CAPTION:
    case GUMBO_TAG_SUMMARY:
    case GUMBO_TAG_DETAILS:
      return true;
    default:
      return false;
  }
}

void EndLine(std::string& out) {
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (!out.empty() && out.back() != '\n') out.push_back('\n');
}

void AppendText(const GumboNode* node, std::string& out) {
  if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_CDATA ||
      node->type == GUMBO_NODE_WHITESPACE) {
    out += node->v.text.text;
    return;
  }
  if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_DOCUMENT &&
      node->type != GUMBO_NODE_TEMPLATE) {
    return;
  }
  const GumboVector* children = node->type == GUMBO_NODE_DOCUMENT
                                    ? &node->v.document.children
                                    : &node->v.element.children;
  GumboTag tag = node->type == GUMBO_NODE_DOCUMENT ? GUMBO_TAG_UNKNOWN
                                                   : node->v.element.tag;
  if (node->type != GUMBO_NODE_DOCUMENT && Dropped(tag)) return;
  const bool block = IsBlock(tag);
  if (block) EndLine(out);
  if (tag == GUMBO_TAG_LI) out += "- ";
  if (tag == GUMBO_TAG_BR) {
    EndLine(out);
    return;
  }
  for (unsigned i = 0; i < children->length; ++i) {
    AppendText(static_cast<const GumboNode*>(children->data[i]), out);
    // Table cells sit on one line, separated.
    const auto* child = static_cast<const GumboNode*>(children->data[i]);
    if (child->type == GUMBO_NODE_ELEMENT &&
        (child->v.element.tag == GUMBO_TAG_TD ||
         child->v.element.tag == GUMBO_TAG_TH)) {
      out.push_back(' ');
    }
  }
  if (block) EndLine(out);
}

std::string Attribute(const GumboNode* node, const char* name) {
  const GumboAttribute* a =
      gumbo_get_attribute(&node->v.element.attributes, name);
  return a == nullptr ? "" : a->value;
}

std::string TagName(const GumboNode* node) {
  if (node->v.element.tag != GUMBO_TAG_UNKNOWN) {
    return gumbo_normalized_tagname(node->v.element.tag);
  }
  GumboStringPiece piece = node->v.element.original_tag;
  gumbo_tag_from_original_text(&piece);
  return absl::AsciiStrToLower(absl::string_view(piece.data, piece.length));
}

bool MatchesCompound(const GumboNode* node, const SelectorCompound& c) {
  if (node->type != GUMBO_NODE_ELEMENT) return false;
  if (!c.tag.empty() && TagName(node) != c.tag) return false;
  if (!c.id.empty() && Attribute(node, "id") != c.id) return false;
  if (!c.classes.empty()) {
    std::vector<absl::string_view> have =
        absl::StrSplit(Attribute(node, "class"), absl::ByAnyChar(" \t\n\r\f"),
                       absl::SkipEmpty());
    for (const std::string& want : c.classes) {
      bool found = false;
      for (absl::string_view h : have) found = found || h == want;
      if (!found) return false;
    }
  }
  return true;
}

// The chain's last compound matches `node` and the others match ancestors
// in order (descendant combinators).
bool MatchesChain(const GumboNode* node,
                  const std::vector<SelectorCompound>& chain) {
  if (!MatchesCompound(node, chain.back())) return false;
  int want = static_cast<int>(chain.size()) - 2;
  for (const GumboNode* p = node->parent; p != nullptr && want >= 0;
       p = p->parent) {
    if (MatchesCompound(p, chain[want])) --want;
  }
  return want < 0;
}

void CollectMatches(const GumboNode* node, const Selector& selector,
                    std::vector<const GumboNode*>& out) {
  if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_DOCUMENT)
    return;
  if (node->type == GUMBO_NODE_ELEMENT) {
    for (const auto& chain : selector.alternatives) {
      if (MatchesChain(node, chain)) {
        out.push_back(node);  // the outermost match carries its descendants
        return;
      }
    }
  }
  const GumboVector& children = node->type == GUMBO_NODE_DOCUMENT
                                    ? node->v.document.children
                                    : node->v.element.children;
  for (unsigned i = 0; i < children.length; ++i) {
    CollectMatches(static_cast<const GumboNode*>(children.data[i]), selector,
                   out);
  }
}

}  // namespace

absl::StatusOr<Selector> ParseSelector(absl::string_view text) {
  if (text.size() > 512)
    return absl::InvalidArgumentError("longer than 512 bytes");
  Selector selector;
  for (absl::string_view alternative : absl::StrSplit(text, ',')) {
    std::vector<SelectorCompound> chain;
    for (absl::string_view part : absl::StrSplit(
             alternative, absl::ByAnyChar(" \t\n"), absl::SkipEmpty())) {
      absl::StatusOr<SelectorCompound> compound = ParseCompound(part);
      if (!compound.ok()) return compound.status();
      chain.push_back(*std::move(compound));
    }
    if (chain.empty()) return absl::InvalidArgumentError("empty selector");
    selector.alternatives.push_back(std::move(chain));
  }
  return selector;
}

ContentKind KindOf(absl::string_view content_type, absl::string_view body) {
  std::string type = absl::AsciiStrToLower(absl::StripAsciiWhitespace(
      content_type.substr(0, content_type.find(';'))));
  if (type == "application/pdf" || type == "application/x-pdf")
    return ContentKind::kPdf;
  if (type == "text/html" || type == "application/xhtml+xml")
    return ContentKind::kHtml;
  if (absl::StartsWith(type, "text/")) return ContentKind::kText;
  // Missing or generic types: sniff.
  if (absl::StartsWith(body, "%PDF-")) return ContentKind::kPdf;
  const std::string head = absl::AsciiStrToLower(
      absl::StripLeadingAsciiWhitespace(body.substr(0, 512)));
  if (absl::StartsWith(head, "<!doctype html") ||
      absl::StartsWith(head, "<html") ||
      head.find("<body") != std::string::npos) {
    return ContentKind::kHtml;
  }
  return ContentKind::kText;
}

std::string CharsetParam(absl::string_view content_type) {
  for (absl::string_view param : absl::StrSplit(content_type, ';')) {
    param = absl::StripAsciiWhitespace(param);
    if (absl::StartsWithIgnoreCase(param, "charset=")) {
      absl::string_view value = param.substr(8);
      value = absl::StripAsciiWhitespace(value);
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      return absl::AsciiStrToLower(value);
    }
  }
  return "";
}

DecodedText DecodeToUtf8(absl::string_view body, absl::string_view declared,
                         bool html) {
  DecodedText out;
  std::string charset;
  // A byte-order mark beats everything (as in browsers).
  if (absl::StartsWith(body, "\xEF\xBB\xBF")) {
    charset = "utf-8";
    body.remove_prefix(3);
  } else if (absl::StartsWith(body, "\xFF\xFE")) {
    charset = "utf-16le";
    body.remove_prefix(2);
  } else if (absl::StartsWith(body, "\xFE\xFF")) {
    charset = "utf-16be";
    body.remove_prefix(2);
  }
  if (charset.empty() && !declared.empty())
    charset = CanonicalCharset(std::string(declared));
  if (charset.empty() && html) charset = CanonicalCharset(MetaCharset(body));
  // A UTF-16 page read as ASCII-compatible bytes would declare itself in
  // a <meta> we cannot see; these are detected, not declared.
  if (charset.empty() && IsValidUtf8(body)) charset = "utf-8";
  if (charset.empty()) charset = CanonicalCharset(DetectCharset(body));
  if (charset.empty() || charset == "ascii/unknown") charset = "windows-1252";
  if (charset == "utf-8" && IsValidUtf8(body)) {
    out.utf8 = std::string(body);
  } else if (!Convert(body, charset == "utf-8" ? "UTF-8" : charset,
                      &out.utf8)) {
    // Unknown label: the web's default.
    charset = "windows-1252";
    Convert(body, charset, &out.utf8);
  }
  out.charset = charset;
  return out;
}

absl::StatusOr<std::string> HtmlToText(absl::string_view utf8_html,
                                       const Selector* selector) {
  GumboOutput* output = gumbo_parse_with_options(
      &kGumboDefaultOptions, utf8_html.data(), utf8_html.size());
  std::string text;
  if (selector == nullptr) {
    AppendText(output->document, text);
  } else {
    std::vector<const GumboNode*> matches;
    CollectMatches(output->document, *selector, matches);
    for (const GumboNode* node : matches) {
      EndLine(text);
      AppendText(node, text);
    }
    if (matches.empty()) {
      gumbo_destroy_output(&kGumboDefaultOptions, output);
      return absl::FailedPreconditionError(
          "the CSS selector matches nothing on the page");
    }
  }
  gumbo_destroy_output(&kGumboDefaultOptions, output);
  return text;
}

absl::StatusOr<std::string> PdfToText(absl::string_view pdf) {
  poppler::byte_array data(pdf.begin(), pdf.end());
  std::unique_ptr<poppler::document> document(
      poppler::document::load_from_data(&data));
  if (document == nullptr || document->is_locked()) {
    return absl::InvalidArgumentError("unreadable or encrypted PDF");
  }
  std::string text;
  for (int i = 0; i < document->pages(); ++i) {
    std::unique_ptr<poppler::page> page(document->create_page(i));
    if (page == nullptr) continue;
    poppler::byte_array utf8 = page->text().to_utf8();
    text.append(utf8.begin(), utf8.end());
    text.push_back('\n');
  }
  return text;
}

absl::StatusOr<Extracted> ExtractText(absl::string_view body,
                                      absl::string_view content_type,
                                      const Selector* selector) {
  Extracted out;
  out.kind = KindOf(content_type, body);
  if (out.kind == ContentKind::kPdf) {
    absl::StatusOr<std::string> text = PdfToText(body);
    if (!text.ok()) return text.status();
    out.text = *std::move(text);
    out.charset = "utf-8";
    return out;
  }
  DecodedText decoded = DecodeToUtf8(body, CharsetParam(content_type),
                                     out.kind == ContentKind::kHtml);
  out.charset = decoded.charset;
  if (out.kind == ContentKind::kHtml) {
    absl::StatusOr<std::string> text = HtmlToText(decoded.utf8, selector);
    if (!text.ok()) return text.status();
    out.text = *std::move(text);
  } else {
    out.text = std::move(decoded.utf8);
  }
  return out;
}

}  // namespace fineprint::monitoring
