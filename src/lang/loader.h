// Reads a policy folder: every Markdown file (the folder's tests/ excluded), in
// path order. Prose lines carry the law's text and define labels; fenced code
// blocks marked ```bursar carry the rules. Returns the checked policy, or the
// diagnostics that stop it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "lang/checked_policy.h"

namespace bursar {

struct LoadResult {
  std::shared_ptr<CheckedPolicy> policy;  // null when there are errors
  Diagnostics diagnostics;
  std::string formatted;  // the diagnostics as text, with carets
};

// I/O failures (no such folder, unreadable file) are a Status; mistakes in the
// policy are diagnostics in the result.
Result<LoadResult> LoadPolicy(const std::string& dir);

// The same from text already in memory: (path relative to the folder, file
// text) pairs, in the order they are read. Never an I/O error. The digest is
// over these pairs exactly as LoadPolicy computes it. Used by the fuzzers.
struct PolicyFileText {
  std::string path;      // relative, as in the digest ("policy.md")
  std::string display;   // as shown in diagnostics
  std::string text;
};
LoadResult LoadPolicyText(const std::vector<PolicyFileText>& files);

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(const std::string& data);

}  // namespace bursar
