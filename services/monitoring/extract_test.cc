#include "services/monitoring/extract.h"

#include "absl/strings/match.h"
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

TEST(ExtractTest, UnreadablePdf) {
  EXPECT_FALSE(PdfToText("%PDF-1.4 garbage").ok());
}

}  // namespace
}  // namespace fineprint::monitoring
