// A simulation report written out: JSON (the stable shape of
// docs/simulation.md), CSV (one row per case of the reported years) and a
// table for people.
//
// Thread-safety: stateless functions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "simulation/simulation.h"

namespace bursar::simulation {

// `population` names the file in the output.
nlohmann::ordered_json ReportToJson(const Report& report, const std::string& population);

// Header and one row per case of the reported years, in file order:
//   with a change:  year,applicant,baseline_eligible,baseline,changed_eligible,changed,delta
//   without:        year,applicant,eligible,total
void AppendReportCsv(const Report& report, std::string* out);

// The human table: per year and overall, totals, items, budget, distribution
// and the comparison.
void AppendReportTable(const Report& report, const std::string& population, std::string* out);

}  // namespace bursar::simulation
