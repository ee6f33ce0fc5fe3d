// Property test: over thousands of generated cases, no award exceeds its cap,
// the total is the sum of the lines, every line is a whole number of fen, and
// the decision written as text is the decision value printed.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>

#include "case/uscc.h"
#include "eval/engine.h"
#include "population/generator.h"
#include "test_sizes.h"

namespace bursar {
namespace {

using Json = nlohmann::json;

// splitmix64: small, fast, the same sequence on every platform.
struct Rng {
  uint64_t s;
  uint64_t Next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  int64_t Below(int64_t n) { return static_cast<int64_t>(Next() % static_cast<uint64_t>(n)); }
  bool Chance(int percent) { return Below(100) < percent; }
  // Amounts with a heavy tail, in fen, as a money string.
  std::string Money(int64_t max_yuan) {
    int64_t digits = 1 + Below(12);
    int64_t yuan = 1;
    for (int64_t i = 0; i < digits; ++i) yuan *= 10;
    yuan = Below(std::min(yuan, max_yuan) + 1);
    return std::to_string(yuan) + "." + std::to_string(10 + Below(90));
  }
};

int64_t Fen(const std::string& money) {
  size_t dot = money.find('.');
  EXPECT_EQ(money.size() - dot, 3u) << money;
  return std::stoll(money.substr(0, dot)) * 100 + std::stoll(money.substr(dot + 1));
}

Json GenerateCase(Rng& rng) {
  std::string code = "91110105MA";
  const char* alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  for (int i = 0; i < 7; ++i) code.push_back(alphabet[rng.Below(31)]);
  code.push_back(UsccCheckCharacter(code));
  static const char* kTags[] = {"designated_exchange_operator", "platform_operator", "data_vendor",
                                "professional_service_agency", "innovation_platform", "industry_organization",
                                "key_enterprise", "park_enterprise", "park_operator", "scenario_builder",
                                "dataset_provider"};
  Json tags = Json::array();
  for (const char* t : kTags) {
    if (rng.Chance(30)) tags.push_back(t);
  }
  int year = 2024 + static_cast<int>(rng.Below(3));
  Json c = {{"year", year},
            {"applicant",
             {{"id", code},
              {"registered_in_chaoyang", rng.Chance(95)},
              {"taxed_in_chaoyang", rng.Chance(95)},
              {"independent_legal_person", rng.Chance(97)},
              {"serious_dishonesty_record", rng.Chance(3)},
              {"tags", tags}}},
            {"facts",
             {{"listed_data_products", rng.Below(120)},
              {"registration_certificates", rng.Below(12)},
              {"fs_inclusion_first_time", rng.Chance(20)},
              {"fs_inclusion_amount", rng.Money(5000000)},
              {"exchange_trading_volume", rng.Money(999999999999)},
              {"filed_trading_volume", rng.Money(999999999999)},
              {"compliant_export_first_time", rng.Chance(20)},
              {"platform_in_operation", rng.Chance(50)}}}};
  static const char* kRoutes[] = {"security_assessment", "standard_contract", "pi_certification"};
  c["facts"]["export_route"] = rng.Chance(70) ? Json(kRoutes[rng.Below(3)]) : Json(nullptr);
  static const std::pair<const char*, const char*> kClaims[] = {
      {"01", "exchange"}, {"02", "operation"}, {"03", "services"}, {"06", "platform"},
      {"07", "major_project"}, {"08", "park_enterprise"}, {"08", "park_operator"}, {"09", "rd_project"},
      {"10", "dataset"}, {"11", "scenario"}, {"11", "benchmark"}};
  Json claims = Json::array();
  int n = static_cast<int>(rng.Below(6));
  for (int i = 0; i < n; ++i) {
    auto [m, item] = kClaims[rng.Below(11)];
    Json claim = {{"measure", m}, {"item", item}};
    if (std::string(item) == "scenario") {
      claim["investment"] = rng.Money(50000000);
      claim["civil_construction"] = rng.Money(20000000);
    } else {
      claim["assessed"] = rng.Money(150000000);
    }
    if (rng.Chance(50)) claim["project"] = "P-" + std::to_string(rng.Below(4));
    if (rng.Chance(15)) claim["external_support"] = rng.Money(8000000);
    claims.push_back(claim);
  }
  c["claims"] = claims;
  Json history = Json::array();
  for (int y = year - 5; y < year; ++y) {
    for (const auto& [m, item] : kClaims) {
      if (rng.Chance(12)) {
        history.push_back({{"year", y}, {"measure", m}, {"item", item}, {"amount", rng.Money(20000000)}});
        if (rng.Chance(50)) history.back()["project"] = "P-" + std::to_string(rng.Below(4));
      }
    }
    if (rng.Chance(10)) history.push_back({{"year", y}, {"measure", "04"}, {"item", "milestone"}, {"amount", "500000.00"}});
  }
  c["history"] = history;
  return c;
}

TEST(PolicyProperties, AwardsRespectCapsAndTotalsAdd) {
  auto engine = Engine::Load(std::string(BURSAR_SOURCE_DIR) + "/policies/chaoyang-data-element");
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  // Annual or per-line caps of the shipped policy, in fen.
  const std::map<std::string, int64_t> line_cap = {
      {"02.operation", 1000000000}, {"03.services", 500000000}, {"06.platform", 1000000000},
      {"07.major_project", 10000000000}, {"08.park_enterprise", 500000000}, {"08.park_operator", 1000000000},
      {"09.rd_project", 1000000000}, {"10.dataset", 200000000}, {"11.scenario", 500000000},
      {"11.benchmark", 50000000}, {"04.milestone", 50000000}, {"05.export", 50000000}};
  Rng rng{20251128};
  int decided = 0, with_awards = 0;
  const int cases = bursar::testing::Sized(5000);
  for (int i = 0; i < cases; ++i) {
    Json c = GenerateCase(rng);
    auto d = (*engine)->Evaluate(c);
    ASSERT_TRUE(d.ok()) << d.status().ToString() << "\n" << c.dump();
    ++decided;
    // The text the evaluation endpoint sends is written without building the
    // value: it must be the value's canonical text, byte for byte.
    auto text = (*engine)->EvaluateText(c.dump());
    ASSERT_TRUE(text.ok()) << text.status().ToString();
    ASSERT_EQ(*text, d->dump(2) + "\n") << c.dump();
    int64_t sum = 0, m04 = 0;
    std::map<std::string, int64_t> per_item_year;
    for (const auto& a : (*d)["awards"]) {
      std::string key = a["measure"].get<std::string>() + "." + a["item"].get<std::string>();
      int64_t amount = Fen(a["amount"]), computed = Fen(a["computed"]);
      EXPECT_GT(amount, 0) << key;
      EXPECT_LE(amount, computed) << key << " pays more than it computed\n" << c.dump();
      if (line_cap.count(key)) {
        EXPECT_LE(amount, line_cap.at(key)) << key << "\n" << c.dump();
      }
      if (a["measure"] == "04") m04 += amount;
      per_item_year[key] += amount;
      sum += amount;
    }
    EXPECT_LE(m04, 200000000) << "measure 04 over RMB 2 million\n" << c.dump();
    for (const char* yearly : {"02.operation", "03.services", "06.platform", "08.park_enterprise",
                               "08.park_operator", "10.dataset"}) {
      if (per_item_year.count(yearly)) {
        EXPECT_LE(per_item_year[yearly], line_cap.at(yearly)) << yearly;
      }
    }
    EXPECT_EQ(sum, Fen((*d)["total"])) << c.dump();
    if (!(*d)["eligible"].get<bool>()) {
      EXPECT_TRUE((*d)["awards"].empty());
    }
    with_awards += (*d)["awards"].empty() ? 0 : 1;
  }
  EXPECT_EQ(decided, cases);
  EXPECT_GT(with_awards, cases * 2 / 5);  // the generator exercises the rules, not only refusals
}

}  // namespace
}  // namespace bursar

namespace bursar {
namespace {

// Every case the population generator writes is a valid case for the shipped
// policy, and its decision adds up.
TEST(PolicyProperties, GeneratedPopulationsAreDecided) {
  auto engine = Engine::Load(std::string(BURSAR_SOURCE_DIR) + "/policies/chaoyang-data-element");
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  population::PopulationSpec spec;
  spec.seed = 11;
  spec.enterprises = bursar::testing::Sized(1500);
  spec.years = 2;
  population::PopulationGenerator gen(spec);
  int awarded = 0;
  for (int y = 0; y < spec.years; ++y) {
    for (int64_t e = 0; e < spec.enterprises; ++e) {
      population::Case c;
      gen.Generate(e, y, &c);
      nlohmann::json j = nlohmann::json::parse(population::ToJson(c).dump());
      auto d = (*engine)->Evaluate(j);
      ASSERT_TRUE(d.ok()) << d.status().ToString() << "\n" << j.dump();
      int64_t sum = 0;
      for (const auto& a : (*d)["awards"]) sum += Fen(a["amount"]);
      EXPECT_EQ(sum, Fen((*d)["total"]));
      awarded += (*d)["awards"].empty() ? 0 : 1;
    }
  }
  EXPECT_GT(awarded, spec.enterprises * spec.years / 3);
}

}  // namespace
}  // namespace bursar
