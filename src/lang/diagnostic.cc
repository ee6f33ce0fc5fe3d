#include "lang/diagnostic.h"

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <tuple>

namespace bursar {

int SourceSet::Add(std::string path, std::string text) {
  SourceFile f;
  f.path = std::move(path);
  f.text = std::move(text);
  f.line_starts.push_back(0);
  for (size_t i = 0; i < f.text.size(); ++i) {
    if (f.text[i] == '\n') f.line_starts.push_back(i + 1);
  }
  files.push_back(std::move(f));
  return static_cast<int>(files.size() - 1);
}

std::string_view SourceFile::Line(int line) const {
  if (line < 1 || static_cast<size_t>(line) > line_starts.size()) return {};
  size_t start = line_starts[static_cast<size_t>(line - 1)];
  size_t end = text.find('\n', start);
  if (end == std::string::npos) end = text.size();
  return std::string_view(text).substr(start, end - start);
}

namespace {

// Columns a UTF-8 character takes in a terminal: two for East Asian wide
// characters (CJK ideographs, full-width punctuation), one otherwise.
size_t DisplayWidth(std::string_view ch) {
  if (ch.size() < 3) return 1;
  uint32_t cp = 0;
  if (ch.size() == 3) {
    cp = (static_cast<uint32_t>(ch[0] & 0x0F) << 12) | (static_cast<uint32_t>(ch[1] & 0x3F) << 6) |
         static_cast<uint32_t>(ch[2] & 0x3F);
  } else {
    return 2;  // outside the basic plane: CJK extensions, emoji
  }
  bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
              (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
              (cp >= 0xFFE0 && cp <= 0xFFE6);
  return wide ? 2 : 1;
}

}  // namespace

void Diagnostics::Error(std::string code, Location where, std::string message) {
  // A named value's formula is checked where it is used: a mistake in it is
  // reported once, at the formula, however often it is used.
  if (!seen_.emplace(code, where.file, where.line, where.column, message).second) return;
  items_.push_back({Severity::kError, std::move(code), std::move(message), where});
}

void Diagnostics::Warning(std::string code, Location where, std::string message) {
  items_.push_back({Severity::kWarning, std::move(code), std::move(message), where});
}

bool Diagnostics::has_errors() const {
  return std::any_of(items_.begin(), items_.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::kError; });
}

std::string Diagnostics::Format(const SourceSet& sources) const {
  std::vector<Diagnostic> sorted = items_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.where.file, a.where.line, a.where.column) <
           std::tie(b.where.file, b.where.line, b.where.column);
  });
  std::string out;
  for (const Diagnostic& d : sorted) {
    const SourceFile* file =
        d.where.file >= 0 && static_cast<size_t>(d.where.file) < sources.files.size()
            ? &sources.files[static_cast<size_t>(d.where.file)]
            : nullptr;
    out += file ? file->path : std::string("<policy>");
    if (d.where.line > 0) out += ":" + std::to_string(d.where.line) + ":" + std::to_string(d.where.column);
    out += d.severity == Severity::kError ? ": error: " : ": warning: ";
    out += d.message + " [" + d.code + "]\n";
    if (file && d.where.line > 0) {
      std::string_view line = file->Line(d.where.line);
      out += "  " + std::string(line) + "\n  ";
      // Keep tabs so the caret lines up under tab-indented text, and give a
      // wide character (Chinese) two columns: columns count bytes.
      size_t prefix = std::min(line.size(), static_cast<size_t>(std::max(d.where.column - 1, 0)));
      for (size_t i = 0; i < prefix;) {
        unsigned char c = static_cast<unsigned char>(line[i]);
        size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        if (c == '\t') out += '\t';
        else out.append(DisplayWidth(line.substr(i, n)), ' ');
        i += n;
      }
      out += "^";
      for (int i = 1; i < d.where.length; ++i) out += "~";
      out += "\n";
    }
  }
  return out;
}

int EditDistance(const std::string& a, const std::string& b) {
  std::vector<int> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      int sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string ClosestName(const std::string& name, const std::vector<std::string>& candidates) {
  std::string best;
  int best_d = std::max<int>(2, static_cast<int>(name.size()) / 3) + 1;
  for (const std::string& c : candidates) {
    int d = EditDistance(name, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

}  // namespace bursar
