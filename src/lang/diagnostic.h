// Diagnostics: the mistakes of a policy author, collected many at a time and
// shown with file:line:col, the source line and a caret under the span.
#pragma once

#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "lang/source.h"

namespace bursar {

enum class Severity { kError, kWarning };

struct Diagnostic {
  Severity severity = Severity::kError;
  std::string code;  // stable short name, e.g. "unknown-name", "type-mismatch"
  std::string message;
  Location where;
};

class Diagnostics {
 public:
  void Error(std::string code, Location where, std::string message);
  void Warning(std::string code, Location where, std::string message);
  bool has_errors() const;
  const std::vector<Diagnostic>& all() const { return items_; }
  // Sorted by file, line, column; each as
  //   path:line:col: error: message [code]
  //     <source line>
  //     <caret>
  std::string Format(const SourceSet& sources) const;

 private:
  std::vector<Diagnostic> items_;
  std::set<std::tuple<std::string, int, int, int, std::string>> seen_;  // errors reported: each once
};

// Edit distance, for "did you mean" suggestions.
int EditDistance(const std::string& a, const std::string& b);
// The closest candidate within a small distance, or "".
std::string ClosestName(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace bursar
