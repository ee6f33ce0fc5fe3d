// bursar propose YEAR: apply-free (免申即享). For every enterprise in the
// store, the case is built from its evidence and history, the engine decides
// it, and each apply-free measure it qualifies for becomes a proposed
// application the enterprise confirms.
#include <cstdio>
#include <cstdlib>
#include <map>

#include "audit/recoveries_due.h"
#include "cli/command.h"
#include "cli/programmes.h"
#include "cli/store_options.h"
#include "eval/engine.h"
#include "lang/checked_policy.h"
#include "store/store.h"

namespace bursar::cli {
namespace {

constexpr const char* kHelp =
    "usage: bursar propose YEAR [--db URL] [--policy DIR] [--also-policy DIR]... [--programme ID]\n"
    "                           [--actor NAME] [--dry-run] [--json]\n\n"
    "Apply-free awards (免申即享): derives every stored enterprise's case for YEAR\n"
    "from its evidence and history, decides it, and proposes an application for\n"
    "each measure decided from facts alone (04, 05 in the Chaoyang policy) that\n"
    "awards it something. The enterprise confirms with `bursar app submit ID`.\n"
    "Applications already made for the same measure and year are left alone.\n\n"
    "  --dry-run       list who qualifies, propose nothing\n"
    "  --programme ID  propose in the programme of policy ID run beside the\n"
    "                  store's own (its folder given with --also-policy DIR):\n"
    "                  its cases are the figures stored for it\n\n"
    "Recoveries: where the policy has recovery rules (`recover`), the awards its\n"
    "cases find to be returned this year are listed with the applications that\n"
    "hold them (`recovery due: CODE: measure M ITEM AMOUNT (CLAUSE): application\n"
    "ID (YEAR, AMOUNT)`); the officer records each with `bursar app recover`.\n";

int RunPropose(const std::vector<std::string>& args) {
  StoreOptions o;
  if (!ParseStoreOptions(args, {"--policy", "--also-policy", "--programme"}, &o)) return kExitUsage;
  if (o.help) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  int64_t year = 0;
  if (o.positional.size() != 1 || !ParseWholeNumber(o.positional[0], 1900, 2999, &year)) {
    std::fprintf(stderr, "bursar propose: one programme year (1900 to 2999)\n\n%s", kHelp);
    return kExitUsage;
  }
  bool dry_run = false;
  for (const auto& f : o.flags) dry_run = dry_run || f == "--dry-run";
  Programmes programmes;
  if (!LoadProgrammes(o, "propose", &programmes)) return kExitUsage;
  std::string programme;
  const Engine* engine = programmes.Chosen(o, "propose", &programme);
  if (engine == nullptr) return kExitUsage;
  // The measures whose items are all decided from facts.
  std::map<std::string, std::vector<std::string>> qualifying;
  for (const auto& m : engine->policy().policy.measures) {
    if (m.ApplyFree()) qualifying[m.id];
  }
  auto store = store::Store::Open(o.db);
  if (!store.ok()) return ReportStatus(store.status());
  (*store)->SetFigureReader(programmes.FigureReader());  // which declared figures count
  auto enterprises = (*store)->EnterpriseCodes();
  if (!enterprises.ok()) return ReportStatus(enterprises.status());
  size_t decided = 0, refused = 0;
  std::vector<std::pair<std::string, nlohmann::json>> due;  // (enterprise, a recovery of its output)
  // The cases are read a thousand enterprises at a time (Store::BuildCases).
  Status built = (*store)->BuildCases(year, *enterprises, [&](const std::string& code, nlohmann::ordered_json&& c) -> Status {
    auto d = engine->Evaluate(nlohmann::json(c));
    if (!d.ok()) {
      ++refused;
      std::fprintf(stderr, "bursar propose: %s: %s\n", code.c_str(), d.status().ToString().c_str());
      return OkStatus();
    }
    ++decided;
    for (const auto& award : (*d)["awards"]) {
      auto it = qualifying.find(award["measure"].get<std::string>());
      if (it != qualifying.end() && (it->second.empty() || it->second.back() != code)) it->second.push_back(code);
    }
    // Another programme's case of an enterprise with no figures of the year
    // says nothing of it: no recovery from that.
    if (audit::CaseStatesEnterprise(programme, c) && d->contains("recoveries")) {
      for (const auto& r : (*d)["recoveries"]) due.emplace_back(code, r);
    }
    return OkStatus();
  }, nullptr, 1000, programme);
  if (!built.ok()) return ReportStatus(built);
  nlohmann::ordered_json report = {{"year", year}, {"enterprises", decided}, {"refused", refused}};
  // Recoveries the policy's recovery rules find due this year: the officer
  // records each (`bursar app recover`); nothing is recovered here.
  report["recoveries"] = nlohmann::ordered_json::array();
  for (const auto& [code, r] : due) {
    auto line = audit::DueRecovery(**store, year, programme, code, r);
    if (!line.ok()) return ReportStatus(line.status());
    if (!o.json) std::printf("%s\n", audit::DueRecoveryText(*line).c_str());
    report["recoveries"].push_back(std::move(*line));
  }
  for (const auto& [measure, codes] : qualifying) {
    nlohmann::ordered_json m = {{"qualifying", codes.size()}};
    if (!dry_run && !codes.empty()) {
      auto ids = (*store)->ProposeApplyFree(o.actor, year, measure, codes, programme);
      if (!ids.ok()) return ReportStatus(ids.status());
      m["proposed"] = ids->size();
    }
    report["measures"][measure] = m;
    if (!o.json) {
      std::printf("measure %s: %zu qualifying%s\n", measure.c_str(), codes.size(),
                  m.contains("proposed") ? (", " + std::to_string(m["proposed"].get<size_t>()) + " proposed").c_str()
                                         : "");
    }
  }
  if (!dry_run) {
    // The proposals and their entries: the evidence did not change.
    if (Status st = (*store)->RefreshStatistics({"application", "audit_log", "audit_row", "audit_application"});
        !st.ok()) {
      return ReportStatus(st);
    }
  }
  if (o.json) std::printf("%s\n", report.dump().c_str());
  return refused == 0 ? kExitOk : kExitFailed;
}

}  // namespace

BURSAR_COMMAND("propose", "apply-free: propose awards to every enterprise the engine finds qualifying", RunPropose);

}  // namespace bursar::cli
