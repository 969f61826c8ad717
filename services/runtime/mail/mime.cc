#include "services/runtime/mail/mime.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/runtime/crypto/hmac.h"
#include "services/runtime/text/utf8.h"

namespace fineprint::mail {
namespace {

constexpr char kCrlf[] = "\r\n";

bool HasLineBreak(absl::string_view s) {
  return s.find_first_of("\r\n") != absl::string_view::npos;
}

bool IsPrintableAscii(absl::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 &&
           static_cast<unsigned char>(c) < 0x7f;
  });
}

// A display name that may be a quoted-string as is.
std::string QuoteName(absl::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// Splits UTF-8 `text` into pieces of at most `max` bytes, never inside a
// character.
std::vector<absl::string_view> Utf8Chunks(absl::string_view text, size_t max) {
  std::vector<absl::string_view> chunks;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = start;
    while (end < text.size()) {
      size_t len = text::Utf8SequenceLength(text, end);
      if (len == 0) len = 1;  // invalid bytes were refused earlier
      if (end + len - start > max) break;
      end += len;
    }
    if (end == start) end = start + 1;
    chunks.push_back(text.substr(start, end - start));
    start = end;
  }
  return chunks;
}

std::string RandomHex(size_t bytes) {
  return absl::BytesToHexString(crypto::RandomBytes(bytes));
}

absl::Status CheckHeader(absl::string_view name, absl::string_view value) {
  if (name.empty() || HasLineBreak(name) || HasLineBreak(value) ||
      name.find(':') != absl::string_view::npos || !IsPrintableAscii(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("header ", HasLineBreak(name) ? "name" : name,
                     ": a header name or value holds a line break or is "
                     "malformed"));
  }
  return absl::OkStatus();
}

absl::Status CheckAddress(const Address& a, absl::string_view field) {
  if (HasLineBreak(a.display_name) || !text::IsValidUtf8(a.display_name)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": display name holds a line break or bad UTF-8"));
  }
  if (!IsPlainAddress(a.email)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": not an email address"));
  }
  return absl::OkStatus();
}

// The body of one part, normalised to CRLF lines and encoded.
std::string EncodeBody(absl::string_view text, BodyEncoding encoding) {
  if (encoding == BodyEncoding::kQuotedPrintable) return QuotedPrintable(text);
  std::string crlf;
  crlf.reserve(text.size() + text.size() / 32);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    if (text[i] == '\n') {
      crlf.append(kCrlf);
    } else {
      crlf.push_back(text[i]);
    }
  }
  return Base64Lines(crlf);
}

std::string PartHeaders(absl::string_view type, BodyEncoding encoding) {
  return absl::StrCat("Content-Type: ", type, "; charset=UTF-8", kCrlf,
                      "Content-Transfer-Encoding: ",
                      encoding == BodyEncoding::kQuotedPrintable
                          ? "quoted-printable"
                          : "base64",
                      kCrlf);
}

}  // namespace

bool IsPlainAddress(absl::string_view email) {
  const size_t at = email.rfind('@');
  if (at == absl::string_view::npos || at == 0 || at + 1 == email.size() ||
      email.size() > 254) {
    return false;
  }
  for (char c : email) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '<' || c == '>' || c == '"' ||
        c == ',' || c == '(' || c == ')' || c == ';' || c == '\\') {
      return false;
    }
  }
  return email.find('@') == at;
}

std::string EncodeHeaderText(absl::string_view text) {
  if (IsPrintableAscii(text) && text.size() <= 900) return std::string(text);
  // 75 = len("=?UTF-8?B?") + 60 base64 + len("?="); 60 base64 = 45 bytes.
  std::string out;
  for (absl::string_view chunk : Utf8Chunks(text, 45)) {
    if (!out.empty()) absl::StrAppend(&out, kCrlf, " ");
    absl::StrAppend(&out, "=?UTF-8?B?", absl::Base64Escape(chunk), "?=");
  }
  return out;
}

std::string FormatAddress(const Address& address) {
  if (address.display_name.empty()) return address.email;
  const std::string name = IsPrintableAscii(address.display_name)
                               ? QuoteName(address.display_name)
                               : EncodeHeaderText(address.display_name);
  return absl::StrCat(name, " <", address.email, ">");
}

std::string QuotedPrintable(absl::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  size_t column = 0;
  auto emit = [&](absl::string_view piece) {
    // A soft break keeps every line within 76 characters including "=".
    if (column + piece.size() > 75) {
      absl::StrAppend(&out, "=", kCrlf);
      column = 0;
    }
    out.append(piece.data(), piece.size());
    column += piece.size();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    if (c == '\n') {
      out.append(kCrlf);
      column = 0;
      continue;
    }
    const bool line_end =
        i + 1 == text.size() || text[i + 1] == '\n' ||
        (text[i + 1] == '\r' && i + 2 < text.size() && text[i + 2] == '\n');
    // Trailing white space would be stripped in transit; a leading "." is
    // SMTP's end-of-data marker's neighbour; both go encoded.
    const bool literal =
        (c >= 33 && c <= 126 && c != '=' && !(c == '.' && column == 0)) ||
        ((c == ' ' || c == '\t') && !line_end);
    if (literal) {
      const char ch = static_cast<char>(c);
      emit(absl::string_view(&ch, 1));
    } else {
      const char enc[3] = {'=', kHex[c >> 4], kHex[c & 15]};
      emit(absl::string_view(enc, 3));
    }
  }
  return out;
}

std::string Base64Lines(absl::string_view data) {
  const std::string b64 = absl::Base64Escape(data);
  std::string out;
  out.reserve(b64.size() + b64.size() / 38 + 2);
  for (size_t i = 0; i < b64.size(); i += 76) {
    if (i > 0) out.append(kCrlf);
    out.append(b64, i, 76);
  }
  return out;
}

std::string NewMessageId(absl::string_view domain) {
  return absl::StrCat("<", RandomHex(16), "@", domain, ">");
}

absl::StatusOr<std::string> BuildMessage(const Message& m) {
  if (absl::Status s = CheckAddress(m.from, "from"); !s.ok()) return s;
  if (m.to.empty()) return absl::InvalidArgumentError("to: no recipient");
  for (const Address& a : m.to) {
    if (absl::Status s = CheckAddress(a, "to"); !s.ok()) return s;
  }
  if (HasLineBreak(m.subject)) {
    return absl::InvalidArgumentError("subject: holds a line break");
  }
  for (absl::string_view part :
       {absl::string_view(m.subject), absl::string_view(m.text),
        absl::string_view(m.html)}) {
    if (!text::IsValidUtf8(part)) {
      return absl::InvalidArgumentError("subject or body is not UTF-8");
    }
  }
  for (const auto& [name, value] : m.headers) {
    if (absl::Status s = CheckHeader(name, value); !s.ok()) return s;
  }
  if (HasLineBreak(m.message_id)) {
    return absl::InvalidArgumentError("message id: holds a line break");
  }
  const std::string domain(
      absl::string_view(m.from.email).substr(m.from.email.rfind('@') + 1));
  const absl::Time date = m.date == absl::InfinitePast() ? absl::Now() : m.date;

  std::string out;
  auto header = [&](absl::string_view name, absl::string_view value) {
    absl::StrAppend(&out, name, ": ", value, kCrlf);
  };
  header("Date", absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", date,
                                  absl::UTCTimeZone()));
  header("From", FormatAddress(m.from));
  std::string to;
  for (const Address& a : m.to) {
    if (!to.empty()) absl::StrAppend(&to, ",", kCrlf, " ");
    to += FormatAddress(a);
  }
  header("To", to);
  header("Subject", EncodeHeaderText(m.subject));
  header("Message-ID",
         m.message_id.empty() ? NewMessageId(domain) : m.message_id);
  header("MIME-Version", "1.0");
  for (const auto& [name, value] : m.headers) header(name, value);

  if (m.html.empty()) {
    absl::StrAppend(&out, PartHeaders("text/plain", m.encoding), kCrlf,
                    EncodeBody(m.text, m.encoding), kCrlf);
    return out;
  }
  // "=_" never occurs in quoted-printable or base64 text.
  const std::string boundary = absl::StrCat("=_fp_", RandomHex(12));
  header("Content-Type", absl::StrCat("multipart/alternative;", kCrlf,
                                      " boundary=\"", boundary, "\""));
  absl::StrAppend(&out, kCrlf, "This is a multipart message in MIME format.",
                  kCrlf);
  absl::StrAppend(&out, kCrlf, "--", boundary, kCrlf,
                  PartHeaders("text/plain", m.encoding), kCrlf,
                  EncodeBody(m.text, m.encoding), kCrlf);
  absl::StrAppend(&out, "--", boundary, kCrlf,
                  PartHeaders("text/html", m.encoding), kCrlf,
                  EncodeBody(m.html, m.encoding), kCrlf);
  absl::StrAppend(&out, "--", boundary, "--", kCrlf);
  return out;
}

}  // namespace fineprint::mail
