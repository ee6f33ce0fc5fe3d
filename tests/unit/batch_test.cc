// The differential test: the batch evaluator decides exactly what the
// single-case evaluator decides, on every golden case of the shipped policy and
// on generated cases with histories, at batch sizes 1, 7 and 2048.
#include "eval/batch.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "case/uscc.h"
#include "eval/engine.h"
#include "population/generator.h"

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
      size_t a = 0;
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
      }
      ASSERT_EQ(a, result.awards.size()) << label;
    }
  }
}

TEST(BatchDifferential, EveryGoldenCase) {
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(kPolicy + "/tests")) {
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
    auto engine = Engine::Load(kPolicy, overrides);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    ExpectAgreement(**engine, {test["case"]}, entry.path().filename().string());
    ++files;
  }
  EXPECT_GT(files, 100);
}

// Generated populations over several years, each year's awards becoming the
// next year's history, as a simulation runs them.
TEST(BatchDifferential, GeneratedPopulationsWithHistories) {
  int enterprises = 20000;  // CI; BURSAR_DIFF_ENTERPRISES=34000 makes 100,000+ cases over 3 years
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
