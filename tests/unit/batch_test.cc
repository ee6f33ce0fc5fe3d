// The differential test: the batch evaluator decides exactly what the
// single-case evaluator decides, on every golden case of the shipped policy and
// on generated cases with histories, at batch sizes 1, 7 and 2048.
#include "eval/batch.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <map>
#include <sstream>

#include <unistd.h>

#include "case/uscc.h"
#include "eval/engine.h"
#include "money/exact.h"
#include "population/generator.h"
#include "test_sizes.h"

namespace bursar {
namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

const std::string kPolicy = std::string(BURSAR_SOURCE_DIR) + "/policies/chaoyang-data-element";

std::string FenString(int64_t fen) {
  std::string cents = std::to_string(fen % 100);
  if (cents.size() < 2) cents.insert(0, "0");
  return std::to_string(fen / 100) + "." + cents;
}

// Decides `cases` (all of one year) both ways and compares every case.
void ExpectAgreement(const Engine& engine, const std::vector<Json>& cases, const std::string& label) {
  ASSERT_FALSE(cases.empty());
  const CheckedPolicy& cp = engine.policy();
  std::map<int, std::vector<size_t>> by_year;
  for (size_t i = 0; i < cases.size(); ++i) by_year[cases[i]["year"].get<int>()].push_back(i);
  for (const auto& [year, rows] : by_year) {
    CaseColumns columns;
    columns.Reset(cp, year);
    std::vector<nlohmann::ordered_json> single;
    for (size_t i : rows) {
      auto c = ReadCase(cp, cases[i]);
      ASSERT_TRUE(c.ok()) << c.status().ToString();
      columns.Append(cp, *c);
      auto d = engine.Evaluate(cases[i]);
      ASSERT_TRUE(d.ok()) << d.status().ToString();
      single.push_back(*d);
    }
    auto params = ParameterValues(cp, year);
    ASSERT_TRUE(params.ok());
    auto program = BatchProgram::Compile(engine.shared_policy(), *params);
    ASSERT_TRUE(program.ok()) << program.status().ToString();
    for (size_t batch_size : {size_t{1}, size_t{7}, size_t{2048}}) {
      BatchResult result;
      RunOptions options;
      options.batch_size = batch_size;
      Status st = (*program)->Run(columns, &result, options);
      ASSERT_TRUE(st.ok()) << st.ToString();
      size_t a = 0, recovered = 0;
      for (size_t r = 0; r < rows.size(); ++r) {
        const auto& d = single[r];
        std::string where = label + " year " + std::to_string(year) + " case " + std::to_string(rows[r]) +
                            " batch " + std::to_string(batch_size) + "\n" + cases[rows[r]].dump();
        ASSERT_EQ(result.eligible[r] != 0, d["eligible"].get<bool>()) << where;
        ASSERT_EQ(FenString(result.total_fen[r]), d["total"].get<std::string>()) << where;
        for (const auto& award : d["awards"]) {
          ASSERT_LT(a, result.awards.size()) << where;
          const BatchAward& b = result.awards[a++];
          ASSERT_EQ(b.case_row, r) << where;
          ASSERT_EQ(cp.policy.measures[static_cast<size_t>(b.measure)].id, award["measure"].get<std::string>()) << where;
          ASSERT_EQ(cp.policy.measures[static_cast<size_t>(b.measure)].items[static_cast<size_t>(b.item)].name,
                    award["item"].get<std::string>())
              << where;
          ASSERT_EQ(FenString(b.amount_fen), award["amount"].get<std::string>()) << where;
          ASSERT_EQ(FenString(b.computed_fen), award["computed"].get<std::string>()) << where;
        }
        // Awards to recover (`recover` rules): the same lines, in the same order.
        for (const auto& rec : d.value("recoveries", nlohmann::ordered_json::array())) {
          ASSERT_LT(recovered, result.recoveries.size()) << where;
          const BatchRecovery& b = result.recoveries[recovered++];
          ASSERT_EQ(b.case_row, r) << where;
          const MeasureDecl& m = cp.policy.measures[static_cast<size_t>(b.measure)];
          ASSERT_EQ(m.id, rec["measure"].get<std::string>()) << where;
          ASSERT_EQ(m.items[static_cast<size_t>(b.item)].name, rec["item"].get<std::string>()) << where;
          ASSERT_EQ(FenString(b.amount_fen), rec["amount"].get<std::string>()) << where;
        }
      }
      ASSERT_EQ(a, result.awards.size()) << label;
      ASSERT_EQ(recovered, result.recoveries.size()) << label;
    }
  }
}

// Every decided case file of a policy folder, both ways; returns how many.
int AgreeOnCaseFiles(const std::string& policy) {
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(policy + "/tests")) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    Json test = Json::parse(in);
    if (test.contains("expect_error")) continue;
    std::vector<ParameterOverride> overrides;
    if (test.contains("set")) {
      for (auto it = test["set"].begin(); it != test["set"].end(); ++it) {
        overrides.push_back({it.key(), it.value().get<std::string>()});
      }
    }
    auto engine = Engine::Load(policy, overrides);
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    if (!engine.ok()) return files;
    ExpectAgreement(**engine, {test["case"]}, entry.path().string());
    if (::testing::Test::HasFatalFailure()) return files;
    ++files;
  }
  return files;
}

TEST(BatchDifferential, EveryGoldenCase) { EXPECT_GT(AgreeOnCaseFiles(kPolicy), 100); }

// The test policies of the language (tests/policies/*) and every shipped
// policy: each construct's case files decide the same both ways.
TEST(BatchDifferential, EveryPolicysCaseFiles) {
  std::vector<std::string> folders;
  for (const char* root : {"/tests/policies", "/policies"}) {
    for (const auto& entry : fs::directory_iterator(std::string(BURSAR_SOURCE_DIR) + root)) {
      if (entry.is_directory() && fs::is_directory(entry.path() / "tests")) folders.push_back(entry.path().string());
    }
  }
  std::sort(folders.begin(), folders.end());
  ASSERT_GE(folders.size(), 2u);
  for (const std::string& folder : folders) {
    SCOPED_TRACE(folder);
    EXPECT_GT(AgreeOnCaseFiles(folder), 0);
    if (HasFatalFailure()) return;
  }
}

// The int64 fast paths of the batch evaluator (a division by one multiply, a
// constant factor folded into the rounding, constant amounts, comparisons and
// minimums by sign bits) and their fallbacks to the exact int128 path when a
// bound may reach 2^62, held to the single-case evaluator on boundary values
// and on random ones. Each item names the path it exercises.
constexpr const char* kFastPathPolicy = R"POLICY(# Fast paths of the batch evaluator

> [1.1] Test clause.

```bursar
policy "batch-fast-paths" version "1"

fact count_a: count "a count"
fact count_b: count "another count"
fact money_x: money "an amount"
fact money_y: money "another amount"
fact flagged: flag "a flag"

measure 01 "Rounding"

item thirty cites [1.1]
  from facts
  amount money_x * 30%

item third cites [1.1]
  from facts
  amount money_x * 33.33%

item eighth cites [1.1]
  from facts
  amount money_y * 12.5%

item difference cites [1.1]
  from facts
  amount (money_x - money_y) * 7%

item per_unit cites [1.1]
  from facts
  amount count_a * RMB 1,000.01

item big_rate cites [1.1]
  from facts
  amount money_x * 4611%

item small_rate cites [1.1]
  from facts
  amount money_y * 0.37%

item fine_rate cites [1.1]
  from facts
  amount money_y * 99.99%

item flat cites [1.1]
  from facts
  when flagged
  amount RMB 1,000.05

cap total of thirty, third, eighth at RMB 3 million per year cites [1.1]

measure 02 "Comparisons"

item lt cites [1.1]
  from facts
  when money_x < money_y
  amount RMB 1

item le cites [1.1]
  from facts
  when money_x <= money_y
  amount RMB 2

item gt cites [1.1]
  from facts
  when count_a > count_b
  amount RMB 4

item ge cites [1.1]
  from facts
  when count_a >= count_b
  amount RMB 8

item eq cites [1.1]
  from facts
  when money_x == money_y
  amount RMB 16

item ne cites [1.1]
  from facts
  when count_a != count_b
  amount RMB 32
  cap RMB 20 per year cites [1.1]

item wide_compare cites [1.1]
  from facts
  when money_x * 4611% > money_y
  amount RMB 64
```
)POLICY";

TEST(BatchDifferential, FastPathsAndTheirInt128Fallbacks) {
  fs::path dir = fs::temp_directory_path() / ("bursar-batch-fast-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    std::ofstream out(dir / "policy.md");
    out << kFastPathPolicy;
  }
  auto engine = Engine::Load(dir.string());
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  // thirty: folded 30% (x*3/10, one-multiply division); eighth: folded to a
  // shift (y/8); difference: a negative operand clamped before the division;
  // per_unit: count * money folded to a multiply; small_rate: divisor 10,000;
  // third, fine_rate, big_rate: bounds above 2^62, int128; flat: a constant;
  // the comparisons by sign bits at equality and one fen either side;
  // wide_compare: a comparison whose scaled side may reach 2^62.
  const std::vector<int64_t> money = {0,     1,      7,       8,         9,          99,
                                      100,   101,    333,     334,       999999,     1000000,
                                      1000001, 99999999999LL, 300000000, 3000000000LL,
                                      99999999999999999LL, 99999999999999998LL, 46116860184273879LL,
                                      50000000000000000LL};
  const std::vector<int64_t> counts = {0, 1, 2, 3, 1000, 999999999999LL, 1000000000000LL};
  std::vector<Json> cases;
  auto add = [&](int64_t a, int64_t b, int64_t x, int64_t y, bool f) {
    cases.push_back({{"year", 2025},
                     {"applicant", {{"id", "91110105MA01C9XY29"}, {"name", "A"}}},
                     {"facts",
                      {{"count_a", a}, {"count_b", b}, {"money_x", FenString(x)}, {"money_y", FenString(y)},
                       {"flagged", f}}}});
  };
  for (size_t i = 0; i < money.size(); ++i) {
    for (size_t j = 0; j < money.size(); ++j) {
      add(counts[(i + j) % counts.size()], counts[(i * 3 + j) % counts.size()], money[i], money[j], (i + j) % 2);
    }
  }
  uint64_t state = 0x9E3779B97F4A7C15ULL;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  auto any_money = [&] {  // log-uniform over whole fen below 10^17
    int digits = static_cast<int>(next() % 18);
    int64_t limit = 1;
    for (int d = 0; d < digits; ++d) limit *= 10;
    return static_cast<int64_t>(next() % static_cast<uint64_t>(limit));
  };
  for (int r = 0; r < 3000; ++r) {
    int64_t x = any_money();
    int64_t y = r % 5 == 0 ? x + static_cast<int64_t>(next() % 3) - 1 : any_money();
    if (y < 0) y = 0;
    add(static_cast<int64_t>(next() % 2000), static_cast<int64_t>(next() % 2000), x, y, next() % 2);
  }
  ExpectAgreement(**engine, cases, "fast paths");
  fs::remove_all(dir);
}

// Cases built to make limits bind on several lines at once: many claims of
// one item, claims sharing projects and solutions, and history holding the
// same year's awards (other decisions) as well as earlier years', with
// projects, solutions and milestone conditions; under each setting of the
// once-rules. Amounts cluster around the caps so that fills bind.
// A small deterministic generator for the generated cases.
struct XorShift {
  uint64_t state;
  int64_t Below(uint64_t n) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return static_cast<int64_t>(state % n);
  }
};

std::vector<Json> SharedScopeCases(uint64_t seed, int count) {
  XorShift rng{seed};
  auto below = [&](uint64_t n) { return rng.Below(n); };
  static const std::vector<std::pair<const char*, const char*>> kClaims = {
      {"02", "operation"}, {"03", "services"}, {"06", "platform"},  {"07", "major_project"}, {"08", "park_enterprise"},
      {"09", "rd_project"}, {"10", "dataset"},  {"11", "scenario"}, {"11", "benchmark"}};
  static const std::vector<std::pair<const char*, const char*>> kHistory = {
      {"02", "operation"}, {"03", "services"}, {"04", "milestone"}, {"04", "trading"}, {"05", "export"},
      {"06", "platform"},  {"07", "major_project"}, {"09", "rd_project"}, {"11", "scenario"}, {"11", "benchmark"}};
  static const char* kTags[] = {"platform_operator", "data_vendor", "innovation_platform", "key_enterprise",
                                "park_enterprise", "dataset_provider"};
  static const char* kAmounts[] = {"500000", "2000000", "2500000", "4999999.99", "5000000", "6000000", "10000000",
                                   "12000000", "15000000", "30000000", "60000000"};
  std::vector<Json> cases;
  for (int c = 0; c < count; ++c) {
    int year = 2025;
    Json tags = Json::array();
    for (const char* t : kTags) {
      if (below(100) < 45) tags.push_back(t);
    }
    Json j = {{"year", year},
              {"applicant",
               {{"id", "91110105MA01C9XY29"},
                {"registered_in_chaoyang", true},
                {"taxed_in_chaoyang", true},
                {"independent_legal_person", true},
                {"tags", tags}}},
              {"facts",
               {{"listed_data_products", below(3) == 0 ? 51 : 10},
                {"registration_certificates", below(3) == 0 ? 6 : 1},
                {"fs_inclusion_first_time", below(4) == 0},
                {"fs_inclusion_amount", "600000"},
                {"exchange_trading_volume", below(2) ? "30000000" : "0"},
                {"filed_trading_volume", below(2) ? "50000000" : "0"},
                {"compliant_export_first_time", below(3) == 0},
                {"export_route", "standard_contract"},
                {"platform_in_operation", true}}}};
    Json claims = Json::array();
    int n = static_cast<int>(below(7));
    for (int i = 0; i < n; ++i) {
      auto [m, item] = kClaims[static_cast<size_t>(below(static_cast<uint64_t>(kClaims.size())))];
      Json claim = {{"measure", m}, {"item", item}};
      if (std::string(item) == "scenario") {
        claim["investment"] = kAmounts[below(11)];
        claim["civil_construction"] = below(2) ? "0" : "1000000";
      } else {
        claim["assessed"] = kAmounts[below(11)];
      }
      if (below(3)) claim["project"] = "P-" + std::to_string(below(3));
      if (std::string(item) == "benchmark" && below(4)) claim["solution"] = "S-" + std::to_string(below(2));
      if (below(8) == 0) claim["external_support"] = kAmounts[below(5)];
      claims.push_back(claim);
    }
    j["claims"] = claims;
    Json history = Json::array();
    int h = static_cast<int>(below(6));
    for (int i = 0; i < h; ++i) {
      auto [m, item] = kHistory[static_cast<size_t>(below(static_cast<uint64_t>(kHistory.size())))];
      Json line = {{"year", year - static_cast<int>(below(5)) + (below(3) == 0 ? static_cast<int>(below(2)) : 0)},
                   {"measure", m},
                   {"item", item},
                   {"amount", kAmounts[below(11)]}};
      if (line["year"].get<int>() > year) line["year"] = year;
      if (below(2)) line["project"] = "P-" + std::to_string(below(3));
      if (std::string(item) == "benchmark" && below(2)) line["solution"] = "S-" + std::to_string(below(2));
      history.push_back(line);
    }
    j["history"] = history;
    cases.push_back(std::move(j));
  }
  return cases;
}

TEST(BatchDifferential, SharedScopesAndSameYearHistory) {
  const int count = bursar::testing::Sized(3000);
  for (const char* once : {"enterprise", "year"}) {
    auto engine = Engine::Load(kPolicy, {{"milestone_once", once}});
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    std::vector<Json> cases = SharedScopeCases(0x5EED0000ULL + static_cast<uint64_t>(once[0]), count);
    ExpectAgreement(**engine, cases, std::string("shared scopes, milestone once per ") + once);
    if (HasFatalFailure()) return;
    // The cases do make limits bind on several lines: a good share has a line
    // lowered after other lines or awards of the same scope took their part.
    int shared = 0;
    for (const Json& c : cases) {
      auto d = (*engine)->Evaluate(c);
      ASSERT_TRUE(d.ok());
      bool hit = false;
      for (const auto& list : {(*d)["awards"], (*d)["not_awarded"]}) {
        for (const auto& line : list) {
          for (const auto& r : line.value("reductions", nlohmann::ordered_json::array())) {
            hit |= r["why"].get<std::string>().find("already taken") != std::string::npos;
          }
        }
      }
      shared += hit;
    }
    EXPECT_GT(shared, count / 10) << "too few cases where a limit binds on several lines";
  }
  // The budget and D-G4's other setting over the same cases.
  auto engine = Engine::Load(kPolicy, {{"budget", "20000000"}, {"external_support_rule", "exclude"}});
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  ExpectAgreement(**engine, SharedScopeCases(0xB0D6E7ULL, count), "shared scopes, budget and exclude");
}

// Loans of [4.1] drawing on the year's RMB 30 million of principal (D-4b) and
// equipment claims drawing on a project's limit (tests/policies/draws):
// several claims per case, same-year history that counted part of the pool,
// earlier years that do not, refused claims that count nothing. Batch sizes
// 1 and 7 cut a case's claims across chunks.
std::vector<Json> DrawCases(uint64_t seed, int count, bool loans) {
  XorShift rng{seed};
  auto below = [&](uint64_t n) { return rng.Below(n); };
  static const char* kFigures[] = {"0", "0.01", "1000000", "5000000", "9999999.99", "10000000", "15000000",
                                   "20000000", "29999999.99", "30000000", "45000000"};
  static const char* kDays[] = {"2019-08-19", "2019-08-20", "2020-04-20", "2024-07-21", "2024-07-22",
                                "2024-10-21", "2025-05-19", "2025-05-20", "2025-12-31"};
  static const char* kProjects[] = {"", "P-1", "P-2"};
  auto money = [&]() -> std::string {
    if (below(3) == 0) return std::to_string(below(40000000)) + "." + std::to_string(10 + below(90));
    return kFigures[below(std::size(kFigures))];
  };
  std::vector<Json> cases;
  for (int c = 0; c < count; ++c) {
    Json j = {{"year", 2025}, {"facts", Json::object()}, {"claims", Json::array()}, {"history", Json::array()}};
    if (loans) {
      j["applicant"] = {{"id", "91110105MA01C9XY29"},         {"registered_in_district", below(20) != 0},
                        {"taxed_in_district", true},          {"independent_legal_person", true},
                        {"digital_health_business", true}};
    } else {
      j["applicant"] = {{"id", "91110105MA01C9XY29"}};
    }
    const char* measure = loans ? "4" : "01";
    const char* item = loans ? "interest" : "equipment";
    const char* drawn = loans ? "counted_principal" : "counted_cost";
    for (int h = static_cast<int>(below(4)); h > 0; --h) {
      Json e = {{"year", below(3) == 0 ? 2024 : 2025}, {"measure", measure}, {"item", item},
                {"amount", std::to_string(1 + below(500000)) + ".00"}, {"drawn", {{drawn, money()}}}};
      if (!loans && below(4) != 0) e["project"] = kProjects[1 + below(2)];
      j["history"].push_back(e);
    }
    for (int k = static_cast<int>(below(6)); k > 0; --k) {
      Json claim = {{"measure", measure}};
      if (loans) {
        claim["principal"] = money();
        claim["interest_paid"] = below(8) == 0 ? "0" : std::to_string(below(2000000));
        claim["drawn_on"] = kDays[below(std::size(kDays))];
      } else {
        claim["equipment_cost"] = money();
        if (const char* project = kProjects[below(3)]; *project) claim["project"] = project;
      }
      j["claims"].push_back(claim);
    }
    cases.push_back(std::move(j));
  }
  return cases;
}

TEST(BatchDifferential, DrawsFilledAcrossClaimsAndTheYearsHistory) {
  const int count = bursar::testing::Sized(3000);
  for (const bool loans : {true, false}) {
    const std::string policy = loans ? std::string(BURSAR_SOURCE_DIR) + "/policies/digital-health"
                                     : std::string(BURSAR_SOURCE_DIR) + "/tests/policies/draws";
    auto engine = Engine::Load(policy);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    std::vector<Json> cases = DrawCases(loans ? 0xD4A3ULL : 0xE1ULL, count, loans);
    ExpectAgreement(**engine, cases, policy);
    if (HasFatalFailure()) return;
    // The pools do bind: a good share of the cases has a claim that counted
    // less than its figure, and some a claim that counted nothing.
    int partial = 0, nothing = 0;
    for (const Json& c : cases) {
      auto d = (*engine)->Evaluate(c);
      ASSERT_TRUE(d.ok());
      bool cut = false, used_up = false;
      auto fen = [](const std::string& money) {
        std::string why;
        auto v = ParseMoneyString(money, &why);
        return v ? v->ToFen().value_or(-1) : -1;
      };
      for (const auto& award : (*d)["awards"]) {
        // Counted less than a whole figure: no claim of the case has this figure.
        const int64_t counted = fen(award["drawn"].begin().value().get<std::string>());
        cut |= std::none_of(c["claims"].begin(), c["claims"].end(), [&](const Json& claim) {
          return fen(claim[loans ? "principal" : "equipment_cost"].get<std::string>()) == counted;
        });
      }
      for (const auto& line : (*d)["not_awarded"]) {
        used_up |= line["why"].get<std::string>().rfind("nothing left of the limit", 0) == 0;
      }
      partial += cut;
      nothing += used_up;
    }
    EXPECT_GT(partial, count / 10) << "too few cases where a claim counted part of its figure";
    EXPECT_GT(nothing, count / 20) << "too few cases where a pool was used up";
  }
}

// Generated populations over several years, each year's awards becoming the
// next year's history, as a simulation runs them.
TEST(BatchDifferential, GeneratedPopulationsWithHistories) {
  int enterprises = bursar::testing::Sized(20000);  // CI; BURSAR_DIFF_ENTERPRISES=34000 makes 100,000+ cases over 3 years
  if (const char* env = std::getenv("BURSAR_DIFF_ENTERPRISES")) enterprises = std::atoi(env);
  auto engine = Engine::Load(kPolicy);
  ASSERT_TRUE(engine.ok());
  population::PopulationSpec spec;
  spec.seed = 2026;
  spec.enterprises = enterprises;
  spec.years = 3;
  population::PopulationGenerator gen(spec);
  std::vector<Json> history(static_cast<size_t>(enterprises), Json::array());
  size_t decided = 0;
  for (int y = 0; y < spec.years; ++y) {
    std::vector<Json> year_cases;
    for (int64_t e = 0; e < enterprises; ++e) {
      population::Case c;
      gen.Generate(e, y, &c);
      Json j = Json::parse(population::ToJson(c).dump());
      j["history"] = history[static_cast<size_t>(e)];
      year_cases.push_back(std::move(j));
    }
    ExpectAgreement(**engine, year_cases, "generated");
    if (HasFatalFailure()) return;
    for (int64_t e = 0; e < enterprises; ++e) {
      auto d = (*engine)->Evaluate(year_cases[static_cast<size_t>(e)]);
      ASSERT_TRUE(d.ok());
      for (const auto& award : (*d)["awards"]) {
        Json h = {{"year", (*d)["year"]}, {"measure", award["measure"]}, {"item", award["item"]},
                  {"amount", award["amount"]}};
        if (award.contains("project")) h["project"] = award["project"];
        history[static_cast<size_t>(e)].push_back(h);
      }
    }
    decided += year_cases.size();
  }
  EXPECT_EQ(decided, static_cast<size_t>(enterprises) * 3);
}

}  // namespace
}  // namespace bursar
