// bursar eval: decide one case (CASES.md) and print the decision.
#include <algorithm>
#include <cstdio>

#include "cli/command.h"
#include "cli/eval_batch.h"
#include "cli/options.h"
#include "eval/engine.h"

namespace bursar::cli {
namespace {

constexpr const char* kHelp =
    "usage: bursar eval [--policy DIR] [--explain] [--set NAME=VALUE ...] CASE.json\n"
    "       bursar eval --batch POPULATION [--out FILE] ...   (see bursar eval --batch --help)\n\n"
    "Decides one case (one applicant in one programme year, in the format of\n"
    "docs/case-format.md) and prints the decision as JSON on standard output.\n"
    "CASE.json may be - for standard input.\n\n"
    "  --policy DIR      the policy folder (default: the shipped Chaoyang policy)\n"
    "  --explain         add \"trace\": every intermediate value, expression and clause\n"
    "  --set NAME=VALUE  override a policy parameter for this run, e.g.\n"
    "                    --set trading_rate=4% --set annual_cap_04=1500000\n\n"
    "A case that breaks the format is refused with its field path on standard\n"
    "error and exit status 2; no decision is printed.\n";

int RunEval(const std::vector<std::string>& args) {
  if (std::find(args.begin(), args.end(), "--batch") != args.end()) return RunEvalBatch(args);
  if (HasHelp(args)) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  std::string policy_dir = DefaultPolicyDir(), case_path;
  std::vector<ParameterOverride> overrides;
  EvaluateOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* name) -> const std::string* {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "bursar eval: %s needs a value\n", name);
        return nullptr;
      }
      return &args[++i];
    };
    if (a == "--explain") {
      options.explain = true;
    } else if (a == "--policy") {
      const std::string* v = value("--policy");
      if (!v) return kExitUsage;
      policy_dir = *v;
    } else if (a == "--set") {
      const std::string* v = value("--set");
      if (!v) return kExitUsage;
      size_t eq = v->find('=');
      if (eq == std::string::npos || eq == 0) {
        std::fprintf(stderr, "bursar eval: --set takes NAME=VALUE, got '%s'\n", v->c_str());
        return kExitUsage;
      }
      overrides.push_back({v->substr(0, eq), v->substr(eq + 1)});
    } else if (a.size() > 1 && a[0] == '-') {
      std::fprintf(stderr, "bursar eval: unknown option '%s'\n\n%s", a.c_str(), kHelp);
      return kExitUsage;
    } else if (case_path.empty()) {
      case_path = a;
    } else {
      std::fprintf(stderr, "bursar eval: one case at a time; got '%s' and '%s'\n", case_path.c_str(), a.c_str());
      return kExitUsage;
    }
  }
  if (case_path.empty()) {
    std::fprintf(stderr, "bursar eval: no case given\n\n%s", kHelp);
    return kExitUsage;
  }
  auto engine = Engine::Load(policy_dir, overrides);
  if (!engine.ok()) {
    std::fprintf(stderr, "bursar eval: %s\n", engine.status().ToString().c_str());
    return kExitUsage;
  }
  std::string text, error;
  if (!ReadInput(case_path, &text, &error)) {
    std::fprintf(stderr, "bursar eval: %s\n", error.c_str());
    return kExitUsage;
  }
  auto decision = (*engine)->EvaluateText(text, options);
  if (!decision.ok()) {
    std::fprintf(stderr, "bursar eval: %s: %s\n", case_path == "-" ? "<stdin>" : case_path.c_str(),
                 decision.status().ToString().c_str());
    return kExitUsage;
  }
  std::fwrite(decision->data(), 1, decision->size(), stdout);
  return kExitOk;
}

}  // namespace

BURSAR_COMMAND("eval", "decide one case and print the decision", RunEval);

}  // namespace bursar::cli
