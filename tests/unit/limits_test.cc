// The ledger check (Engine::CheckLedger): which limits of the shipped policy
// the awards in force of one enterprise exceed in a year. The ledgers are the
// overpayments issue 13 found (two 03 awards of one year, an 07 total past
// its cap, a project awarded twice) and their lawful counterparts.
#include <gtest/gtest.h>

#include "eval/engine.h"

namespace bursar {
namespace {

using Json = nlohmann::json;

const std::string kPolicy = std::string(BURSAR_SOURCE_DIR) + "/policies/chaoyang-data-element";

const Engine& Chaoyang() {
  static std::shared_ptr<const Engine> engine = [] {
    auto e = Engine::Load(kPolicy);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return *e;
  }();
  return *engine;
}

Json Applicant(std::vector<std::string> tags = {"data_vendor"}) {
  return {{"id", "91110105MA01C9XY29"},
          {"name", "Example Data Co., Ltd."},
          {"registered_in_chaoyang", true},
          {"taxed_in_chaoyang", true},
          {"independent_legal_person", true},
          {"tags", tags}};
}

LedgerLine L(int year, std::string measure, std::string item, int64_t yuan, std::string id, std::string project = "",
             std::string solution = "") {
  LedgerLine l;
  l.year = year;
  l.measure = std::move(measure);
  l.item = std::move(item);
  l.amount_fen = yuan * 100;
  l.id = std::move(id);
  l.project = std::move(project);
  l.solution = std::move(solution);
  return l;
}

std::vector<LimitExcess> Check(int year, const std::vector<LedgerLine>& ledger, Json applicant = Applicant()) {
  auto r = Chaoyang().CheckLedger(year, applicant, ledger);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<LimitExcess>{};
}

TEST(CheckLedger, TwoAwardsOfOneYearPastTheAnnualCap) {
  // Issue 13: two applications of one vendor for 03 in 2025, 5,000,000 each.
  auto found = Check(2025, {L(2025, "03", "services", 5000000, "d1", "P1"), L(2025, "03", "services", 5000000, "d2", "P2")});
  ASSERT_EQ(found.size(), 1u);
  const LimitExcess& e = found[0];
  EXPECT_EQ(e.kind, "cap");
  EXPECT_EQ(e.limit, "03 services: at most 5000000.00 per year");
  EXPECT_EQ(e.clause, "[03.1]");
  EXPECT_EQ(e.decision, "D-03");
  EXPECT_EQ(e.scope, "enterprise");
  EXPECT_EQ(e.key, "");
  EXPECT_EQ(e.span_first, 2025);
  EXPECT_EQ(e.span_last, 2025);
  EXPECT_TRUE(e.money);
  EXPECT_EQ(e.limit_value, 500000000);
  EXPECT_EQ(e.total, 1000000000);
  EXPECT_EQ(e.over, 500000000);
  EXPECT_EQ(e.ids, (std::vector<std::string>{"d1", "d2"}));
  EXPECT_EQ(e.lines, (std::vector<size_t>{0, 1}));
}

TEST(CheckLedger, AtTheCapIsLawfulAndOtherYearsAreApart) {
  EXPECT_TRUE(Check(2025, {L(2025, "03", "services", 3000000, "a"), L(2025, "03", "services", 2000000, "b"),
                           L(2024, "03", "services", 5000000, "c")})
                  .empty());
  // A line one fen over is found.
  auto lines = std::vector<LedgerLine>{L(2025, "03", "services", 3000000, "a"), L(2025, "03", "services", 2000000, "b")};
  lines[1].amount_fen += 1;
  auto found = Check(2025, lines);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].over, 1);
}

TEST(CheckLedger, AYearIsCheckedOnItsOwnLinesAndLaterYearsAreIgnored) {
  std::vector<LedgerLine> ledger = {L(2024, "03", "services", 6000000, "old"), L(2026, "03", "services", 9000000, "later"),
                                    L(2025, "03", "services", 1000000, "now")};
  EXPECT_TRUE(Check(2025, ledger).empty());
  auto found = Check(2024, ledger);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].ids, (std::vector<std::string>{"old"}));
}

TEST(CheckLedger, PeriodTotalOverAllOfTheEnterprisesAwards) {
  // Two 07 claims of one case each given the whole period's room (issue 13).
  auto found = Check(2025, {L(2024, "07", "major_project", 10000000, "y1"), L(2025, "07", "major_project", 15000000, "a"),
                            L(2025, "07", "major_project", 10632543, "b")});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].kind, "cap");
  EXPECT_EQ(found[0].limit, "07 major_project: at most 30000000.00 per period");
  EXPECT_EQ(found[0].span_first, 2024);
  EXPECT_EQ(found[0].span_last, 2025);
  EXPECT_EQ(found[0].total, 3563254300);
  EXPECT_EQ(found[0].over, 563254300);
  EXPECT_EQ(found[0].ids, (std::vector<std::string>{"y1", "a", "b"}));
  // A key enterprise has 100,000,000 over five years.
  EXPECT_TRUE(Check(2025,
                    {L(2024, "07", "major_project", 10000000, "y1"), L(2025, "07", "major_project", 15000000, "a"),
                     L(2025, "07", "major_project", 10632543, "b")},
                    Applicant({"key_enterprise"}))
                  .empty());
}

TEST(CheckLedger, ProjectCapAndOncePerProject) {
  // 09: 10,000,000 per project over all its claims, awarded in one year only.
  auto found = Check(2025, {L(2025, "09", "rd_project", 6000000, "a", "P1"), L(2025, "09", "rd_project", 6000000, "b", "P1"),
                            L(2025, "09", "rd_project", 9000000, "c", "P2")});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].scope, "project");
  EXPECT_EQ(found[0].key, "P1");
  EXPECT_EQ(found[0].over, 200000000);
  EXPECT_EQ(found[0].ids, (std::vector<std::string>{"a", "b"}));

  found = Check(2025, {L(2023, "09", "rd_project", 1000000, "old", "P1"), L(2025, "09", "rd_project", 1000000, "new", "P1")});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].kind, "once");
  EXPECT_EQ(found[0].limit, "09 rd_project: once per project (awarded in one year only)");
  EXPECT_EQ(found[0].key, "P1");
  EXPECT_FALSE(found[0].money);
  EXPECT_EQ(found[0].limit_value, 1);
  EXPECT_EQ(found[0].total, 2);
  EXPECT_EQ(found[0].span_first, 2023);
  EXPECT_EQ(found[0].ids, (std::vector<std::string>{"old", "new"}));
}

TEST(CheckLedger, ApplyFreeItemDecidedTwiceAndOnceEver) {
  auto found = Check(2025, {L(2025, "05", "export", 500000, "a"), L(2025, "05", "export", 500000, "b")});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].kind, "decided_twice");
  EXPECT_EQ(found[0].clause, "[05.1]");
  EXPECT_EQ(found[0].decision, "D-05");
  EXPECT_EQ(found[0].total, 2);

  found = Check(2025, {L(2022, "05", "export", 500000, "first"), L(2025, "05", "export", 500000, "again")});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].kind, "once");
  EXPECT_EQ(found[0].scope, "enterprise");
}

TEST(CheckLedger, ConsecutiveYearsAndSupportPeriod) {
  auto found = Check(2025, {L(2022, "02", "operation", 1000000, "y22"), L(2023, "02", "operation", 1000000, "y23"),
                            L(2024, "02", "operation", 1000000, "y24"), L(2025, "02", "operation", 1000000, "y25")});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].kind, "consecutive");
  EXPECT_EQ(found[0].limit, "02 operation: at most 3 consecutive years");
  EXPECT_EQ(found[0].total, 4);
  EXPECT_EQ(found[0].span_first, 2022);

  found = Check(2025, {L(2021, "06", "platform", 1000000, "first"), L(2025, "06", "platform", 1000000, "late")});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].kind, "period");
  EXPECT_EQ(found[0].span_first, 2021);
  EXPECT_EQ(found[0].total, 5);
  EXPECT_EQ(found[0].over, 2);
  EXPECT_EQ(found[0].ids, (std::vector<std::string>{"late"}));
}

TEST(CheckLedger, MeasureTotal) {
  // D-04d: 2,000,000 over milestone, trading and filing of one year.
  auto found = Check(2025, {L(2025, "04", "milestone", 500000, "m"), L(2025, "04", "trading", 1600000, "t")});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].limit, "04 total of milestone + trading + filing: at most 2000000.00 per year");
  EXPECT_EQ(found[0].clause, "[04.3]");
  EXPECT_EQ(found[0].decision, "D-04d");
  EXPECT_EQ(found[0].over, 10000000);
}

TEST(CheckLedger, BadInputNamesTheField) {
  auto r = Chaoyang().CheckLedger(2025, Applicant(), {L(2025, "99", "x", 1, "a")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "ledger[0].measure");
  r = Chaoyang().CheckLedger(2025, Applicant(), {L(2025, "04", "", 1, "a")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "ledger[0].item");
  Json bad = Applicant();
  bad["id"] = "not a code";
  r = Chaoyang().CheckLedger(2025, bad, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "applicant.id");
}

// The second policy's [4.1]: loan principal counted at most RMB 30 million
// a year per enterprise (D-4b), a `draw`. Each award's `drawn` says what it
// counted; the year's awards together may not pass the limit.
const Engine& DigitalHealth() {
  static std::shared_ptr<const Engine> engine = [] {
    auto e = Engine::Load(std::string(BURSAR_SOURCE_DIR) + "/policies/digital-health");
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return *e;
  }();
  return *engine;
}

LedgerLine Loan(int year, int64_t interest_yuan, int64_t principal_yuan, std::string id) {
  LedgerLine l = L(year, "4", "interest", interest_yuan, std::move(id));
  l.drawn = {{"counted_principal", principal_yuan * 100}};
  return l;
}

std::vector<LimitExcess> CheckDigitalHealth(int year, const std::vector<LedgerLine>& ledger) {
  const Json applicant = {{"id", "91110105MA01C9XY29"},
                          {"registered_in_district", true},
                          {"taxed_in_district", true},
                          {"independent_legal_person", true},
                          {"digital_health_business", true}};
  auto r = DigitalHealth().CheckLedger(year, applicant, ledger);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<LimitExcess>{};
}

TEST(CheckLedger, TheYearsDrawsPastTheirLimit) {
  // Two decisions of 2025 counted 20M and 15M of principal: 35M of 30M.
  auto found = CheckDigitalHealth(2025, {Loan(2025, 400000, 20000000, "d1"), Loan(2025, 300000, 15000000, "d2")});
  ASSERT_EQ(found.size(), 1u);
  const LimitExcess& e = found[0];
  EXPECT_EQ(e.kind, "draw");
  EXPECT_EQ(e.limit, "4 interest: loan principal counted at most 30000000.00 per enterprise per year");
  EXPECT_EQ(e.clause, "[4.1]");
  EXPECT_EQ(e.decision, "D-4b");
  EXPECT_EQ(e.scope, "enterprise");
  EXPECT_EQ(e.key, "");
  EXPECT_EQ(e.span_first, 2025);
  EXPECT_EQ(e.span_last, 2025);
  EXPECT_TRUE(e.money);
  EXPECT_EQ(e.limit_value, 3000000000);
  EXPECT_EQ(e.total, 3500000000);
  EXPECT_EQ(e.over, 500000000);
  EXPECT_EQ(e.ids, (std::vector<std::string>{"d1", "d2"}));
  EXPECT_EQ(e.lines, (std::vector<size_t>{0, 1}));
}

TEST(CheckLedger, DrawsAtTheirLimitAndOfOtherYearsAreLawful) {
  EXPECT_TRUE(CheckDigitalHealth(2025, {Loan(2025, 400000, 20000000, "a"), Loan(2025, 300000, 10000000, "b")}).empty());
  EXPECT_TRUE(CheckDigitalHealth(2025, {Loan(2024, 400000, 30000000, "a"), Loan(2025, 300000, 30000000, "b"),
                                        Loan(2026, 300000, 30000000, "c")})
                  .empty())
      << "each year has its own 30 million";
  // A line without `drawn` (a decision stored before draws) counts nothing.
  EXPECT_TRUE(CheckDigitalHealth(2025, {L(2025, "4", "interest", 400000, "a"), Loan(2025, 1, 30000000, "b")}).empty());
}

TEST(CheckLedger, ADrawTheItemDoesNotHaveNamesTheField) {
  LedgerLine l = Loan(2025, 1, 1, "a");
  l.drawn = {{"principal", 100}};
  const Json applicant = {{"id", "91110105MA01C9XY29"}};
  auto r = DigitalHealth().CheckLedger(2025, applicant, {l});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "ledger[0].drawn.principal");
  l.drawn = {{"counted_principal", -1}};
  r = DigitalHealth().CheckLedger(2025, applicant, {l});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "ledger[0].drawn.counted_principal");
}

}  // namespace
}  // namespace bursar
