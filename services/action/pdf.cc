#include "services/action/pdf.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include <memory>

#include "absl/time/clock.h"

namespace fineprint::action {
namespace {

cairo_status_t Append(void* closure, const unsigned char* data,
                      unsigned int length) {
  static_cast<std::string*>(closure)->append(
      reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

struct SurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct CairoDeleter {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};
struct GObjectDeleter {
  void operator()(void* o) const { g_object_unref(o); }
};
struct FontDescriptionDeleter {
  void operator()(PangoFontDescription* d) const {
    pango_font_description_free(d);
  }
};

}  // namespace

absl::StatusOr<std::string> RenderPdf(absl::string_view text,
                                      const PdfOptions& options) {
  if (!g_utf8_validate(text.data(), static_cast<gssize>(text.size()),
                       nullptr)) {
    return absl::InvalidArgumentError("letter text is not valid UTF-8");
  }
  std::string out;
  std::unique_ptr<cairo_surface_t, SurfaceDeleter> surface(
      cairo_pdf_surface_create_for_stream(&Append, &out, options.page_width_pt,
                                          options.page_height_pt));
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    return absl::InternalError("cannot create a PDF surface");
  }
  if (!options.title.empty()) {
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE,
                                   options.title.c_str());
  }
  const std::string date = absl::FormatTime(
      "%Y-%m-%dT%H:%M:%SZ", options.create_time, absl::UTCTimeZone());
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATE_DATE,
                                 date.c_str());
  std::unique_ptr<cairo_t, CairoDeleter> cr(cairo_create(surface.get()));
  std::unique_ptr<PangoLayout, GObjectDeleter> layout(
      pango_cairo_create_layout(cr.get()));
  std::unique_ptr<PangoFontDescription, FontDescriptionDeleter> font(
      pango_font_description_from_string(options.font.c_str()));
  pango_layout_set_font_description(layout.get(), font.get());
  const double width = options.page_width_pt - 2 * options.margin_pt;
  const double bottom = options.page_height_pt - options.margin_pt;
  pango_layout_set_width(layout.get(), static_cast<int>(width * PANGO_SCALE));
  pango_layout_set_wrap(layout.get(), PANGO_WRAP_WORD_CHAR);
  pango_layout_set_text(layout.get(), text.data(),
                        static_cast<int>(text.size()));

  // Line by line, so a page break can fall between any two lines.
  cairo_set_source_rgb(cr.get(), 0, 0, 0);
  PangoLayoutIter* iter = pango_layout_get_iter(layout.get());
  double page_top = 0;  // layout y (pt) shown at the top margin
  bool first = true;
  do {
    PangoRectangle logical;
    pango_layout_iter_get_line_extents(iter, nullptr, &logical);
    const double line_top = static_cast<double>(logical.y) / PANGO_SCALE;
    const double line_bottom =
        static_cast<double>(logical.y + logical.height) / PANGO_SCALE;
    if (first) {
      page_top = line_top;
      first = false;
    } else if (options.margin_pt + line_bottom - page_top > bottom) {
      cairo_show_page(cr.get());
      page_top = line_top;
    }
    const double baseline =
        static_cast<double>(pango_layout_iter_get_baseline(iter)) / PANGO_SCALE;
    cairo_move_to(
        cr.get(),
        options.margin_pt + static_cast<double>(logical.x) / PANGO_SCALE,
        options.margin_pt + baseline - page_top);
    pango_cairo_show_layout_line(cr.get(),
                                 pango_layout_iter_get_line_readonly(iter));
  } while (pango_layout_iter_next_line(iter));
  pango_layout_iter_free(iter);

  cr.reset();
  cairo_surface_finish(surface.get());
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    return absl::InternalError("PDF rendering failed");
  }
  surface.reset();
  return out;
}

}  // namespace fineprint::action
