#include "services/monitoring/extract.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"

namespace fineprint::monitoring {
namespace {

constexpr char kPage[] =
    "<!doctype html><html><head><title>T</title><style>p{}</style>"
    "<script>var x = 'secret';</script></head><body>"
    "<header>Site header</header><nav>Menu</nav>"
    "<main id=terms class='legal doc'><h1>Terms</h1><p>First <b>para</b>.</p>"
    "<ul><li>One</li><li>Two</li></ul></main>"
    "<div class=other><p>Other</p></div><footer>Footer</footer></body></html>";

TEST(ExtractTest, HtmlKeepsStructureDropsChrome) {
  auto text = HtmlToText(kPage, nullptr);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "Terms\nFirst para.\n- One\n- Two\nOther\n");
}

TEST(ExtractTest, SelectorNarrows) {
  for (const char* s :
       {"#terms", "main", ".legal", "main.doc", "body .legal", "*#terms"}) {
    auto selector = ParseSelector(s);
    ASSERT_TRUE(selector.ok()) << s;
    auto text = HtmlToText(kPage, &*selector);
    ASSERT_TRUE(text.ok()) << s;
    EXPECT_EQ(*text, "Terms\nFirst para.\n- One\n- Two\n") << s;
  }
  auto both = ParseSelector("#terms, .other");
  ASSERT_TRUE(both.ok());
  EXPECT_TRUE(absl::StrContains(*HtmlToText(kPage, &*both), "Other"));
  auto none = ParseSelector("#missing");
  EXPECT_FALSE(HtmlToText(kPage, &*none).ok());
}

TEST(ExtractTest, BadSelectors) {
  for (const char* s :
       {"", "div >", "a[href]", "p:first-child", "#", ".a..b", "a,,b"}) {
    EXPECT_FALSE(ParseSelector(s).ok()) << s;
  }
}

TEST(ExtractTest, Latin1FromContentType) {
  auto e = ExtractText("<p>Caf\xE9 na\xEFve</p>",
                       "text/html; charset=ISO-8859-1", nullptr);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->text, "Caf\xC3\xA9 na\xC3\xAFve\n");
  EXPECT_EQ(e->charset, "windows-1252");
}

TEST(ExtractTest, MetaCharset) {
  auto e = ExtractText(
      "<html><head><meta charset=\"iso-8859-15\"></head><body><p>\xA4 5</p>",
      "text/html", nullptr);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->text, "\xE2\x82\xAC 5\n");  // € in Latin-9
}

TEST(ExtractTest, Utf16WithBom) {
  std::string body("\xFF\xFE", 2);
  for (char c : std::string("<p>Hi</p>")) {
    body.push_back(c);
    body.push_back('\0');
  }
  auto e = ExtractText(body, "text/html", nullptr);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->text, "Hi\n");
  EXPECT_EQ(e->charset, "utf-16le");
}

TEST(ExtractTest, UndeclaredNonUtf8IsDetected) {
  // No declaration and invalid as UTF-8: detection, then conversion.
  auto e = ExtractText(
      "Les conditions g\xE9n\xE9rales d'utilisation sont accept\xE9"
      "es par l'utilisateur.",
      "text/plain", nullptr);
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(absl::StrContains(e->text, "g\xC3\xA9n\xC3\xA9rales")) << e->text;
}

TEST(ExtractTest, KindSniffing) {
  EXPECT_EQ(KindOf("", "%PDF-1.4 ..."), ContentKind::kPdf);
  EXPECT_EQ(KindOf("application/octet-stream", "<!DOCTYPE html><p>x"),
            ContentKind::kHtml);
  EXPECT_EQ(KindOf("text/plain; charset=utf-8", "<p>x"), ContentKind::kText);
  EXPECT_EQ(CharsetParam("text/html; Charset=\"UTF-8\""), "utf-8");
}

// A real, minimal PDF 1.4: one page, two lines of Helvetica, with a
// cross-reference table whose offsets are computed, as a writer does.
std::string TwoLinePdf(absl::string_view first, absl::string_view second) {
  const std::string content = absl::StrCat(
      "BT /F1 12 Tf 72 720 Td (", first, ") Tj 0 -16 Td (", second, ") Tj ET");
  const std::vector<std::string> objects = {
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
      " /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
      absl::StrCat("<< /Length ", content.size(), " >>\nstream\n", content,
                   "\nendstream"),
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  };
  std::string pdf = "%PDF-1.4\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    absl::StrAppend(&pdf, i + 1, " 0 obj\n", objects[i], "\nendobj\n");
  }
  const size_t xref = pdf.size();
  absl::StrAppend(&pdf, "xref\n0 ", objects.size() + 1,
                  "\n0000000000 65535 f \n");
  for (size_t offset : offsets) {
    absl::StrAppend(&pdf, absl::StrFormat("%010d 00000 n \n", offset));
  }
  absl::StrAppend(&pdf, "trailer\n<< /Size ", objects.size() + 1,
                  " /Root 1 0 R >>\nstartxref\n", xref, "\n%%EOF\n");
  return pdf;
}

TEST(ExtractTest, PdfTextThroughPoppler) {
  const std::string pdf =
      TwoLinePdf("1. Terms of Service", "2. Disputes go to arbitration.");
  EXPECT_EQ(KindOf("application/pdf", pdf), ContentKind::kPdf);
  auto e = ExtractText(pdf, "application/pdf", nullptr);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_TRUE(absl::StrContains(e->text, "1. Terms of Service")) << e->text;
  EXPECT_TRUE(absl::StrContains(e->text, "2. Disputes go to arbitration."))
      << e->text;
  // The two lines stay two lines: the diff works per line.
  EXPECT_LT(e->text.find("Service"), e->text.find("\n2. Disputes"));
}

TEST(ExtractTest, UnreadablePdf) {
  EXPECT_FALSE(PdfToText("%PDF-1.4 garbage").ok());
}

}  // namespace
}  // namespace fineprint::monitoring
