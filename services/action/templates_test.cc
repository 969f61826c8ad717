// Golden renders of every template in both languages, the data file
// invariants, and missing fields.

#include "services/action/templates.h"

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "services/runtime/status/status.h"

namespace fineprint::action {
namespace {

// Every field any template requires, with values that exercise non-ASCII.
std::map<std::string, std::string> SampleVariables() {
  return {
      {"date", "2024-03-01"},
      {"user_name", "Zoë Łukasiewicz-Müller"},
      {"user_address", "Hauptstraße 5, 10115 Berlin"},
      {"user_email", "zoe@example.com"},
      {"company_name", "Acme Ltd."},
      {"company_address", "1 Main Street, Springfield"},
      {"account_reference", "C-12345"},
      {"incorrect_data", "date of birth 1990-01-01"},
      {"corrected_data", "date of birth 1991-01-01"},
      {"acceptance_date", "2024-02-15"},
      {"opt_out_window_days", "30"},
      {"original_request_date", "2024-01-31"},
      {"original_request_title", "Request for erasure (Art. 17 GDPR)"},
      {"authority_name", "Berliner Beauftragte für Datenschutz"},
      {"authority_address", "Alt-Moabit 59-61, 10555 Berlin"},
  };
}

std::shared_ptr<const TemplateCatalog> Catalog() {
  absl::StatusOr<std::shared_ptr<const TemplateCatalog>> c =
      TemplateCatalog::Embedded();
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *c : nullptr;
}

TEST(TemplatesTest, GoldenRenderOfEveryTemplate) {
  auto catalog = Catalog();
  ASSERT_NE(catalog, nullptr);
  // FINEPRINT_WRITE_GOLDEN=<dir> rewrites the goldens instead (review the
  // diff before committing it).
  const char* write_dir = std::getenv("FINEPRINT_WRITE_GOLDEN");
  for (const LetterTemplate& t : catalog->templates()) {
    absl::StatusOr<std::string> text = t.Render(SampleVariables());
    ASSERT_TRUE(text.ok()) << t.id() << ": " << text.status();
    EXPECT_EQ(text->find("{{"), std::string::npos) << t.id();
    const std::string file = absl::StrCat(t.id(), ".txt");
    if (write_dir != nullptr) {
      std::ofstream(absl::StrCat(write_dir, "/", file)) << *text;
      continue;
    }
    std::ifstream in(absl::StrCat("services/action/testdata/golden/", file));
    ASSERT_TRUE(in.good()) << "no golden for " << t.id();
    std::stringstream golden;
    golden << in.rdbuf();
    EXPECT_EQ(*text, golden.str()) << t.id();
  }
}

TEST(TemplatesTest, EveryFamilyInEnglishAndGermanAndTheIssuesKinds) {
  auto catalog = Catalog();
  ASSERT_NE(catalog, nullptr);
  std::set<std::string> families;
  for (const LetterTemplate& t : catalog->templates()) {
    families.insert(t.family());
    EXPECT_EQ(t.proto().name(), "templates/" + t.id());
    EXPECT_FALSE(t.proto().legal_basis().empty()) << t.id();
    EXPECT_GE(t.version(), 1);
  }
  const std::set<std::string> want = {
      "gdpr-access",      "gdpr-rectification",  "gdpr-erasure",
      "gdpr-portability", "gdpr-objection",      "ccpa-know",
      "ccpa-delete",      "ccpa-correct",        "ccpa-opt-out",
      "ccpa-limit",       "arbitration-opt-out", "cancel-renewal",
      "reminder",         "authority-complaint"};
  EXPECT_EQ(families, want);
  for (const std::string& f : families) {
    const LetterTemplate* en = catalog->Variant(f, "en");
    const LetterTemplate* de = catalog->Variant(f, "de");
    ASSERT_NE(en, nullptr) << f;
    ASSERT_NE(de, nullptr) << f;
    // The variants take the same fields and follow the same deadline.
    EXPECT_EQ(en->required(), de->required()) << f;
    EXPECT_EQ(en->kind(), de->kind()) << f;
    EXPECT_EQ(DeadlineRuleName(en->deadline()),
              DeadlineRuleName(de->deadline()))
        << f;
  }
  EXPECT_EQ(catalog->Find("gdpr-access-en")->proto().deadline_rule(), "GDPR");
  EXPECT_EQ(catalog->Find("ccpa-delete-de")->proto().deadline_rule(), "CCPA");
  EXPECT_EQ(catalog->Find("cancel-renewal-en")->proto().deadline_rule(), "");
  EXPECT_GE(catalog->suggestions().size(), 5u);
  EXPECT_EQ(catalog->suggestions_version(), 1);
}

TEST(TemplatesTest, MissingFieldsAreEachNamed) {
  auto catalog = Catalog();
  ASSERT_NE(catalog, nullptr);
  const LetterTemplate* t = catalog->Find("gdpr-erasure-de");
  ASSERT_NE(t, nullptr);
  std::map<std::string, std::string> vars = SampleVariables();
  vars.erase("company_name");
  vars.erase("account_reference");
  vars["user_address"] = "  ";
  absl::StatusOr<std::string> text = t->Render(vars);
  ASSERT_EQ(text.status().code(), absl::StatusCode::kInvalidArgument);
  google::rpc::BadRequest bad;
  ASSERT_TRUE(status::GetDetail(text.status(), &bad));
  std::set<std::string> fields;
  for (const auto& v : bad.field_violations()) fields.insert(v.field());
  EXPECT_EQ(fields, (std::set<std::string>{"variables[account_reference]",
                                           "variables[company_name]",
                                           "variables[user_address]"}));
  EXPECT_EQ(status::Reason(text.status()), "MISSING_TEMPLATE_FIELDS");
}

TEST(TemplatesTest, BadDataFilesDoNotLoad) {
  const std::string header =
      "family x\nlanguage en\nversion 1\nkind OPT_OUT_LETTER\ntitle X\n";
  EXPECT_TRUE(
      LetterTemplate::Parse("x.en.tmpl", header + "required a\n---\nHi {{a}}\n")
          .ok());
  // A placeholder nobody must fill would render blank.
  EXPECT_FALSE(
      LetterTemplate::Parse("x.en.tmpl", header + "---\nHi {{a}}\n").ok());
  // A required field the body never uses.
  EXPECT_FALSE(
      LetterTemplate::Parse("x.en.tmpl", header + "required a b\n---\n{{a}}\n")
          .ok());
  EXPECT_FALSE(
      LetterTemplate::Parse("y.en.tmpl", header + "required a\n---\n{{a}}\n")
          .ok());
  EXPECT_FALSE(
      LetterTemplate::Parse("x.en.tmpl", header + "required a\n---\n{{a\n")
          .ok());
  EXPECT_FALSE(LetterTemplate::Parse("x.en.tmpl", header).ok());
  EXPECT_FALSE(
      LetterTemplate::Parse("x.en.tmpl", header + "deadline WEEKS\n---\nx\n")
          .ok());
  // A suggestion must name a family that exists, with the same kind.
  const std::string tmpl = header + "required a\n---\n{{a}}\n";
  EXPECT_TRUE(
      TemplateCatalog::FromFiles(
          {{"x.en.tmpl", tmpl},
           {"suggestions.tsv",
            "version\t1\nAUTOMATIC_RENEWAL\tOPT_OUT_LETTER\tx\tT\tR\n"}})
          .ok());
  EXPECT_FALSE(
      TemplateCatalog::FromFiles(
          {{"x.en.tmpl", tmpl},
           {"suggestions.tsv",
            "version\t1\nAUTOMATIC_RENEWAL\tOPT_OUT_LETTER\ty\tT\tR\n"}})
          .ok());
  EXPECT_FALSE(
      TemplateCatalog::FromFiles(
          {{"x.en.tmpl", tmpl},
           {"suggestions.tsv",
            "version\t1\nAUTOMATIC_RENEWAL\tCANCEL_AUTO_RENEWAL\tx\tT\tR\n"}})
          .ok());
}

TEST(TemplatesTest, FillPlain) {
  EXPECT_EQ(FillPlain("Opt out ({{document_title}}) {{x}}",
                      {{"document_title", "Acme {{x}}"}}),
            "Opt out (Acme {{x}}) {{x}}");
}

}  // namespace
}  // namespace fineprint::action
