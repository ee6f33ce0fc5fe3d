#include "simulation/output.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>

namespace bursar::simulation {
namespace {

using OJson = nlohmann::ordered_json;

OJson Money(int64_t fen) { return FenToYuan(fen); }

OJson BudgetJson(const BudgetOutcome& b) {
  if (!b.set) return nullptr;
  OJson j;
  j["budget"] = Money(b.budget_fen);
  j["rule"] = b.rule;
  j["approved"] = Money(b.approved_fen);
  j["paid"] = Money(b.paid_fen);
  j["exceeded"] = b.exceeded;
  j["excess"] = Money(b.exceeded ? b.approved_fen - b.budget_fen : 0);
  j["lines_reduced"] = b.lines_reduced;
  j["factor"] = b.factor.empty() ? OJson(nullptr) : OJson(b.factor);
  return j;
}

OJson DistributionJson(const Distribution& d) {
  OJson j;
  j["recipients"] = d.recipients;
  j["mean"] = Money(d.mean_fen);
  OJson p = OJson::object();
  for (const auto& [pct, fen] : d.percentiles) p["p" + std::to_string(pct)] = Money(fen);
  j["percentiles"] = p;
  j["max"] = Money(d.max_fen);
  OJson bands = OJson::array();
  for (const Band& b : d.bands) {
    bands.push_back({{"from", Money(b.from_fen)},
                     {"to", b.to_fen < 0 ? OJson(nullptr) : Money(b.to_fen)},
                     {"recipients", b.recipients},
                     {"paid", Money(b.paid_fen)}});
  }
  j["bands"] = bands;
  return j;
}

OJson SummaryJson(const ScenarioSummary& s, bool with_budget) {
  OJson j;
  j["cases"] = s.cases;
  j["eligible"] = s.eligible;
  j["recipients"] = s.recipients;
  j["computed"] = Money(s.computed_fen);
  j["approved"] = Money(s.approved_fen);
  j["paid"] = Money(s.paid_fen);
  if (with_budget) j["budget"] = BudgetJson(s.budget);
  OJson items = OJson::array();
  for (const ItemStats& it : s.items) {
    items.push_back({{"measure", it.measure_id},
                     {"item", it.item_name},
                     {"lines", it.lines},
                     {"recipients", it.recipients},
                     {"computed", Money(it.computed_fen)},
                     {"approved", Money(it.approved_fen)},
                     {"paid", Money(it.paid_fen)},
                     {"reduced_by_limits", Money(it.computed_fen - it.approved_fen)},
                     {"reduced_by_budget", Money(it.approved_fen - it.paid_fen)}});
  }
  j["items"] = items;
  j["distribution"] = DistributionJson(s.distribution);
  return j;
}

OJson MoversJson(const std::vector<Mover>& movers) {
  OJson a = OJson::array();
  for (const Mover& m : movers) {
    a.push_back({{"applicant", m.applicant},
                 {"baseline", Money(m.baseline_fen)},
                 {"changed", Money(m.changed_fen)},
                 {"delta", Money(m.delta_fen())}});
  }
  return a;
}

OJson ComparisonJson(const Comparison& c) {
  OJson j;
  j["compared"] = c.compared;
  j["gainers"] = c.gainers;
  j["losers"] = c.losers;
  j["unchanged"] = c.unchanged;
  j["gained"] = Money(c.gained_fen);
  j["lost"] = Money(c.lost_fen);
  j["delta"] = Money(c.delta_fen);
  j["new_recipients"] = c.new_recipients;
  j["former_recipients"] = c.former_recipients;
  OJson items = OJson::array();
  for (const ItemDelta& d : c.items) {
    items.push_back({{"measure", d.measure_id},
                     {"item", d.item_name},
                     {"baseline", Money(d.baseline_fen)},
                     {"changed", Money(d.changed_fen)},
                     {"delta", Money(d.changed_fen - d.baseline_fen)},
                     {"baseline_recipients", d.baseline_recipients},
                     {"changed_recipients", d.changed_recipients}});
  }
  j["items"] = items;
  j["top_gainers"] = MoversJson(c.top_gainers);
  j["top_losers"] = MoversJson(c.top_losers);
  return j;
}

OJson YearJson(const YearReport& y, bool per_year) {
  OJson j;
  if (per_year) j["year"] = y.year;
  j["baseline"] = SummaryJson(y.baseline, per_year);
  if (y.changed) j["changed"] = SummaryJson(*y.changed, per_year);
  if (y.comparison) j["comparison"] = ComparisonJson(*y.comparison);
  return j;
}

void Appendf(std::string* out, const char* format, ...) __attribute__((format(printf, 2, 3)));
void Appendf(std::string* out, const char* format, ...) {
  char buffer[512];
  va_list args;
  va_start(args, format);
  int n = std::vsnprintf(buffer, sizeof buffer, format, args);
  va_end(args);
  if (n > 0) out->append(buffer, std::min(static_cast<size_t>(n), sizeof buffer - 1));
}

std::string Signed(int64_t fen) { return (fen > 0 ? "+" : "") + FenToYuan(fen); }

void SummaryTable(const YearReport& y, std::string* out) {
  const ScenarioSummary& b = y.baseline;
  const ScenarioSummary* c = y.changed ? &*y.changed : nullptr;
  if (c) {
    Appendf(out, "  %-32s %20s %20s %20s\n", "", "baseline", "changed", "delta");
    Appendf(out, "  %-32s %20lld %20lld %20lld\n", "cases", static_cast<long long>(b.cases),
            static_cast<long long>(c->cases), 0LL);
    Appendf(out, "  %-32s %20lld %20lld %+20lld\n", "eligible", static_cast<long long>(b.eligible),
            static_cast<long long>(c->eligible), static_cast<long long>(c->eligible - b.eligible));
    Appendf(out, "  %-32s %20lld %20lld %+20lld\n", "recipients", static_cast<long long>(b.recipients),
            static_cast<long long>(c->recipients), static_cast<long long>(c->recipients - b.recipients));
    Appendf(out, "  %-32s %20s %20s %20s\n", "paid", FenToYuan(b.paid_fen).c_str(), FenToYuan(c->paid_fen).c_str(),
            Signed(c->paid_fen - b.paid_fen).c_str());
  } else {
    Appendf(out, "  %-32s %20lld\n", "cases", static_cast<long long>(b.cases));
    Appendf(out, "  %-32s %20lld\n", "eligible", static_cast<long long>(b.eligible));
    Appendf(out, "  %-32s %20lld\n", "recipients", static_cast<long long>(b.recipients));
    Appendf(out, "  %-32s %20s\n", "paid", FenToYuan(b.paid_fen).c_str());
  }
  out->append("\n");
  Appendf(out, "  %-22s %10s %18s %18s %18s%s\n", "measure item", "recipients", "paid", "cut by limits",
          "cut by budget", c ? "     changed paid          delta" : "");
  for (size_t i = 0; i < b.items.size(); ++i) {
    const ItemStats& it = b.items[i];
    if (it.approved_fen == 0 && (!c || c->items[i].approved_fen == 0)) continue;
    std::string name = it.measure_id + " " + it.item_name;
    Appendf(out, "  %-22s %10lld %18s %18s %18s", name.c_str(), static_cast<long long>(it.recipients),
            FenToYuan(it.paid_fen).c_str(), FenToYuan(it.computed_fen - it.approved_fen).c_str(),
            FenToYuan(it.approved_fen - it.paid_fen).c_str());
    if (c) {
      Appendf(out, " %16s %14s", FenToYuan(c->items[i].paid_fen).c_str(),
              Signed(c->items[i].paid_fen - it.paid_fen).c_str());
    }
    out->append("\n");
  }
  auto budget = [&](const char* label, const BudgetOutcome& bo) {
    if (!bo.set) return;
    Appendf(out, "\n  budget (%s, %s): %s; approved %s", label, bo.rule.c_str(), FenToYuan(bo.budget_fen).c_str(),
            FenToYuan(bo.approved_fen).c_str());
    if (!bo.exceeded) {
      out->append(", within the budget\n");
    } else if (bo.rule == "none") {
      Appendf(out, ", exceeds it by %s (not scaled: rule none)\n", FenToYuan(bo.approved_fen - bo.budget_fen).c_str());
    } else {
      Appendf(out, ", paid %s; %lld lines reduced%s%s\n", FenToYuan(bo.paid_fen).c_str(),
              static_cast<long long>(bo.lines_reduced), bo.factor.empty() ? "" : ", factor ", bo.factor.c_str());
    }
  };
  budget("baseline", b.budget);
  if (c) budget("changed", c->budget);
  auto distribution = [&](const char* label, const Distribution& d) {
    Appendf(out, "\n  distribution of totals per recipient (%s): %lld recipients, mean %s\n", label,
            static_cast<long long>(d.recipients), FenToYuan(d.mean_fen).c_str());
    out->append("   ");
    for (const auto& [p, fen] : d.percentiles) Appendf(out, " p%d %s", p, FenToYuan(fen).c_str());
    Appendf(out, " max %s\n", FenToYuan(d.max_fen).c_str());
    for (const Band& band : d.bands) {
      if (band.recipients == 0) continue;
      std::string range = FenToYuan(band.from_fen) + " – " + (band.to_fen < 0 ? std::string("") : FenToYuan(band.to_fen));
      Appendf(out, "    %-30s %10lld recipients %20s\n", range.c_str(), static_cast<long long>(band.recipients),
              FenToYuan(band.paid_fen).c_str());
    }
  };
  distribution("baseline", b.distribution);
  if (c) distribution("changed", c->distribution);
  if (y.comparison) {
    const Comparison& cmp = *y.comparison;
    Appendf(out, "\n  changed against baseline: %lld gain (%s), %lld lose (%s), %lld unchanged; net %s\n",
            static_cast<long long>(cmp.gainers), Signed(cmp.gained_fen).c_str(), static_cast<long long>(cmp.losers),
            Signed(-cmp.lost_fen).c_str(), static_cast<long long>(cmp.unchanged), Signed(cmp.delta_fen).c_str());
    Appendf(out, "  new recipients %lld, former recipients %lld\n", static_cast<long long>(cmp.new_recipients),
            static_cast<long long>(cmp.former_recipients));
    auto movers = [&](const char* label, const std::vector<Mover>& list) {
      if (list.empty()) return;
      Appendf(out, "  %s:\n", label);
      for (const Mover& m : list) {
        Appendf(out, "    %-20s %18s -> %18s %18s\n", m.applicant.c_str(), FenToYuan(m.baseline_fen).c_str(),
                FenToYuan(m.changed_fen).c_str(), Signed(m.delta_fen()).c_str());
      }
    };
    movers("largest losses", cmp.top_losers);
    movers("largest gains", cmp.top_gainers);
  }
}

}  // namespace

OJson ReportToJson(const Report& report, const ReportSource& source) {
  OJson j;
  j["policy"] = {{"id", report.policy_id}, {"version", report.policy_version}, {"digest", report.policy_digest}};
  if (source.population.empty()) {
    j["store"] = {{"year", source.store_year}, {"refused", source.refused}};
  } else {
    j["population"] = source.population;
  }
  OJson changes = OJson::array();
  for (const auto& c : report.changes) changes.push_back({{"name", c.name}, {"value", c.value}});
  j["changes"] = changes;
  OJson years = OJson::array();
  OJson year_numbers = OJson::array();
  for (const YearReport& y : report.years) {
    years.push_back(YearJson(y, true));
    year_numbers.push_back(y.year);
  }
  j["years"] = years;
  OJson overall = YearJson(report.overall, false);
  OJson o;
  o["years"] = year_numbers;
  for (auto it = overall.begin(); it != overall.end(); ++it) o[it.key()] = it.value();
  j["overall"] = o;
  return j;
}

void AppendReportCsv(const Report& report, std::string* out) {
  const bool compare = !report.changes.empty();
  out->append(compare ? "year,applicant,baseline_eligible,baseline,changed_eligible,changed,delta\n"
                      : "year,applicant,eligible,total\n");
  for (size_t i = 0; i < report.cases.size(); ++i) {
    const CaseRow& r = report.cases[i];
    out->append(std::to_string(r.year));
    out->push_back(',');
    out->append(*report.case_applicant[i]);  // a credit code: no quoting needed
    out->append(r.baseline_eligible ? ",true," : ",false,");
    out->append(FenToYuan(r.baseline_fen));
    if (compare) {
      out->append(r.changed_eligible ? ",true," : ",false,");
      out->append(FenToYuan(r.changed_fen));
      out->push_back(',');
      out->append(FenToYuan(r.changed_fen - r.baseline_fen));
    }
    out->push_back('\n');
  }
}

void AppendReportTable(const Report& report, const ReportSource& source, std::string* out) {
  if (source.population.empty()) {
    Appendf(out, "policy %s %s; the store's cases of %d, %lld refused by the policy\n", report.policy_id.c_str(),
            report.policy_version.c_str(), source.store_year, static_cast<long long>(source.refused));
  } else {
    Appendf(out, "policy %s %s; population %s\n", report.policy_id.c_str(), report.policy_version.c_str(),
            source.population.c_str());
  }
  if (!report.changes.empty()) {
    out->append("changed:");
    for (const auto& c : report.changes) out->append(" " + c.name + "=" + c.value);
    out->append("\n");
  }
  for (const YearReport& y : report.years) {
    Appendf(out, "\n== %d ==\n", y.year);
    SummaryTable(y, out);
  }
  if (report.years.size() > 1) {
    Appendf(out, "\n== all years (%d-%d), per enterprise ==\n", report.years.front().year, report.years.back().year);
    SummaryTable(report.overall, out);
  }
}

}  // namespace bursar::simulation
