// bursar check POLICY: report every mistake in a policy folder.
#include <cstdio>

#include "cli/command.h"
#include "cli/options.h"
#include "lang/loader.h"

namespace bursar::cli {
namespace {

constexpr const char* kHelp =
    "usage: bursar check [POLICY_DIR]\n\n"
    "Reads a policy folder and reports every mistake with file:line:col, the line\n"
    "and a caret: unknown names, type mismatches, clause labels missing from the\n"
    "text, effective dates out of order, caps on nothing, and syntax errors.\n"
    "POLICY_DIR defaults to the shipped Chaoyang policy.\n\n"
    "Exit status: 0 when the policy is sound, 1 when it has errors, 2 on bad usage.\n";

int RunCheck(const std::vector<std::string>& args) {
  if (HasHelp(args)) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  if (args.size() > 1 || (!args.empty() && args[0].rfind("-", 0) == 0)) {
    std::fprintf(stderr, "bursar check: expected one policy folder\n\n%s", kHelp);
    return kExitUsage;
  }
  std::string dir = args.empty() ? DefaultPolicyDir() : args[0];
  auto loaded = LoadPolicy(dir);
  if (!loaded.ok()) {
    std::fprintf(stderr, "bursar check: %s\n", loaded.status().ToString().c_str());
    return kExitUsage;
  }
  std::fputs(loaded->formatted.c_str(), stderr);
  if (!loaded->policy) {
    size_t errors = 0;
    for (const auto& d : loaded->diagnostics.all()) errors += d.severity == Severity::kError ? 1 : 0;
    std::fprintf(stderr, "%zu error%s in %s\n", errors, errors == 1 ? "" : "s", dir.c_str());
    return kExitFailed;
  }
  const auto& p = loaded->policy->policy;
  size_t items = 0;
  for (const auto& m : p.measures) items += m.items.size();
  std::printf("%s %s: %zu measures, %zu items, %zu parameters, %zu clauses cited; %s\n", p.id.c_str(),
              p.version.c_str(), p.measures.size(), items, p.params.size(), p.clause_labels.size(),
              loaded->policy->digest.c_str());
  return kExitOk;
}

}  // namespace

BURSAR_COMMAND("check", "check a policy folder and report every mistake", RunCheck);

}  // namespace bursar::cli
