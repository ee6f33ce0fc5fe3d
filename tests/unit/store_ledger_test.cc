// The ledger of awards in force (store/ledger.h): net amounts (D-G8), the
// order D-G7 serves an enterprise's applications in, the history a decision
// reads, and the committed totals D-G6 scales by — on SQLite and on a real
// PostgreSQL.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <map>

#include "audit/limits_audit.h"
#include "eval/engine.h"
#include "money/exact.h"
#include "store/migrations.h"
#include "store/store.h"
#include "store_test_support.h"

namespace bursar::store {
namespace {

using testing::Code;
using testing::PayWithApproval;
using testing::TestDatabase;
using json = nlohmann::json;

const std::string kPolicy = std::string(BURSAR_SOURCE_DIR) + "/policies/chaoyang-data-element";

int64_t Fen(const std::string& money) {
  std::string why;
  auto fen = MoneyStringToFen(money, &why);
  EXPECT_TRUE(fen) << money << ": " << why;
  return fen.value_or(0);
}

class StoreLedgerTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database_ = std::make_unique<TestDatabase>(GetParam());
    ASSERT_TRUE(database_->Create());
    ASSERT_NO_FATAL_FAILURE(Open(0));
  }
  // Opens the store and migrates it to `version` (0: the latest).
  // The default clock is the fixed clock's time until a step moves it on.
  void Open(int version, std::function<std::string()> clock = {}) {
    OpenOptions options;
    options.create = true;
    options.allow_pending = true;
    *now_ = testing::FixedClock();
    options.clock = clock ? std::move(clock) : std::function<std::string()>([now = now_] { return *now; });
    auto s = Store::Open(database_->url(), options);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    auto n = store_->Migrate("test", version);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
  }
  void ImportEnterprises(int n, const std::string& tags = "data_vendor") {
    std::string csv =
        "credit_code,name,registered_in_chaoyang,taxed_in_chaoyang,independent_legal_person,"
        "serious_dishonesty_record,tags\n";
    for (int i = 1; i <= n; ++i) csv += Code(i) + ",Enterprise " + std::to_string(i) + ",true,true,true,false," + tags + "\n";
    ImportOptions import;
    import.actor = "tester";
    auto r = store_->Import(EvidenceKind::kEnterprises, database_->WriteFile("enterprises.csv", csv), import);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->inserted, n);
  }

  // A submitted application in review by reviewer "r", who proposed `assessed`.
  int64_t InReview(int enterprise, int year, const json& claim, const std::string& assessed) {
    auto id = store_->CreateApplication("enterprise", Code(enterprise), year, claim);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    if (!id.ok()) return 0;
    EXPECT_TRUE(store_->Submit("enterprise", *id).ok());
    EXPECT_TRUE(store_->StartReview("officer", *id, {"r"}).ok());
    EXPECT_TRUE(store_->SubmitReview("r", *id, json{{"q", 80}}, assessed, "评审意见：同意。").ok());
    return *id;
  }
  // Decides application `id` the way `bursar decide` does: the case from the
  // store, the shipped policy's engine. Returns the decided total in fen.
  int64_t DecideWithEngine(int64_t id) {
    static const std::shared_ptr<const Engine> engine = Engine::Load(kPolicy).value();
    auto decide = [&](const std::string& /*policy*/, const std::string& case_text) -> Result<DecisionInput> {
      BURSAR_ASSIGN_OR_RETURN(std::string output, engine->EvaluateText(case_text));
      return DecisionInput{engine->digest(), case_text, std::move(output)};
    };
    auto d = store_->DecideFromStore("officer", id, decide);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    if (!d.ok()) return -1;
    return store_->GetDecision(*d)->total_fen;
  }
  // Decides application `id` with a hand-made output awarding `lines`
  // (measure, item, amount), as an officer recording a decision would.
  void DecideWithLines(int64_t id, int enterprise, int year,
                       const std::vector<std::tuple<std::string, std::string, std::string>>& lines) {
    json awards = json::array();
    int64_t total = 0;
    for (const auto& [measure, item, amount] : lines) {
      awards.push_back({{"measure", measure}, {"item", item}, {"amount", amount}});
      total += Fen(amount);
    }
    const json c = {{"year", year}, {"applicant", {{"id", Code(enterprise)}}}, {"facts", json::object()}};
    const json out = {{"applicant", Code(enterprise)}, {"year", year}, {"awards", awards},
                      {"total", FenToMoneyString(total)}, {"not_awarded", json::array()}};
    auto d = store_->Decide("officer", id, {"sha256:x", c.dump(), out.dump(2)});
    ASSERT_TRUE(d.ok()) << d.status().ToString();
  }
  // Notice, finalisation and payment of `amount` in one instalment, the days
  // passing on the store's clock (D-G9), which then goes back to where it was.
  void FinaliseAndPay(int64_t id, const std::string& amount) {
    const std::string was = *now_;
    ASSERT_TRUE(store_->PublishNotice("officer", id, 7).ok());
    *now_ = AddDays(BeijingDate(was), 8) + "T04:00:00.000Z";
    ASSERT_TRUE(store_->Finalise("officer", id).ok());
    auto paid = PayWithApproval(*store_, "finance", id, amount, "V-" + std::to_string(id));
    *now_ = was;
    ASSERT_TRUE(paid.ok()) << paid.status().ToString();
  }
  // The committed total the triggers keep must be the one Budget() sums.
  void ExpectYearCommittedAsSummed(int64_t year) {
    auto budget = store_->Budget(year);
    ASSERT_TRUE(budget.ok()) << budget.status().ToString();
    auto row = store_->db().QueryOne("SELECT committed_fen FROM year_committed WHERE year = ?", {year});
    ASSERT_TRUE(row.ok()) << row.status().ToString();
    EXPECT_EQ(*row ? (*row)->Int(0) : 0, budget->total.committed_fen) << "year " << year;
  }

  std::unique_ptr<TestDatabase> database_;
  std::shared_ptr<std::string> now_ = std::make_shared<std::string>(testing::FixedClock());
  std::unique_ptr<Store> store_;
};

// Issue 13: recovering RMB 0.01 of a 30,000,000 07 award took the whole award
// out of the history and the budget, and a second 07 award of 30M was decided
// for the same support period. D-G8: the recovery frees RMB 0.01, no more.
TEST_P(StoreLedgerTest, ARecoveryOfOneFenFreesOneFen) {
  ImportEnterprises(1);
  const int64_t first = InReview(1, 2024, json{{"measure", "07"}, {"assessed", "30000000"}}, "30000000");
  ASSERT_EQ(DecideWithEngine(first), 3000000000);
  ASSERT_NO_FATAL_FAILURE(FinaliseAndPay(first, "30000000"));
  ASSERT_TRUE(store_->Recover("officer", first, "0.01", "one invoice counted twice").ok());

  auto history = store_->History(Code(1), 2025);
  ASSERT_TRUE(history.ok()) << history.status().ToString();
  EXPECT_EQ(history->dump(), R"([{"year":2024,"measure":"07","item":"major_project","amount":"29999999.99"}])");
  auto budget = store_->Budget(2024);
  ASSERT_TRUE(budget.ok());
  EXPECT_EQ(budget->total.committed_fen, 2999999999) << "the award less the recovered fen";
  EXPECT_EQ(budget->total.paid_fen, 2999999999);
  ExpectYearCommittedAsSummed(2024);

  // The same support period: one fen of room is left.
  const int64_t second = InReview(1, 2025, json{{"measure", "07"}, {"assessed", "30000000"}}, "30000000");
  EXPECT_EQ(DecideWithEngine(second), 1);
}

// The other half of the example: the year was paid 204.6M against a budget of
// 200M, since a recovered award no longer counted as committed.
TEST_P(StoreLedgerTest, TheBudgetCountsAnAwardLessWhatWasRecovered) {
  ImportEnterprises(2);
  ASSERT_TRUE(store_->SetBudget("officer", 2025, "100").ok());
  const int64_t a = InReview(1, 2025, json{{"measure", "03"}}, "60");
  ASSERT_NO_FATAL_FAILURE(DecideWithLines(a, 1, 2025, {{"03", "services", "60.00"}}));
  ASSERT_NO_FATAL_FAILURE(FinaliseAndPay(a, "60"));
  ASSERT_TRUE(store_->Recover("officer", a, "0.01", "overstated").ok());
  auto budget = store_->Budget(2025);
  ASSERT_TRUE(budget.ok());
  EXPECT_EQ(budget->total.committed_fen, 5999);
  EXPECT_EQ(budget->total.payable_fen, 5999);
  EXPECT_EQ(budget->total.paid_fen, 5999);
  ExpectYearCommittedAsSummed(2025);

  // 59.99 + 40.02 > 100 once payments have begun: refused. (Counting the
  // recovered award as nothing let it through.)
  const int64_t b = InReview(2, 2025, json{{"measure", "03"}}, "40.02");
  auto c = json{{"year", 2025}, {"applicant", {{"id", Code(2)}}}, {"facts", json::object()}};
  auto out = json{{"applicant", Code(2)},
                  {"year", 2025},
                  {"awards", {{{"measure", "03"}, {"item", "services"}, {"amount", "40.02"}}}},
                  {"total", "40.02"},
                  {"not_awarded", json::array()}};
  auto refused = store_->Decide("officer", b, {"sha256:x", c.dump(), out.dump()});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("raise the budget"), std::string::npos) << refused.status().message();
  // 40.01 fits exactly.
  ASSERT_NO_FATAL_FAILURE(DecideWithLines(b, 2, 2025, {{"03", "services", "40.01"}}));
  EXPECT_EQ(store_->Budget(2025)->total.committed_fen, 10000);
  ExpectYearCommittedAsSummed(2025);
}

// Over its budget, a year's payable is each award's lines scaled on their
// own, less what was recovered of that award; a recovery of the same
// enterprise's award of another year is not the year's.
TEST_P(StoreLedgerTest, TheScaledBudgetTakesTheRecoveriesOfItsYearOnly) {
  ImportEnterprises(2);
  const int64_t earlier = InReview(1, 2024, json{{"measure", "03"}}, "50");
  ASSERT_NO_FATAL_FAILURE(DecideWithLines(earlier, 1, 2024, {{"03", "services", "50.00"}}));
  ASSERT_NO_FATAL_FAILURE(FinaliseAndPay(earlier, "50"));
  ASSERT_TRUE(store_->Recover("officer", earlier, "1.00", "an invoice of 2024 counted twice").ok());

  ASSERT_TRUE(store_->SetBudget("officer", 2025, "100").ok());
  const int64_t a = InReview(1, 2025, json{{"measure", "03"}}, "60.01");
  ASSERT_NO_FATAL_FAILURE(DecideWithLines(a, 1, 2025, {{"03", "services", "40.00"}, {"03", "services", "20.01"}}));
  const int64_t b = InReview(2, 2025, json{{"measure", "03"}}, "80");
  ASSERT_NO_FATAL_FAILURE(DecideWithLines(b, 2, 2025, {{"03", "services", "80.00"}}));
  // 140.01 against 100: floor(4000·10000/14001) + floor(2001·10000/14001) = 2856 + 1429.
  EXPECT_EQ(*store_->PayableFen(a), 4285);
  ASSERT_NO_FATAL_FAILURE(FinaliseAndPay(a, "42.85"));
  ASSERT_TRUE(store_->Recover("officer", a, "0.01", "overstated").ok());

  // 140.00 committed: factor 5/7. a: floor(4000·5/7) + floor(2001·5/7) - 1 = 2857 + 1429 - 1;
  // b: floor(8000·5/7) = 5714. The 2024 recovery of 1.00 is not 2025's.
  auto budget = store_->Budget(2025);
  ASSERT_TRUE(budget.ok()) << budget.status().ToString();
  EXPECT_TRUE(budget->scaled);
  EXPECT_EQ(budget->factor, "5/7");
  EXPECT_EQ(budget->total.committed_fen, 14000);
  EXPECT_EQ(budget->total.paid_fen, 4284);
  EXPECT_EQ(budget->total.payable_fen, 4285 + 5714);
  EXPECT_EQ(budget->by_measure["03"].payable_fen, 4285 + 5714);
  ExpectYearCommittedAsSummed(2025);
  auto before = store_->Budget(2024);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_FALSE(before->scaled);
  EXPECT_EQ(before->total.payable_fen, 4900);
}

// The server keeps a scaled year's award lines between reads of its budget
// and, after a change, reads again only the applications the audit entries
// since name: after each kind of change that moves a year's awards (a
// decision, a payment, a recovery, a decision withdrawn on objection and made
// again, another year's award, the budget itself) the kept read gives what a
// whole read gives.
TEST_P(StoreLedgerTest, AKeptYearsBudgetFollowsEveryChange) {
  ImportEnterprises(3);
  YearAwards kept;
  auto expect_kept_as_read = [&](const std::string& after) {
    SCOPED_TRACE(after);
    auto head = store_->AuditHeadSeq();
    ASSERT_TRUE(head.ok());
    auto fresh = store_->Budget(2025);
    auto followed = store_->Budget(2025, "", &kept, *head);
    ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
    ASSERT_TRUE(followed.ok()) << followed.status().ToString();
    EXPECT_EQ(followed->factor, fresh->factor);
    EXPECT_EQ(followed->total.committed_fen, fresh->total.committed_fen);
    EXPECT_EQ(followed->total.payable_fen, fresh->total.payable_fen);
    for (const auto& [measure, line] : fresh->by_measure) {
      EXPECT_EQ(followed->by_measure[measure].payable_fen, line.payable_fen) << measure;
    }
    if (fresh->scaled) {
      EXPECT_EQ(kept.seq, *head);
    }
  };
  ASSERT_TRUE(store_->SetBudget("officer", 2025, "100").ok());
  const int64_t a = InReview(1, 2025, json{{"measure", "03"}}, "60.01");
  ASSERT_NO_FATAL_FAILURE(DecideWithLines(a, 1, 2025, {{"03", "services", "40.00"}, {"03", "services", "20.01"}}));
  expect_kept_as_read("within the budget");
  EXPECT_EQ(kept.seq, -1) << "a year within its budget reads no lines";
  const int64_t b = InReview(2, 2025, json{{"measure", "05"}}, "80");
  ASSERT_NO_FATAL_FAILURE(DecideWithLines(b, 2, 2025, {{"05", "export", "80.00"}}));
  expect_kept_as_read("the first read over the budget");
  EXPECT_EQ(kept.by_application.size(), 2u);
  const int64_t c = InReview(3, 2025, json{{"measure", "03"}}, "53.33");
  ASSERT_NO_FATAL_FAILURE(DecideWithLines(c, 3, 2025, {{"03", "services", "53.33"}}));
  expect_kept_as_read("a third decision");
  EXPECT_EQ(kept.by_application.size(), 3u);
  const int64_t earlier = InReview(3, 2024, json{{"measure", "03"}}, "500");
  ASSERT_NO_FATAL_FAILURE(DecideWithLines(earlier, 3, 2024, {{"03", "services", "500.00"}}));
  expect_kept_as_read("another year's decision");
  ASSERT_TRUE(store_->PublishNotice("officer", b, 7).ok());
  auto objection = store_->FileObjection("public", b, "the export was not the applicant's");
  ASSERT_TRUE(objection.ok()) << objection.status().ToString();
  ASSERT_TRUE(store_->ResolveObjection("officer", *objection, true, "confirmed").ok());
  expect_kept_as_read("a decision withdrawn on objection");
  EXPECT_EQ(kept.by_application.count(b), 0u);
  ASSERT_NO_FATAL_FAILURE(DecideWithLines(b, 2, 2025, {{"05", "export", "50.00"}, {"05", "export", "0.05"}}));
  expect_kept_as_read("the decision made again");
  ASSERT_TRUE(store_->SetBudget("officer", 2025, "99.99").ok());
  expect_kept_as_read("a lower budget");
  ASSERT_TRUE(store_->SetBudget("officer", 2025, "1000").ok());
  expect_kept_as_read("a budget the year is within");
  ASSERT_TRUE(store_->SetBudget("officer", 2025, "100").ok());
  expect_kept_as_read("over the budget again");
  auto payable = store_->PayableFen(a);
  ASSERT_TRUE(payable.ok()) << payable.status().ToString();
  ASSERT_NO_FATAL_FAILURE(FinaliseAndPay(a, FenToMoneyString(*payable)));
  expect_kept_as_read("a payment");
  ASSERT_TRUE(store_->Recover("officer", a, "0.07", "overstated").ok());
  expect_kept_as_read("a recovery");
  EXPECT_EQ(kept.by_application.at(a).recovered_fen, 7);
}

// A recovery is taken from the application's lines from the last back; a line
// recovered in full leaves the ledger; other measures' lines of the same output
// are not the application's; once a payment has started in a year over its
// budget, the award counts as D-G6 lets it be paid.
TEST_P(StoreLedgerTest, TheLedgerHoldsNetLinesInSubmissionOrder) {
  ImportEnterprises(2);
  // Enterprise 1, 2024: an apply-free 04 award of three lines, partly recovered.
  auto proposed = store_->ProposeApplyFree("officer", 2024, "04", {Code(1)});
  ASSERT_TRUE(proposed.ok()) << proposed.status().ToString();
  const int64_t apply_free = (*proposed)[0];
  ASSERT_TRUE(store_->Submit("enterprise", apply_free).ok());
  ASSERT_TRUE(store_->StartReview("officer", apply_free, {}).ok());
  ASSERT_NO_FATAL_FAILURE(DecideWithLines(apply_free, 1, 2024,
                                          {{"04", "milestone", "500000.00"},
                                           {"04", "trading", "300.00"},
                                           {"04", "filing", "200.00"},
                                           {"05", "export", "500000.00"}}));
  ASSERT_NO_FATAL_FAILURE(FinaliseAndPay(apply_free, "500500"));
  ASSERT_TRUE(store_->Recover("officer", apply_free, "250.00", "a filing was withdrawn").ok());

  // 2025: two 03 applications, the later-made one submitted first; a budget
  // that scales the year, and a payment on one of them.
  auto made_first = store_->CreateApplication("e", Code(1), 2025, json{{"measure", "03"}, {"project", "P-1"}});
  auto made_second = store_->CreateApplication("e", Code(1), 2025, json{{"measure", "03"}, {"project", "P-2"}});
  ASSERT_TRUE(made_first.ok() && made_second.ok());
  for (int64_t id : {*made_second, *made_first}) {
    ASSERT_TRUE(store_->Submit("e", id).ok());
    ASSERT_TRUE(store_->StartReview("o", id, {"r"}).ok());
    ASSERT_TRUE(store_->SubmitReview("r", id, json{{"q", 1}}, "300", "评审意见：同意。").ok());
  }
  // Submitted in the same millisecond (the test's clock is fixed): by id.
  auto ready = store_->ReadyForDecision(2025);
  ASSERT_TRUE(ready.ok());
  EXPECT_EQ(*ready, (std::vector<int64_t>{*made_first, *made_second}));
  ASSERT_TRUE(store_->db()
                  .Execute("UPDATE application SET submitted_at = ? WHERE id = ?",
                           {std::string("2025-05-01T00:00:00.000Z"), *made_second})
                  .ok());
  ready = store_->ReadyForDecision(2025);
  EXPECT_EQ(*ready, (std::vector<int64_t>{*made_second, *made_first})) << "submitted first, served first";
  ASSERT_NO_FATAL_FAILURE(DecideWithLines(*made_first, 1, 2025, {{"03", "services", "300.00"}}));
  ASSERT_NO_FATAL_FAILURE(DecideWithLines(*made_second, 1, 2025, {{"03", "services", "100.00"}}));
  ASSERT_TRUE(store_->SetBudget("officer", 2025, "200").ok());  // 400 committed: factor 1/2
  ASSERT_NO_FATAL_FAILURE(FinaliseAndPay(*made_first, "150"));

  auto ledger = store_->Ledger(Code(1), 2025);
  ASSERT_TRUE(ledger.ok()) << ledger.status().ToString();
  std::vector<std::string> got;
  for (const LedgerLine& l : *ledger) {
    got.push_back(std::to_string(l.year) + " " + l.measure + "/" + l.item + " " + l.project + " " +
                  FenToMoneyString(l.net_fen) + " of " + FenToMoneyString(l.decided_fen));
  }
  EXPECT_EQ(got, (std::vector<std::string>{
                     "2024 04/milestone  500000.00 of 500000.00",
                     "2024 04/trading  250.00 of 300.00",  // 200 of the 250 recovered came from the filing
                     "2025 03/services P-2 100.00 of 100.00",  // submitted first; no payment: as decided
                     "2025 03/services P-1 150.00 of 300.00",  // paid at the year's factor
                 }));
  EXPECT_EQ((*ledger)[0].application_id, apply_free);
  EXPECT_EQ(store_->Ledger(Code(2), 2025)->size(), 0u);
  auto earlier = store_->Ledger(Code(1), 2024);
  EXPECT_EQ(earlier->size(), 2u) << "a ledger through 2024 stops there";

  // History for a 2026 case: every year before it.
  auto history = store_->History(Code(1), 2026);
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->size(), 4u) << history->dump();
  ExpectYearCommittedAsSummed(2024);
  ExpectYearCommittedAsSummed(2025);

  // Every enterprise of a year, with its record and ledger.
  std::vector<std::string> seen;
  ASSERT_TRUE(store_
                  ->LedgersOfYear(2025,
                                  [&](const EnterpriseLedger& e) {
                                    seen.push_back(e.enterprise.credit_code + ":" + std::to_string(e.lines.size()) +
                                                   ":" + e.enterprise.tags);
                                    return OkStatus();
                                  })
                  .ok());
  EXPECT_EQ(seen, (std::vector<std::string>{Code(1) + ":4:[\"data_vendor\"]"}));
}

// A `draw` (the second policy's [4.1]: loan principal counted up to RMB 30
// million a year): what an award counted is on its decision's output
// (`drawn`); the ledger keeps it, the next case of the year has it in its
// history, and `audit limits` sums it (Engine::CheckLedger).
TEST_P(StoreLedgerTest, WhatAnAwardDrewIsInTheLedgerAndTheHistory) {
  ImportEnterprises(1);
  const int64_t id = InReview(1, 2025, json{{"measure", "4"}, {"item", "interest"}}, "400000");
  ASSERT_NE(id, 0);
  const json award = {{"measure", "4"},
                      {"item", "interest"},
                      {"amount", "400000.00"},
                      {"drawn", {{"counted_principal", "20000000.00"}}}};
  const json c = {{"year", 2025}, {"applicant", {{"id", Code(1)}}}, {"facts", json::object()}};
  const json out = {{"applicant", Code(1)}, {"year", 2025}, {"awards", json::array({award})},
                    {"total", "400000.00"}, {"not_awarded", json::array()}};
  // A figure drawn that is not money is refused when the decision is made,
  // naming it, not found later when the ledger is read.
  json bad = out;
  bad["awards"][0]["drawn"]["counted_principal"] = 20000000;
  auto refused = store_->Decide("officer", id, {"sha256:x", c.dump(), bad.dump(2)});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().field(), "output.awards[0].drawn.counted_principal");
  ASSERT_TRUE(store_->Decide("officer", id, {"sha256:x", c.dump(), out.dump(2)}).ok());
  auto ledger = store_->Ledger(Code(1), 2025);
  ASSERT_TRUE(ledger.ok()) << ledger.status().ToString();
  ASSERT_EQ(ledger->size(), 1u);
  EXPECT_EQ((*ledger)[0].drawn,
            (std::vector<std::pair<std::string, int64_t>>{{"counted_principal", int64_t{2000000000}}}));
  auto history = store_->History(Code(1), 2025);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0]["drawn"], nlohmann::ordered_json({{"counted_principal", "20000000.00"}}));
  auto no_draws = store_->History(Code(1), 2025, nullptr, id);
  EXPECT_TRUE(no_draws->empty()) << "its own re-decision gives back what it drew";
}

// An upheld objection withdraws the decision: its room and its committed
// amount come back.
TEST_P(StoreLedgerTest, AWithdrawnDecisionGivesBackItsRoom) {
  ImportEnterprises(1);
  const int64_t id = InReview(1, 2025, json{{"measure", "10"}}, "100");
  ASSERT_NO_FATAL_FAILURE(DecideWithLines(id, 1, 2025, {{"10", "dataset", "100.00"}}));
  ExpectYearCommittedAsSummed(2025);
  EXPECT_EQ(store_->Ledger(Code(1), 2025)->size(), 1u);
  ASSERT_TRUE(store_->PublishNotice("officer", id, 7).ok());
  auto objection = store_->FileObjection("public", id, "not original");
  ASSERT_TRUE(store_->ResolveObjection("officer", *objection, true, "confirmed").ok());
  EXPECT_EQ(store_->Ledger(Code(1), 2025)->size(), 0u);
  EXPECT_EQ(store_->Budget(2025)->total.committed_fen, 0);
  ExpectYearCommittedAsSummed(2025);
}

// A store made before migration 11: the committed totals are summed from what
// is stored, and each application's submission time is its submit entry's
// (else, with no entry, its creation time).
TEST_P(StoreLedgerTest, Migration11FillsCommittedTotalsAndSubmissionTimes) {
  database_ = std::make_unique<TestDatabase>(GetParam());
  ASSERT_TRUE(database_->Create());
  static int tick = 0;
  tick = 0;
  ASSERT_NO_FATAL_FAILURE(Open(10, [] {
    char at[64];
    ++tick;
    std::snprintf(at, sizeof at, "2025-06-01T08:%02d:%02d.000Z", tick / 60 % 60, tick % 60);
    return std::string(at);
  }));
  ImportEnterprises(3);
  // The steps as migration 10's store took them, by hand: it knew no
  // submitted_at and no year_committed.
  auto step = [&](int64_t id, const std::string& to, const json& change) {
    ASSERT_TRUE(store_->Write("officer", [&](Database& db) -> Result<std::optional<json>> {
      BURSAR_RETURN_IF_ERROR(db.Execute("UPDATE application SET state = ? WHERE id = ?", {to, id}).status());
      return std::optional<json>(change);
    }).ok());
  };
  auto submit = [&](int64_t id) {
    step(id, "submitted", {{"op", "application.submit"}, {"application", id}, {"from", "draft"}, {"to", "submitted"}});
  };
  auto decide = [&](int64_t id, int n, const std::string& amount) {
    const json c = {{"year", 2025}, {"applicant", {{"id", Code(n)}}}, {"facts", json::object()}};
    const json out = {{"applicant", Code(n)}, {"year", 2025},
                      {"awards", {{{"measure", "03"}, {"item", "services"}, {"amount", amount}}}},
                      {"total", amount}, {"not_awarded", json::array()}};
    ASSERT_TRUE(store_->db()
                    .Execute("INSERT INTO decision (application_id, policy_digest, case_json, output_json, total_fen, "
                             "decided_at, decided_by, in_force) VALUES (?, 'sha256:x', ?, ?, ?, 'x', 'officer', 1)",
                             {id, c.dump(), out.dump(), Fen(amount)})
                    .ok());
    step(id, "decided", {{"op", "application.decide"}, {"application", id}});
  };
  const int64_t a = *store_->CreateApplication("e", Code(1), 2025, json{{"measure", "03"}});
  const int64_t b = *store_->CreateApplication("e", Code(2), 2025, json{{"measure", "03"}});
  const int64_t no_entry = *store_->CreateApplication("e", Code(3), 2025, json{{"measure", "03"}});
  const int64_t draft = *store_->CreateApplication("e", Code(1), 2025, json{{"measure", "10"}});
  submit(b);
  submit(a);
  step(no_entry, "submitted", {{"op", "something.else"}, {"application", no_entry}});
  decide(a, 1, "300.00");
  decide(b, 2, "200.00");
  // Notice, finalisation and payment by hand too: this build's steps write
  // columns of later migrations (D-G9's dates).
  step(a, "notice", {{"op", "application.notice"}, {"application", a}});
  step(a, "final", {{"op", "application.finalise"}, {"application", a}});
  ASSERT_TRUE(store_->db()
                  .Execute("INSERT INTO payment (application_id, instalment, amount_fen, paid_on, reference) "
                           "VALUES (?, 1, 30000, '2025-06-10', 'V-1')",
                           {a})
                  .ok());
  step(a, "paid", {{"op", "payment.record"}, {"application", a}});
  ASSERT_TRUE(store_->Recover("officer", a, "50", "overstated").ok());

  auto n = store_->Migrate("test");
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, Migrations().back().version - 10);
  auto row = store_->db().QueryOne("SELECT committed_fen, payments FROM year_committed WHERE year = 2025");
  ASSERT_TRUE(row.ok() && *row) << (row.ok() ? "no row" : row.status().ToString());
  EXPECT_EQ((*row)->Int(0), 30000 + 20000 - 5000);
  EXPECT_EQ((*row)->Int(1), 1);
  ExpectYearCommittedAsSummed(2025);
  // Each application's submission is the time of its submit entry.
  auto entries = ReadAudit(store_->db(), 1, 1000);
  ASSERT_TRUE(entries.ok());
  std::map<int64_t, std::string> submitted;
  for (const AuditEntry& e : *entries) {
    const json change = json::parse(e.change);
    if (change["op"] == "application.submit") submitted[change["application"].get<int64_t>()] = e.at;
  }
  ASSERT_EQ(submitted.size(), 2u);
  auto at = [&](int64_t id) {
    auto r = store_->db().QueryOne("SELECT submitted_at, created_at FROM application WHERE id = ?", {id});
    EXPECT_TRUE(r.ok() && *r);
    return r.ok() && *r ? std::make_pair((*r)->Text(0), (*r)->Text(1)) : std::make_pair(std::string(), std::string());
  };
  EXPECT_EQ(at(a).first, submitted[a]);
  EXPECT_EQ(at(b).first, submitted[b]);
  EXPECT_LT(at(b).first, at(a).first);
  EXPECT_EQ(at(no_entry).first, at(no_entry).second) << "no submit entry: its creation time";
  auto none = store_->db().QueryOne("SELECT submitted_at FROM application WHERE id = ?", {draft});
  ASSERT_TRUE(none.ok() && *none);
  EXPECT_TRUE((*none)->IsNull(0)) << "a draft was never submitted";
  // The ledger after the migration, in submission order.
  auto ledger = store_->Ledger(Code(1), 2025);
  ASSERT_TRUE(ledger.ok()) << ledger.status().ToString();
  ASSERT_EQ(ledger->size(), 1u);
  EXPECT_EQ((*ledger)[0].net_fen, 25000);
}

// The decision run (Store::DecideRun): whole decisions, a group of them to a
// transaction. A run killed inside a group keeps the groups committed before
// it and nothing of that one; running again decides the rest.
TEST_P(StoreLedgerTest, ADecisionRunKilledInsideAGroupKeepsWholeGroupsOnly) {
  constexpr int kApplications = 40, kPer = 8, kKillAt = 20;
  ImportEnterprises(kApplications);
  for (int n = 1; n <= kApplications; ++n) {
    ASSERT_GT(InReview(n, 2025, json{{"measure", "03"}, {"assessed", "1000000"}}, "750000"), 0);
  }
  auto ready = store_->ReadyForDecision(2025);
  ASSERT_TRUE(ready.ok());
  ASSERT_EQ(ready->size(), static_cast<size_t>(kApplications));
  const int64_t entries_before = *store_->AuditHeadSeq();
  auto engine = Engine::Load(kPolicy);
  ASSERT_TRUE(engine.ok());
  auto decide = [&](const std::string& /*policy*/, const std::string& case_text) -> Result<DecisionInput> {
    BURSAR_ASSIGN_OR_RETURN(std::string output, (*engine)->EvaluateText(case_text));
    return DecisionInput{(*engine)->digest(), case_text, std::move(output)};
  };
  int ready_pipe[2];
  ASSERT_EQ(pipe(ready_pipe), 0);
  const std::string url = database_->url();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(ready_pipe[0]);
    auto s = Store::Open(url);
    if (!s.ok()) _exit(3);
    Store::DecideRunOptions options;
    options.per_transaction = kPer;
    options.inside = [&](size_t count) {
      if (count == kKillAt) {
        const char byte = 'x';
        if (write(ready_pipe[1], &byte, 1) != 1) _exit(5);
        pause();  // until SIGKILL
      }
    };
    (void)(*s)->DecideRun("officer", *ready, decide, options, [](const Store::RunDecision&) {});
    _exit(7);
  }
  close(ready_pipe[1]);
  char byte = 0;
  ASSERT_EQ(read(ready_pipe[0], &byte, 1), 1) << "the child died before its decision run got that far";
  close(ready_pipe[0]);
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));

  store_.reset();
  ASSERT_NO_FATAL_FAILURE(Open(0));
  auto decided = [&] {
    int64_t n = 0;
    for (int64_t id : *ready) {
      auto app = store_->GetApplication(id);
      auto rows = store_->db().QueryOne("SELECT COUNT(*) FROM decision WHERE application_id = ?", {id});
      EXPECT_TRUE(app.ok() && rows.ok() && *rows);
      if (app->state == ApplicationState::kDecided) {
        ++n;
        EXPECT_EQ((*rows)->Int(0), 1) << "application " << id;
      } else {
        EXPECT_EQ(app->state, ApplicationState::kInReview) << "application " << id;
        EXPECT_EQ((*rows)->Int(0), 0) << "application " << id;
      }
    }
    EXPECT_EQ(*store_->AuditHeadSeq(), entries_before + n) << "one audit entry per decision";
    auto v = store_->VerifyAudit();
    EXPECT_TRUE(v.ok() && v->ok);
    ExpectYearCommittedAsSummed(2025);
    return n;
  };
  EXPECT_EQ(decided(), (kKillAt - 1) / kPer * kPer) << "the two groups committed before the third";

  std::vector<Store::RunDecision> made;
  Store::DecideRunOptions options;
  options.per_transaction = kPer;
  auto rest = store_->ReadyForDecision(2025);
  ASSERT_TRUE(rest.ok());
  ASSERT_TRUE(store_->DecideRun("officer", *rest, decide, options,
                                [&](const Store::RunDecision& d) { made.push_back(d); }).ok());
  EXPECT_EQ(made.size(), rest->size());
  for (const auto& d : made) {
    EXPECT_TRUE(d.status.ok()) << d.status.ToString();
    EXPECT_EQ(d.total_fen, 75000000);
  }
  EXPECT_EQ(decided(), kApplications);
}

// A decision of a group that fails is reported on its own; the group's other
// decisions are made.
TEST_P(StoreLedgerTest, ADecisionThatFailsInAGroupDoesNotStopTheOthers) {
  ImportEnterprises(5);
  std::vector<int64_t> ids;
  for (int n = 1; n <= 5; ++n) ids.push_back(InReview(n, 2025, json{{"measure", "03"}, {"assessed", "100"}}, "100"));
  auto engine = Engine::Load(kPolicy);
  ASSERT_TRUE(engine.ok());
  auto decide = [&](const std::string& /*policy*/, const std::string& case_text) -> Result<DecisionInput> {
    if (case_text.find(Code(3)) != std::string::npos) return InvalidArgument("refused for the test", "case");
    BURSAR_ASSIGN_OR_RETURN(std::string output, (*engine)->EvaluateText(case_text));
    return DecisionInput{(*engine)->digest(), case_text, std::move(output)};
  };
  std::vector<Store::RunDecision> made;
  ASSERT_TRUE(store_->DecideRun("officer", ids, decide, {}, [&](const Store::RunDecision& d) { made.push_back(d); })
                  .ok());
  ASSERT_EQ(made.size(), 5u);
  for (size_t i = 0; i < made.size(); ++i) {
    EXPECT_EQ(made[i].application_id, ids[i]);
    if (i == 2) {
      EXPECT_EQ(made[i].status.code(), StatusCode::kInvalidArgument);
      EXPECT_EQ(made[i].decision_id, 0);
      EXPECT_EQ(store_->GetApplication(ids[i])->state, ApplicationState::kInReview);
    } else {
      EXPECT_TRUE(made[i].status.ok()) << made[i].status.ToString();
      EXPECT_EQ(made[i].total_fen, 10000);
      EXPECT_EQ(store_->GetApplication(ids[i])->state, ApplicationState::kDecided);
    }
  }
  ExpectYearCommittedAsSummed(2025);
}

// A decision run reads what it checks of a group at once (Store::PrefetchRun)
// and must refuse what a decision made on its own would: reviews pending,
// the officer who verified the enterprise's declaration (S8), and a decision
// over the budget once payments have begun, counted with the group's own
// decisions before it. A refusal in a group has the group decided again one
// by one, so each run below holds one application to refuse: one the run let
// through would be committed with its group.
// A decision moves its application's version by two (the decision and the
// change of state), alone and in a run, on both databases: on PostgreSQL the
// row is written once with both (migration 31), and the seals still agree.
TEST_P(StoreLedgerTest, ADecisionMovesItsApplicationsVersionByTwoAloneAndInARun) {
  ImportEnterprises(3);
  std::map<int, int64_t> app, version;
  for (int n : {1, 2, 3}) {
    app[n] = InReview(n, 2025, json{{"measure", "03"}, {"assessed", "100"}}, "100");
    auto row = store_->GetApplicationRow(app[n]);
    ASSERT_TRUE(row.ok()) << row.status().ToString();
    version[n] = row->version;
  }
  auto engine = Engine::Load(kPolicy);
  ASSERT_TRUE(engine.ok());
  auto decide = [&](const std::string& /*policy*/, const std::string& case_text) -> Result<DecisionInput> {
    BURSAR_ASSIGN_OR_RETURN(std::string output, (*engine)->EvaluateText(case_text));
    return DecisionInput{(*engine)->digest(), case_text, std::move(output)};
  };
  ASSERT_TRUE(store_->DecideFromStore("olga", app[1], decide).ok());
  size_t decided = 0;
  ASSERT_TRUE(store_->DecideRun("olga", {app[2], app[3]}, decide, {}, [&](const Store::RunDecision& d) {
    EXPECT_TRUE(d.status.ok()) << d.status.ToString();
    decided += d.status.ok();
  }).ok());
  EXPECT_EQ(decided, 2u);
  for (int n : {1, 2, 3}) {
    auto row = store_->GetApplicationRow(app[n]);
    ASSERT_TRUE(row.ok());
    EXPECT_EQ(row->application.state, ApplicationState::kDecided);
    EXPECT_EQ(row->version, version[n] + 2) << "application of enterprise " << n;
  }
  // An objection is a child row: its own bump is not skipped after a decision.
  ASSERT_TRUE(store_->PublishNotice("olga", app[1], 7).ok());
  const int64_t noticed = store_->GetApplicationRow(app[1])->version;
  ASSERT_TRUE(store_->FileObjection("enterprise", app[1], "异议").ok());
  EXPECT_EQ(store_->GetApplicationRow(app[1])->version, noticed + 1);
  auto verdict = store_->VerifyAudit();
  ASSERT_TRUE(verdict.ok()) << verdict.status().ToString();
  EXPECT_TRUE(verdict->ok) << verdict->problem;
  EXPECT_EQ(verdict->rows_disagreeing, 0);
}

TEST_P(StoreLedgerTest, ADecisionRunRefusesWhatADecisionOnItsOwnWould) {
  ImportEnterprises(7);
  // Payments of 2025 have begun: enterprise 1's award of 100.00, paid.
  const int64_t paid = InReview(1, 2025, json{{"measure", "03"}, {"assessed", "100"}}, "100");
  ASSERT_NO_FATAL_FAILURE(DecideWithLines(paid, 1, 2025, {{"03", "services", "100.00"}}));
  ASSERT_NO_FATAL_FAILURE(FinaliseAndPay(paid, "100"));
  ASSERT_TRUE(store_->SetBudget("officer", 2025, "350").ok());  // 100.00 committed: room for 250.00
  std::map<int, int64_t> app;
  for (int n : {2, 3, 4, 6, 7}) app[n] = InReview(n, 2025, json{{"measure", "03"}, {"assessed", "100"}}, "100");
  // Enterprise 5's reviewer has not scored it.
  auto pending = store_->CreateApplication("enterprise", Code(5), 2025, json{{"measure", "03"}, {"assessed", "100"}});
  ASSERT_TRUE(pending.ok());
  ASSERT_TRUE(store_->Submit("enterprise", *pending).ok());
  ASSERT_TRUE(store_->StartReview("officer", *pending, {"r"}).ok());
  app[5] = *pending;
  // olga, who runs the decisions, verified enterprise 6's declared filing.
  auto filing = testing::ImportAs(*store_, *database_, EvidenceKind::kFilings, "f.csv",
                                  "credit_code,filing_id,date,amount\n" + Code(6) + ",F1,2025-03-01,100.00\n",
                                  "applicant-6", true);
  ASSERT_TRUE(filing.ok() && filing->inserted == 1);
  ASSERT_TRUE(store_->VerifyEvidence("olga", EvidenceKind::kFilings,
                                     json::array({{{"credit_code", Code(6)}, {"filing_id", "F1"}}}))
                  .ok());
  auto engine = Engine::Load(kPolicy);
  ASSERT_TRUE(engine.ok());
  auto decide = [&](const std::string& /*policy*/, const std::string& case_text) -> Result<DecisionInput> {
    BURSAR_ASSIGN_OR_RETURN(std::string output, (*engine)->EvaluateText(case_text));
    return DecisionInput{(*engine)->digest(), case_text, std::move(output)};
  };
  auto run = [&](const std::vector<int>& enterprises) {
    std::vector<int64_t> ids;
    for (int n : enterprises) ids.push_back(app[n]);
    std::vector<std::string> outcome;
    EXPECT_TRUE(store_->DecideRun("olga", ids, decide, {}, [&](const Store::RunDecision& d) {
      outcome.push_back(d.status.ok() ? "decided" : d.status.reason());
    }).ok());
    return outcome;
  };
  EXPECT_EQ(run({5}), (std::vector<std::string>{"reviews_pending"}));
  EXPECT_EQ(run({2, 6}), (std::vector<std::string>{"decided", "verifier_decides"}));
  EXPECT_EQ(run({3, 4}), (std::vector<std::string>{"decided", "budget_exceeded"}))
      << "100 + 100 + 100 committed, and 100 more is over 350";
  ASSERT_TRUE(store_->SetBudget("officer", 2025, "1000").ok());
  EXPECT_EQ(run({7, 7}), (std::vector<std::string>{"decided", "wrong_state"})) << "the same application twice";
  for (int n : {4, 5, 6}) EXPECT_EQ(store_->GetApplication(app[n])->state, ApplicationState::kInReview) << n;
  auto decisions = store_->db().QueryOne("SELECT COUNT(*) FROM decision WHERE application_id = ?", {app[7]});
  ASSERT_TRUE(decisions.ok() && *decisions);
  EXPECT_EQ((*decisions)->Int(0), 1);
  ExpectYearCommittedAsSummed(2025);
}

// The enterprises of a large group are asked about in several queries: the
// officer who verified evidence of the 230th of 250 still does not decide it.
TEST_P(StoreLedgerTest, ADecisionRunOfALargeGroupChecksEveryEnterprise) {
  constexpr int kEnterprises = 250, kVerified = 230;
  ImportEnterprises(kEnterprises);
  auto filing = testing::ImportAs(*store_, *database_, EvidenceKind::kFilings, "f.csv",
                                  "credit_code,filing_id,date,amount\n" + Code(kVerified) + ",F1,2025-03-01,100.00\n",
                                  "applicant", true);
  ASSERT_TRUE(filing.ok() && filing->inserted == 1);
  ASSERT_TRUE(store_->VerifyEvidence("olga", EvidenceKind::kFilings,
                                     json::array({{{"credit_code", Code(kVerified)}, {"filing_id", "F1"}}}))
                  .ok());
  std::vector<std::string> codes;
  for (int n = 1; n <= kEnterprises; ++n) codes.push_back(Code(n));
  auto ids = store_->ProposeApplyFree("officer", 2025, "04", codes);
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  ASSERT_EQ(ids->size(), static_cast<size_t>(kEnterprises));
  for (int64_t id : *ids) {
    ASSERT_TRUE(store_->Submit("enterprise", id).ok());
    ASSERT_TRUE(store_->StartReview("officer", id, {}).ok());
  }
  auto engine = Engine::Load(kPolicy);
  ASSERT_TRUE(engine.ok());
  auto decide = [&](const std::string& /*policy*/, const std::string& case_text) -> Result<DecisionInput> {
    BURSAR_ASSIGN_OR_RETURN(std::string output, (*engine)->EvaluateText(case_text));
    return DecisionInput{(*engine)->digest(), case_text, std::move(output)};
  };
  Store::DecideRunOptions options;
  options.per_transaction = kEnterprises;
  std::map<std::string, int> outcomes;
  ASSERT_TRUE(store_->DecideRun("olga", *ids, decide, options, [&](const Store::RunDecision& d) {
    ++outcomes[d.status.ok() ? "decided" : d.status.reason()];
  }).ok());
  EXPECT_EQ(outcomes, (std::map<std::string, int>{{"decided", kEnterprises - 1}, {"verifier_decides", 1}}));
  EXPECT_EQ(store_->GetApplication((*ids)[kVerified - 1])->state, ApplicationState::kInReview);
}

// Issue 13's first example: two applications of one data vendor for measure
// 03 in 2025, projects P1 and P2, each assessed at RMB 5,000,000 (at most
// 5,000,000 an enterprise a year, [03.1]). The second decision's case holds
// the first's award as same-year history (D-G7), so it gets nothing; through
// the decision run (several decisions of one enterprise in one transaction)
// the same. `bursar audit limits` finds nothing over.
TEST_P(StoreLedgerTest, TheSameYearsAwardsOfOtherApplicationsShareTheCap) {
  ImportEnterprises(2);
  const int64_t p1 = InReview(1, 2025, json{{"measure", "03"}, {"project", "P1"}, {"assessed", "5000000"}}, "5000000");
  const int64_t p2 = InReview(1, 2025, json{{"measure", "03"}, {"project", "P2"}, {"assessed", "5000000"}}, "5000000");
  EXPECT_EQ(DecideWithEngine(p1), 500000000);
  EXPECT_EQ(DecideWithEngine(p2), 0) << "the enterprise's 2025 room for 03 was taken by P1";
  auto history = store_->History(Code(1), 2025, nullptr, p2);
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->dump(), R"([{"year":2025,"measure":"03","item":"services","amount":"5000000.00","project":"P1"}])")
      << "a decision of P2 again sees P1's award and not its own";

  std::vector<int64_t> ids;
  for (const char* project : {"Q1", "Q2", "Q3"}) {
    ids.push_back(InReview(2, 2025, json{{"measure", "03"}, {"project", project}, {"assessed", "3000000"}}, "3000000"));
  }
  auto engine = Engine::Load(kPolicy);
  ASSERT_TRUE(engine.ok());
  auto decide = [&](const std::string& /*policy*/, const std::string& case_text) -> Result<DecisionInput> {
    BURSAR_ASSIGN_OR_RETURN(std::string output, (*engine)->EvaluateText(case_text));
    return DecisionInput{(*engine)->digest(), case_text, std::move(output)};
  };
  std::vector<int64_t> totals;
  ASSERT_TRUE(store_->DecideRun("officer", ids, decide, {}, [&](const Store::RunDecision& d) {
    EXPECT_TRUE(d.status.ok()) << d.status.ToString();
    totals.push_back(d.total_fen);
  }).ok());
  EXPECT_EQ(totals, (std::vector<int64_t>{300000000, 200000000, 0})) << "served in submission order";
  ExpectYearCommittedAsSummed(2025);

  auto report = audit::AuditLimits(*store_, **engine, 2025);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->enterprises, 2);
  EXPECT_EQ(report->decisions, 3) << "P1, Q1 and Q2 awarded; P2 and Q3 are nil decisions with no line";
  for (const auto& o : report->over) ADD_FAILURE() << audit::LimitOverrunText(o);
}

// `bursar audit limits` on a store decided the old way (each decision blind
// to the same year's others, as before issue 13): the overrun is found, with
// the limit, its clause, the amount over and both decisions; an enterprise
// decided the new way has none.
TEST_P(StoreLedgerTest, TheLimitsAuditFindsTheOldWaysOverrunsAndNoneDecidedTheNewWay) {
  ImportEnterprises(2);
  std::vector<int64_t> old_way;
  for (const char* project : {"P1", "P2"}) {
    const int64_t id = InReview(1, 2025, json{{"measure", "03"}, {"project", project}, {"assessed", "5000000"}}, "5000000");
    ASSERT_NO_FATAL_FAILURE(DecideWithLines(id, 1, 2025, {{"03", "services", "5000000.00"}}));
    auto row = store_->db().QueryOne("SELECT id FROM decision WHERE application_id = ?", {id});
    ASSERT_TRUE(row.ok() && *row);
    old_way.push_back((*row)->Int(0));
  }
  for (const char* project : {"P1", "P2"}) {
    const int64_t id = InReview(2, 2025, json{{"measure", "03"}, {"project", project}, {"assessed", "5000000"}}, "5000000");
    DecideWithEngine(id);
  }
  auto engine = Engine::Load(kPolicy);
  ASSERT_TRUE(engine.ok());
  auto report = audit::AuditLimits(*store_, **engine, 2025);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->enterprises, 2);
  ASSERT_EQ(report->over.size(), 1u);
  const audit::LimitOverrun& o = report->over[0];
  EXPECT_EQ(o.credit_code, Code(1));
  EXPECT_EQ(o.excess.kind, "cap");
  EXPECT_NE(o.excess.clause.find("[03.1]"), std::string::npos) << o.excess.clause;
  EXPECT_EQ(o.excess.limit_value, 500000000);
  EXPECT_EQ(o.excess.total, 1000000000);
  EXPECT_EQ(o.excess.over, 500000000);
  EXPECT_EQ(o.decisions, old_way);
  const auto j = audit::LimitsReportJson(*report);
  EXPECT_EQ(j["clean"], false);
  EXPECT_EQ(j["over"][0]["over"], "5000000.00");
  EXPECT_EQ(audit::AuditLimits(*store_, **engine, 2024)->enterprises, 0) << "no award in force in 2024";
}

// `bursar propose` reads the next chunk's cases while it decides this
// chunk's (BuildCases sends the reads ahead): the cases must be those read
// one enterprise at a time (BuildCase), facts and history alike, in
// credit-code order, also when the callback uses the store meanwhile (which
// reads the reads sent ahead first).
TEST_P(StoreLedgerTest, CasesReadAheadAreTheCasesReadOneAtATime) {
  constexpr int kEnterprises = 7;
  ImportEnterprises(kEnterprises);
  std::string trades = "credit_code,exchange,trade_id,date,side,amount,legally_established\n";
  std::string listings = "exchange,listing_id,credit_code,product,type,listing_date,status\n";
  for (int n = 1; n <= kEnterprises; ++n) {
    for (int t = 0; t < n; ++t) {
      trades += Code(n) + ",BJDE,T" + std::to_string(n) + "-" + std::to_string(t) + ",2025-0" + std::to_string(1 + t % 9) +
                "-15,seller," + std::to_string(1000 * n + t) + ".50," + (t % 3 == 2 ? "false" : "true") + "\n";
    }
    if (n % 2 == 1) listings += "BJDE,L" + std::to_string(n) + "," + Code(n) + ",Product,dataset,2024-06-01,listed\n";
  }
  ImportOptions import;
  import.actor = "tester";
  for (auto [kind, file, csv] : {std::tuple{EvidenceKind::kTrades, "trades.csv", &trades},
                                  std::tuple{EvidenceKind::kListings, "listings.csv", &listings}}) {
    auto r = store_->Import(kind, database_->WriteFile(file, *csv), import);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_TRUE(r->rejected.empty()) << r->rejected[0].reason;
  }
  // Awards of 2024 for enterprises 2 and 5: their histories.
  for (int n : {2, 5}) {
    const int64_t id = InReview(n, 2024, json{{"measure", "03"}, {"project", "P"}, {"assessed", "1000"}}, "1000");
    ASSERT_NO_FATAL_FAILURE(DecideWithLines(id, n, 2024, {{"03", "", std::to_string(100 * n) + ".00"}}));
  }
  std::vector<std::string> codes;
  for (int n = kEnterprises; n >= 1; --n) codes.push_back(Code(n));  // any order
  std::map<std::string, std::string> alone;
  for (const std::string& code : codes) {
    auto c = store_->BuildCase(code, 2025, json::array());
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    alone[code] = c->dump();
  }
  EXPECT_NE(alone[Code(2)].find("\"history\""), std::string::npos);
  EXPECT_NE(alone[Code(7)].find("\"exchange_trading_volume\":\"35016.50\""), std::string::npos) << alone[Code(7)];
  for (bool use_the_store : {false, true}) {
    std::vector<std::string> order;
    std::map<std::string, std::string> ahead;
    auto built = store_->BuildCases(
        2025, codes,
        [&](const std::string& code, nlohmann::ordered_json&& c) -> Status {
          order.push_back(code);
          ahead[code] = c.dump();
          if (use_the_store) BURSAR_RETURN_IF_ERROR(store_->AuditHeadSeq().status());
          return OkStatus();
        },
        nullptr, /*chunk=*/2);
    ASSERT_TRUE(built.ok()) << built.ToString();
    EXPECT_EQ(ahead, alone) << "use_the_store " << use_the_store;
    EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
    EXPECT_EQ(order.size(), static_cast<size_t>(kEnterprises));
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreLedgerTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
}  // namespace bursar::store
