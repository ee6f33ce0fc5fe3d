// Text taken from users: how long it is in characters, and whether it is one
// line a reader sees as it is (issue 14, A9).
//
// Text here is valid UTF-8 already (the JSON reader and the evidence reader
// refuse anything else); these functions do not validate it again.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace bursar {

// Unicode code points in `text` (not bytes: 2,000 Chinese characters are
// 6,000 bytes and still 2,000 characters).
size_t CodePoints(std::string_view text);

// The byte offset of the first character of `text` that has no place in a
// one-line name, or std::string_view::npos: C0 controls (tab and newline included), DEL, C1 controls
// (U+0080..U+009F), and the bidirectional controls that make a name display
// differently from what it is (U+061C, U+200E, U+200F, U+202A..U+202E,
// U+2066..U+2069).
size_t FindControlCharacter(std::string_view text);

// OK, or InvalidArgument naming `field` and the character refused, e.g.
// "a name is one line of visible text: U+202E (a bidirectional control) at
// character 4 is not allowed".
Status CheckSingleLineText(std::string_view text, const std::string& field);

// A cell of a CSV or workbook export as a spreadsheet shows it, never runs
// it (issue 14, A8; CWE-1236): text that begins with '=', '+', '-', '@', a tab
// or a carriage return, or with spaces or line breaks and then one of those,
// gets a leading "'", which spreadsheets read as "this is text". Exporters
// call it on text cells only: amounts and counts written as numbers are
// numbers, not formulas, and stay as they are.
std::string NeutraliseFormula(std::string_view cell);

}  // namespace bursar
