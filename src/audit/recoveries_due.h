// Recoveries due (issue 16, recovery rules): an award a policy's `recover`
// rule finds to be returned this year, joined to the applications that hold
// the awards in the store, for the officer who records each recovery
// (`bursar app recover`, POST /api/applications/{id}/recovery). Nothing is
// recovered here: `bursar propose` and POST /api/proposals list them.
//
// Thread-safety: as Store.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"
#include "store/store.h"

namespace bursar::audit {

// Whether a case built by the store says anything of its enterprise in the
// year: always for the store's own programme (its evidence); for another
// programme (`programme` not ""), only when figures of the year were given.
// A flag not given reads false, so a case of no figures would find every
// earlier award due for recovery ("moved out"): such a case finds none.
bool CaseStatesEnterprise(const std::string& programme, const nlohmann::ordered_json& kase);

// One recovery line of a decision (CASES.md `recoveries`) of enterprise
// `credit_code` in `year`, with the awards in force it concerns: the
// enterprise's ledger lines of `programme` of earlier years under the same
// measure and item with a net amount left. The object is the one
// docs/http-api.md gives under POST /api/proposals `recoveries`:
// {enterprise, measure, item, amount, clause, decision, why, why_zh,
//  applications: [{application, year, amount}]}.
Result<nlohmann::ordered_json> DueRecovery(store::Store& store, int64_t year, const std::string& programme,
                                           const std::string& credit_code, const nlohmann::json& recovery);

// "recovery due: CODE: measure M ITEM AMOUNT (CLAUSE DECISION): application
// ID (YEAR, AMOUNT), ..." (the CLI's line).
std::string DueRecoveryText(const nlohmann::ordered_json& due);

}  // namespace bursar::audit
