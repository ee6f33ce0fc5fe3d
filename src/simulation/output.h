// A simulation report written out: JSON (the stable shape of
// docs/simulation.md), CSV (one row per case of the reported years) and a
// table for people.
//
// Thread-safety: stateless functions.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "simulation/simulation.h"

namespace bursar::simulation {

// Where a report's cases came from: a population file, or a programme year
// of the store (`bursar simulate --db`, simulation/store_year.h).
struct ReportSource {
  std::string population;  // the file; empty for the store
  int store_year = 0;      // the store's programme year (its programme is the report's policy)
  int64_t refused = 0;     // the store's cases of the year the policy refused, not simulated
};

// The source is named as "population": FILE, or as "store": {"year", "refused"}
// in its place.
nlohmann::ordered_json ReportToJson(const Report& report, const ReportSource& source);

// Header and one row per case of the reported years, in file order:
//   with a change:  year,applicant,baseline_eligible,baseline,changed_eligible,changed,delta
//   without:        year,applicant,eligible,total
void AppendReportCsv(const Report& report, std::string* out);

// The human table: per year and overall, totals, items, budget, distribution
// and the comparison.
void AppendReportTable(const Report& report, const ReportSource& source, std::string* out);

}  // namespace bursar::simulation
