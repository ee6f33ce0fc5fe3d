// Splits the code blocks of a policy file into tokens.
#pragma once

#include <string>
#include <vector>

#include "lang/diagnostic.h"
#include "lang/source.h"
#include "money/exact.h"

namespace bursar {

enum class TokenKind {
  kIdent,          // trading_rate, measure, and, ...
  kNumber,         // 50, 0.5 (text kept: measure ids like "04")
  kPercent,        // 5%
  kMoney,          // RMB 2,000,000 / RMB 2 million
  kDate,           // 2024-01-01
  kString,         // "text"
  kClauseLabel,    // [04.2]
  kDecisionLabel,  // D-04a
  kPunct,          // ( ) , : = + - * / < > <= >= != ?
  kEnd,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;  // identifier, punctuation, label, string contents, number text
  Exact number;      // kNumber, kPercent (as a fraction), kMoney (yuan)
  Location where;
};

// Tokenises text[begin, end) of file `file_index`, whose first byte is at
// (line, 1). Appends to *out; reports bad characters to *diags.
void Lex(const SourceFile& file, int file_index, size_t begin, size_t end, int line,
         std::vector<Token>* out, Diagnostics* diags);

}  // namespace bursar
