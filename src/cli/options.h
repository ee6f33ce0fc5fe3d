// Small helpers shared by the subcommands' option parsing.
#pragma once

#include <string>
#include <vector>

namespace bursar::cli {

inline bool HasHelp(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") return true;
  }
  return false;
}

// Reads a whole file, or standard input for "-". False with *error set on failure.
bool ReadInput(const std::string& path, std::string* out, std::string* error);

}  // namespace bursar::cli
