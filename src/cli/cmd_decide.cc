// bursar decide YEAR: the decision run. Every application of the year that is
// ready (in review, every assigned review in) is decided by the engine on the
// case the store builds for it, and recorded byte for byte, each in its own
// transaction (store.h, DecideFromStore).
#include <cstdio>
#include <cstdlib>

#include "cli/command.h"
#include "cli/store_options.h"
#include "eval/engine.h"
#include "money/exact.h"
#include "store/store.h"

namespace bursar::cli {
namespace {

constexpr const char* kHelp =
    "usage: bursar decide YEAR [--db URL] [--policy DIR] [--actor NAME] [--json]\n\n"
    "Decides every application of YEAR that is ready: in review, with every\n"
    "assigned reviewer's review in (a reviewer who declared a conflict is\n"
    "excluded), including apply-free proposals opened without reviewers.\n"
    "For each, in id order: the case is built from the store (facts from\n"
    "evidence, history, the application's claim with `assessed` set to the mean\n"
    "of the reviewers' proposed amounts), the engine decides it, and the\n"
    "decision is recorded with the policy digest and the exact case and output\n"
    "(`bursar replay DECISION` recomputes it). The application's award is its\n"
    "own measure's lines of the output.\n\n"
    "One transaction per decision: a run that is stopped (even killed) keeps\n"
    "every decision it recorded, and none half-recorded; running it again\n"
    "decides the rest.\n\n"
    "Prints `application ID: decision DECISION, TOTAL` per decision (--json: one\n"
    "object at the end). Exit status 1 when any application could not be decided.\n";

int RunDecide(const std::vector<std::string>& args) {
  StoreOptions o;
  if (!ParseStoreOptions(args, {"--policy"}, &o)) return kExitUsage;
  if (o.help) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  const int64_t year = o.positional.size() == 1 ? std::atoll(o.positional[0].c_str()) : 0;
  if (year < 1900 || year > 2999) {
    std::fprintf(stderr, "bursar decide: one programme year such as 2025\n\n%s", kHelp);
    return kExitUsage;
  }
  auto engine = Engine::Load(FlagValue(o, "--policy", DefaultPolicyDir()));
  if (!engine.ok()) {
    std::fprintf(stderr, "bursar decide: %s\n", engine.status().ToString().c_str());
    return kExitUsage;
  }
  auto store = store::Store::Open(o.db);
  if (!store.ok()) return ReportStatus(store.status());
  auto ready = (*store)->ReadyForDecision(year);
  if (!ready.ok()) return ReportStatus(ready.status());
  const Engine& e = **engine;
  auto decide = [&](const std::string& case_text) -> Result<store::DecisionInput> {
    BURSAR_ASSIGN_OR_RETURN(std::string output, e.EvaluateText(case_text));
    return store::DecisionInput{e.digest(), case_text, std::move(output)};
  };
  nlohmann::ordered_json report = {{"year", year}, {"decided", nlohmann::ordered_json::array()},
                                   {"failed", nlohmann::ordered_json::array()}};
  for (int64_t id : *ready) {
    auto decision = (*store)->DecideFromStore(o.actor, id, decide);
    if (!decision.ok()) {
      std::fprintf(stderr, "bursar decide: application %lld: %s\n", static_cast<long long>(id),
                   decision.status().ToString().c_str());
      report["failed"].push_back({{"application", id}, {"error", decision.status().ToString()}});
      continue;
    }
    auto d = (*store)->GetDecision(*decision);
    const std::string total = d.ok() ? Exact::Fen(d->total_fen).ToMoneyString() : "?";
    report["decided"].push_back({{"application", id}, {"decision", *decision}, {"total", total}});
    if (!o.json) {
      std::printf("application %lld: decision %lld, %s\n", static_cast<long long>(id),
                  static_cast<long long>(*decision), total.c_str());
      std::fflush(stdout);
    }
  }
  if (o.json) {
    std::printf("%s\n", report.dump().c_str());
  } else {
    std::fprintf(stderr, "%zu decided, %zu failed\n", report["decided"].size(), report["failed"].size());
  }
  return report["failed"].empty() ? kExitOk : kExitFailed;
}

}  // namespace

BURSAR_COMMAND("decide", "decide every application of a year that is ready, one transaction each", RunDecide);

}  // namespace bursar::cli
