// bursar gen: writes a deterministic synthetic population (population/generator.h).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli/command.h"
#include "population/format.h"
#include "population/generator.h"
#include "population/writer.h"

namespace bursar::cli {
namespace {

constexpr const char* kGenHelp =
    "usage: bursar gen --seed S --enterprises N --years Y [--first-year 2025] --out FILE [--quiet]\n"
    "\n"
    "Writes a synthetic population: N enterprises over Y consecutive years, one\n"
    "case (policy/CASES.md) per enterprise and year, sorted by year and then by\n"
    "enterprise, with empty histories. The same options give a byte-identical file.\n"
    "\n"
    "  --seed S         seed, 0 to 2^64-1 (required)\n"
    "  --enterprises N  number of enterprises, 1 to 887503681 (required)\n"
    "  --years Y        number of consecutive programme years, 1 to 50 (required)\n"
    "  --first-year Y0  the first programme year (default 2025)\n"
    "  --out FILE       FILE.jsonl for JSON Lines, FILE.csv for CSV (required);\n"
    "                   docs/population-format.md describes both\n"
    "  --quiet          no progress on standard error\n";

// Parses a whole decimal number into *out; false on anything else.
bool ParseUnsigned(const std::string& text, uint64_t* out) {
  if (text.empty() || text.size() > 20) return false;
  uint64_t v = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '9') return false;
    uint64_t digit = static_cast<uint64_t>(ch - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *out = v;
  return true;
}

int Usage(const std::string& message) {
  std::fprintf(stderr, "bursar gen: %s\n(run `bursar gen --help` for the options)\n", message.c_str());
  return kExitUsage;
}

int RunGen(const std::vector<std::string>& args) {
  population::PopulationSpec spec;
  std::string out;
  bool have_seed = false, have_enterprises = false, have_years = false, quiet = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kGenHelp, stdout);
      return kExitOk;
    }
    if (arg == "--quiet") {
      quiet = true;
      continue;
    }
    // Every other option takes a value, as "--opt VALUE" or "--opt=VALUE".
    std::string name = arg, value;
    if (size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    } else if (arg.rfind("--", 0) == 0) {
      if (i + 1 >= args.size()) return Usage(name + " needs a value");
      value = args[++i];
    } else {
      return Usage("unexpected argument '" + arg + "'");
    }
    uint64_t n = 0;
    if (name == "--seed") {
      if (!ParseUnsigned(value, &n)) return Usage("--seed must be a whole number from 0 to 2^64-1, got '" + value + "'");
      spec.seed = n;
      have_seed = true;
    } else if (name == "--enterprises") {
      if (!ParseUnsigned(value, &n) || n < 1 || n > static_cast<uint64_t>(population::kMaxEnterprises)) {
        return Usage("--enterprises must be a whole number from 1 to " +
                     std::to_string(population::kMaxEnterprises) + ", got '" + value + "'");
      }
      spec.enterprises = static_cast<int64_t>(n);
      have_enterprises = true;
    } else if (name == "--years") {
      if (!ParseUnsigned(value, &n) || n < 1 || n > static_cast<uint64_t>(population::kMaxYears)) {
        return Usage("--years must be a whole number from 1 to " + std::to_string(population::kMaxYears) +
                     ", got '" + value + "'");
      }
      spec.years = static_cast<int>(n);
      have_years = true;
    } else if (name == "--first-year") {
      if (!ParseUnsigned(value, &n) || n < 1900 || n > 9999) {
        return Usage("--first-year must be a year from 1900 to 9999, got '" + value + "'");
      }
      spec.first_year = static_cast<int>(n);
    } else if (name == "--out") {
      out = value;
    } else {
      return Usage("unknown option '" + name + "'");
    }
  }
  if (!have_seed) return Usage("--seed is required");
  if (!have_enterprises) return Usage("--enterprises is required");
  if (!have_years) return Usage("--years is required");
  if (out.empty()) return Usage("--out is required");
  if (auto format = population::FormatForPath(out); !format.ok()) {
    return Usage("--out: " + format.status().message());
  }
  if (std::string why = population::ValidateSpec(spec); !why.empty()) return Usage(why);

  const auto start = std::chrono::steady_clock::now();
  auto elapsed_ms = [&] {
    return static_cast<long long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count());
  };
  population::ProgressFn progress;
  // Small populations finish before a progress line would help anyone.
  if (!quiet && spec.enterprises * spec.years >= 100000) {
    progress = [&](int64_t written, int64_t total) {
      std::fprintf(stderr, "bursar gen: %lld/%lld cases (%lld%%), %lld ms\n", static_cast<long long>(written),
                   static_cast<long long>(total), static_cast<long long>(written * 100 / total), elapsed_ms());
    };
  }
  Status status = population::WritePopulation(spec, out, progress);
  if (!status.ok()) {
    std::fprintf(stderr, "bursar gen: %s\n", status.ToString().c_str());
    return kExitFailed;
  }
  if (!quiet) {
    std::fprintf(stderr, "bursar gen: wrote %lld cases to %s in %lld ms\n",
                 static_cast<long long>(spec.enterprises * spec.years), out.c_str(), elapsed_ms());
  }
  return kExitOk;
}

}  // namespace

BURSAR_COMMAND("gen", "write a deterministic synthetic population (JSON Lines or CSV)", RunGen);

}  // namespace bursar::cli
