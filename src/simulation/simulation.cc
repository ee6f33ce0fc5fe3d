// The simulation: scenarios × years over batch columns. See simulation.h.
//
// Invariants:
//   - a year's history for an enterprise is, when its case in the file has no
//     history of its own, the history its previous case ran with followed by
//     that case's paid awards (amount after the budget; zero lines dropped),
//     exactly the order tests/unit/batch_test.cc builds with the single-case
//     evaluator; a case with its own history in the file keeps it;
//   - the batch program runs with the policy's `budget` set to none: D-G6 is
//     applied here, once, across all cases of the year, not per case;
//   - award lines stay in BatchResult order (case, then decision order).
#include "simulation/simulation.h"

#include <algorithm>
#include <numeric>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "case/case.h"
#include "lang/diagnostic.h"

namespace bursar::simulation {
namespace {

using population::LoadedPopulation;

// Sums that report an overflow instead of wrapping.
struct Sum {
  bool overflow = false;
  void Add(int64_t* acc, int64_t v) { overflow |= __builtin_add_overflow(*acc, v, acc); }
};

// Which case an enterprise had before: for year k, row r, the (year, row) of
// the same applicant's latest earlier case, or -1; and a population-wide
// enterprise number for each case.
struct Links {
  std::vector<std::vector<int32_t>> prev_year, prev_row;
  std::vector<std::vector<uint32_t>> enterprise;
  std::vector<const std::string*> enterprise_id;
};

Links LinkEnterprises(const LoadedPopulation& pop, size_t years) {
  Links links;
  links.prev_year.resize(years);
  links.prev_row.resize(years);
  links.enterprise.resize(years);
  std::unordered_map<std::string_view, uint32_t> index;
  std::vector<std::pair<int32_t, int32_t>> last;  // by enterprise: its latest (year, row)
  for (size_t k = 0; k < years; ++k) {
    const CaseColumns& cols = pop.years[k].columns;
    const size_t n = cols.size();
    links.prev_year[k].assign(n, -1);
    links.prev_row[k].assign(n, -1);
    links.enterprise[k].resize(n);
    for (size_t r = 0; r < n; ++r) {
      const std::string& id = cols.applicant_id[r];
      if (years == 1) {  // one year: every case is its own unit, no history to carry
        links.enterprise[k][r] = static_cast<uint32_t>(r);
        links.enterprise_id.push_back(&id);
        continue;
      }
      uint32_t e;
      if (k > 0 && r < pop.years[k - 1].columns.size() && pop.years[k - 1].columns.applicant_id[r] == id) {
        e = links.enterprise[k - 1][r];  // generated files keep one enterprise per row number
      } else {
        auto [it, inserted] = index.emplace(std::string_view(id), static_cast<uint32_t>(links.enterprise_id.size()));
        if (inserted) {
          links.enterprise_id.push_back(&id);
          last.emplace_back(-1, -1);
        }
        e = it->second;
      }
      links.enterprise[k][r] = e;
      links.prev_year[k][r] = last[e].first;
      links.prev_row[k][r] = last[e].second;
      last[e] = {static_cast<int32_t>(k), static_cast<int32_t>(r)};
    }
  }
  return links;
}

// One scenario's run of one year.
struct YearRun {
  const CaseColumns* cols = nullptr;  // the columns run: the file's, or own with carried history
  std::unique_ptr<CaseColumns> own;
  BatchResult result;              // amount_fen: paid, after the budget
  std::vector<int64_t> approved;   // by award line: before the budget
  std::vector<uint32_t> award_begin, claim_begin, history_begin;
  BudgetOutcome budget;
};

std::string ChoiceName(const CheckedPolicy& cp, const Value& v, const char* fallback) {
  if (v.none || v.choice < 0 || v.enum_id < 0) return fallback;
  return cp.policy.enums[static_cast<size_t>(v.enum_id)].values[static_cast<size_t>(v.choice)];
}

int128 Gcd(int128 a, int128 b) {
  while (b != 0) {
    int128 t = a % b;
    a = b;
    b = t;
  }
  return a;
}

// D-G6 across the population of one year: scales run->result in place.
void ApplyBudget(const std::vector<int>& item_order, YearRun* run, Sum* sum) {
  BudgetOutcome& b = run->budget;
  auto& awards = run->result.awards;
  run->approved.resize(awards.size());
  int64_t total = 0;
  for (size_t a = 0; a < awards.size(); ++a) {
    run->approved[a] = awards[a].amount_fen;
    sum->Add(&total, awards[a].amount_fen);
  }
  b.approved_fen = total;
  b.paid_fen = total;
  if (!b.set || total <= b.budget_fen) return;
  b.exceeded = true;
  if (b.rule == "pro_rata") {
    int128 g = Gcd(b.budget_fen, total);
    b.factor = Int128ToString(b.budget_fen / g) + "/" + Int128ToString(total / g);
    for (BatchAward& a : awards) {
      int64_t paid = static_cast<int64_t>(static_cast<int128>(a.amount_fen) * b.budget_fen / total);  // floor: all positive
      if (paid < a.amount_fen) ++b.lines_reduced;
      a.amount_fen = paid;
    }
  } else if (b.rule == "priority") {
    // In the policy's order of measures and items, then case order, then claim order.
    std::vector<uint32_t> order(awards.size());
    std::iota(order.begin(), order.end(), 0u);
    auto key = [&](uint32_t i) { return item_order[static_cast<size_t>(awards[i].measure)] + awards[i].item; };
    std::stable_sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) { return key(x) < key(y); });
    int64_t left = b.budget_fen;
    for (uint32_t i : order) {
      int64_t paid = std::min(awards[i].amount_fen, left);
      if (paid < awards[i].amount_fen) ++b.lines_reduced;
      awards[i].amount_fen = paid;
      left -= paid;
    }
  } else {
    return;  // none: the excess is reported, nothing is scaled
  }
  auto& totals = run->result.total_fen;
  std::fill(totals.begin(), totals.end(), 0);
  b.paid_fen = 0;
  for (const BatchAward& a : awards) {
    totals[a.case_row] += a.amount_fen;
    b.paid_fen += a.amount_fen;
  }
}

// The history of year k's cases for this scenario, into a copy of the file's columns.
std::unique_ptr<CaseColumns> CarryHistory(const CheckedPolicy& cp, const LoadedPopulation& pop, const Links& links,
                                          size_t k, const std::vector<YearRun>& runs) {
  const CaseColumns& file = pop.years[k].columns;
  auto out = std::make_unique<CaseColumns>(file);
  const std::vector<uint32_t> own = CaseOffsets(file.history_case, file.size());
  out->history_case.clear();
  out->history_year.clear();
  out->history_measure.clear();
  out->history_item.clear();
  out->history_amount.clear();
  out->history_project.clear();
  out->history_solution.clear();
  out->history_condition.clear();
  // What an award counted of a `draw` matters within its year only: the
  // file's own history keeps it; awards carried from the year before need none.
  out->history_drawn.assign(file.history_drawn.size(), {});
  auto push = [&](uint32_t row, int year, int measure, int item, int64_t amount, int32_t project, int32_t solution,
                  int16_t condition) {
    out->history_case.push_back(row);
    out->history_year.push_back(static_cast<int16_t>(year));
    out->history_measure.push_back(static_cast<int16_t>(measure));
    out->history_item.push_back(static_cast<int16_t>(item));
    out->history_amount.push_back(amount);
    out->history_project.push_back(project);
    out->history_solution.push_back(solution);
    out->history_condition.push_back(condition);
  };
  auto at = [](const auto& column, size_t i, auto none) { return i < column.size() ? column[i] : none; };
  for (uint32_t r = 0; r < file.size(); ++r) {
    if (own[r + 1] > own[r]) {  // the file's own history (its project ids are the copy's)
      for (uint32_t h = own[r]; h < own[r + 1]; ++h) {
        push(r, file.history_year[h], file.history_measure[h], file.history_item[h], file.history_amount[h],
             file.history_project[h], at(file.history_solution, h, int32_t{-1}), at(file.history_condition, h, int16_t{-1}));
        for (size_t g = 0; g < file.history_drawn.size(); ++g) {
          if (h >= file.history_drawn[g].size()) continue;
          out->history_drawn[g].resize(out->history_case.size(), 0);
          out->history_drawn[g].back() = file.history_drawn[g][h];
        }
      }
      continue;
    }
    int32_t j = links.prev_year[k][r];
    if (j < 0) continue;
    const YearRun& src = runs[static_cast<size_t>(j)];
    const CaseColumns& sc = *src.cols;
    const uint32_t r2 = static_cast<uint32_t>(links.prev_row[k][r]);
    // last_year(FACT) reads the enterprise's figure of the year before, as
    // the population gives it.
    if (sc.year == file.year - 1) {
      for (size_t f = 0; f < cp.policy.facts.size(); ++f) {
        const FieldDecl& d = cp.policy.facts[f];
        if (d.derived == FieldDecl::Derived::kLastYear) {
          out->facts[f][r] = sc.facts[static_cast<size_t>(d.source_fact)][r2];
        }
      }
    }
    auto project = [&](int32_t id) { return id < 0 ? -1 : out->InternProject(sc.projects[static_cast<size_t>(id)]); };
    for (uint32_t h = src.history_begin[r2]; h < src.history_begin[r2 + 1]; ++h) {
      push(r, sc.history_year[h], sc.history_measure[h], sc.history_item[h], sc.history_amount[h],
           project(sc.history_project[h]), project(at(sc.history_solution, h, int32_t{-1})),
           at(sc.history_condition, h, int16_t{-1}));
    }
    for (uint32_t a = src.award_begin[r2]; a < src.award_begin[r2 + 1]; ++a) {
      const BatchAward& award = src.result.awards[a];
      if (award.amount_fen == 0) continue;  // scaled to nothing: not an award
      int32_t claim_project = -1, claim_solution = -1;
      if (award.claim_index >= 0) {
        size_t claim = src.claim_begin[r2] + static_cast<uint32_t>(award.claim_index);
        claim_project = sc.claim_project[claim];
        claim_solution = at(sc.claim_solution, claim, int32_t{-1});
      }
      push(r, sc.year, award.measure, award.item, award.amount_fen, project(claim_project), project(claim_solution),
           award.condition);
    }
  }
  return out;
}

struct ScenarioResult {
  Status status;
  std::vector<YearRun> runs;
};

void RunScenario(const std::shared_ptr<const CheckedPolicy>& policy, const LoadedPopulation& pop, const Links& links,
                 size_t years, const std::vector<std::pair<int, Value>>& overrides,
                 const std::vector<int>& item_order, ScenarioResult* out) {
  const CheckedPolicy& cp = *policy;
  out->runs.resize(years);
  Sum sum;
  for (size_t k = 0; k < years; ++k) {
    YearRun& run = out->runs[k];
    const int year = pop.years[k].columns.year;
    auto params = ParameterValues(cp, year);
    if (!params.ok()) {
      out->status = params.status();
      return;
    }
    for (const auto& [index, value] : overrides) (*params)[static_cast<size_t>(index)] = value;
    if (cp.policy.budget.present) {
      Value& budget = (*params)[static_cast<size_t>(cp.param_index.at(cp.policy.budget.param))];
      if (!budget.none) {
        auto fen = budget.number.ToFen();
        if (!fen || *fen < 0) {
          out->status = InvalidArgument("the budget of " + std::to_string(year) + " is not a whole number of fen");
          return;
        }
        run.budget.set = true;
        run.budget.budget_fen = *fen;
        budget.none = true;  // D-G6 is applied across the population below, not per case
      }
      run.budget.rule = "pro_rata";
      if (cp.policy.budget_rule.present) {
        run.budget.rule =
            ChoiceName(cp, (*params)[static_cast<size_t>(cp.param_index.at(cp.policy.budget_rule.param))], "pro_rata");
      }
    }
    auto program = BatchProgram::Compile(policy, std::move(*params));
    if (!program.ok()) {
      out->status = program.status();
      return;
    }
    bool carried = false;
    if (k > 0) {
      for (int32_t j : links.prev_year[k]) carried |= j >= 0;
    }
    if (carried) {
      run.own = CarryHistory(cp, pop, links, k, out->runs);
      // What the policy reads of the history (received) follows the carried history.
      if (Status derived = run.own->DeriveFromHistory(cp); !derived.ok()) {
        out->status = Status(derived.code(), std::to_string(year) + ": " + derived.message());
        return;
      }
      run.cols = run.own.get();
    } else {
      run.cols = &pop.years[k].columns;
    }
    Status st = (*program)->Run(*run.cols, &run.result);
    if (!st.ok()) {
      out->status = Status(st.code(), std::to_string(year) + ": " + st.message());
      return;
    }
    ApplyBudget(item_order, &run, &sum);
    const size_t n = run.cols->size();
    run.award_begin.assign(n + 1, 0);
    for (const BatchAward& a : run.result.awards) ++run.award_begin[a.case_row + 1];
    for (size_t r = 0; r < n; ++r) run.award_begin[r + 1] += run.award_begin[r];
    if (k + 1 < years) {
      run.claim_begin = CaseOffsets(run.cols->claim_case, n);
      run.history_begin = CaseOffsets(run.cols->history_case, n);
    }
  }
  if (sum.overflow) out->status = Status(StatusCode::kOutOfRange, "the year's total of awards left the int64 range");
}

// ---- summaries ----

const int kPercentiles[] = {10, 25, 50, 75, 90, 99};
const int64_t kBandEdgesFen[] = {1, 1000000, 10000000, 50000000, 100000000, 200000000, 500000000, 1000000000};

Distribution Distribute(std::vector<int64_t> totals) {  // totals > 0 only
  Distribution d;
  d.recipients = static_cast<int64_t>(totals.size());
  const size_t edges = std::size(kBandEdgesFen);
  for (size_t i = 0; i < edges; ++i) {
    Band b;
    b.from_fen = kBandEdgesFen[i];
    b.to_fen = i + 1 < edges ? kBandEdgesFen[i + 1] : -1;
    d.bands.push_back(b);
  }
  int128 sum = 0;
  for (int64_t t : totals) {
    sum += t;
    d.max_fen = std::max(d.max_fen, t);
    size_t band = edges - 1;
    while (band > 0 && t < kBandEdgesFen[band]) --band;
    ++d.bands[band].recipients;
    d.bands[band].paid_fen += t;
  }
  d.mean_fen = totals.empty() ? 0 : static_cast<int64_t>(sum / static_cast<int128>(totals.size()));
  // Nearest-rank percentiles, ascending: each selection narrows the next.
  auto from = totals.begin();
  for (int p : kPercentiles) {
    int64_t v = 0;
    if (!totals.empty()) {
      size_t rank = (static_cast<size_t>(p) * totals.size() + 99) / 100;  // 1-based
      auto nth = totals.begin() + static_cast<std::ptrdiff_t>(std::max<size_t>(rank, 1) - 1);
      std::nth_element(from, nth, totals.end());
      v = *nth;
      from = nth;
    }
    d.percentiles.emplace_back(p, v);
  }
  return d;
}

std::vector<ItemStats> EmptyItems(const CheckedPolicy& cp) {
  std::vector<ItemStats> items;
  for (size_t m = 0; m < cp.policy.measures.size(); ++m) {
    const MeasureDecl& md = cp.policy.measures[m];
    for (size_t i = 0; i < md.items.size(); ++i) {
      ItemStats s;
      s.measure = static_cast<int>(m);
      s.item = static_cast<int>(i);
      s.measure_id = md.id;
      s.item_name = md.items[i].name;
      items.push_back(std::move(s));
    }
  }
  return items;
}

// Adds one year's run into *s; `unit` maps a case row to the unit counted as a
// recipient (the row itself for a year, the enterprise overall).
void Accumulate(const YearRun& run, const std::vector<int>& item_order, const std::vector<uint32_t>* unit,
                std::vector<uint64_t>* unit_items, ScenarioSummary* s, Sum* sum) {
  s->cases += static_cast<int64_t>(run.cols->size());
  for (uint8_t e : run.result.eligible) s->eligible += e;
  std::vector<int64_t> last(s->items.size(), -1);
  for (size_t a = 0; a < run.result.awards.size(); ++a) {
    const BatchAward& award = run.result.awards[a];
    const size_t g = static_cast<size_t>(item_order[static_cast<size_t>(award.measure)] + award.item);
    ItemStats& it = s->items[g];
    sum->Add(&it.computed_fen, award.computed_fen);
    sum->Add(&it.approved_fen, run.approved[a]);
    sum->Add(&it.paid_fen, award.amount_fen);
    sum->Add(&s->computed_fen, award.computed_fen);
    sum->Add(&s->approved_fen, run.approved[a]);
    sum->Add(&s->paid_fen, award.amount_fen);
    if (award.amount_fen == 0) continue;
    ++it.lines;
    if (unit == nullptr) {
      if (last[g] != award.case_row) {
        last[g] = award.case_row;
        ++it.recipients;
      }
    } else {
      uint64_t bit = uint64_t{1} << (g % 64);
      uint64_t& mask = (*unit_items)[(*unit)[award.case_row] * ((s->items.size() + 63) / 64) + g / 64];
      if (!(mask & bit)) {
        mask |= bit;
        ++it.recipients;
      }
    }
  }
}

ScenarioSummary SummarizeYear(const CheckedPolicy& cp, const YearRun& run, const std::vector<int>& item_order,
                              Sum* sum) {
  ScenarioSummary s;
  s.items = EmptyItems(cp);
  Accumulate(run, item_order, nullptr, nullptr, &s, sum);
  std::vector<int64_t> totals;
  for (int64_t t : run.result.total_fen) {
    if (t > 0) totals.push_back(t);
  }
  s.recipients = static_cast<int64_t>(totals.size());
  s.distribution = Distribute(std::move(totals));
  s.budget = run.budget;
  return s;
}

// Over the reported years [k0, k1): per enterprise.
ScenarioSummary SummarizeOverall(const CheckedPolicy& cp, const std::vector<YearRun>& runs, size_t k0, size_t k1,
                                 const Links& links, const std::vector<int>& item_order,
                                 std::vector<int64_t>* enterprise_totals, Sum* sum) {
  ScenarioSummary s;
  s.items = EmptyItems(cp);
  const size_t words = (s.items.size() + 63) / 64;
  std::vector<uint64_t> unit_items(links.enterprise_id.size() * words, 0);
  enterprise_totals->assign(links.enterprise_id.size(), 0);
  for (size_t k = k0; k < k1; ++k) {
    Accumulate(runs[k], item_order, &links.enterprise[k], &unit_items, &s, sum);
    const auto& totals = runs[k].result.total_fen;
    for (size_t r = 0; r < totals.size(); ++r) sum->Add(&(*enterprise_totals)[links.enterprise[k][r]], totals[r]);
  }
  std::vector<int64_t> positive;
  for (int64_t t : *enterprise_totals) {
    if (t > 0) positive.push_back(t);
  }
  s.recipients = static_cast<int64_t>(positive.size());
  s.distribution = Distribute(std::move(positive));
  return s;
}

// Changed against baseline over units (cases or enterprises) with these totals.
Comparison Compare(const std::vector<int64_t>& base, const std::vector<int64_t>& changed,
                   const std::vector<const std::string*>& ids, const ScenarioSummary& sb, const ScenarioSummary& sc,
                   size_t top, Sum* sum) {
  Comparison c;
  std::vector<uint32_t> gainers, losers;
  for (size_t u = 0; u < base.size(); ++u) {
    ++c.compared;
    int64_t d = changed[u] - base[u];
    sum->Add(&c.delta_fen, d);
    if (d > 0) {
      ++c.gainers;
      sum->Add(&c.gained_fen, d);
      gainers.push_back(static_cast<uint32_t>(u));
    } else if (d < 0) {
      ++c.losers;
      sum->Add(&c.lost_fen, -d);
      losers.push_back(static_cast<uint32_t>(u));
    } else {
      ++c.unchanged;
    }
    if (base[u] == 0 && changed[u] > 0) ++c.new_recipients;
    if (base[u] > 0 && changed[u] == 0) ++c.former_recipients;
  }
  auto top_of = [&](std::vector<uint32_t>& units, bool gain) {
    auto better = [&](uint32_t x, uint32_t y) {
      int64_t dx = changed[x] - base[x], dy = changed[y] - base[y];
      if (dx != dy) return gain ? dx > dy : dx < dy;
      return *ids[x] < *ids[y];
    };
    size_t n = std::min(top, units.size());
    std::partial_sort(units.begin(), units.begin() + static_cast<std::ptrdiff_t>(n), units.end(), better);
    std::vector<Mover> movers;
    for (size_t i = 0; i < n; ++i) movers.push_back({*ids[units[i]], base[units[i]], changed[units[i]]});
    return movers;
  };
  c.top_gainers = top_of(gainers, true);
  c.top_losers = top_of(losers, false);
  for (size_t i = 0; i < sb.items.size(); ++i) {
    c.items.push_back({sb.items[i].measure_id, sb.items[i].item_name, sb.items[i].paid_fen, sc.items[i].paid_fen,
                       sb.items[i].recipients, sc.items[i].recipients});
  }
  return c;
}

}  // namespace

std::string FenToYuan(int64_t fen) {
  bool negative = fen < 0;
  uint64_t v = negative ? 0 - static_cast<uint64_t>(fen) : static_cast<uint64_t>(fen);
  std::string cents = std::to_string(v % 100);
  if (cents.size() < 2) cents.insert(0, "0");
  return (negative ? "-" : "") + std::to_string(v / 100) + "." + cents;
}

Result<std::vector<std::pair<int, Value>>> ResolveOverrides(const CheckedPolicy& cp,
                                                            const std::vector<ParameterOverride>& overrides) {
  std::vector<std::pair<int, Value>> out;
  for (const auto& o : overrides) {
    auto it = cp.param_index.find(o.name);
    if (it == cp.param_index.end()) {
      std::vector<std::string> known;
      for (const auto& prm : cp.policy.params) known.push_back(prm.name);
      std::string hint = ClosestName(o.name, known);
      return InvalidArgument("no parameter named '" + o.name + "'" + (hint.empty() ? "" : "; did you mean '" + hint + "'?"),
                             "--set " + o.name);
    }
    const ParamDecl& prm = cp.policy.params[static_cast<size_t>(it->second)];
    // An enumeration's own value comes first: ParseLiteralValue reads "none"
    // as the absent value, which would make budget_rule=none unreachable.
    if (prm.type.kind == TypeKind::kEnum) {
      const auto& names = cp.policy.enums[static_cast<size_t>(prm.type.enum_id)].values;
      auto named = std::find(names.begin(), names.end(), o.value);
      if (named != names.end()) {
        Value v;
        v.kind = TypeKind::kEnum;
        v.enum_id = prm.type.enum_id;
        v.choice = static_cast<int>(named - names.begin());
        out.emplace_back(it->second, v);
        continue;
      }
    }
    auto value = ParseLiteralValue(cp, prm.type, o.value);
    if (!value.ok()) return InvalidArgument(value.status().message(), "--set " + o.name);
    out.emplace_back(it->second, *value);
  }
  return out;
}

Result<Report> Simulate(std::shared_ptr<const CheckedPolicy> policy, const LoadedPopulation& pop,
                        const SimulationOptions& options) {
  const CheckedPolicy& cp = *policy;
  Report report;
  report.policy_id = cp.policy.id;
  report.policy_version = cp.policy.version;
  report.policy_digest = cp.digest;
  report.changes = options.changes;
  BURSAR_ASSIGN_OR_RETURN(auto changes, ResolveOverrides(cp, options.changes));
  const bool compare = !options.changes.empty();

  // The years to run: every year of the file up to the last reported one.
  size_t years = 0;
  while (years < pop.years.size() &&
         (options.last_year == 0 || pop.years[years].columns.year <= options.last_year)) {
    ++years;
  }
  size_t k0 = 0;
  while (k0 < years && options.first_year != 0 && pop.years[k0].columns.year < options.first_year) ++k0;
  if (k0 == years) return InvalidArgument("the population holds no case in the years asked for");

  std::vector<int> item_order;  // measure → index of its first item in decision order
  int items = 0;
  for (const auto& m : cp.policy.measures) {
    item_order.push_back(items);
    items += static_cast<int>(m.items.size());
  }
  const Links links = LinkEnterprises(pop, years);

  ScenarioResult base, changed;
  if (compare && options.threads > 1) {
    std::thread worker([&] { RunScenario(policy, pop, links, years, changes, item_order, &changed); });
    RunScenario(policy, pop, links, years, {}, item_order, &base);
    worker.join();
  } else {
    RunScenario(policy, pop, links, years, {}, item_order, &base);
    if (compare) RunScenario(policy, pop, links, years, changes, item_order, &changed);
  }
  BURSAR_RETURN_IF_ERROR(base.status);
  if (compare) BURSAR_RETURN_IF_ERROR(changed.status);

  Sum sum;
  for (size_t k = k0; k < years; ++k) {
    YearReport y;
    y.year = pop.years[k].columns.year;
    y.baseline = SummarizeYear(cp, base.runs[k], item_order, &sum);
    const auto& bt = base.runs[k].result.total_fen;
    if (compare) {
      y.changed = SummarizeYear(cp, changed.runs[k], item_order, &sum);
      std::vector<const std::string*> ids;
      for (const auto& id : pop.years[k].columns.applicant_id) ids.push_back(&id);
      y.comparison = Compare(bt, changed.runs[k].result.total_fen, ids, y.baseline, *y.changed, options.top_movers, &sum);
    }
    for (uint32_t r = 0; options.case_rows && r < bt.size(); ++r) {
      CaseRow row;
      row.year = y.year;
      row.row = r;
      row.baseline_eligible = base.runs[k].result.eligible[r] != 0;
      row.baseline_fen = bt[r];
      row.changed_eligible = compare ? changed.runs[k].result.eligible[r] != 0 : row.baseline_eligible;
      row.changed_fen = compare ? changed.runs[k].result.total_fen[r] : bt[r];
      report.cases.push_back(row);
      report.case_applicant.push_back(&pop.years[k].columns.applicant_id[r]);
    }
    report.years.push_back(std::move(y));
  }
  if (report.years.size() == 1 && years == 1) {
    // One year and one case per unit: the overall figures are the year's.
    report.overall = report.years.front();
    report.overall.year = 0;
    report.overall.baseline.budget = BudgetOutcome();
    if (report.overall.changed) report.overall.changed->budget = BudgetOutcome();
    if (sum.overflow) return Status(StatusCode::kOutOfRange, "a total of the simulation left the int64 range");
    return report;
  }
  std::vector<int64_t> base_totals, changed_totals;
  report.overall.baseline = SummarizeOverall(cp, base.runs, k0, years, links, item_order, &base_totals, &sum);
  if (compare) {
    report.overall.changed = SummarizeOverall(cp, changed.runs, k0, years, links, item_order, &changed_totals, &sum);
    report.overall.comparison = Compare(base_totals, changed_totals, links.enterprise_id, report.overall.baseline,
                                        *report.overall.changed, options.top_movers, &sum);
  }
  if (sum.overflow) return Status(StatusCode::kOutOfRange, "a total of the simulation left the int64 range");
  return report;
}

}  // namespace bursar::simulation
