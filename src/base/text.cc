#include "base/text.h"

#include <cstdint>
#include <cstdio>

namespace bursar {

namespace {

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// The code point starting at text[i] and its length in bytes. The text is
// valid UTF-8 (see the header); a stray byte reads as itself, one byte long.
uint32_t Decode(std::string_view text, size_t i, size_t* length) {
  const auto c = static_cast<unsigned char>(text[i]);
  size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  if (i + n > text.size()) n = 1;
  uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1Fu) : n == 3 ? (c & 0x0Fu) : (c & 0x07u);
  for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3Fu);
  *length = n;
  return cp;
}

bool IsBidiControl(uint32_t cp) {
  return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

bool IsControl(uint32_t cp) { return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F); }

}  // namespace

size_t CodePoints(std::string_view text) {
  size_t n = 0;
  for (char c : text) n += IsContinuation(static_cast<unsigned char>(c)) ? 0 : 1;
  return n;
}

size_t FindControlCharacter(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    // Printable ASCII, most of an import's text, needs no decoding.
    if (const auto c = static_cast<unsigned char>(text[i]); c >= 0x20 && c < 0x7F) {
      ++i;
      continue;
    }
    size_t length = 1;
    const uint32_t cp = Decode(text, i, &length);
    if (IsControl(cp) || IsBidiControl(cp)) return i;
    i += length;
  }
  return std::string_view::npos;
}

Status CheckSingleLineText(std::string_view text, const std::string& field) {
  const size_t at = FindControlCharacter(text);
  if (at == std::string_view::npos) return OkStatus();
  size_t length = 1;
  const uint32_t cp = Decode(text, at, &length);
  char code[16];
  std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(cp));
  return InvalidArgument(std::string("must be one line of visible text: ") + code +
                             (IsBidiControl(cp) ? " (a bidirectional control)" : " (a control character)") +
                             " at character " + std::to_string(CodePoints(text.substr(0, at)) + 1) +
                             " is not allowed",
                         field);
}

std::string NeutraliseFormula(std::string_view cell) {
  auto trigger = [](char c) { return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r'; };
  size_t i = 0;
  while (i < cell.size() && (cell[i] == ' ' || cell[i] == '\n' || cell[i] == '\v' || cell[i] == '\f')) ++i;
  if (i < cell.size() && trigger(cell[i])) return "'" + std::string(cell);
  return std::string(cell);
}

}  // namespace bursar
