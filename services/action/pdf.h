#ifndef FINEPRINT_SERVICES_ACTION_PDF_H_
#define FINEPRINT_SERVICES_ACTION_PDF_H_

// Letters as PDF: the plain-text letter laid out with Pango (line breaking,
// shaping, font fallback) on a Cairo PDF surface, A4, paginated. Cairo
// embeds the (subsetted) fonts with a ToUnicode map, so any name DejaVu
// Sans covers renders and its text extracts back.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace fineprint::action {

struct PdfOptions {
  std::string font = "DejaVu Sans 11";
  double page_width_pt = 595.28;  // A4
  double page_height_pt = 841.89;
  double margin_pt = 72;
  // The document's title and creation date in its metadata. Fixing the
  // date makes a render deterministic: same letter, same bytes, same hash.
  std::string title;
  absl::Time create_time = absl::UnixEpoch();
};

// `text` must be valid UTF-8 (paragraphs separated by '\n').
absl::StatusOr<std::string> RenderPdf(absl::string_view text,
                                      const PdfOptions& options);

}  // namespace fineprint::action

#endif  // FINEPRINT_SERVICES_ACTION_PDF_H_
