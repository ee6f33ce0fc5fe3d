// bursar decide YEAR: the decision run. Every application of the year that is
// ready (in review, every assigned review in) is decided by the engine on the
// case the store builds for it, and recorded byte for byte, a group of whole
// decisions to a transaction (store.h, DecideRun).
#include <cstdio>
#include <cstdlib>

#include "cli/command.h"
#include "cli/programmes.h"
#include "cli/store_options.h"
#include "eval/engine.h"
#include "money/exact.h"
#include "store/store.h"

namespace bursar::cli {
namespace {

constexpr const char* kHelp =
    "usage: bursar decide YEAR [--db URL] [--policy DIR] [--also-policy DIR]... [--actor NAME]\n"
    "                          [--per-transaction N] [--json]\n\n"
    "Decides every application of YEAR that is ready: in review, with every\n"
    "assigned reviewer's review in (a reviewer who declared a conflict is\n"
    "excluded), including apply-free proposals opened without reviewers.\n"
    "For each, in the order they were submitted (then by id; D-G7: an\n"
    "enterprise's applications take the room of its limits in that order): the\n"
    "case is built from the store (facts from evidence, the enterprise's awards\n"
    "in force as history, the same year's included, the application's claim with\n"
    "`assessed` set to the mean of the reviewers' proposed amounts), the engine\n"
    "decides it, and the decision is recorded with the policy digest and the\n"
    "exact case and output (`bursar replay DECISION` recomputes it). The\n"
    "application's award is its own measure's lines of the output.\n\n"
    "An application of a programme run beside the store's own names its policy:\n"
    "it is decided by that policy (--also-policy DIR, one per programme), on a\n"
    "case of the figures stored for it (`bursar import figures`) and its own\n"
    "programme's awards as history. Without its policy it is reported, not decided.\n\n"
    "Whole decisions only: each decision is recorded with its audit entry, N of\n"
    "them to a transaction (--per-transaction, default 200, at most 10000; 1:\n"
    "one each). A run that is stopped (even killed) keeps every transaction it\n"
    "committed and nothing of the one it was in; running it again decides the\n"
    "rest. An application that cannot be decided is reported and the others\n"
    "are made.\n\n"
    "Prints `application ID: decision DECISION, TOTAL` per decision (--json: one\n"
    "object at the end). Exit status 1 when any application could not be decided.\n";

int RunDecide(const std::vector<std::string>& args) {
  StoreOptions o;
  if (!ParseStoreOptions(args, {"--policy", "--also-policy", "--per-transaction"}, &o)) return kExitUsage;
  if (o.help) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  int64_t year = 0;
  if (o.positional.size() != 1 || !ParseWholeNumber(o.positional[0], 1900, 2999, &year)) {
    std::fprintf(stderr, "bursar decide: one programme year such as 2025\n\n%s", kHelp);
    return kExitUsage;
  }
  store::Store::DecideRunOptions run;
  int64_t per = 0;
  // A group's applications are read by their ids in a few queries, and
  // SQLite takes at most 32,766 parameters a statement.
  if (!ParseWholeNumber(FlagValue(o, "--per-transaction", "200"), 1, 10000, &per)) {
    std::fprintf(stderr, "bursar decide: --per-transaction takes a count from 1 to 10000, got '%s'\n",
                 FlagValue(o, "--per-transaction").c_str());
    return kExitUsage;
  }
  run.per_transaction = static_cast<size_t>(per);
  Programmes programmes;
  if (!LoadProgrammes(o, "decide", &programmes)) return kExitUsage;
  auto store = store::Store::Open(o.db);
  if (!store.ok()) return ReportStatus(store.status());
  // A declared figure counts only as its policy reads declarations now.
  (*store)->SetFigureReader(programmes.FigureReader());
  auto ready = (*store)->ReadyForDecision(year);
  if (!ready.ok()) return ReportStatus(ready.status());
  auto decide = [&](const std::string& policy, const std::string& case_text) -> Result<store::DecisionInput> {
    const Engine* e = programmes.For(policy);
    if (e == nullptr) {
      return Status(StatusCode::kFailedPrecondition,
                    "the application is of policy " + policy + ": give its folder with --also-policy DIR");
    }
    BURSAR_ASSIGN_OR_RETURN(std::string output, e->EvaluateText(case_text));
    return store::DecisionInput{e->digest(), case_text, std::move(output)};
  };
  nlohmann::ordered_json report = {{"year", year}, {"decided", nlohmann::ordered_json::array()},
                                   {"failed", nlohmann::ordered_json::array()}};
  Status ran = (*store)->DecideRun(o.actor, *ready, decide, run, [&](const store::Store::RunDecision& d) {
    const auto id = static_cast<long long>(d.application_id);
    if (!d.status.ok()) {
      std::fprintf(stderr, "bursar decide: application %lld: %s\n", id, d.status.ToString().c_str());
      report["failed"].push_back({{"application", d.application_id}, {"error", d.status.ToString()}});
      return;
    }
    const std::string total = Exact::Fen(d.total_fen).ToMoneyString();
    report["decided"].push_back({{"application", d.application_id}, {"decision", d.decision_id}, {"total", total}});
    if (!o.json) std::printf("application %lld: decision %lld, %s\n", id, static_cast<long long>(d.decision_id), total.c_str());
  });
  std::fflush(stdout);
  if (!ran.ok()) return ReportStatus(ran);
  if (!report["decided"].empty()) {
    // The decisions, their applications, entries and running totals.
    if (Status st = (*store)->RefreshStatistics({"application", "decision", "audit_log", "audit_row",
                                                 "audit_application", "year_committed", "measure_committed",
                                                 "programme_committed"});
        !st.ok()) {
      return ReportStatus(st);
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

BURSAR_COMMAND("decide", "decide every application of a year that is ready, whole decisions in each transaction", RunDecide);

}  // namespace bursar::cli
