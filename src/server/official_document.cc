#include "server/official_document.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <memory>

namespace bursar::server {

namespace {

std::string Escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// GB/T 9704-2012: A4, top margin 37 mm, left 28 mm, a text block 156 × 225 mm.
constexpr double kMm = 72.0 / 25.4;
constexpr double kPageWidth = 210 * kMm;
constexpr double kPageHeight = 297 * kMm;
constexpr double kLeft = 28 * kMm;
constexpr double kTop = 37 * kMm;
constexpr double kTextWidth = 156 * kMm;
constexpr double kBottom = kTop + 225 * kMm;

constexpr const char* kSerif = "Noto Serif CJK SC";

}  // namespace

std::string DocumentHtml(const OfficialDocument& doc) {
  std::string h =
      "<!doctype html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>" + Escape(doc.title) + "</title>\n<style>\n"
      "@page{size:A4;margin:37mm 26mm 35mm 28mm}\n"
      "body{font-family:\"Noto Serif CJK SC\",\"Source Han Serif SC\",\"Songti SC\",SimSun,serif;"
      "font-size:15pt;line-height:1.6;color:#000;background:#fff;max-width:156mm;margin:2em auto;padding:0 1em}\n"
      ".issuer{color:#c00;text-align:center;font-size:26pt;font-weight:700;letter-spacing:.08em;margin:0}\n"
      ".number{text-align:center;margin:.6em 0 .3em}\n"
      ".rule{border:0;border-top:2px solid #c00;margin:0 0 1.2em}\n"
      "h1{text-align:center;font-size:20pt;line-height:1.4;margin:.8em 0}\n"
      ".addressee{margin:1em 0 0}\n"
      ".body p{text-indent:2em;margin:.2em 0;text-align:justify}\n"
      "table{border-collapse:collapse;width:100%;font-size:11.5pt;line-height:1.4;margin:.6em 0}\n"
      "th,td{border:1px solid #000;padding:.25em .4em;text-align:left;vertical-align:top}\n"
      "th{font-weight:700;text-align:center}\n"
      ".num{text-align:right;white-space:nowrap}\n"
      "tfoot th,tfoot td{font-weight:700}\n"
      ".signature{text-align:right;margin:2.5em 2em 0 0}\n"
      ".signature p{margin:0}\n"
      ".seal{color:#888;font-size:10pt}\n"
      ".notes{margin-top:2em;font-size:10pt;color:#333;border-top:1px solid #999;padding-top:.4em}\n"
      ".notes p{margin:.1em 0}\n"
      "@media print{body{margin:0;padding:0;max-width:none}table{page-break-inside:auto}"
      "tr{page-break-inside:avoid}.notes{color:#000}}\n"
      "@media (max-width:480px){body{font-size:13pt}.issuer{font-size:20pt}h1{font-size:16pt}"
      "table{font-size:10pt}}\n"
      "</style>\n</head>\n<body>\n";
  h += "<p class=\"issuer\">" + Escape(doc.issuer) + "</p>\n";
  h += "<p class=\"number\" data-number>" + Escape(doc.number) + "</p>\n<hr class=\"rule\">\n";
  h += "<h1>" + Escape(doc.title) + "</h1>\n";
  if (!doc.addressee.empty()) h += "<p class=\"addressee\">" + Escape(doc.addressee) + "</p>\n";
  h += "<div class=\"body\">\n";
  for (const auto& p : doc.body) h += "<p>" + Escape(p) + "</p>\n";
  h += "</div>\n";
  const DocumentTable& t = doc.table;
  if (!t.header.empty()) {
    auto cls = [&](size_t i) { return i < t.right_aligned.size() && t.right_aligned[i] ? " class=\"num\"" : ""; };
    h += "<table>\n<thead><tr>";
    for (const auto& c : t.header) h += "<th scope=\"col\">" + Escape(c) + "</th>";
    h += "</tr></thead>\n<tbody>\n";
    for (const auto& row : t.rows) {
      h += "<tr>";
      for (size_t i = 0; i < row.size(); ++i) h += std::string("<td") + cls(i) + ">" + Escape(row[i]) + "</td>";
      h += "</tr>\n";
    }
    h += "</tbody>\n";
    if (!t.footer.empty()) {
      h += "<tfoot><tr>";
      for (size_t i = 0; i < t.footer.size(); ++i) h += std::string("<td") + cls(i) + ">" + Escape(t.footer[i]) + "</td>";
      h += "</tr></tfoot>\n";
    }
    h += "</table>\n";
  }
  h += "<div class=\"body\">\n";
  for (const auto& p : doc.after) h += "<p>" + Escape(p) + "</p>\n";
  h += "</div>\n";
  h += "<div class=\"signature\"><p>" + Escape(doc.issuer) + "</p><p class=\"seal\">（盖章）</p><p>" + Escape(doc.date) +
       "</p></div>\n";
  if (!doc.notes.empty()) {
    h += "<div class=\"notes\">\n";
    for (const auto& n : doc.notes) h += "<p>" + Escape(n) + "</p>\n";
    h += "</div>\n";
  }
  h += "</body>\n</html>\n";
  return h;
}

namespace {

cairo_status_t AppendBytes(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

struct FontDeleter {
  void operator()(PangoFontDescription* f) const { pango_font_description_free(f); }
};
using Font = std::unique_ptr<PangoFontDescription, FontDeleter>;

Font MakeFont(double points, bool bold) {
  Font f(pango_font_description_new());
  pango_font_description_set_family(f.get(), kSerif);
  pango_font_description_set_absolute_size(f.get(), points * PANGO_SCALE);
  if (bold) pango_font_description_set_weight(f.get(), PANGO_WEIGHT_BOLD);
  return f;
}

// Draws the document top to bottom, a new page whenever the next line or
// table row would pass the bottom of the text block.
class PdfWriter {
 public:
  explicit PdfWriter(cairo_t* cr) : cr_(cr) {}
  ~PdfWriter() {
    if (layout_) g_object_unref(layout_);
  }

  struct Style {
    double points = 15;
    bool bold = false;
    PangoAlignment align = PANGO_ALIGN_LEFT;
    double indent_chars = 0;  // first-line indent, in characters
    double red = 0, green = 0, blue = 0;
    double width = kTextWidth;
    double x = kLeft;
    double space_after = 4;
  };

  // A paragraph, line by line so that it may run onto the next page.
  void Paragraph(const std::string& text, const Style& s) {
    PangoLayout* layout = Layout(text, s, s.width);
    PangoLayoutIter* iter = pango_layout_get_iter(layout);
    double base = y_;  // where the layout's top is on this page
    double last_bottom = 0;
    do {
      PangoRectangle logical;
      pango_layout_iter_get_line_extents(iter, nullptr, &logical);
      const double top = logical.y / double(PANGO_SCALE);
      const double bottom = (logical.y + logical.height) / double(PANGO_SCALE);
      if (base + bottom > kBottom && base + top > kTop + 1) {
        NewPage();
        base = kTop - top;
      }
      cairo_set_source_rgb(cr_, s.red, s.green, s.blue);
      cairo_move_to(cr_, s.x + logical.x / double(PANGO_SCALE),
                    base + pango_layout_iter_get_baseline(iter) / double(PANGO_SCALE));
      pango_cairo_show_layout_line(cr_, pango_layout_iter_get_line_readonly(iter));
      last_bottom = base + bottom;
    } while (pango_layout_iter_next_line(iter));
    pango_layout_iter_free(iter);
    y_ = last_bottom + s.space_after;
  }

  void Rule(double red, double thickness) {
    cairo_set_source_rgb(cr_, red, 0, 0);
    cairo_set_line_width(cr_, thickness);
    cairo_move_to(cr_, kLeft, y_ + thickness);
    cairo_line_to(cr_, kLeft + kTextWidth, y_ + thickness);
    cairo_stroke(cr_);
    y_ += thickness + 14;
  }

  void Space(double points) { y_ += points; }

  void Table(const DocumentTable& t) {
    if (t.header.empty()) return;
    std::vector<double> widths = t.widths;
    if (widths.size() != t.header.size()) widths.assign(t.header.size(), 1.0 / double(t.header.size()));
    Row(t.header, widths, t, true);
    for (const auto& row : t.rows) {
      if (!Row(row, widths, t, false)) {
        NewPage();
        Row(t.header, widths, t, true);
        Row(row, widths, t, false);
      }
    }
    if (!t.footer.empty() && !Row(t.footer, widths, t, true, true)) {
      NewPage();
      Row(t.footer, widths, t, true, true);
    }
    y_ += 8;
  }

  void Finish() { PageNumber(); }

 private:
  PangoLayout* Layout(const std::string& text, const Style& s, double width) {
    if (!layout_) layout_ = pango_cairo_create_layout(cr_);
    Font font = MakeFont(s.points, s.bold);
    pango_layout_set_font_description(layout_, font.get());
    pango_layout_set_width(layout_, static_cast<int>(width * PANGO_SCALE));
    pango_layout_set_wrap(layout_, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(layout_, s.align);
    pango_layout_set_indent(layout_, static_cast<int>(s.indent_chars * s.points * PANGO_SCALE));
    pango_layout_set_line_spacing(layout_, 1.25f);
    pango_layout_set_text(layout_, text.c_str(), -1);
    return layout_;
  }

  // One table row; false (and nothing drawn) when it does not fit on this page.
  bool Row(const std::vector<std::string>& cells, const std::vector<double>& widths, const DocumentTable& t,
           bool bold, bool footer = false) {
    constexpr double kPad = 4, kPoints = 11;
    double height = 0;
    for (size_t i = 0; i < cells.size() && i < widths.size(); ++i) {
      Style s{kPoints, bold};
      PangoLayout* l = Layout(cells[i], s, widths[i] * kTextWidth - 2 * kPad);
      int w = 0, h = 0;
      pango_layout_get_size(l, &w, &h);
      height = std::max(height, h / double(PANGO_SCALE));
    }
    height += 2 * kPad;
    if (y_ + height > kBottom) return false;
    double x = kLeft;
    for (size_t i = 0; i < widths.size(); ++i) {
      const double w = widths[i] * kTextWidth;
      cairo_set_source_rgb(cr_, 0, 0, 0);
      cairo_set_line_width(cr_, 0.6);
      cairo_rectangle(cr_, x, y_, w, height);
      cairo_stroke(cr_);
      if (i < cells.size()) {
        Style s{kPoints, bold};
        const bool right = i < t.right_aligned.size() && t.right_aligned[i] && !(bold && !footer);
        s.align = bold && !footer ? PANGO_ALIGN_CENTER : right ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT;
        PangoLayout* l = Layout(cells[i], s, w - 2 * kPad);
        cairo_move_to(cr_, x + kPad, y_ + kPad);
        pango_cairo_show_layout(cr_, l);
      }
      x += w;
    }
    y_ += height;
    return true;
  }

  // With a layout of its own: a paragraph's line iterator may be open on
  // the shared one when the page breaks.
  void PageNumber() {
    PangoLayout* l = pango_cairo_create_layout(cr_);
    Font font = MakeFont(12, false);
    pango_layout_set_font_description(l, font.get());
    pango_layout_set_width(l, static_cast<int>(kTextWidth * PANGO_SCALE));
    pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
    const std::string text = "— " + std::to_string(page_) + " —";
    pango_layout_set_text(l, text.c_str(), -1);
    cairo_set_source_rgb(cr_, 0, 0, 0);
    cairo_move_to(cr_, kLeft, kBottom + 12 * kMm);
    pango_cairo_show_layout(cr_, l);
    g_object_unref(l);
  }

  void NewPage() {
    PageNumber();
    cairo_show_page(cr_);
    ++page_;
    y_ = kTop;
  }

  cairo_t* cr_;
  PangoLayout* layout_ = nullptr;
  double y_ = kTop;
  int page_ = 1;
};

}  // namespace

Result<std::string> DocumentPdf(const OfficialDocument& doc) {
  std::string out;
  cairo_surface_t* surface = cairo_pdf_surface_create_for_stream(AppendBytes, &out, kPageWidth, kPageHeight);
  if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(surface);
    return Status(StatusCode::kInternal, "cannot start a PDF document");
  }
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, doc.title.c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR, doc.issuer.c_str());
  cairo_t* cr = cairo_create(surface);
  {
    PdfWriter w(cr);
    using S = PdfWriter::Style;
    S issuer{26, true, PANGO_ALIGN_CENTER};
    issuer.red = 0.8;
    issuer.space_after = 10;
    w.Paragraph(doc.issuer, issuer);
    S number{15, false, PANGO_ALIGN_CENTER};
    w.Paragraph(doc.number, number);
    w.Rule(0.8, 1.5);
    S title{18, true, PANGO_ALIGN_CENTER};
    title.space_after = 14;
    w.Paragraph(doc.title, title);
    S body{15};
    if (!doc.addressee.empty()) w.Paragraph(doc.addressee, body);
    S indented{15, false, PANGO_ALIGN_LEFT, 2};
    for (const auto& p : doc.body) w.Paragraph(p, indented);
    w.Space(4);
    w.Table(doc.table);
    for (const auto& p : doc.after) w.Paragraph(p, indented);
    w.Space(24);
    S signature{15, false, PANGO_ALIGN_RIGHT};
    signature.width = kTextWidth - 30;
    w.Paragraph(doc.issuer, signature);
    S seal{10, false, PANGO_ALIGN_RIGHT};
    seal.width = kTextWidth - 30;
    seal.red = seal.green = seal.blue = 0.5;
    w.Paragraph("（盖章）", seal);
    w.Paragraph(doc.date, signature);
    w.Space(16);
    S note{9.5};
    note.red = note.green = note.blue = 0.25;
    note.space_after = 2;
    for (const auto& n : doc.notes) w.Paragraph(n, note);
    w.Finish();
  }
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  const cairo_status_t status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) {
    return Status(StatusCode::kInternal, std::string("cannot write the PDF: ") + cairo_status_to_string(status));
  }
  return out;
}

}  // namespace bursar::server
