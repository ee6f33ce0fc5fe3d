// A second programme in one store (issue 16, migration 28): applications
// name their policy; another programme's cases are built from the figures
// stored for it (declared ones counted once verified, D-G10) and its own
// awards; its limits do not count the store's own programme's awards, nor
// do the own programme's budget totals count its awards — on SQLite and on
// a real PostgreSQL.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "eval/engine.h"
#include "money/exact.h"
#include "store/audit_derived.h"
#include "store/store.h"
#include "store_test_support.h"

namespace bursar::store {
namespace {

using testing::Code;
using testing::TestDatabase;
using json = nlohmann::json;

constexpr const char* kHealth = "digital-health";

const Engine& HealthEngine() {
  static const std::shared_ptr<const Engine> engine =
      Engine::Load(std::string(BURSAR_SOURCE_DIR) + "/policies/digital-health").value();
  return *engine;
}

class StoreProgrammesTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database_ = std::make_unique<TestDatabase>(GetParam());
    ASSERT_TRUE(database_->Create());
    OpenOptions options;
    options.create = true;
    options.allow_pending = true;
    options.clock = [] { return testing::FixedClock(); };
    auto s = Store::Open(database_->url(), options);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    ASSERT_TRUE(store_->Migrate("test").ok());
    std::string csv =
        "credit_code,name,registered_in_chaoyang,taxed_in_chaoyang,independent_legal_person,"
        "serious_dishonesty_record,tags\n";
    for (int i = 1; i <= 2; ++i) csv += Code(i) + ",Enterprise " + std::to_string(i) + ",true,true,true,false,\n";
    ImportOptions import;
    import.actor = "data-bureau";
    auto r = store_->Import(EvidenceKind::kEnterprises, database_->WriteFile("enterprises.csv", csv), import);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    // As the server and `bursar decide --also-policy` do: declared figures
    // count as the programme's policy reads declarations.
    store_->SetFigureReader(HealthFigures());
  }

  // Imports figures (CSV rows after the header) read as the digital-health
  // policy declares them, as `bursar import figures --also-policy` does.
  static FigureReader HealthFigures() {
    return [](std::string_view policy, int64_t year, std::string_view code, std::string_view name,
              std::string_view value, bool from_enterprise) -> Result<std::string> {
      if (policy != kHealth) return Status(StatusCode::kNotFound, "no such programme");
      return HealthEngine().FigureValue(year, std::string(code), name, value, from_enterprise);
    };
  }
  ImportReport Figures(const std::string& rows, const std::string& actor = "data-bureau", bool declared = false,
                       FigureReader reader = HealthFigures()) {
    ImportOptions import;
    import.actor = actor;
    import.declared = declared;
    if (declared) import.only_credit_code = Code(2);
    import.figure = std::move(reader);
    auto r = store_->Import(EvidenceKind::kFigures,
                            database_->WriteFile("figures.csv", "credit_code,policy,year,name,value\n" + rows), import);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ImportReport{};
  }
  std::string Eligible(int enterprise, int year) {
    std::string rows;
    for (const char* flag : {"registered_in_district", "taxed_in_district", "independent_legal_person",
                             "digital_health_business"}) {
      rows += Code(enterprise) + "," + kHealth + "," + std::to_string(year) + ",applicant." + flag + ",是\n";
    }
    return rows;
  }

  // A claim of `policy` taken to in_review with reviewer "r" proposing `proposed`.
  int64_t InReview(int enterprise, int year, const json& claim, const std::string& policy,
                   const std::string& proposed) {
    auto id = store_->CreateApplication("enterprise", Code(enterprise), year, claim, policy);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    if (!id.ok()) return 0;
    EXPECT_TRUE(store_->Submit("enterprise", *id).ok());
    EXPECT_TRUE(store_->StartReview("officer", *id, {"r"}).ok());
    auto reviewed = store_->SubmitReview("r", *id, json{{"q", 80}}, proposed, "评审意见：同意。");
    EXPECT_TRUE(reviewed.ok()) << reviewed.ToString();
    return *id;
  }

  // Decides as `bursar decide --also-policy` does: the application's policy
  // chooses the engine. Only digital-health is run here; `asked` records
  // which policies the store asked for.
  Result<Decision> DecideHealth(int64_t id) {
    auto decide = [&](const std::string& policy, const std::string& case_text) -> Result<DecisionInput> {
      asked_.push_back(policy);
      if (policy != kHealth) return Status(StatusCode::kFailedPrecondition, "only digital-health here");
      BURSAR_ASSIGN_OR_RETURN(std::string output, HealthEngine().EvaluateText(case_text));
      return DecisionInput{HealthEngine().digest(), case_text, std::move(output)};
    };
    BURSAR_ASSIGN_OR_RETURN(int64_t decision, store_->DecideFromStore("officer", id, decide));
    return store_->GetDecision(decision);
  }

  // An award of the store's own programme, recorded by hand under measure
  // "6", item "matching", project "P1": the numbers digital-health's own
  // once-per-project rule reads, were the programmes' ledgers one.
  void OwnAwardUnderTheSameNumbers(int enterprise, int year) {
    auto id = InReview(enterprise, year, json{{"measure", "6"}, {"item", "matching"}, {"project", "P1"}}, "", "0");
    const json c = {{"year", year}, {"applicant", {{"id", Code(enterprise)}}}, {"facts", json::object()}};
    const json out = {{"applicant", Code(enterprise)},
                      {"year", year},
                      {"awards", json::array({json{{"measure", "6"},
                                                   {"item", "matching"},
                                                   {"project", "P1"},
                                                   {"amount", "1000000.00"}}})},
                      {"total", "1000000.00"},
                      {"not_awarded", json::array()}};
    auto d = store_->Decide("officer", id, {"sha256:own", c.dump(), out.dump(2)});
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    own_id_ = id;
  }

  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<Store> store_;
  std::vector<std::string> asked_;
  int64_t own_id_ = 0;  // OwnAwardUnderTheSameNumbers's application
};

TEST_P(StoreProgrammesTest, ApplicationsOfTwoProgrammesMayShareAMeasureNumber) {
  const json claim = {{"measure", "6"}, {"project", "P1"}, {"programme", "national"}, {"funding_received", "100"}};
  auto own = store_->CreateApplication("enterprise", Code(1), 2025, claim);
  ASSERT_TRUE(own.ok()) << own.status().ToString();
  auto health = store_->CreateApplication("enterprise", Code(1), 2025, claim, kHealth);
  ASSERT_TRUE(health.ok()) << health.status().ToString();
  EXPECT_EQ(store_->GetApplication(*own)->policy, "");
  EXPECT_EQ(store_->GetApplication(*health)->policy, kHealth);
  EXPECT_EQ(store_->GetApplicationRow(*health)->application.policy, kHealth);
  // Within one programme the natural key still holds.
  EXPECT_EQ(store_->CreateApplication("enterprise", Code(1), 2025, claim, kHealth).status().code(),
            StatusCode::kAlreadyExists);
  auto bad = store_->CreateApplication("enterprise", Code(1), 2025, claim, "Digital Health");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().field(), "policy");
  // Apply-free proposals are of their programme too: once each in it.
  auto proposed = store_->ProposeApplyFree("officer", 2025, "6", {Code(2), Code(1)}, kHealth);
  ASSERT_TRUE(proposed.ok()) << proposed.status().ToString();
  ASSERT_EQ(proposed->size(), 2u);
  EXPECT_EQ(store_->GetApplication((*proposed)[0])->credit_code, Code(2));
  for (int64_t id : *proposed) EXPECT_EQ(store_->GetApplication(id)->policy, kHealth);
  auto again = store_->ProposeApplyFree("officer", 2025, "6", {Code(1), Code(2)}, kHealth);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->empty());
  auto own_programme = store_->ProposeApplyFree("officer", 2025, "6", {Code(1)});
  ASSERT_TRUE(own_programme.ok()) << own_programme.status().ToString();
  EXPECT_EQ(own_programme->size(), 1u) << "the store's own programme has no apply-free 6 of enterprise 1 yet";
}

TEST_P(StoreProgrammesTest, FiguresAreReadAsTheirPolicyDeclaresThem) {
  const std::string code = Code(1);
  ImportReport r = Figures(code + ",digital-health,2025,facts.clinical_data_paid,\"1,250,000.50\"\n" +  //
                           code + ",digital-health,2025,facts.doctoral_employees,12\n" +               //
                           code + ",digital-health,2025,applicant.digital_health_business,true\n" +    //
                           code + ",digital-health,2025,facts.rent_paid,lots\n" +                      //
                           code + ",digital-health,2025,facts.rental_paid,100\n" +                     //
                           code + ",digital-health,2025,facts.doctoral_employees_2,1\n" +              //
                           code + ",chaoyang,2025,facts.listed_data_products,3\n");
  EXPECT_EQ(r.inserted, 3);
  ASSERT_EQ(r.rejected.size(), 4u);
  EXPECT_EQ(r.rejected[0].line, 5);
  EXPECT_EQ(r.rejected[0].field, "value");
  EXPECT_EQ(r.rejected[0].code, "not_money") << r.rejected[0].reason;
  EXPECT_EQ(r.rejected[1].field, "name");
  EXPECT_EQ(r.rejected[1].code, "unknown_field");
  EXPECT_NE(r.rejected[1].reason.find("facts.rent_paid"), std::string::npos) << r.rejected[1].reason;
  EXPECT_EQ(r.rejected[3].field, "policy");
  EXPECT_EQ(r.rejected[3].code, "unknown_policy");
  // Stored as the case's JSON: money as a string, a count as a number, a flag as true.
  auto listed = store_->ListEvidence(code, "figures", 2025);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  std::map<std::string, json> values;
  for (const auto& row : (*listed)["figures"]) values[row["name"].get<std::string>()] = row["value"];
  EXPECT_EQ(values["facts.clinical_data_paid"], json("1250000.50"));
  EXPECT_EQ(values["facts.doctoral_employees"], json(12));
  EXPECT_EQ(values["applicant.digital_health_business"], json(true));
  // Without the policies to read them by, figures are refused.
  ImportOptions bare;
  bare.actor = "data-bureau";
  auto refused = store_->Import(EvidenceKind::kFigures,
                                database_->WriteFile("bare.csv", "credit_code,policy,year,name,value\n" + code +
                                                                     ",digital-health,2026,facts.rent_paid,1\n"),
                                bare);
  ASSERT_TRUE(refused.ok());
  ASSERT_EQ(refused->rejected.size(), 1u);
  EXPECT_EQ(refused->rejected[0].code, "unknown_policy");
}

TEST_P(StoreProgrammesTest, AnotherProgrammeIsDecidedOnItsFiguresAndItsOwnAwards) {
  ASSERT_EQ(Figures(Eligible(1, 2025) + Eligible(1, 2026) + Code(1) + ",digital-health,2024,facts.operating_revenue,"
                                                                      "60000000\n")
                .inserted,
            9);
  // The store's own programme awarded RMB 1,000,000 under "6"/"matching"/P1.
  ASSERT_NO_FATAL_FAILURE(OwnAwardUnderTheSameNumbers(1, 2025));
  const json claim = {
      {"measure", "6"}, {"project", "P1"}, {"programme", "national"}, {"funding_received", "1500000"}};
  const int64_t id = InReview(1, 2025, claim, kHealth, "0");
  auto d = DecideHealth(id);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(asked_, std::vector<std::string>{kHealth});
  // Its own rules only: 100% of the national funding, below the RMB 2
  // million cap, and once per project not spent by the other programme's award.
  EXPECT_EQ(d->total_fen, 150000000) << d->output_json;
  EXPECT_EQ(d->policy_digest, HealthEngine().digest());
  const json c = json::parse(d->case_json);
  EXPECT_EQ(c["applicant"]["digital_health_business"], true);
  EXPECT_EQ(c["history"], json::array());
  EXPECT_EQ(c["earlier"]["2024"]["operating_revenue"], "60000000");
  // Its award is in its own ledger, and out of the own programme's.
  auto own = store_->Ledger(Code(1), 2025);
  ASSERT_TRUE(own.ok());
  ASSERT_EQ(own->size(), 1u);
  EXPECT_EQ((*own)[0].net_fen, 100000000);
  auto health = store_->Ledger(Code(1), 2025, nullptr, kHealth);
  ASSERT_TRUE(health.ok());
  ASSERT_EQ(health->size(), 1u);
  EXPECT_EQ((*health)[0].net_fen, 150000000);
  // The own programme's budget counts its own award only, and D-G6 scales
  // only its awards: with half the budget its award is half payable, the
  // other programme's whole.
  auto budget = store_->Budget(2025);
  ASSERT_TRUE(budget.ok());
  EXPECT_EQ(budget->total.committed_fen, 100000000);
  ASSERT_TRUE(store_->SetBudget("officer", 2025, "500000").ok());
  budget = store_->Budget(2025);
  ASSERT_TRUE(budget.ok());
  EXPECT_TRUE(budget->scaled);
  EXPECT_EQ(budget->total.committed_fen, 100000000);
  EXPECT_EQ(budget->total.payable_fen, 50000000);
  std::optional<YearScaling> scaling;
  auto payable = store_->PayableFen(id, &scaling);
  ASSERT_TRUE(payable.ok()) << payable.status().ToString();
  EXPECT_EQ(*payable, 150000000);
  EXPECT_FALSE(scaling.has_value());
  auto own_payable = store_->PayableFen(own_id_);
  ASSERT_TRUE(own_payable.ok());
  EXPECT_EQ(*own_payable, 50000000);
  // Its own budget (D-7b) scales its own awards, and only them.
  auto health_budget = store_->Budget(2025, kHealth);
  ASSERT_TRUE(health_budget.ok()) << health_budget.status().ToString();
  EXPECT_FALSE(health_budget->budget_fen.has_value());
  EXPECT_EQ(health_budget->total.committed_fen, 150000000);
  EXPECT_EQ(health_budget->by_measure["6"].committed_fen, 150000000);
  ASSERT_TRUE(store_->SetBudget("officer", 2025, "1000000", kHealth).ok());
  health_budget = store_->Budget(2025, kHealth);
  ASSERT_TRUE(health_budget.ok());
  EXPECT_TRUE(health_budget->scaled);
  EXPECT_EQ(health_budget->factor, "2/3");
  EXPECT_EQ(health_budget->total.payable_fen, 100000000);
  payable = store_->PayableFen(id, &scaling);
  ASSERT_TRUE(payable.ok());
  EXPECT_EQ(*payable, 100000000);
  ASSERT_TRUE(scaling.has_value());
  EXPECT_EQ(scaling->committed_fen, 150000000);
  EXPECT_EQ(store_->PayableFen(own_id_).value(), 50000000);
  EXPECT_EQ(store_->Budget(2025)->total.committed_fen, 100000000);
  // The ledger holds the award as D-G6 lets it be paid once payments begin;
  // before, at its decided amount.
  EXPECT_EQ(store_->Ledger(Code(1), 2025, nullptr, kHealth).value()[0].net_fen, 150000000);

  // The next year the project has had its once: the history is the
  // programme's own award of 2025.
  const int64_t again = InReview(1, 2026, claim, kHealth, "0");
  auto second = DecideHealth(again);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->total_fen, 0) << second->output_json;
  const json history = json::parse(second->case_json)["history"];
  ASSERT_EQ(history.size(), 1u) << history;
  EXPECT_EQ(history[0]["amount"], "1500000.00");

  // Nothing disagrees: the seals, and the running totals recomputed from
  // the rows (the own programme's only).
  auto verdict = store_->VerifyAudit();
  ASSERT_TRUE(verdict.ok()) << verdict.status().ToString();
  EXPECT_TRUE(verdict->ok) << verdict->problem;
  EXPECT_EQ(verdict->rows_disagreeing, 0);
  EXPECT_EQ(verdict->derived_disagreeing, 0);
}

TEST_P(StoreProgrammesTest, DeclaredFiguresCountOnceAnOfficerVerifiesThem) {
  // The main business is the industry office's judgement (`given by`, D-G1):
  // the enterprise's own upload of it is refused on `name`, the rest kept.
  const std::string business = Code(2) + ",digital-health,2025,applicant.digital_health_business,是\n";
  ImportReport declared = Figures(Eligible(2, 2025), "enterprise-2", /*declared=*/true);
  EXPECT_EQ(declared.inserted, 3);
  ASSERT_EQ(declared.rejected.size(), 1u);
  EXPECT_EQ(declared.rejected[0].line, 5);
  EXPECT_EQ(declared.rejected[0].field, "name");
  EXPECT_EQ(declared.rejected[0].code, "official_only");
  EXPECT_NE(declared.rejected[0].reason.find("the district industry office"), std::string::npos)
      << declared.rejected[0].reason;
  // From the data bureau (an official import) the same row is taken.
  ASSERT_EQ(Figures(business).inserted, 1);
  auto before = store_->BuildCase(Code(2), 2025, json::array(), nullptr, 0, false, kHealth);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  // Only the official flag counts before an officer verifies the declarations.
  EXPECT_EQ((*before)["applicant"].dump(), "{\"id\":\"" + Code(2) + "\",\"digital_health_business\":true}");
  auto estimate = store_->BuildCase(Code(2), 2025, json::array(), nullptr, 0, /*with_declared=*/true, kHealth);
  ASSERT_TRUE(estimate.ok());
  EXPECT_EQ((*estimate)["applicant"]["registered_in_district"], true);
  auto pending = store_->DeclaredPending(Code(2));
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(*pending, 3);
  json keys = json::array();
  for (const char* flag : {"registered_in_district", "taxed_in_district", "independent_legal_person"}) {
    keys.push_back({{"credit_code", Code(2)},
                    {"policy", kHealth},
                    {"year", 2025},
                    {"name", std::string("applicant.") + flag}});
  }
  auto verified = store_->VerifyEvidence("officer-2", EvidenceKind::kFigures, keys, HealthFigures());
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  auto after = store_->BuildCase(Code(2), 2025, json::array(), nullptr, 0, false, kHealth);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ((*after)["applicant"]["registered_in_district"], true);
  // The officer who verified them does not decide the enterprise's applications (S8).
  const int64_t id = InReview(
      2, 2025, json{{"measure", "6"}, {"project", "P9"}, {"programme", "municipal"}, {"funding_received", "100"}},
      kHealth, "0");
  auto decide = [&](const std::string&, const std::string& case_text) -> Result<DecisionInput> {
    BURSAR_ASSIGN_OR_RETURN(std::string output, HealthEngine().EvaluateText(case_text));
    return DecisionInput{HealthEngine().digest(), case_text, std::move(output)};
  };
  EXPECT_EQ(store_->DecideFromStore("officer-2", id, decide).status().code(), StatusCode::kPermissionDenied);
  auto d = store_->DecideFromStore("officer", id, decide);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(store_->GetDecision(*d)->total_fen, 5000);  // 50% of RMB 100
}

TEST_P(StoreProgrammesTest, NoOfficerMakesAnEnterprisesDeclarationOfAnAuthoritysFigureCount) {
  // A declaration stored while the policy did not yet say who gives the main
  // business (read by a policy without `given by`)...
  FigureReader old_policy = [](std::string_view, int64_t, std::string_view, std::string_view, std::string_view value,
                               bool) -> Result<std::string> { return std::string(value == "是" ? "true" : "false"); };
  ASSERT_EQ(Figures(Eligible(2, 2025), "enterprise-2", /*declared=*/true, old_policy).inserted, 4);
  json business = json::array({{{"credit_code", Code(2)},
                                {"policy", kHealth},
                                {"year", 2025},
                                {"name", "applicant.digital_health_business"}}});
  // ...is not verified by an officer now that it does: refused on the row's name.
  auto refused = store_->VerifyEvidence("officer", EvidenceKind::kFigures, business, HealthFigures());
  ASSERT_EQ(refused.status().code(), StatusCode::kPermissionDenied) << refused.status().ToString();
  EXPECT_EQ(refused.status().field(), "rows[0].name");
  EXPECT_EQ(refused.status().reason(), "official_only");
  EXPECT_NE(refused.status().message().find("the district industry office"), std::string::npos)
      << refused.status().message();
  // Nor by the store's own reader (the same policy), nor without a policy that reads it.
  EXPECT_EQ(store_->VerifyEvidence("officer", EvidenceKind::kFigures, business).status().code(),
            StatusCode::kPermissionDenied);
  store_->SetFigureReader({});
  EXPECT_EQ(store_->VerifyEvidence("officer", EvidenceKind::kFigures, business).status().code(),
            StatusCode::kFailedPrecondition);
  store_->SetFigureReader(HealthFigures());
  // All or nothing: after an enterprise's own field, neither is verified.
  business.insert(business.begin(), json{{"credit_code", Code(2)},
                                         {"policy", kHealth},
                                         {"year", 2025},
                                         {"name", "applicant.registered_in_district"}});
  auto both = store_->VerifyEvidence("officer", EvidenceKind::kFigures, business, HealthFigures());
  EXPECT_EQ(both.status().field(), "rows[1].name") << both.status().ToString();
  auto pending = store_->DeclaredPending(Code(2));
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(*pending, 4);
  auto c = store_->BuildCase(Code(2), 2025, json::array(), nullptr, 0, false, kHealth);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_FALSE((*c)["applicant"].contains("digital_health_business")) << (*c)["applicant"].dump();
  // The enterprise's own field alone is verified.
  business.erase(1);
  ASSERT_TRUE(store_->VerifyEvidence("officer", EvidenceKind::kFigures, business, HealthFigures()).ok());
  EXPECT_EQ(*store_->DeclaredPending(Code(2)), 3);
}

TEST_P(StoreProgrammesTest, ADeclarationVerifiedBeforeItsPolicyNamedItsAuthorityNoLongerCounts) {
  // While the policy did not say who gives the main business, the enterprise
  // declared it and an officer verified it, and a decision counted it.
  FigureReader old_policy = [](std::string_view, int64_t, std::string_view, std::string_view, std::string_view value,
                               bool) -> Result<std::string> { return std::string(value == "是" ? "true" : "false"); };
  store_->SetFigureReader(old_policy);
  ASSERT_EQ(Figures(Eligible(2, 2025), "enterprise-2", /*declared=*/true, old_policy).inserted, 4);
  json keys = json::array();
  for (const char* flag :
       {"registered_in_district", "taxed_in_district", "independent_legal_person", "digital_health_business"}) {
    keys.push_back(
        {{"credit_code", Code(2)}, {"policy", kHealth}, {"year", 2025}, {"name", std::string("applicant.") + flag}});
  }
  // Verified by the store's reader when the request brings none.
  auto verified = store_->VerifyEvidence("officer-2", EvidenceKind::kFigures, keys);
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  const json claim = {{"measure", "6"}, {"project", "P9"}, {"programme", "municipal"}, {"funding_received", "100"}};
  auto first = DecideHealth(InReview(2, 2025, claim, kHealth, "0"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(json::parse(first->case_json)["applicant"]["digital_health_business"], true);
  EXPECT_EQ(first->total_fen, 5000);
  int64_t unchecked = -1;
  auto none = store_->DeclaredOfficialRows(&unchecked);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(unchecked, 0);

  // The policy now says the district industry office gives it: the auditor
  // finds the declaration and the decision that may rest on it...
  store_->SetFigureReader(HealthFigures());
  auto found = store_->DeclaredOfficialRows(&unchecked);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].table, "figure");
  EXPECT_EQ((*found)[0].credit_code, Code(2));
  EXPECT_EQ((*found)[0].policy, kHealth);
  EXPECT_EQ((*found)[0].year, 2025);
  EXPECT_EQ((*found)[0].field, "applicant.digital_health_business");
  EXPECT_EQ((*found)[0].verified_by, "officer-2");
  EXPECT_EQ((*found)[0].decisions, std::vector<int64_t>{first->id});
  EXPECT_EQ(unchecked, 0);
  // A fact of an earlier year declared the same way is read by later years'
  // cases too (as `earlier`): the decisions of those years are named.
  ASSERT_TRUE(store_->db()
                  .Execute("INSERT INTO figure (credit_code, policy, year, name, value, source, supplied_by, "
                           "verified_by) VALUES (?, ?, 2024, 'facts.operating_revenue', '\"60000000\"', 'declared', "
                           "'enterprise-2', 'officer-2')",
                           {std::string_view(Code(2)), std::string_view(kHealth)})
                  .ok());
  FigureReader revenue_official = [](std::string_view policy, int64_t year, std::string_view code,
                                     std::string_view name, std::string_view value,
                                     bool declared) -> Result<std::string> {
    if (name == "facts.operating_revenue") return Status(StatusCode::kPermissionDenied, "the tax bureau's");
    return HealthFigures()(policy, year, code, name, value, declared);
  };
  store_->SetFigureReader(revenue_official);
  found = store_->DeclaredOfficialRows(&unchecked);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_EQ(found->size(), 2u);
  EXPECT_EQ((*found)[0].field, "facts.operating_revenue");
  EXPECT_EQ((*found)[0].year, 2024);
  EXPECT_EQ((*found)[0].decisions, std::vector<int64_t>{first->id}) << "the 2025 case reads the 2024 fact";
  EXPECT_EQ((*found)[1].decisions, std::vector<int64_t>{first->id});
  ASSERT_TRUE(store_->db().Execute("DELETE FROM figure WHERE year = 2024").ok());
  store_->SetFigureReader(HealthFigures());
  // ...and a case built now leaves it out, the verified fields of the
  // enterprise's own kept.
  auto now = store_->BuildCase(Code(2), 2025, json::array(), nullptr, 0, false, kHealth);
  ASSERT_TRUE(now.ok()) << now.status().ToString();
  EXPECT_FALSE((*now)["applicant"].contains("digital_health_business")) << (*now)["applicant"].dump();
  EXPECT_EQ((*now)["applicant"]["registered_in_district"], true);
  // Nor does an estimate with the declarations count it.
  auto estimate = store_->BuildCase(Code(2), 2025, json::array(), nullptr, 0, /*with_declared=*/true, kHealth);
  ASSERT_TRUE(estimate.ok());
  EXPECT_FALSE((*estimate)["applicant"].contains("digital_health_business"));

  // A trade the enterprise "declared" as made at a legally established
  // institution never came through the import (D-G10): written by hand, it is found.
  ASSERT_TRUE(store_->db()
                  .Execute("INSERT INTO trade (credit_code, exchange, trade_id, trade_date, side, amount_fen, "
                           "legally_established, source, supplied_by) VALUES (?, 'BJDEX', 'T-1', '2025-03-01', "
                           "'seller', 100, 1, 'declared', 'enterprise-2')",
                           {std::string_view(Code(2))})
                  .ok());
  found = store_->DeclaredOfficialRows(&unchecked);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_EQ(found->size(), 2u);
  EXPECT_EQ((*found)[1].table, "trade");
  EXPECT_EQ((*found)[1].year, 2025);
  EXPECT_EQ((*found)[1].key, "credit_code=" + Code(2) + " exchange=BJDEX trade_id=T-1");
  EXPECT_EQ((*found)[1].verified_by, "");
  EXPECT_TRUE((*found)[1].decisions.empty());  // the own programme decided nothing of it

  // Without the policy, no declared figure counts, and the auditor is told
  // what could not be checked.
  store_->SetFigureReader({});
  found = store_->DeclaredOfficialRows(&unchecked);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->size(), 1u);
  EXPECT_EQ(unchecked, 4);
  auto blind = store_->BuildCase(Code(2), 2025, json::array(), nullptr, 0, false, kHealth);
  ASSERT_TRUE(blind.ok());
  EXPECT_EQ((*blind)["applicant"].dump(), "{\"id\":\"" + Code(2) + "\"}");
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreProgrammesTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
}  // namespace bursar::store
