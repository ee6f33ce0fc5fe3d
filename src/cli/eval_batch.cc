#include "cli/eval_batch.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "cli/command.h"
#include "cli/options.h"
#include "eval/engine.h"
#include "simulation/eval_population.h"

namespace bursar::cli {
namespace {

constexpr const char* kEvalBatchHelp =
    "usage: bursar eval --batch FILE [--out FILE] [--policy DIR] [--explain] [--set NAME=VALUE ...]\n"
    "                   [--threads N] [--quiet]\n\n"
    "Decides every case of a population file (.jsonl or .csv, docs/population-format.md)\n"
    "with the single-case evaluator and writes one decision per line, as compact JSON\n"
    "(JSON Lines), in file order: each line is what `bursar eval` prints for that case,\n"
    "without the indentation.\n\n"
    "History: a case whose history is empty gets the history its enterprise (same\n"
    "applicant id) ran with in its previous case of the file, plus that case's awards;\n"
    "so the years of a generated population build on each other. A case that brings\n"
    "its own history keeps it.\n\n"
    "  --batch FILE      the population file\n"
    "  --out FILE        write the decisions to FILE instead of standard output\n"
    "  --policy DIR      the policy folder (default: the shipped Chaoyang policy)\n"
    "  --explain         add \"trace\" to every decision\n"
    "  --set NAME=VALUE  override a policy parameter for this run\n"
    "  --threads N       threads deciding cases (default 2)\n"
    "  --quiet           no progress and no summary on standard error\n\n"
    "A case that breaks the case format does not stop the run: its line is an error\n"
    "record {\"line\":N,\"year\":Y,\"applicant\":ID,\"error\":{\"field\":...,\"message\":...}},\n"
    "standard error gets FILE:LINE: field: message, and the exit status is 1.\n"
    "A fault of the file itself (bad JSON, a bad CSV cell, years out of order, a\n"
    "truncated file) stops the run with exit status 2. Progress is shown on standard\n"
    "error every 10% when it is a terminal.\n";

int Usage(const std::string& message) {
  std::fprintf(stderr, "bursar eval: %s\n(run `bursar eval --batch FILE --help` for the options)\n", message.c_str());
  return kExitUsage;
}

}  // namespace

int RunEvalBatch(const std::vector<std::string>& args) {
  if (HasHelp(args)) {
    std::fputs(kEvalBatchHelp, stdout);
    return kExitOk;
  }
  std::string policy_dir = DefaultPolicyDir(), batch_path, out_path;
  std::vector<ParameterOverride> overrides;
  simulation::EvalPopulationOptions options;
  bool quiet = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string* { return i + 1 < args.size() ? &args[++i] : nullptr; };
    if (a == "--explain") {
      options.evaluate.explain = true;
    } else if (a == "--quiet") {
      quiet = true;
    } else if (a == "--batch" || a == "--out" || a == "--policy" || a == "--set" || a == "--threads") {
      const std::string* v = value();
      if (!v) return Usage(a + " needs a value");
      if (a == "--batch") {
        if (!batch_path.empty()) return Usage("one --batch file at a time");
        batch_path = *v;
      } else if (a == "--out") {
        out_path = *v;
      } else if (a == "--policy") {
        policy_dir = *v;
      } else if (a == "--threads") {
        char* end = nullptr;
        long n = std::strtol(v->c_str(), &end, 10);
        if (v->empty() || *end != '\0' || n < 1 || n > 2) return Usage("--threads takes 1 or 2, got '" + *v + "'");
        options.threads = static_cast<int>(n);
      } else {
        size_t eq = v->find('=');
        if (eq == std::string::npos || eq == 0) return Usage("--set takes NAME=VALUE, got '" + *v + "'");
        overrides.push_back({v->substr(0, eq), v->substr(eq + 1)});
      }
    } else if (a.size() > 1 && a[0] == '-') {
      return Usage("unknown option '" + a + "'");
    } else {
      return Usage("with --batch, cases come from the file; unexpected argument '" + a + "'");
    }
  }
  if (batch_path.empty()) return Usage("--batch needs a population file");
  auto engine = Engine::Load(policy_dir, overrides);
  if (!engine.ok()) {
    std::fprintf(stderr, "bursar eval: %s\n", engine.status().ToString().c_str());
    return kExitUsage;
  }
  std::FILE* out = stdout;
  if (!out_path.empty()) {
    out = std::fopen(out_path.c_str(), "wb");
    if (!out) {
      std::fprintf(stderr, "bursar eval: cannot write '%s'\n", out_path.c_str());
      return kExitUsage;
    }
  }
  const bool show_progress = !quiet && isatty(fileno(stderr));
  const auto started = std::chrono::steady_clock::now();
  int64_t next_report = 0;
  options.progress = [&](int64_t done, int64_t total) {
    if (!show_progress) return;
    int64_t step = total > 0 ? std::max<int64_t>(total / 10, 1) : 50000;
    if (done < next_report) return;
    next_report = (done / step + 1) * step;
    if (total > 0) {
      std::fprintf(stderr, "bursar eval: %lld/%lld cases (%lld%%)\n", static_cast<long long>(done),
                   static_cast<long long>(total), static_cast<long long>(done * 100 / total));
    } else {
      std::fprintf(stderr, "bursar eval: %lld cases\n", static_cast<long long>(done));
    }
  };
  options.on_refused = [](const std::string& message) { std::fprintf(stderr, "bursar eval: %s\n", message.c_str()); };
  bool write_failed = false;
  auto summary = simulation::EvaluatePopulation(**engine, batch_path, options, [&](std::string_view line) {
    write_failed |= std::fwrite(line.data(), 1, line.size(), out) != line.size();
  });
  if (out != stdout) write_failed |= std::fclose(out) != 0;
  else write_failed |= std::fflush(out) != 0;
  if (!summary.ok()) {
    std::fprintf(stderr, "bursar eval: %s\n", summary.status().ToString().c_str());
    return kExitUsage;
  }
  if (write_failed) {
    std::fprintf(stderr, "bursar eval: write error\n");
    return kExitFailed;
  }
  if (!quiet) {
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::fprintf(stderr, "bursar eval: %lld cases, %lld decided, %lld refused, in %.2f s\n",
                 static_cast<long long>(summary->cases), static_cast<long long>(summary->cases - summary->refused),
                 static_cast<long long>(summary->refused), seconds);
  }
  return summary->refused > 0 ? kExitFailed : kExitOk;
}

}  // namespace bursar::cli
