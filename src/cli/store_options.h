// Options shared by the subcommands that use the store (db, import, audit,
// facts, app): --db URL, --actor NAME, --json. Header-only so that each
// command file stays self-contained.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/status.h"
#include "cli/command.h"

namespace bursar::cli {

struct StoreOptions {
  std::string db = "bursar.db";  // DESIGN.md: bursar.db in the working directory
  std::string actor;             // who makes the change, for the audit log
  bool json = false;
  bool help = false;
  std::vector<std::string> positional;
  std::vector<std::string> flags;  // other --options, left for the command
};

// Splits args into the shared options, other flags (with their values when
// `takes_value` names them) and positional arguments. Returns false and
// prints the problem on a bad option.
inline bool ParseStoreOptions(const std::vector<std::string>& args, const std::vector<std::string>& takes_value,
                              StoreOptions* out) {
  if (const char* env = std::getenv("BURSAR_ACTOR"); env && *env) {
    out->actor = env;
  } else if (const char* user = std::getenv("USER"); user && *user) {
    out->actor = std::string("cli:") + user;
  } else {
    out->actor = "cli";
  }
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string* into) {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "bursar: %s needs a value\n", a.c_str());
        return false;
      }
      *into = args[++i];
      return true;
    };
    if (a == "--help" || a == "-h") {
      out->help = true;
    } else if (a == "--json") {
      out->json = true;
    } else if (a == "--db") {
      if (!value(&out->db)) return false;
    } else if (a == "--actor") {
      if (!value(&out->actor)) return false;
    } else if (a.starts_with("--")) {
      out->flags.push_back(a);
      bool needs = false;
      for (const auto& t : takes_value) needs = needs || t == a;
      if (needs) {
        std::string v;
        if (!value(&v)) return false;
        out->flags.push_back(v);
      }
    } else {
      out->positional.push_back(a);
    }
  }
  return true;
}

// The value following `flag` in flags, or `fallback`.
// A whole decimal number in [min, max], nothing before or after it: "12",
// not "12x", "1e3" or a number past the range (which strtoll would clamp).
inline bool ParseWholeNumber(const std::string& text, int64_t min, int64_t max, int64_t* out) {
  if (text.empty() || text.size() > 19 || text.find_first_not_of("-0123456789") != std::string::npos) return false;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || end == nullptr || *end != '\0' || v < min || v > max) return false;
  *out = v;
  return true;
}

inline std::string FlagValue(const StoreOptions& o, const std::string& flag, const std::string& fallback = "") {
  for (size_t i = 0; i + 1 < o.flags.size(); ++i) {
    if (o.flags[i] == flag) return o.flags[i + 1];
  }
  return fallback;
}
inline bool HasFlag(const StoreOptions& o, const std::string& flag) {
  for (const auto& f : o.flags) {
    if (f == flag) return true;
  }
  return false;
}

// Prints a status to stderr and maps it to the exit code: bad input → 2,
// anything else that failed → 1.
inline int ReportStatus(const Status& status) {
  std::fprintf(stderr, "bursar: %s\n", status.ToString().c_str());
  return status.code() == StatusCode::kInvalidArgument || status.code() == StatusCode::kNotFound ? kExitUsage
                                                                                                 : kExitFailed;
}

}  // namespace bursar::cli
