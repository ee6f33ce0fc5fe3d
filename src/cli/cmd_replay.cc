// bursar replay DECISION: recompute a stored decision and confirm it is
// byte-identical to what was recorded.
#include <cstdio>
#include <cstdlib>

#include "cli/command.h"
#include "cli/store_options.h"
#include "eval/engine.h"
#include "store/store.h"

namespace bursar::cli {
namespace {

constexpr const char* kHelp =
    "usage: bursar replay DECISION_ID [--db URL] [--policy DIR] [--json]\n\n"
    "Reads a stored decision (its policy digest, exact case and exact output),\n"
    "decides the case again with the policy folder and compares the bytes.\n"
    "The folder must hold the policy the decision was made under: its digest\n"
    "must equal the stored one (check out that policy version to replay an\n"
    "older decision).\n\n"
    "Exit status: 0 byte-identical, 1 different (or another policy), 2 bad usage.\n";

// 1-based line of the first difference, for a person to look at.
size_t FirstDifferentLine(const std::string& a, const std::string& b) {
  size_t line = 1;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i] != b[i]) return line;
    if (a[i] == '\n') ++line;
  }
  return line;
}

int RunReplay(const std::vector<std::string>& args) {
  StoreOptions o;
  if (!ParseStoreOptions(args, {"--policy"}, &o)) return kExitUsage;
  if (o.help) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  if (o.positional.size() != 1) {
    std::fprintf(stderr, "bursar replay: one decision id\n\n%s", kHelp);
    return kExitUsage;
  }
  int64_t id = 0;
  if (!ParseWholeNumber(o.positional[0], 1, INT64_MAX, &id)) {
    std::fprintf(stderr, "bursar replay: '%s' is not a decision id\n", o.positional[0].c_str());
    return kExitUsage;
  }
  std::string policy_dir = FlagValue(o, "--policy", DefaultPolicyDir());
  auto store = store::Store::Open(o.db);
  if (!store.ok()) return ReportStatus(store.status());
  auto decision = (*store)->GetDecision(id);
  if (!decision.ok()) return ReportStatus(decision.status());
  auto engine = Engine::Load(policy_dir);
  if (!engine.ok()) {
    std::fprintf(stderr, "bursar replay: %s\n", engine.status().ToString().c_str());
    return kExitUsage;
  }
  nlohmann::ordered_json report = {{"decision", id}, {"policy_digest", decision->policy_digest}};
  int status = kExitOk;
  std::string message;
  if ((*engine)->digest() != decision->policy_digest) {
    status = kExitFailed;
    message = "decision " + std::to_string(id) + " was made under policy " + decision->policy_digest + ", but " +
              policy_dir + " is " + (*engine)->digest() + "; check out that policy version to replay it";
    report["result"] = "other_policy";
  } else {
    auto output = (*engine)->EvaluateText(decision->case_json);
    if (!output.ok()) {
      status = kExitFailed;
      message = "decision " + std::to_string(id) + ": the stored case is now refused: " + output.status().ToString();
      report["result"] = "refused";
    } else if (*output != decision->output_json) {
      status = kExitFailed;
      size_t line = FirstDifferentLine(*output, decision->output_json);
      message = "decision " + std::to_string(id) + " differs from its recomputation from line " + std::to_string(line);
      report["result"] = "different";
      report["first_different_line"] = line;
    } else {
      message = "decision " + std::to_string(id) + ": byte-identical (" + std::to_string(output->size()) +
                " bytes, policy " + decision->policy_digest + ")";
      report["result"] = "identical";
    }
  }
  if (o.json) {
    std::printf("%s\n", report.dump().c_str());
  } else {
    std::fprintf(status == kExitOk ? stdout : stderr, "%s\n", message.c_str());
  }
  return status;
}

}  // namespace

BURSAR_COMMAND("replay", "recompute a stored decision and confirm it is byte-identical", RunReplay);

}  // namespace bursar::cli
