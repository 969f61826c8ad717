// The PDF's text, extracted back with poppler, equals the text render.
//
// Comparison is modulo whitespace: every run of whitespace (spaces, line
// breaks, blank lines) becomes one space and the ends are trimmed. Pango
// breaks each paragraph into lines wherever the page width requires, and
// poppler reports those breaks (and the gaps between blank-line separated
// paragraphs) as newlines; the words and their order are what the letter
// says, and they must match exactly, non-ASCII included.

#include "services/action/pdf.h"

#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "poppler/cpp/poppler-document.h"
#include "poppler/cpp/poppler-page.h"
#include "services/action/templates.h"

namespace fineprint::action {
namespace {

std::string Normalize(absl::string_view s) {
  std::vector<absl::string_view> words =
      absl::StrSplit(s, absl::ByAnyChar(" \t\r\n\f\v"), absl::SkipEmpty());
  return absl::StrJoin(words, " ");
}

struct Extracted {
  int pages = 0;
  std::string text;
};

Extracted Extract(const std::string& pdf) {
  Extracted out;
  std::unique_ptr<poppler::document> doc(poppler::document::load_from_raw_data(
      pdf.data(), static_cast<int>(pdf.size())));
  if (doc == nullptr) return out;
  out.pages = doc->pages();
  for (int i = 0; i < doc->pages(); ++i) {
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    poppler::byte_array utf8 = page->text().to_utf8();
    absl::StrAppend(&out.text, std::string(utf8.begin(), utf8.end()), "\n");
  }
  return out;
}

std::map<std::string, std::string> Vars() {
  return {{"date", "2024-03-01"},
          {"user_name", "Zoë Łukasiewicz-Müller"},
          {"user_address", "Hauptstraße 5, 10115 Berlin"},
          {"user_email", "zoe@example.com"},
          {"company_name", "Ångström Çelik S.à r.l."},
          {"company_address", "1 Main Street, Springfield"},
          {"account_reference", "C-12345"},
          {"incorrect_data", "date of birth 1990-01-01"},
          {"corrected_data", "date of birth 1991-01-01"},
          {"acceptance_date", "2024-02-15"},
          {"opt_out_window_days", "30"},
          {"original_request_date", "2024-01-31"},
          {"original_request_title", "Request for erasure"},
          {"authority_name", "Berliner Beauftragte für Datenschutz"},
          {"authority_address", "Alt-Moabit 59-61, 10555 Berlin"}};
}

TEST(PdfTest, EveryTemplateExtractsBackToItsText) {
  absl::StatusOr<std::shared_ptr<const TemplateCatalog>> catalog =
      TemplateCatalog::Embedded();
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  for (const LetterTemplate& t : (*catalog)->templates()) {
    absl::StatusOr<std::string> text = t.Render(Vars());
    ASSERT_TRUE(text.ok()) << text.status();
    PdfOptions options;
    options.title = t.proto().title();
    absl::StatusOr<std::string> pdf = RenderPdf(*text, options);
    ASSERT_TRUE(pdf.ok()) << pdf.status();
    ASSERT_TRUE(absl::StartsWith(*pdf, "%PDF-")) << t.id();
    Extracted back = Extract(*pdf);
    EXPECT_GE(back.pages, 1) << t.id();
    EXPECT_EQ(Normalize(back.text), Normalize(*text)) << t.id();
    if (t.id() == "gdpr-erasure-de") {
      std::cout << "---- extracted page of " << t.id() << " ----\n"
                << back.text << "----\n";
    }
  }
}

TEST(PdfTest, LongLettersPaginateAndFontsAreEmbedded) {
  std::string text;
  for (int i = 0; i < 120; ++i) {
    absl::StrAppend(&text, "Paragraph ", i,
                    " über die Löschung personenbezogener Daten, Zoë.\n\n");
  }
  absl::StatusOr<std::string> pdf = RenderPdf(text, PdfOptions());
  ASSERT_TRUE(pdf.ok());
  Extracted back = Extract(*pdf);
  EXPECT_GE(back.pages, 3);
  EXPECT_EQ(Normalize(back.text), Normalize(text));
  // An embedded TrueType/CFF font program, not a reference to a system font.
  EXPECT_TRUE(absl::StrContains(*pdf, "/FontFile2") ||
              absl::StrContains(*pdf, "/FontFile3"));
}

TEST(PdfTest, DeterministicForAFixedDate) {
  PdfOptions options;
  options.create_time = absl::FromUnixSeconds(1700000000);
  absl::StatusOr<std::string> a = RenderPdf("Hallo Zoë", options);
  absl::StatusOr<std::string> b = RenderPdf("Hallo Zoë", options);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_FALSE(RenderPdf("bad \xff utf-8", options).ok());
}

}  // namespace
}  // namespace fineprint::action
