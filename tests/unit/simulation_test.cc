// The simulation (simulation/simulation.h) against the single-case evaluator,
// D-G6 across a population, and the comparison of a changed policy; and
// `eval --batch` (simulation/eval_population.h) against `bursar eval`.
#include "simulation/simulation.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "case/uscc.h"
#include "population/writer.h"
#include "simulation/eval_population.h"
#include "simulation/output.h"

namespace bursar::simulation {
namespace {

using Json = nlohmann::json;
using OJson = nlohmann::ordered_json;

const std::string kPolicy = std::string(BURSAR_SOURCE_DIR) + "/policies/chaoyang-data-element";

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("bursar_simulation_test_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

std::shared_ptr<const Engine> LoadEngine(const std::vector<ParameterOverride>& overrides = {}) {
  auto engine = Engine::Load(kPolicy, overrides);
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  return *engine;
}

int64_t Fen(const std::string& yuan) {
  std::string why;
  auto v = ParseMoneyString(yuan, &why);
  EXPECT_TRUE(v.has_value()) << yuan;
  return v ? *v->ToFen() : 0;
}

std::vector<std::string> DecideAll(const Engine& engine, const std::string& path, int threads,
                                   EvalPopulationSummary* summary = nullptr) {
  std::vector<std::string> lines;
  std::string buffer;
  EvalPopulationOptions options;
  options.threads = threads;
  auto result = EvaluatePopulation(engine, path, options, [&](std::string_view line) { buffer.append(line); });
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  if (summary && result.ok()) *summary = *result;
  size_t start = 0;
  while (start < buffer.size()) {
    size_t end = buffer.find('\n', start);
    lines.push_back(buffer.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// A small population written as CSV; `rows` are the cells after year and id.
struct HandCase {
  int year;
  int enterprise;
  std::string cells;  // tags,exchange_trading_volume,filed_trading_volume,claims
};

std::string Id(int enterprise) {
  char first17[18];
  std::snprintf(first17, sizeof first17, "91110105MA%07d", enterprise);
  return std::string(first17) + UsccCheckCharacter(first17);
}

std::string WriteHand(const std::string& name, const std::vector<HandCase>& cases) {
  std::string path = TempPath(name);
  std::ofstream out(path, std::ios::binary);
  out << "year,id,registered_in_chaoyang,taxed_in_chaoyang,independent_legal_person,tags,"
         "exchange_trading_volume,filed_trading_volume,claims\n";
  for (const HandCase& c : cases) out << c.year << "," << Id(c.enterprise) << "," << c.cells << "\n";
  return path;
}

// `bursar eval --batch` writes, line for line, what `bursar eval` prints for
// each case given the history carried from the years before, as
// tests/unit/batch_test.cc builds it; CSV and JSON Lines, 1 and 2 threads.
TEST(EvalPopulation, EveryLineIsTheSingleCaseDecisionWithCarriedHistory) {
  population::PopulationSpec spec{.seed = 11, .enterprises = 400, .years = 3};
  std::string jsonl = TempPath("pop.jsonl"), csv = TempPath("pop.csv");
  ASSERT_TRUE(population::WritePopulation(spec, jsonl).ok());
  ASSERT_TRUE(population::WritePopulation(spec, csv).ok());
  auto engine = LoadEngine();
  EvalPopulationSummary summary;
  auto lines = DecideAll(*engine, jsonl, 2, &summary);
  ASSERT_EQ(lines.size(), 1200u);
  EXPECT_EQ(summary.cases, 1200);
  EXPECT_EQ(summary.refused, 0);

  population::PopulationGenerator gen(spec);
  std::vector<Json> history(static_cast<size_t>(spec.enterprises), Json::array());
  size_t i = 0, with_history = 0;
  for (int y = 0; y < spec.years; ++y) {
    std::vector<OJson> decisions;
    for (int64_t e = 0; e < spec.enterprises; ++e) {
      population::Case c;
      gen.Generate(e, y, &c);
      Json j = Json::parse(population::ToJson(c).dump());
      j["history"] = history[static_cast<size_t>(e)];
      with_history += j["history"].empty() ? 0 : 1;
      auto text = engine->EvaluateText(j.dump());
      ASSERT_TRUE(text.ok()) << text.status().ToString();
      OJson d = OJson::parse(*text);
      ASSERT_EQ(d.dump(), lines[i]) << "case " << i;
      ++i;
      decisions.push_back(std::move(d));
    }
    for (int64_t e = 0; e < spec.enterprises; ++e) {
      for (const auto& award : decisions[static_cast<size_t>(e)]["awards"]) {
        Json h = {{"year", decisions[static_cast<size_t>(e)]["year"]}, {"measure", award["measure"]},
                  {"item", award["item"]}, {"amount", award["amount"]}};
        if (award.contains("project")) h["project"] = award["project"];
        history[static_cast<size_t>(e)].push_back(h);
      }
    }
  }
  EXPECT_GT(with_history, 200u);
  EXPECT_EQ(DecideAll(*engine, csv, 1), lines);
  std::filesystem::remove(jsonl);
  std::filesystem::remove(csv);
}

TEST(EvalPopulation, ARefusedCaseIsAnErrorRecordAndTheRunGoesOn) {
  std::string path = WriteHand("refused.csv", {{2025, 1, "true,true,true,,1000000,0,[]"},
                                               {2025, 2, "true,true,true,,1000000,0,\"[{\"\"measure\"\":\"\"03\"\"}]\""},
                                               {2025, 3, "true,true,true,,1000000,0,[]"}});
  auto engine = LoadEngine();
  std::vector<std::string> refusals;
  std::string out;
  EvalPopulationOptions options;
  options.on_refused = [&](const std::string& m) { refusals.push_back(m); };
  auto summary = EvaluatePopulation(*engine, path, options, [&](std::string_view line) { out.append(line); });
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->cases, 3);
  EXPECT_EQ(summary->refused, 1);
  ASSERT_EQ(refusals.size(), 1u);
  EXPECT_EQ(refusals[0], path + ":3: claims[0].assessed: required for measure 03 item services");
  EXPECT_NE(out.find("{\"line\":3,\"year\":2025,\"applicant\":\"" + Id(2) +
                     "\",\"error\":{\"field\":\"claims[0].assessed\""),
            std::string::npos)
      << out;
  std::filesystem::remove(path);
}

// The simulation's figures are the sums of the single-case decisions, with
// history carried over three years.
TEST(Simulation, TotalsAreTheSumsOfSingleCaseDecisions) {
  population::PopulationSpec spec{.seed = 23, .enterprises = 1500, .years = 3};
  std::string csv = TempPath("sum.csv");
  ASSERT_TRUE(population::WritePopulation(spec, csv).ok());
  auto engine = LoadEngine();
  auto lines = DecideAll(*engine, csv, 2);
  auto pop = population::LoadColumns(engine->policy(), csv);
  ASSERT_TRUE(pop.ok());
  auto report = Simulate(engine->shared_policy(), *pop, {});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->years.size(), 3u);
  ASSERT_EQ(report->cases.size(), lines.size());

  std::map<std::pair<int, std::string>, int64_t> paid;  // (year, "measure item") → fen
  std::map<int, int64_t> year_total;
  std::map<std::string, int64_t> enterprise_total;
  for (size_t i = 0; i < lines.size(); ++i) {
    Json d = Json::parse(lines[i]);
    const CaseRow& row = report->cases[i];
    ASSERT_EQ(row.year, d["year"].get<int>());
    ASSERT_EQ(*report->case_applicant[i], d["applicant"].get<std::string>());
    ASSERT_EQ(row.baseline_eligible, d["eligible"].get<bool>()) << lines[i];
    ASSERT_EQ(FenToYuan(row.baseline_fen), d["total"].get<std::string>()) << lines[i];
    for (const auto& a : d["awards"]) {
      paid[{row.year, a["measure"].get<std::string>() + " " + a["item"].get<std::string>()}] +=
          Fen(a["amount"].get<std::string>());
    }
    year_total[row.year] += row.baseline_fen;
    enterprise_total[d["applicant"].get<std::string>()] += row.baseline_fen;
  }
  int64_t overall = 0;
  for (const YearReport& y : report->years) {
    EXPECT_EQ(y.baseline.paid_fen, year_total[y.year]);
    EXPECT_EQ(y.baseline.cases, 1500);
    for (const ItemStats& it : y.baseline.items) {
      EXPECT_EQ(it.paid_fen, (paid[{y.year, it.measure_id + " " + it.item_name}])) << y.year << " " << it.measure_id;
      EXPECT_LE(it.approved_fen, it.computed_fen);
    }
    overall += y.baseline.paid_fen;
  }
  EXPECT_EQ(report->overall.baseline.paid_fen, overall);
  int64_t recipients = 0;
  for (const auto& [id, fen] : enterprise_total) recipients += fen > 0 ? 1 : 0;
  EXPECT_EQ(report->overall.baseline.recipients, recipients);
  EXPECT_FALSE(report->overall.comparison.has_value());
  std::filesystem::remove(csv);
}

// D-G6 across the population: pro rata never exceeds the budget and loses
// less than a fen per line; priority pays in measure order up to the budget;
// none only reports.
TEST(Simulation, BudgetScalesTheWholePopulation) {
  std::string csv = TempPath("budget.csv");
  ASSERT_TRUE(population::WritePopulation({.seed = 3, .enterprises = 2000, .years = 2}, csv).ok());
  auto engine = LoadEngine();
  auto pop = population::LoadColumns(engine->policy(), csv);
  ASSERT_TRUE(pop.ok());
  auto plain = Simulate(engine->shared_policy(), *pop, {});
  ASSERT_TRUE(plain.ok());
  const int64_t approved = plain->years[0].baseline.paid_fen;
  const int64_t budget = approved / 3 + 12345;  // an awkward amount

  SimulationOptions options;
  options.changes = {{"budget", FenToYuan(budget)}};
  auto scaled = Simulate(engine->shared_policy(), *pop, options);
  ASSERT_TRUE(scaled.ok()) << scaled.status().ToString();
  for (const YearReport& y : scaled->years) {
    const BudgetOutcome& b = y.changed->budget;
    ASSERT_TRUE(b.set);
    EXPECT_EQ(b.rule, "pro_rata");
    EXPECT_TRUE(b.exceeded);
    EXPECT_EQ(b.budget_fen, budget);
    EXPECT_LE(b.paid_fen, budget);
    EXPECT_GT(b.paid_fen, budget - b.lines_reduced);  // each line loses less than one fen to rounding
    EXPECT_EQ(y.changed->paid_fen, b.paid_fen);
    EXPECT_FALSE(y.baseline.budget.set);
    // Everyone who had something loses (or keeps a tiny award rounded to the same fen).
    EXPECT_EQ(y.comparison->gainers, 0);
    EXPECT_GT(y.comparison->losers, y.baseline.recipients / 2);
  }
  EXPECT_EQ(scaled->years[0].changed->budget.approved_fen, approved);
  // Every line of year one is the exact floor of amount × budget / approved.
  // Per item, the paid sum lies between the sum of the exact shares and that
  // less one fen per line; and the items add up to the year.
  int64_t items_paid = 0;
  const auto& changed_items = scaled->years[0].changed->items;
  for (size_t i = 0; i < changed_items.size(); ++i) {
    const ItemStats& it = changed_items[i];
    const int64_t lines = plain->years[0].baseline.items[i].lines;  // every approved line
    const __int128 share = static_cast<__int128>(it.approved_fen) * budget / approved;
    EXPECT_LE(it.paid_fen, share) << it.measure_id << " " << it.item_name;
    EXPECT_GE(it.paid_fen, share - lines) << it.measure_id << " " << it.item_name;
    items_paid += it.paid_fen;
  }
  EXPECT_EQ(items_paid, scaled->years[0].changed->budget.paid_fen);

  options.changes = {{"budget", FenToYuan(budget)}, {"budget_rule", "priority"}};
  auto priority = Simulate(engine->shared_policy(), *pop, options);
  ASSERT_TRUE(priority.ok());
  const ScenarioSummary& p = *priority->years[0].changed;
  EXPECT_EQ(p.budget.paid_fen, budget);
  // Items are paid in full in decision order until the money runs out.
  bool short_seen = false;
  for (const ItemStats& it : p.items) {
    if (short_seen) {
      EXPECT_EQ(it.paid_fen, 0) << it.measure_id << " " << it.item_name;
    } else if (it.paid_fen < it.approved_fen) {
      short_seen = true;
    }
  }
  EXPECT_TRUE(short_seen);

  options.changes = {{"budget", FenToYuan(budget)}, {"budget_rule", "none"}};
  auto none = Simulate(engine->shared_policy(), *pop, options);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->years[0].changed->budget.exceeded);
  EXPECT_EQ(none->years[0].changed->paid_fen, approved);
  EXPECT_EQ(none->years[0].comparison->losers, 0);
  std::filesystem::remove(csv);
}

// trading_rate 5% → 4% on hand-made cases: exactly the trading lines fall,
// except where the 04 cap then leaves room for filing.
TEST(Simulation, ComparisonOfAChangedTradingRate) {
  std::string path = WriteHand("rate.csv", {
      {2025, 1, "true,true,true,,1000000,0,[]"},           // 50,000 → 40,000
      {2025, 2, "true,true,true,,100000000,0,[]"},         // 5,000,000 and 4,000,000 both capped at 2,000,000
      {2025, 3, "true,true,true,data_vendor,0,0,\"[{\"\"measure\"\":\"\"03\"\",\"\"assessed\"\":\"\"300000\"\"}]\""},
      {2025, 4, "false,true,true,,1000000,0,[]"},          // ineligible
      {2025, 5, "true,true,true,,38000000,20000000,[]"},   // 1.9M + 0.1M (cap) → 1.52M + 0.2M: −0.28M
  });
  auto engine = LoadEngine();
  auto pop = population::LoadColumns(engine->policy(), path);
  ASSERT_TRUE(pop.ok()) << pop.status().ToString();
  SimulationOptions options;
  options.changes = {{"trading_rate", "4%"}};
  options.top_movers = 3;
  auto report = Simulate(engine->shared_policy(), *pop, options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->years.size(), 1u);
  const Comparison& c = *report->years[0].comparison;
  EXPECT_EQ(c.compared, 5);
  EXPECT_EQ(c.gainers, 0);
  EXPECT_EQ(c.losers, 2);
  EXPECT_EQ(c.unchanged, 3);
  EXPECT_EQ(c.lost_fen, 1000000 + 28000000);
  EXPECT_EQ(c.delta_fen, -29000000);
  ASSERT_EQ(c.top_losers.size(), 2u);
  EXPECT_EQ(c.top_losers[0].applicant, Id(5));
  EXPECT_EQ(c.top_losers[0].delta_fen(), -28000000);
  EXPECT_EQ(c.top_losers[1].applicant, Id(1));
  EXPECT_EQ(c.top_losers[1].baseline_fen, 5000000);
  EXPECT_EQ(c.top_losers[1].changed_fen, 4000000);
  for (const ItemDelta& d : c.items) {
    std::string item = d.measure_id + " " + d.item_name;
    int64_t delta = d.changed_fen - d.baseline_fen;
    if (item == "04 trading") {
      EXPECT_EQ(delta, -1000000 - 38000000);  // 10,000 + 380,000 yuan
    } else if (item == "04 filing") {
      EXPECT_EQ(delta, 10000000);  // the cap's room: 100,000 yuan more for enterprise 5
    } else {
      EXPECT_EQ(delta, 0) << item;
    }
  }
  // The cap's cut shows against the computed amounts.
  const ScenarioSummary& b = report->years[0].baseline;
  for (const ItemStats& it : b.items) {
    if (it.measure_id == "04" && it.item_name == "trading") {
      EXPECT_EQ(it.computed_fen - it.approved_fen, 300000000);  // 5M − 2M for enterprise 2
    }
  }
  EXPECT_EQ(b.eligible, 4);
  EXPECT_EQ(b.recipients, 4);

  // The same in the CSV and JSON outputs.
  std::string csv;
  AppendReportCsv(*report, &csv);
  EXPECT_NE(csv.find("2025," + Id(5) + ",true,2000000.00,true,1720000.00,-280000.00\n"), std::string::npos) << csv;
  OJson j = ReportToJson(*report, {.population = "rate.csv"});
  EXPECT_EQ(j["years"][0]["comparison"]["delta"], "-290000.00");
  EXPECT_EQ(j["overall"]["comparison"]["losers"], 2);
  EXPECT_EQ(j["changes"][0]["name"], "trading_rate");
  std::filesystem::remove(path);
}

// An enterprise's second year sees its first year's awards: the 04 milestone
// is paid once.
TEST(Simulation, HistoryIsCarriedIntoTheNextYear) {
  std::string path = TempPath("carry.csv");
  {
    // listed_data_products > 50 both years: the milestone once, ever.
    std::ofstream out(path, std::ios::binary);
    out << "year,id,registered_in_chaoyang,taxed_in_chaoyang,independent_legal_person,listed_data_products\n"
        << "2025," << Id(1) << ",true,true,true,60\n"
        << "2026," << Id(1) << ",true,true,true,70\n";
  }
  auto engine = LoadEngine();
  auto pop = population::LoadColumns(engine->policy(), path);
  ASSERT_TRUE(pop.ok());
  auto report = Simulate(engine->shared_policy(), *pop, {});
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->years.size(), 2u);
  EXPECT_EQ(report->years[0].baseline.paid_fen, 50000000);
  EXPECT_EQ(report->years[1].baseline.paid_fen, 0);
  // --years 2026..2026 still runs 2025 for the history.
  SimulationOptions only_2026;
  only_2026.first_year = only_2026.last_year = 2026;
  auto later = Simulate(engine->shared_policy(), *pop, only_2026);
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later->years.size(), 1u);
  EXPECT_EQ(later->years[0].year, 2026);
  EXPECT_EQ(later->years[0].baseline.paid_fen, 0);
  std::filesystem::remove(path);
}

// The second policy over two years: what an enterprise received in the
// simulated 2025 is what [2.1] subtracts in 2026 (received), and 2025's
// revenue is 2026's previous year ([2.2], last_year), carried by the run.
TEST(Simulation, TheSecondPolicyReadsTheCarriedHistoryAndLastYearsFigures) {
  std::string path = TempPath("health.jsonl");
  {
    std::ofstream out(path, std::ios::binary);
    std::string applicant = "{\"id\": \"" + Id(7) +
                            "\", \"registered_in_district\": true, \"taxed_in_district\": true, "
                            "\"independent_legal_person\": true, \"digital_health_business\": true}";
    out << "{\"year\": 2025, \"applicant\": " << applicant << ", \"facts\": {\"operating_revenue\": \"60000000\"}}\n"
        << "{\"year\": 2026, \"applicant\": " << applicant << ", \"facts\": {\"operating_revenue\": \"250000000\"}}\n";
  }
  auto engine = Engine::Load(std::string(BURSAR_SOURCE_DIR) + "/policies/digital-health", {});
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  auto pop = population::LoadColumns((*engine)->policy(), path);
  ASSERT_TRUE(pop.ok()) << pop.status().ToString();
  auto report = Simulate((*engine)->shared_policy(), *pop, {});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->years.size(), 2u);
  // 2025: the first threshold, RMB 300,000; no revenue of 2024, so no growth award.
  EXPECT_EQ(report->years[0].baseline.paid_fen, Fen("300000"));
  // 2026: RMB 800,000 less the 300,000 received, and 2% of the growth over
  // 2025's 60,000,000 (3,800,000) capped at 1,500,000.
  EXPECT_EQ(report->years[1].baseline.paid_fen, Fen("500000") + Fen("1500000"));
  // `eval --batch` carries the same history and figures into each decision.
  auto lines = DecideAll(**engine, path, 1);
  ASSERT_EQ(lines.size(), 2u);
  Json d2026 = Json::parse(lines[1]);
  EXPECT_EQ(d2026["total"], "2000000.00") << lines[1];
  EXPECT_EQ(d2026["awards"][0]["why"],
            "operating revenue 250000000.00 reaches the threshold awarded 800000.00, less 300000.00 already received");
  std::filesystem::remove(path);
}

TEST(Simulation, BadOverridesAreNamed) {
  auto engine = LoadEngine();
  auto r = ResolveOverrides(engine->policy(), {{"tradng_rate", "4%"}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().ToString().find("did you mean 'trading_rate'"), std::string::npos);
  r = ResolveOverrides(engine->policy(), {{"trading_rate", "four"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "--set trading_rate");
}

TEST(Simulation, FenToYuan) {
  EXPECT_EQ(FenToYuan(0), "0.00");
  EXPECT_EQ(FenToYuan(5), "0.05");
  EXPECT_EQ(FenToYuan(-5), "-0.05");
  EXPECT_EQ(FenToYuan(123456), "1234.56");
  EXPECT_EQ(FenToYuan(INT64_MIN), "-92233720368547758.08");
}

}  // namespace
}  // namespace bursar::simulation
