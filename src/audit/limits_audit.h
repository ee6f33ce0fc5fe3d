// The auditor's check of a year's limits (issue 13, `bursar audit limits
// YEAR` and GET /api/audit/limits/{year}): every enterprise with an award in
// force in the year has its ledger read from the store (store/ledger.h: the
// awards in force at their net amounts, D-G8, the earlier years included) and
// checked by the engine (Engine::CheckLedger, the same limits module the
// evaluators fill); every limit exceeded is listed with the enterprise, the
// limit, its clause, the amount over and the decisions involved.
//
// It reads what is stored and nothing else, so a store made before the
// ledger (decisions that did not see each other) is checked the same way.
//
// Thread-safety: as Store.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "eval/engine.h"
#include "store/store.h"

namespace bursar::audit {

// One limit that one enterprise's awards in force exceed.
struct LimitOverrun {
  std::string credit_code;
  std::string name;
  LimitExcess excess;               // as Engine::CheckLedger gives it
  std::vector<int64_t> decisions;   // the decisions whose lines are counted, in ledger order
};

struct LimitsReport {
  int64_t year = 0;
  int64_t enterprises = 0;  // enterprises with an award in force in the year, all checked
  int64_t decisions = 0;    // decisions in force of the year with an award line (a nil decision has none)
  std::vector<LimitOverrun> over;
};

// `policy`: the programme ("" the store's own; store::Application::policy),
// whose awards alone are checked, by `engine`, its policy. Another
// programme's applicant is its credit code only (its flags are figures of a
// year, which the limits do not read).
Result<LimitsReport> AuditLimits(store::Store& store, const Engine& engine, int64_t year,
                                 const std::string& policy = "");

// The report as the CLI's --json and the API give it (docs/http-api.md).
nlohmann::ordered_json LimitsReportJson(const LimitsReport& report);
// One overrun as a line of text (the CLI).
std::string LimitOverrunText(const LimitOverrun& o);

}  // namespace bursar::audit
