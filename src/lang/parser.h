// Builds the syntax tree of a policy from the tokens of its files' code blocks.
// Syntax errors are reported to Diagnostics; the parser recovers at the next
// statement keyword, so one run reports many mistakes.
#pragma once

#include <vector>

#include "lang/ast.h"
#include "lang/diagnostic.h"
#include "lang/lexer.h"

namespace bursar {

// Parses the tokens of one file into *policy (measures and declarations
// accumulate across files).
void ParseTokens(const std::vector<Token>& tokens, Policy* policy, Diagnostics* diags);

// True for words that start a statement or structure one; they cannot be used
// as names inside a formula.
bool IsReservedWord(const std::string& word);

}  // namespace bursar
