// What-if simulation over a whole population: the batch evaluator
// (eval/batch.h) run year after year, each year's paid awards becoming the
// next year's history, for the policy as it stands (the baseline) and, when
// parameters are changed, for the changed policy; then totals, recipients,
// the distribution of awards, what the policy's limits removed, the programme
// budget (D-G6) across the population, and who gains and who loses.
//
// docs/simulation.md specifies the reading of each figure and the JSON shape.
//
// Money is integer fen throughout; sums are checked (an overflow is an
// OutOfRange status, never a wrap).
//
// Thread-safety: Simulate reads its policy and population and owns
// everything else; it runs the two scenarios on two threads when asked.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "eval/batch.h"
#include "eval/engine.h"
#include "lang/checked_policy.h"
#include "population/columns.h"

namespace bursar::simulation {

struct SimulationOptions {
  // The changed scenario: parameter overrides on top of the policy file (the
  // baseline). Empty: the baseline alone, no comparison.
  std::vector<ParameterOverride> changes;
  // Years reported, inclusive; 0 for the first / last year of the file.
  // Earlier years of the file still run, to build the history.
  int first_year = 0, last_year = 0;
  size_t top_movers = 10;  // gainers and losers listed per comparison
  bool case_rows = true;   // fill Report::cases (for --csv)
  int threads = 2;         // 1: the scenarios run one after the other
};

// One item of one measure, over the cases of a year (or of all years).
struct ItemStats {
  int measure = -1, item = -1;  // policy indices
  std::string measure_id, item_name;
  int64_t lines = 0;         // paid award lines
  int64_t recipients = 0;    // cases (per year) or enterprises (overall) with a paid line
  int64_t computed_fen = 0;  // of paid lines, before caps, periods, D-G3 and D-G4
  int64_t approved_fen = 0;  // after those, before the budget
  int64_t paid_fen = 0;      // after the budget
};

struct Band {
  int64_t from_fen = 0, to_fen = -1;  // [from, to); to = -1: no upper bound
  int64_t recipients = 0, paid_fen = 0;
};

// How the paid totals of recipients (cases with a total above zero) spread.
struct Distribution {
  int64_t recipients = 0;
  int64_t mean_fen = 0;  // rounded down
  // Nearest-rank percentiles of the per-recipient total: p10 p25 p50 p75 p90 p99, and max.
  std::vector<std::pair<int, int64_t>> percentiles;
  int64_t max_fen = 0;
  std::vector<Band> bands;
};

// D-G6 across the population, for one year.
struct BudgetOutcome {
  bool set = false;  // the scenario has a budget for the year
  std::string rule;  // pro_rata, priority or none
  int64_t budget_fen = 0;
  int64_t approved_fen = 0;  // the year's awards before the budget
  int64_t paid_fen = 0;      // after it; never above budget_fen unless the rule is none
  bool exceeded = false;     // approved above the budget
  int64_t lines_reduced = 0;
  std::string factor;        // pro_rata: "budget/approved" as an exact fraction; else ""
};

struct ScenarioSummary {
  int64_t cases = 0, eligible = 0, recipients = 0;
  int64_t computed_fen = 0, approved_fen = 0, paid_fen = 0;
  std::vector<ItemStats> items;  // every item of the policy, in decision order
  Distribution distribution;
  BudgetOutcome budget;          // per year only
};

struct Mover {
  std::string applicant;
  int64_t baseline_fen = 0, changed_fen = 0;
  int64_t delta_fen() const { return changed_fen - baseline_fen; }
};

struct ItemDelta {
  std::string measure_id, item_name;
  int64_t baseline_fen = 0, changed_fen = 0;
  int64_t baseline_recipients = 0, changed_recipients = 0;
};

// Changed against baseline, per case (per year) or per enterprise (overall).
struct Comparison {
  int64_t compared = 0, gainers = 0, losers = 0, unchanged = 0;
  int64_t gained_fen = 0, lost_fen = 0;  // both positive
  int64_t delta_fen = 0;                 // changed total − baseline total
  int64_t new_recipients = 0, former_recipients = 0;
  std::vector<Mover> top_gainers, top_losers;  // largest moves first; ties by applicant id
  std::vector<ItemDelta> items;
};

struct YearReport {
  int year = 0;  // 0 for the overall report
  ScenarioSummary baseline;
  std::optional<ScenarioSummary> changed;
  std::optional<Comparison> comparison;
};

// One case of a reported year, for --csv.
struct CaseRow {
  int year = 0;
  uint32_t row = 0;  // in the year's columns
  bool baseline_eligible = false, changed_eligible = false;
  int64_t baseline_fen = 0, changed_fen = 0;
};

struct Report {
  std::string policy_id, policy_version, policy_digest;
  std::vector<ParameterOverride> changes;
  std::vector<YearReport> years;
  YearReport overall;
  // Per case of the reported years, in file order; applicant ids from `population`.
  std::vector<CaseRow> cases;
  std::vector<const std::string*> case_applicant;  // parallel to cases
};

// Runs the simulation. `population` comes from population::LoadColumns for
// the same policy; its history columns are left as read.
Result<Report> Simulate(std::shared_ptr<const CheckedPolicy> policy, const population::LoadedPopulation& population,
                        const SimulationOptions& options);

// Resolves --set overrides against the policy (the same names and value
// syntax as Engine::Load), without reading the policy again.
Result<std::vector<std::pair<int, Value>>> ResolveOverrides(const CheckedPolicy& policy,
                                                            const std::vector<ParameterOverride>& overrides);

// "1234.50", "-0.05": fen as yuan with two decimals.
std::string FenToYuan(int64_t fen);

}  // namespace bursar::simulation
