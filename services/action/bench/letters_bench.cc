// Letters per second, every template in turn, three ways:
//   substitution  LetterTemplate::Substitute alone (the baseline)
//   text          what CreateAction does for the text: Render (required
//                 fields checked) + SHA-256
//   pdf           text + the Pango/Cairo PDF + its SHA-256
// and the ratios of each to the baseline.

#include <cstdio>
#include <functional>
#include <map>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/clock.h"
#include "services/action/pdf.h"
#include "services/action/templates.h"
#include "services/runtime/crypto/sha256.h"

ABSL_FLAG(double, seconds, 3, "Measuring time per mode.");

namespace fineprint::action {
namespace {

std::map<std::string, std::string> Vars() {
  return {{"date", "2024-03-01"},
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
          {"original_request_title", "Request for erasure"},
          {"authority_name", "Berliner Beauftragte für Datenschutz"},
          {"authority_address", "Alt-Moabit 59-61, 10555 Berlin"}};
}

// Runs `one(i)` for `seconds`; returns calls per second. `sink` defeats
// dead-code elimination.
double Rate(double seconds, const std::function<size_t(size_t)>& one,
            size_t& sink) {
  const absl::Time start = absl::Now();
  const absl::Time end = start + absl::Seconds(seconds);
  size_t n = 0;
  while (absl::Now() < end) {
    for (int k = 0; k < 16; ++k) sink += one(n++);
  }
  return static_cast<double>(n) / absl::ToDoubleSeconds(absl::Now() - start);
}

int Run() {
  auto catalog = TemplateCatalog::Embedded();
  if (!catalog.ok()) {
    std::fprintf(stderr, "%s\n", catalog.status().ToString().c_str());
    return 1;
  }
  const auto& templates = (*catalog)->templates();
  const auto vars = Vars();
  const double secs = absl::GetFlag(FLAGS_seconds);
  size_t sink = 0;
  size_t pdf_bytes = 0, pdfs = 0;
  const double base = Rate(
      secs,
      [&](size_t i) {
        return templates[i % templates.size()].Substitute(vars).size();
      },
      sink);
  const double text = Rate(
      secs,
      [&](size_t i) {
        absl::StatusOr<std::string> t =
            templates[i % templates.size()].Render(vars);
        return t.ok() ? crypto::Sha256Hex(*t).size() + t->size() : 0;
      },
      sink);
  const double pdf = Rate(
      secs,
      [&](size_t i) {
        const LetterTemplate& tmpl = templates[i % templates.size()];
        absl::StatusOr<std::string> t = tmpl.Render(vars);
        if (!t.ok()) return size_t{0};
        PdfOptions options;
        options.title = tmpl.proto().title();
        absl::StatusOr<std::string> p = RenderPdf(*t, options);
        if (!p.ok()) return size_t{0};
        pdf_bytes += p->size();
        ++pdfs;
        return crypto::Sha256Hex(*p).size() + crypto::Sha256Hex(*t).size();
      },
      sink);
  std::printf("templates: %zu (rendered in turn), %.1f s per mode\n",
              templates.size(), secs);
  std::printf("%-14s %14.0f letters/s\n", "substitution", base);
  std::printf("%-14s %14.0f letters/s  (%.2fx the substitution)\n", "text",
              text, text / base);
  std::printf(
      "%-14s %14.1f letters/s  (1/%.0f of the substitution, 1/%.0f "
      "of text), mean PDF %.1f KB\n",
      "pdf", pdf, base / pdf, text / pdf,
      pdfs ? static_cast<double>(pdf_bytes) / pdfs / 1024 : 0.0);
  return sink == 0 ? 1 : 0;
}

}  // namespace
}  // namespace fineprint::action

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return fineprint::action::Run();
}
