// An official document (公文) in the form a Chinese government office issues
// it — the decision letter (决定书), the public notice (公示), the payment
// notice (拨付通知) — and its two renderings: HTML with an A4 print
// stylesheet, and PDF.
//
// The layout follows GB/T 9704-2012 (党政机关公文格式) where a generated
// document can: the issuing body in red above a red rule, the document
// number under it, the title centred, the addressee, the body with a
// two-character indent, the issuing body and the date (Arabic numerals)
// at the lower right, page numbers "— 1 —"; A4 with the standard margins.
// The seal is the office's to add: its place is marked.
//
// PDF is drawn with Pango (text layout, CJK shaping, font fallback through
// fontconfig) on a Cairo PDF surface: Debian's libpango1.0 and libcairo2, the
// GNOME text stack that GTK and many print pipelines use, kept up to date by
// both projects; the fonts are Debian's fonts-noto-cjk (Noto Serif CJK SC).
// The PDF embeds subsets of the fonts with their Unicode maps, so the text
// can be extracted (poppler's pdftotext reads it back in the tests).
//
// Thread-safety: free functions; Pango and Cairo objects are made per call.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace bursar::server {

struct DocumentTable {
  std::vector<std::string> header;
  std::vector<double> widths;        // fractions of the text width, one per column
  std::vector<bool> right_aligned;   // one per column
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> footer;   // a totals row; empty for none
};

struct OfficialDocument {
  std::string issuer;      // 发文机关标志 (red heading) and the signature
  std::string number;      // 文号: 朝数决〔2025〕3号
  std::string title;       // 关于……的决定
  std::string addressee;   // 主送: "某某有限公司："; empty for a public notice
  std::vector<std::string> body;   // paragraphs before the table
  DocumentTable table;             // no header: no table
  std::vector<std::string> after;  // paragraphs after the table
  std::string date;        // 成文日期: 2025年7月1日
  std::vector<std::string> notes;  // small print under the signature (附注)
};

// A whole HTML page (UTF-8) with its own inline stylesheet, A4 in print.
std::string DocumentHtml(const OfficialDocument& doc);

// The PDF bytes. Internal error when Cairo cannot make the document.
Result<std::string> DocumentPdf(const OfficialDocument& doc);

}  // namespace bursar::server
