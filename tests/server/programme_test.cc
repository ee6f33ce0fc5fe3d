// The programme's resources against a real running `bursar serve`, on SQLite
// and on a real PostgreSQL: an application from draft to paid and recovered,
// versions (ETag / If-Match → 409), ownership (an applicant sees only its
// enterprise, a reviewer only what it is assigned), lists (paging, filters,
// sorting, 400 for bad parameters), evidence uploads with their import
// report, proposals, simulations, exports, and no 500 for bad input.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <map>

#include "server_test_support.h"
#include "../unit/store_test_support.h"
#include "money/chinese.h"
#include "money/exact.h"
#include "store/audit.h"
#include "store/digest.h"
#include "store/idempotency.h"

namespace {

using namespace bursar_server_test;
using bursar::store::Role;
using nlohmann::json;


// "1234.05" from 123405 fen (non-negative).
std::string Yuan(int64_t fen) {
  return std::to_string(fen / 100) + "." + (fen % 100 < 10 ? "0" : "") + std::to_string(fen % 100);
}

class ProgrammeTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database_ = std::make_unique<bursar::store::testing::TestDatabase>(GetParam());
    ASSERT_TRUE(database_->Create());
    // Procedural dates are the server's (D-G9). The server, the commands and
    // the test's own store read the time from a file the test moves on (the
    // test-only clock, honoured with BURSAR_TEST_MODE=1); it starts now.
    // (Not in the last ten minutes of a day in Beijing: a test that reads
    // "today" and then acts must not see the day turn in between.)
    clock_file_ = (database_->dir() / "clock").string();
    int64_t start = std::time(nullptr);
    if ((start + 8 * 3600) % 86400 > 86400 - 600) start += 1200;
    SetClock(bursar::store::FormatStoreTime(start));
    setenv("BURSAR_TEST_MODE", "1", 1);
    setenv("BURSAR_TEST_CLOCK", ("file:" + clock_file_).c_str(), 1);
    Ran init = RunCommand({kExe, "db", "init", "--db", database_->url()});
    ASSERT_EQ(init.exit, 0) << init.err;
    // The walkthrough's population: 40 enterprises, 2000 trades, seed 7.
    const std::string evidence = (database_->dir() / "evidence").string();
    Ran gen = RunCommand({"/usr/bin/env", "python3", kSource + "/scripts/gen-evidence.py", evidence, "--enterprises",
                          "40", "--trades", "2000", "--seed", "7"});
    ASSERT_EQ(gen.exit, 0) << gen.err;
    for (const char* kind :
         {"enterprises", "listings", "certificates", "fs_inclusions", "trades", "filings", "exports", "projects"}) {
      Ran import = RunCommand({kExe, "import", kind, evidence + "/" + kind + ".csv", "--db", database_->url()});
      ASSERT_EQ(import.exit, 0) << kind << ": " << import.err;
    }
    const std::string csv = ReadFile(evidence + "/enterprises.csv");
    size_t line1 = csv.find('\n') + 1, line2 = csv.find('\n', line1) + 1;
    code1_ = csv.substr(line1, csv.find(',', line1) - line1);
    code2_ = csv.substr(line2, csv.find(',', line2) - line2);
    name1_ = csv.substr(csv.find(',', line1) + 1, csv.find(',', csv.find(',', line1) + 1) - csv.find(',', line1) - 1);

    auto opened = bursar::store::Store::Open(database_->url(), TestStoreOptions());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    static const std::string hash = bursar::store::HashPassword(kPassword).value();
    const std::vector<std::tuple<std::string, Role, std::string>> accounts = {
        {"app1", Role::kApplicant, code1_}, {"app2", Role::kApplicant, code2_}, {"alice", Role::kReviewer, ""},
        {"bob", Role::kReviewer, ""},       {"officer", Role::kOfficer, ""},    {"auditor", Role::kAuditor, ""},
        {"admin", Role::kAdmin, ""},        {"finance", Role::kFinance, ""},    {"finance2", Role::kFinance, ""},
        {"bureau", Role::kDataBureau, ""}};
    for (const auto& [name, role, code] : accounts) {
      auto a = store_->AddAccount("test", name, role, code, hash);
      ASSERT_TRUE(a.ok()) << a.status().ToString();
      auto t = store_->IssueToken("test", name, "test", 90);  // the test clock moves on by weeks
      ASSERT_TRUE(t.ok()) << t.status().ToString();
      tokens_[name] = t->token;
    }
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{"--db", database_->url()});
    ASSERT_GT(server_->port(), 0) << "the server did not start";
  }
  void TearDown() override {
    server_.reset();
    store_.reset();
    database_.reset();
    unsetenv("BURSAR_TEST_CLOCK");
    unsetenv("BURSAR_TEST_MODE");
  }

  // The test clock: a UTC store time, and the Beijing day it falls on.
  void SetClock(const std::string& utc) { WriteFile(clock_file_, utc + "\n"); }
  void AtBeijingNoon(const std::string& date) { SetClock(date + "T04:00:00.000Z"); }
  std::string Today() { return bursar::store::BeijingDate(ReadFile(clock_file_).substr(0, 24)); }

  httplib::Client Client() {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(60, 0);
    return c;
  }
  httplib::Headers As(const std::string& who, const std::string& if_match = "") {
    httplib::Headers h;
    if (!who.empty()) h.insert({"Authorization", "Bearer " + tokens_[who]});
    if (!if_match.empty()) h.insert({"If-Match", if_match});
    return h;
  }
  httplib::Result Get(const std::string& who, const std::string& path) { return Client().Get(path, As(who)); }
  httplib::Result Post(const std::string& who, const std::string& path, const json& body,
                       const std::string& if_match = "") {
    return Client().Post(path, As(who, if_match), body.dump(), "application/json");
  }
  httplib::Result Put(const std::string& who, const std::string& path, const json& body,
                      const std::string& if_match = "") {
    return Client().Put(path, As(who, if_match), body.dump(), "application/json");
  }
  static json Body(const httplib::Result& r) {
    EXPECT_TRUE(r);
    if (!r) return json();
    json j = json::parse(r->body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r->body;
    return j;
  }
  // Creates an application as `who` and returns its id.
  int64_t Create(const std::string& who, const std::string& code, const json& claim) {
    auto r = Post(who, "/api/applications", {{"credit_code", code}, {"year", 2025}, {"claim", claim}});
    EXPECT_TRUE(r);
    if (!r) return 0;
    EXPECT_EQ(r->status, 201) << r->body;
    return Body(r).value("id", int64_t{0});
  }
  std::string App(int64_t id, const std::string& tail = "") {
    return "/api/applications/" + std::to_string(id) + tail;
  }
  // An application of app1's enterprise reviewed by alice, decided, and on
  // its public notice; 0 (and a failure) when a step is refused.
  int64_t OnNotice() {
    const int64_t id = Create("app1", code1_, {{"measure", "03"}, {"assessed", "4200000"}});
    for (const auto& [who, path, body] :
         std::vector<std::tuple<std::string, std::string, json>>{{"app1", App(id, "/submission"), json::object()},
                                                                 {"officer", App(id, "/review"),
                                                                  {{"reviewers", {"alice"}}}}}) {
      auto r = Post(who, path, body);
      EXPECT_TRUE(r && r->status == 200) << path << ": " << (r ? r->body : "no answer");
      if (!r || r->status != 200) return 0;
    }
    auto scored = Put("alice", App(id, "/reviews/alice"), {{"scores", {{"a", 50}}}, {"proposed", "10.00"}, {"opinion", "同意支持。"}});
    EXPECT_TRUE(scored && scored->status == 200) << (scored ? scored->body : "no answer");
    auto decided = Post("officer", App(id, "/decisions"), json::object());
    EXPECT_TRUE(decided && decided->status == 201) << (decided ? decided->body : "no answer");
    auto notice = Post("officer", App(id, "/notice"), json::object());
    EXPECT_TRUE(notice && notice->status == 200) << (notice ? notice->body : "no answer");
    return notice && notice->status == 200 ? id : 0;
  }

  std::unique_ptr<bursar::store::testing::TestDatabase> database_;
  std::unique_ptr<bursar::store::Store> store_;
  std::map<std::string, std::string> tokens_;
  std::unique_ptr<ServerProcess> server_;
  std::string code1_, code2_, name1_;
  std::string clock_file_;
};

TEST_P(ProgrammeTest, AnApplicationFromDraftToPaidAndRecovered) {
  // A claim that cannot be read names its field and its rule (issue 15).
  for (const auto& [bad, field, reason] : std::vector<std::tuple<json, std::string, std::string>>{
           {{{"measure", "03"}, {"assessed", "4200000.001"}}, "claim.assessed", "money_decimals"},
           {{{"measure", "03"}, {"assessed", 4200000}}, "claim.assessed", "not_money"},
           {{{"measure", "03"}, {"assessed", "1"}, {"asessed", "1"}}, "claim.asessed", "unknown_field"}}) {
    auto refused = Post("app1", "/api/applications", {{"credit_code", code1_}, {"year", 2025}, {"claim", bad}});
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 422) << refused->body;
    EXPECT_EQ(ErrorOf(refused)["field"], field) << refused->body;
    EXPECT_EQ(ErrorOf(refused)["reason"], reason) << refused->body;
  }
  const json claim = {{"measure", "03"}, {"assessed", "4200000"}};
  auto created = Post("app1", "/api/applications", {{"credit_code", code1_}, {"year", 2025}, {"claim", claim}});
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  json app = Body(created);
  const int64_t id = app["id"];
  EXPECT_EQ(app["state"], "draft");
  EXPECT_EQ(app["credit_code"], code1_);
  EXPECT_EQ(app["enterprise_name"], name1_);
  EXPECT_EQ(app["claim"], claim);
  EXPECT_TRUE(app["total"].is_null());
  EXPECT_EQ(created->get_header_value("ETag"), "\"" + std::to_string(app["version"].get<int64_t>()) + "\"");
  const std::string v1 = created->get_header_value("ETag");

  // A stale If-Match is 409 and changes nothing; the right one submits.
  auto stale = Post("app1", App(id, "/submission"), json::object(), "\"999\"");
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->status, 409) << stale->body;
  EXPECT_EQ(ErrorOf(stale)["code"], "conflict");
  EXPECT_EQ(Body(Get("app1", App(id)))["state"], "draft");
  auto submitted = Post("app1", App(id, "/submission"), json::object(), v1);
  ASSERT_TRUE(submitted);
  ASSERT_EQ(submitted->status, 200) << submitted->body;
  EXPECT_EQ(Body(submitted)["state"], "submitted");
  const std::string v2 = submitted->get_header_value("ETag");
  EXPECT_NE(v2, v1);
  // The old version is stale now.
  auto again = Post("officer", App(id, "/review"), {{"reviewers", {"alice", "bob"}}}, v1);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 409);

  auto not_a_reviewer = Post("officer", App(id, "/review"), {{"reviewers", {"alice", "officer"}}}, v2);
  ASSERT_TRUE(not_a_reviewer);
  EXPECT_EQ(not_a_reviewer->status, 422);
  EXPECT_EQ(ErrorOf(not_a_reviewer)["field"], "reviewers[1]");
  auto review = Post("officer", App(id, "/review"), {{"reviewers", {"alice", "bob"}}}, v2);
  ASSERT_TRUE(review);
  ASSERT_EQ(review->status, 200) << review->body;
  EXPECT_EQ(Body(review)["state"], "in_review");

  // Bob declares a conflict; Alice scores; nobody writes another's review.
  auto conflict = Post("bob", App(id, "/conflicts"), {{"reason", "former employee"}});
  ASSERT_TRUE(conflict);
  EXPECT_EQ(conflict->status, 200) << conflict->body;
  auto bob_scores = Put("bob", App(id, "/reviews/bob"), {{"scores", {{"effectiveness", 80}}}, {"proposed", "1.00"}, {"opinion", "同意支持。"}});
  ASSERT_TRUE(bob_scores);
  EXPECT_EQ(bob_scores->status, 409) << "an excluded reviewer: " << bob_scores->body;
  auto forged = Put("bob", App(id, "/reviews/alice"), {{"scores", {{"effectiveness", 1}}}, {"proposed", "1.00"}, {"opinion", "同意支持。"}});
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 404);
  auto bad_score = Put("alice", App(id, "/reviews/alice"), {{"scores", {{"effectiveness", 101}}}, {"proposed", "1"}, {"opinion", "同意支持。"}});
  ASSERT_TRUE(bad_score);
  EXPECT_EQ(bad_score->status, 422);
  EXPECT_EQ(ErrorOf(bad_score)["field"], "scores.effectiveness");
  // A review without its written opinion (评审意见) is refused, naming it.
  for (const json& opinion : {json(), json(""), json(" \n")}) {
    json body = {{"scores", {{"effectiveness", 82}}}, {"proposed", "1.00"}};
    if (!opinion.is_null()) body["opinion"] = opinion;
    auto silent = Put("alice", App(id, "/reviews/alice"), body);
    ASSERT_TRUE(silent);
    EXPECT_EQ(silent->status, 422) << silent->body;
    EXPECT_EQ(ErrorOf(silent)["field"], "opinion") << silent->body;
    EXPECT_EQ(ErrorOf(silent)["reason"], "required") << silent->body;
  }
  auto scored = Put("alice", App(id, "/reviews/alice"),
                    {{"scores", {{"effectiveness", 82}, {"compliance", 90}}}, {"proposed", "3100000.50"},
                     {"opinion", "服务合同与交易记录一致，同意按 3,100,000.50 元核定。"}});
  ASSERT_TRUE(scored);
  ASSERT_EQ(scored->status, 200) << scored->body;

  // The officer decides: the server builds the case and runs the engine.
  auto decided = Post("officer", App(id, "/decisions"), json::object());
  ASSERT_TRUE(decided);
  ASSERT_EQ(decided->status, 201) << decided->body;
  json decision = Body(decided);
  const int64_t decision_id = decision["id"];
  EXPECT_EQ(decision["application_id"], id);
  // The application's award is its own measure's lines (the same case may
  // award 04 from the enterprise's trades: that is the 04 application's).
  int64_t own_fen = 0;
  for (const auto& award : decision["output"]["awards"]) {
    if (award["measure"] != "03") continue;
    const std::string amount = award["amount"];
    own_fen += std::stoll(amount.substr(0, amount.size() - 3)) * 100 + std::stoll(amount.substr(amount.size() - 2));
  }
  const std::string own = std::to_string(own_fen / 100) + "." + (own_fen % 100 < 10 ? "0" : "") +
                          std::to_string(own_fen % 100);
  EXPECT_EQ(decision["total"], own);
  // D-G5: the assessed amount is the review's (the mean of the submitted
  // proposals; Bob is excluded), not the applicant's claimed 4,200,000.
  json decided_claim = claim;
  decided_claim["assessed"] = "3100000.50";
  EXPECT_EQ(decision["case"]["claims"], json::array({decided_claim}));
  EXPECT_TRUE(decision["explanation"].is_array() || decision["explanation"].is_object()) << decision.dump();
  const std::string total = decision["total"];
  ASSERT_NE(total, "0.00") << "measure 03 awards the walkthrough's enterprise something";
  auto seen = Get("app1", App(id));
  json detail = Body(seen);
  EXPECT_EQ(detail["state"], "decided");
  EXPECT_EQ(detail["total"], total);
  EXPECT_EQ(detail["decision"]["id"], decision_id);
  ASSERT_EQ(detail["reviews"].size(), 2u);
  EXPECT_EQ(detail["reviews"][0]["reviewer"], "reviewer 1") << "applicants do not see who reviewed";
  EXPECT_FALSE(detail["reviews"][0].contains("opinion")) << "nor the opinions: " << detail["reviews"].dump();
  const json office_view = Body(Get("officer", App(id)))["reviews"];
  EXPECT_EQ(office_view[0]["reviewer"], "alice");
  EXPECT_EQ(office_view[0]["opinion"], "服务合同与交易记录一致，同意按 3,100,000.50 元核定。");
  EXPECT_TRUE(office_view[1]["opinion"].is_null()) << "bob was excluded and wrote none";
  EXPECT_EQ(Body(Get("auditor", App(id)))["reviews"][0]["opinion"], office_view[0]["opinion"]);

  auto replay = Post("auditor", "/api/decisions/" + std::to_string(decision_id) + "/replays", json::object());
  ASSERT_TRUE(replay);
  ASSERT_EQ(replay->status, 200) << replay->body;
  EXPECT_EQ(Body(replay)["identical"], true);
  EXPECT_EQ(Body(replay)["recomputed"], Body(replay)["stored"]);
  auto got = Get("app1", "/api/decisions/" + std::to_string(decision_id));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(Body(got)["total"], total);

  // Public notice: readable by anyone, without logging in. Its days are the
  // server's (D-G9): published today, it runs notice_days (7) from tomorrow.
  const std::string published = Today();
  auto notice = Post("officer", App(id, "/notice"), json::object());
  ASSERT_TRUE(notice);
  ASSERT_EQ(notice->status, 200) << notice->body;
  const std::string until = bursar::store::AddDays(published, 7);
  EXPECT_EQ(Body(notice)["notice_until"], until);
  auto notices = Client().Get("/api/notices?year=2025");
  ASSERT_TRUE(notices);
  ASSERT_EQ(notices->status, 200) << notices->body;
  json listed = Body(notices);
  ASSERT_EQ(listed["total"], 1);
  EXPECT_EQ(listed["items"][0]["id"], id);
  EXPECT_EQ(listed["items"][0]["total"], total);
  EXPECT_EQ(listed["items"][0]["enterprise_name"], name1_);

  // An objection holds up finalisation until it is resolved.
  auto objection = Post("bob", App(id, "/objections"), {{"reason", "delivered outside Chaoyang"}});
  ASSERT_TRUE(objection);
  ASSERT_EQ(objection->status, 201) << objection->body;
  const int64_t objection_id = Body(objection)["id"];
  auto open = Get("auditor", "/api/objections?state=open");
  EXPECT_EQ(Body(open)["total"], 1);
  AtBeijingNoon(bursar::store::AddDays(until, 1));
  auto early = Post("officer", App(id, "/finalisation"), json::object());
  ASSERT_TRUE(early);
  EXPECT_EQ(early->status, 409) << early->body;
  // The refusal names its rule and figures beside the message (docs/http-api.md, "Errors").
  EXPECT_EQ(Body(early)["error"]["reason"], "objection_open") << early->body;
  EXPECT_EQ(Body(early)["error"]["params"],
            json({{"application", std::to_string(id)}, {"objection", std::to_string(objection_id)}}));
  // The page is told why before it tries (issue 15, point 5).
  EXPECT_EQ(Body(Get("officer", App(id)))["waiting"],
            json({{"finalise", {{"code", "objection_open"}, {"objection", objection_id}}}}));
  auto resolved = Post("officer", "/api/objections/" + std::to_string(objection_id) + "/resolution",
                       {{"upheld", false}, {"resolution", "delivery records checked"}});
  ASSERT_TRUE(resolved);
  ASSERT_EQ(resolved->status, 200) << resolved->body;
  EXPECT_EQ(Body(Get("auditor", "/api/objections?state=resolved"))["total"], 1);
  AtBeijingNoon(until);
  auto during = Post("officer", App(id, "/finalisation"), json::object());
  ASSERT_TRUE(during);
  EXPECT_EQ(during->status, 409) << "the notice still runs";
  AtBeijingNoon(bursar::store::AddDays(until, 1));
  EXPECT_EQ(Body(Get("officer", App(id)))["waiting"], json::object()) << "nothing holds finalisation up";
  auto final = Post("officer", App(id, "/finalisation"), json::object());
  ASSERT_TRUE(final);
  ASSERT_EQ(final->status, 200) << final->body;
  EXPECT_EQ(Body(final)["state"], "final");

  // Payment of the whole total makes it paid, dated by the server; the budget sees it.
  AtBeijingNoon(bursar::store::AddDays(until, 3));
  auto too_much = Post("finance", App(id, "/payments"), {{"amount", "999999999.00"}, {"reference", "PAY-1"}});
  ASSERT_TRUE(too_much);
  EXPECT_EQ(too_much->status, 409);
  // Two finance accounts: one records the order, a second approves it.
  auto ordered = Post("finance", App(id, "/payments"), {{"amount", total}, {"reference", "PAY-1"}});
  ASSERT_TRUE(ordered);
  ASSERT_EQ(ordered->status, 202) << ordered->body;
  EXPECT_EQ(Body(ordered)["state"], "final") << "not paid before the second account approves";
  auto paid = Post("finance2", "/api/payment-orders/1/approval", {{"approve", true}});
  ASSERT_TRUE(paid);
  ASSERT_EQ(paid->status, 200) << paid->body;
  EXPECT_EQ(Body(paid)["instalment"], 1);
  EXPECT_EQ(Body(Get("officer", App(id)))["state"], "paid");
  EXPECT_EQ(Body(Get("officer", App(id)))["payments"][0]["paid_on"], bursar::store::AddDays(until, 3));
  json payments = Body(Get("app1", "/api/payments?year=2025"));
  ASSERT_EQ(payments["total"], 1);
  EXPECT_EQ(payments["items"][0]["amount"], total);
  EXPECT_EQ(Body(Get("app2", "/api/payments"))["total"], 0) << "another enterprise's payments are not listed";
  // The payment notice (拨付通知): the year's first payment number, the amount
  // in capitals, the voucher; the applicant's own, nobody else's.
  auto pay_notice = Get("app1", App(id, "/payments/1/notice"));
  ASSERT_TRUE(pay_notice);
  ASSERT_EQ(pay_notice->status, 200) << pay_notice->body;
  const std::string paid_on = bursar::ChineseDate(bursar::store::AddDays(until, 3));
  for (const std::string& part : {std::string("朝数拨〔2025〕1号"), std::string("第1笔"), std::string("PAY-1"), paid_on,
                                   std::string("人民币")}) {
    EXPECT_NE(pay_notice->body.find(part), std::string::npos) << part;
  }
  EXPECT_EQ(Get("app2", App(id, "/payments/1/notice"))->status, 404);
  EXPECT_EQ(Get("app1", App(id, "/payments/2/notice"))->status, 404);
  json budget = Body(Get("auditor", "/api/budgets/2025"));
  EXPECT_EQ(budget["paid"], total);
  EXPECT_EQ(budget["by_measure"]["03"]["paid"], total);
  EXPECT_TRUE(budget["budget"].is_null());
  auto set = Put("officer", "/api/budgets/2025", {{"amount", "300000000.00"}});
  ASSERT_TRUE(set);
  ASSERT_EQ(set->status, 200) << set->body;
  EXPECT_EQ(Body(set)["budget"], "300000000.00");
  EXPECT_EQ(Body(Get("auditor", "/api/budgets/2025"))["budget"], "300000000.00")
      << "the summary read before the change is not served after it";

  json before = Body(Get("app1", App(id)));
  EXPECT_EQ(before["recoveries"], json::array());
  EXPECT_EQ(before["paid_total"], total);
  EXPECT_EQ(before["recovered_total"], "0.00");
  EXPECT_EQ(before["net_paid"], total);
  EXPECT_TRUE(before["estimate"].is_null()) << "measure 03 is claimed, not apply-free";

  auto recovered = Post("officer", App(id, "/recovery"), {{"amount", "1.05"}, {"reason", "double funding"}});
  ASSERT_TRUE(recovered);
  ASSERT_EQ(recovered->status, 200) << recovered->body;
  EXPECT_EQ(Body(recovered)["state"], "recovered");
  // The detail shows what was recovered, why, when and by whom, and the net,
  // to the fen, to the applicant and to the officer alike.
  for (const char* who : {"app1", "officer", "auditor"}) {
    json after = Body(Get(who, App(id)));
    ASSERT_EQ(after["recoveries"].size(), 1u) << who << ": " << after.dump();
    const json& r = after["recoveries"][0];
    EXPECT_GT(r["id"].get<int64_t>(), 0);
    EXPECT_EQ(r["amount"], "1.05");
    EXPECT_EQ(r["reason"], "double funding");
    EXPECT_EQ(r["recovered_by"], "officer");
    EXPECT_EQ(r["recovered_at"].get<std::string>().substr(0, 2), "20") << r.dump();
    EXPECT_EQ(after["paid_total"], total);
    EXPECT_EQ(after["recovered_total"], "1.05");
    EXPECT_EQ(after["net_paid"], Yuan(own_fen - 105));
  }

  // Every step is in the audit log, newest first.
  json audit = Body(Get("auditor", "/api/audit?limit=3"));
  ASSERT_EQ(audit["items"].size(), 3u);
  EXPECT_GT(audit["items"][0]["seq"].get<int64_t>(), audit["items"][1]["seq"].get<int64_t>());
  EXPECT_EQ(audit["items"][0]["change"]["op"], "application.recover");
  EXPECT_EQ(audit["items"][0]["actor"], "officer");
  EXPECT_EQ(Body(Get("auditor", "/api/audit/verification"))["ok"], true);

  // Each change is the stored canonical text itself, spliced into the page:
  // from the API's bytes alone an auditor recomputes every digest.
  auto raw = Get("auditor", "/api/audit?limit=100");
  ASSERT_TRUE(raw);
  const json whole = json::parse(raw->body);
  ASSERT_GT(whole["items"].size(), 5u);
  for (const json& item : whole["items"]) {
    const std::string change = bursar::store::CanonicalJson(item["change"]);
    EXPECT_NE(raw->body.find("\"change\": " + change + ",\n"), std::string::npos) << change;
    EXPECT_EQ(bursar::store::AuditDigest(item["seq"], item["prev_digest"], item["actor"], item["at"], change),
              item["digest"].get<std::string>());
  }
  EXPECT_EQ(whole["total"].get<int64_t>(), Body(Get("auditor", "/api/audit?limit=1"))["total"].get<int64_t>());
  EXPECT_EQ(whole["limit"], 100);
  EXPECT_EQ(whole["offset"], 0);
  const json none = Body(Get("auditor", "/api/audit?actor=nobody-at-all"));
  EXPECT_EQ(none["items"], json::array());
  EXPECT_EQ(none["total"], 0);
}

// Issue 14, A1: one reviewer's proposed 999,999,999,999.99 overrode a claim of
// 1,000,000.00. A proposal above the claimed amount is refused naming
// `proposed`, and the amount decided on never exceeds the claim, even from a
// proposal stored before the check.
// The enterprise's own draft: its claim changed (If-Match), or withdrawn;
// nobody else's, and not once submitted.
TEST_P(ProgrammeTest, AnApplicantEditsOrWithdrawsItsOwnDraft) {
  const int64_t id = Create("app1", code1_, {{"measure", "03"}, {"assessed", "1000000.00"}});
  auto read = Get("app1", App(id));
  ASSERT_TRUE(read);
  const std::string v1 = read->get_header_value("ETag");
  const json claim = {{"measure", "03"}, {"assessed", "900000.00"}, {"project", "SVC-9"}};
  auto stale = Client().Patch(App(id), As("app1", "\"999\""), json{{"claim", claim}}.dump(), "application/json");
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->status, 409) << stale->body;
  for (const char* who : {"officer", "alice", "auditor"}) {
    auto refused = Client().Patch(App(id), As(who, v1), json{{"claim", claim}}.dump(), "application/json");
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 403) << who;
  }
  auto theirs = Client().Patch(App(id), As("app2", v1), json{{"claim", claim}}.dump(), "application/json");
  ASSERT_TRUE(theirs);
  EXPECT_EQ(theirs->status, 404) << "another enterprise's draft is not there: " << theirs->body;
  auto unknown = Client().Patch(App(id), As("app1", v1), json{{"claim", claim}, {"state", "paid"}}.dump(),
                                "application/json");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 422);
  // The changed claim is checked against the policy as a new one is: a draft
  // never holds a claim its decision would refuse.
  for (const auto& [bad, field] : {std::pair{json{{"measure", "03"}, {"assessed", "lots"}}, "claim.assessed"},
                                   std::pair{json{{"measure", "12"}}, "claim.measure"}}) {
    auto refused = Client().Patch(App(id), As("app1", v1), json{{"claim", bad}}.dump(), "application/json");
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 422) << refused->body;
    EXPECT_EQ(ErrorOf(refused)["field"], field) << refused->body;
  }
  EXPECT_EQ(Body(Get("app1", App(id)))["claim"]["assessed"], "1000000.00") << "a refused edit changes nothing";
  auto edited = Client().Patch(App(id), As("app1", v1), json{{"claim", claim}}.dump(), "application/json");
  ASSERT_TRUE(edited);
  ASSERT_EQ(edited->status, 200) << edited->body;
  EXPECT_EQ(Body(edited)["claim"], claim);
  EXPECT_NE(edited->get_header_value("ETag"), v1);

  const int64_t other = Create("app1", code1_, {{"measure", "06"}, {"assessed", "5.00"}});
  EXPECT_EQ(Client().Delete(App(other), As("app2"))->status, 404);
  auto withdrawn = Client().Delete(App(other), As("app1"));
  ASSERT_TRUE(withdrawn);
  EXPECT_EQ(withdrawn->status, 204) << withdrawn->body;
  EXPECT_EQ(Get("app1", App(other))->status, 404);

  ASSERT_EQ(Post("app1", App(id, "/submission"), json::object())->status, 200);
  auto late = Client().Patch(App(id), As("app1"), json{{"claim", claim}}.dump(), "application/json");
  ASSERT_TRUE(late);
  EXPECT_EQ(late->status, 409) << late->body;
  EXPECT_EQ(Client().Delete(App(id), As("app1"))->status, 409);
}

// An application's files (issue 15): the applicant adds them to its draft,
// of an accepted kind by content; its assigned reviewers and the officers
// read them, nobody else; a file comes as a sandboxed download with its
// digest; once submitted the files are fixed. Only the upload may pass the
// 1 MiB body limit of every other request.
TEST_P(ProgrammeTest, AnApplicationsFilesAreReadByItsReviewersAndOfficersOnly) {
  const int64_t id = Create("app1", code1_, {{"measure", "03"}, {"assessed", "1000000.00"}});
  const std::string files = App(id, "/attachments");
  auto upload = [&](const std::string& who, const std::string& name, const std::string& bytes) {
    return Client().Post(files + "?filename=" + name, As(who), bytes, "application/octet-stream");
  };
  std::string pdf = "%PDF-1.7\n";
  for (int b = 0; b < 256; ++b) pdf.push_back(static_cast<char>(b));
  // 合同.pdf, percent-encoded as a browser sends it.
  auto added = upload("app1", "%E5%90%88%E5%90%8C.pdf", pdf);
  ASSERT_TRUE(added);
  ASSERT_EQ(added->status, 201) << added->body;
  const json file = Body(added);
  EXPECT_EQ(file["filename"], "合同.pdf");
  EXPECT_EQ(file["content_type"], "application/pdf");
  EXPECT_EQ(file["sha256"], bursar::store::Sha256Hex(pdf));
  EXPECT_EQ(added->get_header_value("Location"), file["href"]);
  const std::string href = file["href"];

  EXPECT_EQ(upload("app2", "a.pdf", pdf)->status, 404) << "another enterprise's draft is not there";
  EXPECT_EQ(upload("officer", "a.pdf", pdf)->status, 403);
  auto misnamed = upload("app1", "a.pdf", "\x89PNG\r\n\x1a\n");
  EXPECT_EQ(misnamed->status, 422);
  EXPECT_EQ(Body(misnamed)["error"]["field"], "filename") << misnamed->body;
  auto page = upload("app1", "a.pdf", "<html><script>alert(1)</script></html>");
  EXPECT_EQ(page->status, 422);
  EXPECT_EQ(Body(page)["error"]["field"], "content") << page->body;
  auto unnamed = Client().Post(files, As("app1"), pdf, "application/octet-stream");
  EXPECT_EQ(unnamed->status, 400);
  EXPECT_EQ(Body(unnamed)["error"]["field"], "query.filename");
  // 2 MiB: past every other request's limit, within a file's.
  const std::string scan = "%PDF-1.4\n" + std::string(2 << 20, 's');
  auto large = upload("app1", "scan.pdf", scan);
  ASSERT_EQ(large->status, 201) << large->body;
  auto large_json = Client().Post("/api/applications", As("app1"), "{\"x\":\"" + std::string(2 << 20, 'x') + "\"}",
                                  "application/json");
  EXPECT_EQ(large_json->status, 413);
  auto huge = upload("app1", "huge.pdf", "%PDF-1.4\n" + std::string(21 << 20, 'h'));
  EXPECT_EQ(huge->status, 413);

  // The file back, byte for byte, as a download that is never a page here.
  auto got = Get("app1", href);
  ASSERT_EQ(got->status, 200) << got->body;
  EXPECT_EQ(got->body, pdf);
  EXPECT_EQ(got->get_header_value("Content-Type"), "application/pdf");
  // The header as sent (httplib's client decodes percent-escapes in headers).
  const std::string raw = RawExchange(server_->port(), "GET " + href + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                                       "Authorization: Bearer " + tokens_["app1"] +
                                                       "\r\nConnection: close\r\n\r\n");
  EXPECT_NE(raw.find("\r\nContent-Disposition: attachment; filename=\"attachment-" +
                     std::to_string(file["id"].get<int64_t>()) + ".pdf\"; filename*=UTF-8''%E5%90%88%E5%90%8C.pdf\r\n"),
            std::string::npos)
      << raw.substr(0, 600);
  bool sandboxed = false;
  for (const auto& [k, v] : got->headers) sandboxed |= k == "Content-Security-Policy" && v.starts_with("sandbox");
  EXPECT_TRUE(sandboxed);
  EXPECT_EQ(got->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_TRUE(got->get_header_value("Repr-Digest").starts_with("sha-256=:")) << got->get_header_value("Repr-Digest");

  // Who reads: not a reviewer before it is assigned, not the auditor (who
  // sees the list and its digests), not finance, not another enterprise.
  EXPECT_EQ(Get("alice", href)->status, 404);
  EXPECT_EQ(Get("auditor", href)->status, 403);
  EXPECT_EQ(Get("finance", href)->status, 403);
  EXPECT_EQ(Get("app2", href)->status, 404);
  EXPECT_EQ(Get("officer", href)->status, 200);
  const json listed = Body(Get("auditor", files));
  ASSERT_EQ(listed["items"].size(), 2u);
  EXPECT_EQ(listed["items"][0]["sha256"], bursar::store::Sha256Hex(pdf));
  EXPECT_EQ(Body(Get("app1", App(id)))["attachments"].size(), 2u);

  ASSERT_EQ(Post("app1", App(id, "/submission"), json::object())->status, 200);
  ASSERT_EQ(Post("officer", App(id, "/review"), {{"reviewers", {"alice", "bob"}}})->status, 200);
  EXPECT_EQ(Get("alice", href)->status, 200);
  ASSERT_EQ(Post("bob", App(id, "/conflicts"), {{"reason", "former employee"}})->status, 200);
  auto excluded = Get("bob", href);
  EXPECT_EQ(excluded->status, 403) << excluded->body;
  // Fixed once submitted.
  EXPECT_EQ(upload("app1", "late.pdf", pdf)->status, 409);
  EXPECT_EQ(Client().Delete(href, As("app1"))->status, 409);
  EXPECT_EQ(Body(Get("auditor", "/api/audit/verification"))["ok"], true);

  // The auditor's trail of this application's files, newest first.
  const json trail = Body(Get("auditor", "/api/audit?application=" + std::to_string(id) + "&op=attachment."));
  ASSERT_EQ(trail["items"].size(), 2u) << trail.dump();
  EXPECT_EQ(trail["total"], 2);
  EXPECT_EQ(trail["items"][0]["change"]["filename"], "scan.pdf");
  EXPECT_EQ(trail["items"][1]["change"]["sha256"], bursar::store::Sha256Hex(pdf));
  EXPECT_EQ(trail["items"][1]["actor"], "app1");
  auto bad_day = Get("auditor", "/api/audit?from=2025-13-01");
  EXPECT_EQ(bad_day->status, 400);
  EXPECT_EQ(Body(bad_day)["error"]["field"], "query.from");
}

// Officers pick reviewers from the enabled reviewer accounts, seeing what each
// has still to review (issue 15: reviewers were typed as usernames).
// Issue 15: the guides' window and contact are the office's settings, public
// at /api/office; a change by the admin is what the next reader sees.
TEST_P(ProgrammeTest, TheOfficePublishesItsGuideWindowAndContact) {
  auto office = Client().Get("/api/office");
  ASSERT_TRUE(office);
  ASSERT_EQ(office->status, 200) << office->body;
  json o = json::parse(office->body);
  EXPECT_EQ(o["issuer"], "北京市朝阳区数据局");
  EXPECT_NE(o["guide"]["window"].get<std::string>().find("请按实际填写"), std::string::npos) << o.dump();
  ASSERT_TRUE(store_->SetDocumentSetting("admin", "guide.window", "2026年3月1日至2026年4月30日").ok());
  ASSERT_TRUE(store_->SetDocumentSetting("admin", "guide.contact", "朝阳区数据局，010-12345678").ok());
  o = json::parse(Client().Get("/api/office")->body);
  EXPECT_EQ(o["guide"]["window"], "2026年3月1日至2026年4月30日");
  EXPECT_EQ(o["guide"]["contact"], "朝阳区数据局，010-12345678");
  EXPECT_FALSE(store_->SetDocumentSetting("admin", "guide.windo", "x").ok()) << "an unknown setting is refused";
}

TEST_P(ProgrammeTest, OfficersPickFromTheReviewersWithTheirOpenReviews) {
  auto open_reviews = [&]() {
    auto got = Get("officer", "/api/reviewers");
    EXPECT_TRUE(got && got->status == 200) << (got ? got->body : "no response");
    const json body = Body(got);
    std::map<std::string, int64_t> out;
    for (const auto& r : body["items"]) out[r["username"].get<std::string>()] = r["open_reviews"].get<int64_t>();
    return out;
  };
  using Open = std::map<std::string, int64_t>;
  EXPECT_EQ(open_reviews(), (Open{{"alice", 0}, {"bob", 0}})) << "reviewers only: no officer, auditor or applicant";
  const int64_t id = Create("app1", code1_, {{"measure", "03"}, {"assessed", "1000000.00"}});
  ASSERT_EQ(Post("app1", App(id, "/submission"), json::object())->status, 200);
  ASSERT_EQ(Post("officer", App(id, "/review"), {{"reviewers", {"alice", "bob"}}})->status, 200);
  EXPECT_EQ(open_reviews(), (Open{{"alice", 1}, {"bob", 1}}));
  ASSERT_EQ(Put("alice", App(id, "/reviews/alice"), {{"scores", {{"a", 90}}}, {"proposed", "1000.00"}, {"opinion", "同意。"}})->status,
            200);
  // The reviewer's queue: what it has still to score (review=assigned).
  auto queue = [&](const std::string& who, const std::string& filter) {
    auto got = Get(who, "/api/applications?state=in_review&" + filter);
    EXPECT_TRUE(got && got->status == 200) << (got ? got->body : "no response");
    return Body(got).value("total", int64_t{-1});
  };
  EXPECT_EQ(queue("alice", "review=assigned"), 0) << "alice scored it";
  EXPECT_EQ(queue("alice", "review=submitted"), 1);
  EXPECT_EQ(queue("bob", "review=assigned"), 1);
  EXPECT_EQ(queue("officer", "reviewer=bob&review=assigned"), 1);
  for (const std::string bad : {"review=assigned", "reviewer=bob&review=scored"}) {
    auto refused = Get("officer", "/api/applications?" + bad);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 400) << bad << ": " << refused->body;
    EXPECT_EQ(ErrorOf(refused)["field"], "query.review") << refused->body;
  }
  ASSERT_EQ(Post("bob", App(id, "/conflicts"), {{"reason", "former employee"}})->status, 200);
  EXPECT_EQ(queue("bob", "review=assigned"), 0) << "excluded: nothing to score";
  EXPECT_EQ(open_reviews(), (Open{{"alice", 0}, {"bob", 0}})) << "submitted and excluded reviews are not open";
  ASSERT_TRUE(store_->DisableAccount("admin", "bob").ok());
  EXPECT_EQ(open_reviews(), (Open{{"alice", 0}})) << "a disabled account is not offered";
  for (const char* who : {"app1", "alice", "auditor"}) {
    auto refused = Get(who, "/api/reviewers");
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 403) << who;
  }
}

TEST_P(ProgrammeTest, AProposedAmountNeverExceedsTheClaim) {
  const int64_t id = Create("app1", code1_, {{"measure", "03"}, {"assessed", "1000000.00"}});
  ASSERT_EQ(Post("app1", App(id, "/submission"), json::object())->status, 200);
  ASSERT_EQ(Post("officer", App(id, "/review"), {{"reviewers", {"alice", "bob"}}})->status, 200);
  auto over = Put("alice", App(id, "/reviews/alice"), {{"scores", {{"a", 90}}}, {"proposed", "999999999999.99"}, {"opinion", "同意支持。"}});
  ASSERT_TRUE(over);
  EXPECT_EQ(over->status, 422) << over->body;
  EXPECT_EQ(ErrorOf(over)["field"], "proposed");
  EXPECT_NE(ErrorOf(over)["message"].get<std::string>().find("at most the claimed amount (1000000.00)"),
            std::string::npos)
      << over->body;
  auto cent_over = Put("alice", App(id, "/reviews/alice"), {{"scores", {{"a", 90}}}, {"proposed", "1000000.01"}, {"opinion", "同意支持。"}});
  ASSERT_TRUE(cent_over);
  EXPECT_EQ(cent_over->status, 422) << cent_over->body;
  ASSERT_EQ(Put("alice", App(id, "/reviews/alice"), {{"scores", {{"a", 90}}}, {"proposed", "1000000.00"}, {"opinion", "同意支持。"}})->status,
            200);
  ASSERT_EQ(Put("bob", App(id, "/reviews/bob"), {{"scores", {{"a", 80}}}, {"proposed", "900000.00"}, {"opinion", "同意支持。"}})->status, 200);
  // A proposal stored before the check (written here by SQL): the mean of
  // (999,999,999,999.99 + 900,000.00) is capped at the claim.
  ASSERT_TRUE(store_->db()
                  .Execute("UPDATE review SET proposed_fen = 99999999999999 WHERE application_id = ? AND reviewer = ?",
                           {id, "alice"})
                  .ok());
  auto decided = Post("officer", App(id, "/decisions"), json::object());
  ASSERT_TRUE(decided);
  ASSERT_EQ(decided->status, 201) << decided->body;
  EXPECT_EQ(Body(decided)["case"]["claims"][0]["assessed"], "1000000.00") << Body(decided)["case"].dump();
}

// Issue 14, A2: an unassigned reviewer stored a 1 MB objection and blocked
// finalisation. Objections come from the application's applicant, a reviewer
// assigned to it, or the officer; a reason has at most 2,000 characters
// (code points: 2,000 Chinese characters pass); one account has at most 3
// open objections to one application.
TEST_P(ProgrammeTest, ObjectionsComeFromThoseEntitledAndAreBounded) {
  const int64_t id = OnNotice();
  ASSERT_GT(id, 0);
  auto unassigned = Post("bob", App(id, "/objections"), {{"reason", "I never saw this file"}});
  ASSERT_TRUE(unassigned);
  EXPECT_EQ(unassigned->status, 403) << unassigned->body;
  EXPECT_NE(ErrorOf(unassigned)["message"].get<std::string>().find("assigned"), std::string::npos);
  EXPECT_EQ(Post("app2", App(id, "/objections"), {{"reason", "not mine"}})->status, 404) << "another enterprise's";

  std::string longest;
  for (int i = 0; i < 2000; ++i) longest += "异";  // 6,000 bytes, 2,000 characters
  auto huge = Post("alice", App(id, "/objections"), {{"reason", longest + "议"}});
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge->status, 422) << huge->body.substr(0, 300);
  EXPECT_EQ(ErrorOf(huge)["field"], "reason");
  EXPECT_NE(ErrorOf(huge)["message"].get<std::string>().find("at most 2000 characters"), std::string::npos);
  auto fits = Post("alice", App(id, "/objections"), {{"reason", longest}});
  ASSERT_TRUE(fits);
  EXPECT_EQ(fits->status, 201) << fits->body.substr(0, 300);

  for (int i = 1; i <= 3; ++i) {
    auto filed = Post("app1", App(id, "/objections"), {{"reason", "objection " + std::to_string(i)}});
    ASSERT_TRUE(filed);
    EXPECT_EQ(filed->status, 201) << filed->body;
  }
  auto fourth = Post("app1", App(id, "/objections"), {{"reason", "objection 4"}});
  ASSERT_TRUE(fourth);
  EXPECT_EQ(fourth->status, 409) << fourth->body;
  EXPECT_NE(ErrorOf(fourth)["message"].get<std::string>().find("at most 3"), std::string::npos) << fourth->body;
  EXPECT_EQ(Body(Get("auditor", "/api/objections?state=open"))["total"], 4) << "alice's and app1's first three";
  // Resolving one makes room for another.
  const json open = Body(Get("auditor", "/api/objections?state=open&limit=500"));
  int64_t app1s = 0;
  for (const auto& o : open["items"]) {
    if (o["filed_by"] == "app1") app1s = o["id"];
  }
  ASSERT_GT(app1s, 0) << open.dump();
  ASSERT_EQ(Post("officer", "/api/objections/" + std::to_string(app1s) + "/resolution",
                 {{"upheld", false}, {"resolution", "answered"}})
                ->status,
            200);
  EXPECT_EQ(Post("app1", App(id, "/objections"), {{"reason", "objection 4"}})->status, 201);
}

// Issue 14, A3: an applicant learnt who reviews it by filtering its list with
// ?reviewer=NAME. An applicant's reviewer filter is refused, naming it.
TEST_P(ProgrammeTest, ApplicantsDoNotFilterByReviewer) {
  const int64_t id = Create("app1", code1_, {{"measure", "03"}, {"assessed", "4200000"}});
  ASSERT_EQ(Post("app1", App(id, "/submission"), json::object())->status, 200);
  ASSERT_EQ(Post("officer", App(id, "/review"), {{"reviewers", {"alice"}}})->status, 200);
  for (const std::string name : {"alice", "bob", ""}) {
    auto probe = Get("app1", "/api/applications?reviewer=" + name);
    ASSERT_TRUE(probe);
    EXPECT_EQ(probe->status, 400) << name << ": " << probe->body;
    EXPECT_EQ(ErrorOf(probe)["field"], "query.reviewer") << probe->body;
  }
  EXPECT_EQ(Body(Get("app1", "/api/applications"))["total"], 1);
  EXPECT_EQ(Body(Get("alice", "/api/applications?reviewer=alice"))["total"], 1);
  EXPECT_EQ(Body(Get("officer", "/api/applications?reviewer=alice"))["total"], 1);
}

// Issue 14, A7: an application whose only reviewer declared a conflict was
// stuck (409 on deciding and on assigning again). The officer adds another
// reviewer; the conflicted one stays excluded and recorded, and cannot be
// named again; the procedure continues.
TEST_P(ProgrammeTest, AnotherReviewerIsAssignedAfterTheOnlyOneDeclaredAConflict) {
  const int64_t id = Create("app1", code1_, {{"measure", "03"}, {"assessed", "4200000"}});
  ASSERT_EQ(Post("app1", App(id, "/submission"), json::object())->status, 200);
  ASSERT_EQ(Post("officer", App(id, "/review"), {{"reviewers", {"alice"}}})->status, 200);
  ASSERT_EQ(Post("alice", App(id, "/conflicts"), {{"reason", "my brother's firm"}})->status, 200);
  EXPECT_EQ(Post("officer", App(id, "/decisions"), json::object())->status, 409) << "no review to decide on";
  auto waiting = [&] { return Body(Get("officer", App(id)))["waiting"]; };
  EXPECT_EQ(waiting(), json({{"decide", {{"code", "reviewers_all_excluded"}}}}));

  auto again = Post("officer", App(id, "/review"), {{"reviewers", {"alice"}}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 409) << again->body;
  EXPECT_EQ(ErrorOf(again)["field"], "reviewers[0]");
  EXPECT_NE(ErrorOf(again)["message"].get<std::string>().find("stays excluded"), std::string::npos) << again->body;
  const std::string version = Get("officer", App(id))->get_header_value("ETag");
  auto added = Post("officer", App(id, "/review"), {{"reviewers", {"bob"}}}, version);
  ASSERT_TRUE(added);
  ASSERT_EQ(added->status, 200) << added->body;
  EXPECT_EQ(Body(added)["state"], "in_review");
  EXPECT_NE(added->get_header_value("ETag"), version);
  EXPECT_EQ(Post("officer", App(id, "/review"), {{"reviewers", {"bob"}}})->status, 409) << "bob reviews already";
  EXPECT_EQ(Post("officer", App(id, "/decisions"), json::object())->status, 409) << "bob has not reviewed yet";
  EXPECT_EQ(waiting(), json({{"decide", {{"code", "reviews_pending"}, {"reviewers", {"bob"}}}}}));
  ASSERT_EQ(Put("bob", App(id, "/reviews/bob"), {{"scores", {{"a", 70}}}, {"proposed", "100.00"}, {"opinion", "同意支持。"}})->status, 200);
  EXPECT_EQ(waiting(), json::object()) << "the decision can be made";
  auto decided = Post("officer", App(id, "/decisions"), json::object());
  ASSERT_TRUE(decided);
  ASSERT_EQ(decided->status, 201) << decided->body;
  const json reviews = Body(Get("officer", App(id)))["reviews"];
  ASSERT_EQ(reviews.size(), 2u) << reviews.dump();
  EXPECT_EQ(reviews[0]["reviewer"], "alice");
  EXPECT_EQ(reviews[0]["state"], "excluded");
  EXPECT_EQ(reviews[0]["conflict"], "my brother's firm");
  EXPECT_EQ(reviews[1]["reviewer"], "bob");
  EXPECT_EQ(reviews[1]["state"], "submitted");
  bool recorded = false;
  const json audit = Body(Get("auditor", "/api/audit?limit=20"));
  for (const auto& e : audit["items"]) {
    recorded = recorded || (e["change"]["op"] == "application.add_reviewers" && e["change"]["reviewers"][0] == "bob");
  }
  EXPECT_TRUE(recorded) << "the audit log records the added reviewer: " << audit.dump().substr(0, 3000);
}

// Issue 14, A8: the CSV exports left `=HYPERLINK(...)` and `\t=1+1` enterprise
// names as formulas. Every text cell that starts with = + - @, a tab or a
// carriage return (or spaces and then one of those) is prefixed with "'", in
// the CSV and the workbook; amounts stay numbers.
TEST_P(ProgrammeTest, ExportsNeverStartAFormula) {
  const int64_t id = OnNotice();
  ASSERT_GT(id, 0);
  // The data bureau names the enterprise so, through the API.
  const std::string hyperlink = "=HYPERLINK(\"http://x\",\"y\")";
  const std::string row = code1_ + ",\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",true,true,true,false,data_vendor\n";
  auto named = Client().Post("/api/evidence/enterprises", As("bureau"),
                             "credit_code,name,registered_in_chaoyang,taxed_in_chaoyang,independent_legal_person,"
                             "serious_dishonesty_record,tags\n" + row,
                             "text/csv");
  ASSERT_TRUE(named);
  ASSERT_EQ(named->status, 200) << named->body;
  ASSERT_EQ(Body(named)["rejected"].size(), 0u) << named->body;
  ASSERT_EQ(Body(named)["held"], 1) << "a change of master data: " << named->body;
  const int64_t change = Body(Get("officer", "/api/master-changes?state=pending"))["items"][0]["id"];
  auto approved = Post("officer", "/api/master-changes/" + std::to_string(change) + "/approval", {{"approve", true}});
  ASSERT_TRUE(approved);
  ASSERT_EQ(approved->status, 200) << approved->body;
  auto csv = Client().Get("/api/notices.csv?year=2025&lang=en");
  ASSERT_TRUE(csv);
  ASSERT_EQ(csv->status, 200) << csv->body;
  EXPECT_NE(csv->body.find(",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\","), std::string::npos) << csv->body;
  EXPECT_EQ(csv->body.find(",\"=HYPERLINK"), std::string::npos) << csv->body;
  EXPECT_NE(csv->body.find(",10.00,"), std::string::npos) << "the amount is a number: " << csv->body;
  auto xlsx = Client().Get("/api/notices.xlsx?year=2025");
  ASSERT_TRUE(xlsx);
  ASSERT_EQ(xlsx->status, 200);
  const std::string book = (database_->dir() / "notice.xlsx").string();
  WriteFile(book, xlsx->body);
  Ran cells = RunCommand({"/usr/bin/env", "python3", "-c",
                          "import sys, zipfile, html\n"
                          "z = zipfile.ZipFile(sys.argv[1])\n"
                          "print(html.unescape(''.join(z.read(n).decode() for n in z.namelist() if n.endswith('.xml'))))",
                          book});
  ASSERT_EQ(cells.exit, 0) << cells.err;
  EXPECT_NE(cells.out.find("'" + hyperlink), std::string::npos) << cells.out;
  EXPECT_EQ(cells.out.find(">" + hyperlink), std::string::npos) << cells.out;

  // Names stored before control characters were refused (A9), written here by
  // SQL: a tab, a carriage return, or spaces before the formula.
  for (const std::string name : {"\t=1+1", "\r=1+1", "  -1+1", "@SUM(A1)", "+1+1"}) {
    ASSERT_TRUE(store_->db().Execute("UPDATE enterprise SET name = ? WHERE credit_code = ?", {name, code1_}).ok());
    auto again = Client().Get("/api/notices.csv?year=2025&lang=en");
    ASSERT_TRUE(again);
    ASSERT_EQ(again->status, 200);
    const bool quoted = name.find_first_of("\r") != std::string::npos;
    const std::string cell = quoted ? ",\"'" + name + "\"," : ",'" + name + ",";
    EXPECT_NE(again->body.find(cell), std::string::npos) << name << ": " << again->body;
  }
}

// Issue 14, A9: NUL, ESC and bidirectional overrides were stored in
// enterprise names. Every text field of an evidence row refuses control
// characters (tab and line breaks included) and bidirectional controls,
// naming the line and the field; an application's item and project too.
TEST_P(ProgrammeTest, ControlAndBidiCharactersInNamesAreRefused) {
  const std::string header =
      "credit_code,name,registered_in_chaoyang,taxed_in_chaoyang,independent_legal_person,"
      "serious_dishonesty_record,tags\n";
  const std::vector<std::string> names = {
      std::string("Evil\0Co", 7), "Evil\x1b[31mCo",   "Evil\tCo",       "Evil\xE2\x80\xAE" "oC",
      "Evil\xE2\x81\xA6" "Co",    "Evil\xE2\x80\x8F" "Co", "Evil\xC2\x85" "Co"};
  std::string body = header;
  // Enterprises new to the store, one per row (a code named twice is another refusal).
  for (size_t i = 0; i < names.size(); ++i) {
    body += bursar::store::testing::Code(9000 + static_cast<int>(i)) + "," + names[i] +
            ",true,true,true,false,data_vendor\n";
  }
  auto r = Client().Post("/api/evidence/enterprises", As("bureau"), body, "text/csv");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json report = Body(r);
  EXPECT_EQ(report["accepted"], 0) << r->body;
  ASSERT_EQ(report["rejected"].size(), names.size()) << r->body;
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(report["rejected"][i]["line"], static_cast<int64_t>(i) + 2) << r->body;
    EXPECT_EQ(report["rejected"][i]["field"], "name") << r->body;
    EXPECT_NE(report["rejected"][i]["reason"].get<std::string>().find("one line of visible text"), std::string::npos)
        << r->body;
    EXPECT_EQ(report["rejected"][i]["rule"], "not_one_line") << r->body;
  }
  EXPECT_EQ(Get("officer", "/api/enterprises/" + bursar::store::testing::Code(9000))->status, 404)
      << "nothing of it was stored";

  auto project = Post("app1", "/api/applications",
                      {{"credit_code", code1_},
                       {"year", 2025},
                       {"claim", {{"measure", "03"}, {"assessed", "100"}, {"project", "P\xE2\x80\xAE" "1"}}}});
  ASSERT_TRUE(project);
  EXPECT_EQ(project->status, 422) << project->body;
  EXPECT_EQ(ErrorOf(project)["field"], "claim.project") << project->body;
}

// Issue 14, D-G9: the notice, finalisation, decisions and payments are dated
// by the server's calendar day in Beijing; no request sets one. On the main of
// before, `{"today":"2999-12-31"}` finalised an application whose notice ran
// for another week and `{"until":<tomorrow>}` published a one-day notice.
TEST_P(ProgrammeTest, TheProcedureRunsOnTheServersCalendar) {
  EXPECT_FALSE(server_->WaitForLine("\"event\":\"test_clock\"").empty()) << "the server says its clock is a test's";
  const int64_t id = Create("app1", code1_, {{"measure", "03"}, {"assessed", "4200000"}});
  ASSERT_EQ(Post("app1", App(id, "/submission"), json::object())->status, 200);
  ASSERT_EQ(Post("officer", App(id, "/review"), {{"reviewers", {"alice"}}})->status, 200);
  ASSERT_EQ(Put("alice", App(id, "/reviews/alice"), {{"scores", {{"a", 50}}}, {"proposed", "10.00"}, {"opinion", "同意支持。"}})->status, 200);
  auto last_audit = [&] { return Body(Get("auditor", "/api/audit?limit=1"))["items"][0]; };
  auto refused = [&](const httplib::Result& r, const std::string& field) {
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << r->body;
    EXPECT_EQ(ErrorOf(r)["field"], field) << r->body;
    EXPECT_NE(ErrorOf(r)["message"].get<std::string>().find("D-G9"), std::string::npos) << r->body;
  };
  refused(Post("officer", App(id, "/decisions"), {{"decided_at", "2020-01-01"}}), "decided_at");
  auto decided = Post("officer", App(id, "/decisions"), json::object());
  ASSERT_EQ(decided->status, 201) << decided->body;
  EXPECT_EQ(last_audit()["change"]["on"], Today());

  // The one-day notice: refused, and nothing changes.
  const int64_t seq = last_audit()["seq"];
  refused(Post("officer", App(id, "/notice"), {{"until", bursar::store::AddDays(Today(), 1)}}), "until");
  EXPECT_EQ(Body(Get("officer", App(id)))["state"], "decided");
  EXPECT_EQ(last_audit()["seq"], seq) << "a refused step writes no audit entry";
  const std::string published = Today();
  auto notice = Post("officer", App(id, "/notice"), json::object());
  ASSERT_EQ(notice->status, 200) << notice->body;
  const std::string until = bursar::store::AddDays(published, 7);
  EXPECT_EQ(Body(notice)["notice_until"], until);
  json entry = last_audit()["change"];
  EXPECT_EQ(entry["op"], "application.notice");
  EXPECT_EQ(entry["on"], published) << "the audit records the server's date";
  EXPECT_EQ(entry["notice_until"], until);

  // Finalising with a typed date: refused, whatever the date.
  refused(Post("officer", App(id, "/finalisation"), {{"today", "2999-12-31"}}), "today");
  EXPECT_EQ(Body(Get("officer", App(id)))["state"], "notice");
  auto during = Post("officer", App(id, "/finalisation"), json::object());
  ASSERT_TRUE(during);
  EXPECT_EQ(during->status, 409) << during->body;
  EXPECT_NE(ErrorOf(during)["message"].get<std::string>().find("runs until " + until), std::string::npos);
  // The office's page is told so, on the server's calendar; the applicant's is not.
  auto waiting = [&] { return Body(Get("officer", App(id)))["waiting"]; };
  EXPECT_EQ(waiting(), json({{"finalise",
                              {{"code", "notice_running"},
                               {"until", until},
                               {"final_from", bursar::store::AddDays(until, 1)},
                               {"today", Today()}}}}));
  EXPECT_FALSE(Body(Get("app1", App(id))).contains("waiting"));
  // The last day of the notice is still the notice; the next day it can be final.
  SetClock(bursar::store::AddDays(until, -1) + "T16:30:00.000Z");  // 00:30 on `until` in Beijing
  EXPECT_EQ(Post("officer", App(id, "/finalisation"), json::object())->status, 409);
  EXPECT_EQ(waiting()["finalise"]["today"], until);
  SetClock(until + "T16:00:00.000Z");  // midnight in Beijing: the day after
  EXPECT_EQ(waiting(), json::object());
  auto final = Post("officer", App(id, "/finalisation"), json::object());
  ASSERT_EQ(final->status, 200) << final->body;
  EXPECT_EQ(last_audit()["change"]["on"], bursar::store::AddDays(until, 1));

  // A payment's date is the server's too: 1900-01-01 (or any date) is refused.
  refused(Post("finance", App(id, "/payments"), {{"amount", "1.00"}, {"paid_on", "1900-01-01"}, {"reference", "P"}}),
          "paid_on");
  EXPECT_TRUE(Body(Get("officer", App(id)))["payments"].empty());
  auto ordered = Post("finance", App(id, "/payments"), {{"amount", "1.00"}, {"reference", "P"}});
  ASSERT_EQ(ordered->status, 202) << ordered->body;
  const int64_t order = Body(Get("officer", App(id)))["payment_orders"][0]["id"];
  auto paid = Post("finance2", "/api/payment-orders/" + std::to_string(order) + "/approval", {{"approve", true}});
  ASSERT_EQ(paid->status, 200) << paid->body;
  EXPECT_EQ(Body(Get("officer", App(id)))["payments"][0]["paid_on"], bursar::store::AddDays(until, 1));

  // Outside a test, a clock override is refused: the server does not start.
  Ran refused_server = RunCommand({"/usr/bin/timeout", "30", "/usr/bin/env", "-u", "BURSAR_TEST_MODE", kExe, "serve", "--port", "0",
                                   "--policy", kPolicy, "--db", database_->url()});
  EXPECT_EQ(refused_server.exit, 2) << refused_server.err;
  EXPECT_NE(refused_server.err.find("BURSAR_TEST_MODE=1"), std::string::npos) << refused_server.err;
  Ran refused_cli = RunCommand({"/usr/bin/env", "-u", "BURSAR_TEST_MODE", kExe, "app", "finalise",
                                std::to_string(id), "--db", database_->url()});
  EXPECT_EQ(refused_cli.exit, 2) << refused_cli.err;
}

// D-G6 on the application's page (issue 15): when the year's committed
// awards exceed its budget, the detail gives what may be paid and the budget
// and committed total that scale it, so that a payment below the decision is
// explained; the figure is the budget summary's, and finance is held to it.
TEST_P(ProgrammeTest, APaymentBelowTheDecisionIsExplainedByTheBudget) {
  const int64_t id = Create("app1", code1_, {{"measure", "03"}, {"assessed", "4200000"}});
  ASSERT_EQ(Post("app1", App(id, "/submission"), json::object())->status, 200);
  ASSERT_EQ(Post("officer", App(id, "/review"), {{"reviewers", {"alice"}}})->status, 200);
  ASSERT_EQ(Put("alice", App(id, "/reviews/alice"),
                {{"scores", {{"a", 50}}}, {"proposed", "4200000.00"}, {"opinion", "同意支持。"}})
                ->status,
            200);
  json undecided = Body(Get("app1", App(id)));
  EXPECT_TRUE(undecided["payable"].is_null()) << "nothing is payable before a decision";
  EXPECT_TRUE(undecided["scaling"].is_null());
  ASSERT_EQ(Post("officer", App(id, "/decisions"), json::object())->status, 201);
  json whole = Body(Get("app1", App(id)));
  const std::string total = whole["total"];
  EXPECT_EQ(whole["payable"], total) << "without a budget the decision is paid whole";
  EXPECT_TRUE(whole["scaling"].is_null());

  // A budget of a third of what the year committed: each line is paid a third, rounded down to the fen.
  std::string why;
  const auto total_fen = bursar::MoneyStringToFen(total, &why);
  ASSERT_TRUE(total_fen && *total_fen > 300) << total << ": " << why;
  const std::string budget = bursar::FenToMoneyString(*total_fen / 3);
  ASSERT_EQ(Put("officer", "/api/budgets/2025", {{"amount", budget}})->status, 200);
  for (const char* who : {"app1", "officer", "finance"}) {
    json scaled = Body(Get(who, App(id)));
    EXPECT_EQ(scaled["scaling"], json({{"budget", budget}, {"committed", total}})) << who;
    const auto payable_fen = bursar::MoneyStringToFen(scaled["payable"].get<std::string>(), &why);
    ASSERT_TRUE(payable_fen) << scaled["payable"];
    const int64_t lines = static_cast<int64_t>(Body(Get(who, App(id)))["decision"]["output"]["awards"].size());
    EXPECT_LE(*payable_fen, *total_fen / 3) << who;
    EXPECT_GE(*payable_fen, *total_fen / 3 - lines) << who << ": at most a fen per line below a third";
    EXPECT_EQ(Body(Get("auditor", "/api/budgets/2025"))["payable"], scaled["payable"]) << "the budget summary agrees";
  }
  // Finance is held to it: a fen more than the payable is refused.
  const std::string payable = Body(Get("officer", App(id)))["payable"];
  auto notice = Post("officer", App(id, "/notice"), json::object());
  ASSERT_EQ(notice->status, 200) << notice->body;
  AtBeijingNoon(bursar::store::AddDays(Body(notice)["notice_until"].get<std::string>(), 1));
  ASSERT_EQ(Post("officer", App(id, "/finalisation"), json::object())->status, 200);
  const auto more = bursar::FenToMoneyString(*bursar::MoneyStringToFen(payable, &why) + 1);
  auto over = Post("finance", App(id, "/payments"), {{"amount", more}, {"reference", "DG6-1"}});
  ASSERT_TRUE(over);
  EXPECT_EQ(over->status, 409) << over->body;
  EXPECT_NE(ErrorOf(over)["message"].get<std::string>().find("would exceed the payable " + payable), std::string::npos)
      << over->body;
  EXPECT_EQ(ErrorOf(over)["reason"], "payment_exceeds");
  EXPECT_EQ(ErrorOf(over)["params"]["payable"], payable);
  EXPECT_EQ(ErrorOf(over)["params"]["amount"], more);
  // The budget summary, kept by the server until the store changes, shows
  // the payment order once approved: it changed the store.
  EXPECT_EQ(Body(Get("auditor", "/api/budgets/2025"))["paid"], "0.00");
  auto exact = Post("finance", App(id, "/payments"), {{"amount", payable}, {"reference", "DG6-2"}});
  ASSERT_TRUE(exact);
  EXPECT_EQ(exact->status, 202) << exact->body;
  EXPECT_EQ(Body(Get("auditor", "/api/budgets/2025"))["paid"], "0.00") << "an order is not a payment";
  const int64_t order = Body(Get("officer", App(id)))["payment_orders"][0]["id"];
  auto approved = Post("finance2", "/api/payment-orders/" + std::to_string(order) + "/approval", {{"approve", true}});
  ASSERT_TRUE(approved);
  ASSERT_EQ(approved->status, 200) << approved->body;
  EXPECT_EQ(Body(Get("auditor", "/api/budgets/2025"))["paid"], payable);

  // A server started on the store reads each year's budget as it starts, so
  // that the first dashboard finds a scaled year kept, not read whole.
  ServerProcess restarted({"--db", database_->url()});
  ASSERT_GT(restarted.port(), 0);
  const std::string kept = restarted.WaitForLine("\"event\":\"budgets_kept\"");
  ASSERT_NE(kept, "") << "no budgets_kept line";
  EXPECT_EQ(json::parse(kept)["years"], json::array({2025})) << kept;
  EXPECT_FALSE(json::parse(kept).contains("error")) << kept;
}

// Separation of duties (issue 14): no one account moves money alone. The
// officer who decided cannot pay; finance records a payment and, above the
// office's threshold (default 0.00: every payment), a second finance account
// approves it; the recorder cannot approve its own order; a voucher number
// pays once in the year, however its case and spaces are written. Each
// refusal is a 403 naming the rule.
TEST_P(ProgrammeTest, NoOneAccountMovesMoneyAlone) {
  const int64_t id = Create("app1", code1_, {{"measure", "03"}, {"assessed", "4200000"}});
  ASSERT_EQ(Post("app1", App(id, "/submission"), json::object())->status, 200);
  ASSERT_EQ(Post("officer", App(id, "/review"), {{"reviewers", {"alice"}}})->status, 200);
  ASSERT_EQ(Put("alice", App(id, "/reviews/alice"), {{"scores", {{"a", 50}}}, {"proposed", "10.00"}, {"opinion", "同意支持。"}})->status, 200);
  ASSERT_EQ(Post("officer", App(id, "/decisions"), json::object())->status, 201);
  auto notice = Post("officer", App(id, "/notice"), json::object());
  ASSERT_EQ(notice->status, 200) << notice->body;
  AtBeijingNoon(bursar::store::AddDays(Body(notice)["notice_until"].get<std::string>(), 1));
  ASSERT_EQ(Post("officer", App(id, "/finalisation"), json::object())->status, 200);

  auto by_officer = Post("officer", App(id, "/payments"), {{"amount", "4.00"}, {"reference", "sec-ref-1"}});
  EXPECT_EQ(by_officer->status, 403) << "the officer who decided does not pay";
  EXPECT_EQ(ErrorOf(by_officer)["reason"], "role_may_not") << by_officer->body;
  auto ordered = Post("finance", App(id, "/payments"), {{"amount", "4.00"}, {"reference", "sec-ref-1 "}});
  ASSERT_EQ(ordered->status, 202) << ordered->body;
  json orders = Body(Get("finance", "/api/payment-orders?state=pending"));
  ASSERT_EQ(orders["total"], 1);
  const std::string order = std::to_string(orders["items"][0]["id"].get<int64_t>());
  EXPECT_EQ(orders["items"][0]["reference"], "SEC-REF-1") << "kept trimmed and in upper case";
  EXPECT_EQ(orders["items"][0]["recorded_by"], "finance");
  EXPECT_TRUE(Body(Get("officer", App(id)))["payments"].empty()) << "an order is not a payment";

  auto own = Post("finance", "/api/payment-orders/" + order + "/approval", {{"approve", true}});
  EXPECT_EQ(own->status, 403) << own->body;
  EXPECT_NE(ErrorOf(own)["message"].get<std::string>().find("separation of duties"), std::string::npos) << own->body;
  EXPECT_EQ(ErrorOf(own)["reason"], "recorder_approves");
  EXPECT_EQ(ErrorOf(own)["params"], json({{"actor", "finance"}, {"order", order}}));
  auto no_reason = Post("finance2", "/api/payment-orders/" + order + "/approval", {{"approve", false}});
  EXPECT_EQ(no_reason->status, 422) << "a rejection states its reason";
  auto rejected = Post("finance2", "/api/payment-orders/" + order + "/approval",
                       {{"approve", false}, {"reason", "voucher not signed"}});
  ASSERT_EQ(rejected->status, 200) << rejected->body;
  EXPECT_EQ(Body(rejected)["state"], "rejected");
  auto decided_again = Post("finance2", "/api/payment-orders/" + order + "/approval", {{"approve", true}});
  EXPECT_EQ(decided_again->status, 409) << "a rejected order stays rejected";
  EXPECT_EQ(ErrorOf(decided_again)["reason"], "already_decided");
  EXPECT_EQ(ErrorOf(decided_again)["params"],
            json({{"what", "payment_order"}, {"id", order}, {"state", "rejected"}, {"by", "finance2"}}));

  auto again = Post("finance", App(id, "/payments"), {{"amount", "4.00"}, {"reference", "SEC-REF-1"}});
  ASSERT_EQ(again->status, 202) << "a rejected order's voucher may be recorded anew: " << again->body;
  auto twice = Post("finance2", App(id, "/payments"), {{"amount", "1.00"}, {"reference", "Sec-Ref-1"}});
  EXPECT_EQ(twice->status, 409) << "the voucher is on a pending order: " << twice->body;
  auto more = Post("finance2", App(id, "/payments"), {{"amount", "6.01"}, {"reference", "PAY-2"}});
  EXPECT_EQ(more->status, 409) << "pending orders count against what is left: " << more->body;
  const std::string second = std::to_string(Body(Get("finance", "/api/payment-orders?state=pending"))["items"][0]["id"].get<int64_t>());
  auto approved = Post("finance2", "/api/payment-orders/" + second + "/approval", {{"approve", true}});
  ASSERT_EQ(approved->status, 200) << approved->body;
  EXPECT_EQ(Body(approved)["instalment"], 1);
  json detail = Body(Get("officer", App(id)));
  ASSERT_EQ(detail["payments"].size(), 1u);
  EXPECT_EQ(detail["payments"][0]["reference"], "SEC-REF-1");
  EXPECT_EQ(detail["state"], "final");
  EXPECT_FALSE(Body(Get("app1", App(id))).contains("payment_orders")) << "the applicant sees payments, not orders";

  // At or below the office's threshold one finance account pays at once.
  ASSERT_TRUE(store_->SetDocumentSetting("admin", bursar::store::kPaymentApprovalSetting, "100.00").ok());
  auto dup = Post("finance", App(id, "/payments"), {{"amount", "1.00"}, {"reference", " sec-ref-1"}});
  EXPECT_EQ(dup->status, 409) << "one voucher, one payment in the year: " << dup->body;
  auto rest = Post("finance", App(id, "/payments"), {{"amount", "6.00"}, {"reference", "PAY-2"}});
  ASSERT_EQ(rest->status, 201) << rest->body;
  EXPECT_EQ(Body(rest)["state"], "paid");
  auto rows = store_->db().Query("SELECT recorded_by, approved_by FROM payment WHERE application_id = ? ORDER BY instalment",
                                 {id});
  ASSERT_TRUE(rows.ok() && rows->size() == 2);
  EXPECT_EQ((*rows)[0].Text(0), "finance");
  EXPECT_EQ((*rows)[0].Text(1), "finance2");
  EXPECT_EQ((*rows)[1].Text(0), "finance");
  EXPECT_TRUE((*rows)[1].IsNull(1)) << "below the threshold, no second account";
}

TEST_P(ProgrammeTest, ApplicantsAndReviewersSeeOnlyTheirOwn) {
  const json claim = {{"measure", "03"}, {"assessed", "1000"}};
  const int64_t mine = Create("app1", code1_, claim);
  const int64_t theirs = Create("officer", code2_, claim);
  ASSERT_GT(mine, 0);
  ASSERT_GT(theirs, 0);
  // An applicant cannot create for another enterprise, read, list or change its applications.
  auto other = Post("app1", "/api/applications", {{"credit_code", code2_}, {"year", 2025}, {"claim", claim}});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 404);
  for (const std::string& path : {App(theirs), "/api/enterprises/" + code2_,
                                  "/api/enterprises/" + code2_ + "/facts?year=2025",
                                  "/api/enterprises/" + code2_ + "/evidence"}) {
    auto r = Get("app1", path);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404) << path << ": " << r->body;
  }
  auto submit = Post("app1", App(theirs, "/submission"), json::object());
  ASSERT_TRUE(submit);
  EXPECT_EQ(submit->status, 404);
  EXPECT_EQ(Body(Get("officer", App(theirs)))["state"], "draft") << "nothing changed";
  json list = Body(Get("app1", "/api/applications"));
  ASSERT_EQ(list["total"], 1);
  EXPECT_EQ(list["items"][0]["id"], mine);
  EXPECT_EQ(Body(Get("app1", "/api/applications?enterprise=" + code2_))["total"], 0);
  json enterprises = Body(Get("app1", "/api/enterprises"));
  ASSERT_EQ(enterprises["total"], 1);
  EXPECT_EQ(enterprises["items"][0]["credit_code"], code1_);
  EXPECT_EQ(Get("app1", "/api/enterprises/" + code1_ + "/facts?year=2025")->status, 200);

  // A reviewer sees nothing until assigned, then only what it is assigned.
  EXPECT_EQ(Body(Get("alice", "/api/applications"))["total"], 0);
  EXPECT_EQ(Get("alice", App(theirs))->status, 404);
  ASSERT_EQ(Post("officer", App(theirs, "/submission"), json::object())->status, 200);
  ASSERT_EQ(Post("officer", App(theirs, "/review"), {{"reviewers", {"alice"}}})->status, 200);
  EXPECT_EQ(Get("alice", App(theirs))->status, 200);
  EXPECT_EQ(Get("alice", App(mine))->status, 404);
  EXPECT_EQ(Get("bob", App(theirs))->status, 404);
  EXPECT_EQ(Body(Get("alice", "/api/applications"))["total"], 1);
  EXPECT_EQ(Body(Get("alice", "/api/enterprises"))["total"], 1);
  EXPECT_EQ(Get("alice", "/api/enterprises/" + code1_)->status, 404);
  auto bob = Put("bob", App(theirs, "/reviews/bob"), {{"scores", {{"a", 1}}}, {"proposed", "1.00"}, {"opinion", "同意支持。"}});
  ASSERT_TRUE(bob);
  EXPECT_EQ(bob->status, 404);
  auto bob_conflict = Post("bob", App(theirs, "/conflicts"), {{"reason", "x"}});
  ASSERT_TRUE(bob_conflict);
  EXPECT_EQ(bob_conflict->status, 404);

  // The auditor reads everything and changes nothing.
  EXPECT_EQ(Body(Get("auditor", "/api/applications"))["total"], 2);
  auto audit_write = Post("auditor", App(mine, "/submission"), json::object());
  ASSERT_TRUE(audit_write);
  EXPECT_EQ(audit_write->status, 403);
}

TEST_P(ProgrammeTest, ListsPageFilterAndSortAndRefuseBadParameters) {
  std::vector<int64_t> ids;
  for (const char* measure : {"03", "06", "09"}) {
    ids.push_back(Create("officer", code1_, {{"measure", measure}, {"assessed", "1000"}}));
  }
  ids.push_back(Create("officer", code2_, {{"measure", "03"}, {"assessed", "1000"}}));
  json page = Body(Get("officer", "/api/applications?limit=2&sort=-id"));
  EXPECT_EQ(page["total"], 4);
  EXPECT_EQ(page["limit"], 2);
  EXPECT_EQ(page["offset"], 0);
  ASSERT_EQ(page["items"].size(), 2u);
  EXPECT_EQ(page["items"][0]["id"], ids[3]);
  EXPECT_EQ(page["items"][1]["id"], ids[2]);
  json second = Body(Get("officer", "/api/applications?limit=2&offset=2&sort=-id"));
  ASSERT_EQ(second["items"].size(), 2u);
  EXPECT_EQ(second["items"][1]["id"], ids[0]);
  EXPECT_EQ(Body(Get("officer", "/api/applications?measure=03"))["total"], 2);
  EXPECT_EQ(Body(Get("officer", "/api/applications?enterprise=" + code1_ + "&measure=03"))["total"], 1);
  EXPECT_EQ(Body(Get("officer", "/api/applications?state=submitted"))["total"], 0);
  EXPECT_EQ(Body(Get("officer", "/api/applications?year=2024"))["total"], 0);
  json enterprises = Body(Get("officer", "/api/enterprises?q=Enterprise%2012&sort=-name"));
  EXPECT_GE(enterprises["total"].get<int>(), 1);
  for (const auto& e : enterprises["items"]) {
    EXPECT_NE(e["name"].get<std::string>().find("Enterprise 12"), std::string::npos);
  }

  for (const auto& [query, field] : std::vector<std::pair<std::string, std::string>>{
           {"limit=0", "query.limit"},
           {"limit=501", "query.limit"},
           {"limit=x", "query.limit"},
           {"offset=-1", "query.offset"},
           {"sort=colour", "query.sort"},
           {"state=bogus", "query.state"},
           {"year=20x5", "query.year"},
           {"colour=red", "query.colour"}}) {
    auto r = Get("officer", "/api/applications?" + query);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << query << ": " << r->body;
    EXPECT_EQ(ErrorOf(r)["field"], field) << query;
  }

  // An enterprise's facts page the rows behind each figure (limit/offset,
  // default the first 50 of each list); the figures come from every row.
  std::string csv = "credit_code,exchange,trade_id,date,side,amount,legally_established\n";
  for (int i = 1; i <= 3; ++i) {
    csv += code1_ + ",BJIDE,PAGED-" + std::to_string(i) + ",2025-0" + std::to_string(i) + "-15,seller,10.00,true\n";
  }
  auto uploaded = Client().Post("/api/evidence/trades", As("bureau"), csv, "text/csv");
  ASSERT_TRUE(uploaded);
  ASSERT_EQ(uploaded->status, 200) << uploaded->body;
  const std::string facts = "/api/enterprises/" + code1_ + "/facts?year=2025";
  json every = Body(Get("officer", facts + "&limit=500"));
  const json& trades = every["explanation"]["exchange_trading_volume"];
  const int64_t n = trades["rows_total"].get<int64_t>();
  ASSERT_GE(n, 3);
  ASSERT_LE(n, 500);
  EXPECT_EQ(trades["rows"].size(), static_cast<size_t>(n));
  json window = Body(Get("officer", facts + "&limit=1&offset=1"));
  EXPECT_EQ(window["facts"], every["facts"]);
  ASSERT_EQ(window["explanation"]["exchange_trading_volume"]["rows"].size(), 1u);
  EXPECT_EQ(window["explanation"]["exchange_trading_volume"]["rows"][0], trades["rows"][1]);
  EXPECT_EQ(window["explanation"]["exchange_trading_volume"]["rows_total"], n);
  json plain = Body(Get("officer", facts));
  EXPECT_EQ(plain["facts"], every["facts"]);
  EXPECT_EQ(plain["explanation"]["exchange_trading_volume"]["rows"].size(), static_cast<size_t>(std::min<int64_t>(n, 50)));
  for (const auto& [query, field] : std::vector<std::pair<std::string, std::string>>{
           {"&sort=date", "query.sort"}, {"&limit=501", "query.limit"}, {"&offset=-1", "query.offset"}}) {
    auto r = Get("officer", facts + query);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << query << ": " << r->body;
    EXPECT_EQ(ErrorOf(r)["field"], field) << query;
  }
}

// Paging by key (docs/http-api.md, "Paging by key"): walking the list by
// `next` gives every application exactly once and in order, also when
// applications are added between pages (after the walk's position they are
// seen, before it they are not; with offset paging the same addition repeats
// an item); `next` is null on the last page; bad tokens are 400.
TEST_P(ProgrammeTest, WalkingTheApplicationListByNextGivesEachApplicationOnce) {
  int project = 0;
  auto add = [&](const std::string& code) {
    return Create("officer", code,
                  {{"measure", "11"}, {"item", "scenario"}, {"project", "WALK-" + std::to_string(++project)},
                   {"investment", "1000000.00"}, {"civil_construction", "0"}});
  };
  std::vector<int64_t> ids;
  for (int i = 0; i < 9; ++i) ids.push_back(add(i % 2 ? code1_ : code2_));
  ASSERT_EQ(Post("officer", App(ids[1], "/submission"), json::object())->status, 200);
  ASSERT_EQ(Post("officer", App(ids[6], "/submission"), json::object())->status, 200);

  // Walks the list from `query` by next, `limit` a page; `between(page)` runs
  // after each page but the last.
  auto walk = [&](const std::string& query, int limit, const std::function<void(int)>& between) {
    std::vector<json> items;
    std::string next;
    for (int page = 0; page < 50; ++page) {
      json body = Body(Get("officer", "/api/applications?limit=" + std::to_string(limit) + query +
                                          (next.empty() ? "" : "&after=" + next)));
      EXPECT_TRUE(body.contains("next")) << body.dump();
      for (const auto& item : body["items"]) items.push_back(item);
      if (body["next"].is_null()) break;
      EXPECT_EQ(body["items"].size(), static_cast<size_t>(limit)) << "a page before the last is full";
      next = body["next"].get<std::string>();
      between(page);
    }
    return items;
  };
  auto ids_of = [](const std::vector<json>& items) {
    std::vector<int64_t> out;
    for (const auto& item : items) out.push_back(item["id"].get<int64_t>());
    return out;
  };

  // The default order (id): additions come after the position, so they are seen.
  std::vector<int64_t> want = ids;
  std::vector<json> up = walk("", 2, [&](int page) {
    if (page == 1) want.push_back(add(code1_));
  });
  EXPECT_EQ(ids_of(up), want);

  // -id: additions land before the position, so the walk does not see them,
  // and repeats nothing; offset paging would have repeated an item.
  const json everything = Body(Get("officer", "/api/applications?limit=500&sort=-id"));
  std::vector<int64_t> before;
  for (const auto& item : everything["items"]) before.push_back(item["id"].get<int64_t>());
  ASSERT_EQ(before.size(), want.size());
  std::vector<json> down = walk("&sort=-id", 3, [&](int page) {
    if (page == 0) add(code2_);
  });
  EXPECT_EQ(ids_of(down), before);
  json at3 = Body(Get("officer", "/api/applications?limit=3&offset=3&sort=-id"));
  EXPECT_EQ(at3["items"][0]["id"], before[2]) << "offset 3 after an addition: the third item again";

  // state (ties by id), descending too: in order and every one once, the
  // draft added after the first page (ahead of the position both ways: after
  // the first drafts, or after the submitted ones) included.
  for (const std::string sort : {"state", "-state"}) {
    std::vector<json> walked = walk("&sort=" + sort, 2, [&](int page) {
      if (page == 0) add(code1_);
    });
    json all = Body(Get("officer", "/api/applications?limit=500&sort=" + sort));
    std::vector<json> expected(all["items"].begin(), all["items"].end());
    const bool desc = sort[0] == '-';
    for (size_t i = 1; i < walked.size(); ++i) {
      auto key = [](const json& item) { return std::make_pair(item["state"].get<std::string>(), item["id"].get<int64_t>()); };
      EXPECT_TRUE(desc ? key(walked[i]) < key(walked[i - 1]) : key(walked[i - 1]) < key(walked[i])) << sort << " " << i;
    }
    std::vector<int64_t> walked_ids = ids_of(walked), all_ids = ids_of(expected);
    std::sort(walked_ids.begin(), walked_ids.end());
    std::sort(all_ids.begin(), all_ids.end());
    EXPECT_EQ(walked_ids, all_ids) << sort;
    EXPECT_EQ(std::adjacent_find(walked_ids.begin(), walked_ids.end()), walked_ids.end()) << sort << ": a repeat";
  }

  // Bad tokens and combinations are 400 naming the parameter; total has no next.
  json first = Body(Get("officer", "/api/applications?limit=2"));
  ASSERT_TRUE(first["next"].is_string()) << first.dump();
  const std::string token = first["next"].get<std::string>();
  for (const auto& [query, field] : std::vector<std::pair<std::string, std::string>>{
           {"after=nonsense", "query.after"},
           {"after=" + token + "&sort=year", "query.after"},
           {"after=" + token + "&offset=2", "query.offset"},
           {"after=" + token + "&sort=-total", "query.after"}}) {
    auto r = Get("officer", "/api/applications?" + query);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << query << ": " << r->body;
    EXPECT_EQ(ErrorOf(r)["field"], field) << query;
  }
  EXPECT_TRUE(Body(Get("officer", "/api/applications?limit=1&sort=total"))["next"].is_null());
}

TEST_P(ProgrammeTest, EvidenceUploadsReportRowByRow) {
  const std::string header = "credit_code,exchange,trade_id,date,side,amount,legally_established\n";
  // An applicant's rows are its declarations (D-G10): they cannot say the
  // trade was made at a legally established institution.
  const std::string declared = header + code1_ + ",BJDE,UP-1,2025-03-01,seller,1000.00,false\n" + code2_ +
                               ",BJDE,UP-2,2025-03-01,seller,1000.00,false\n" + code1_ +
                               ",BJDE,UP-3,2025-13-01,seller,1000.00,false\n" + code1_ +
                               ",BJDE,UP-4,2025-03-01,seller,1000.00,true\n";
  const std::string body = header + code1_ + ",BJDE,UP-1,2025-03-01,seller,1000.00,true\n" + code2_ +
                           ",BJDE,UP-2,2025-03-01,seller,1000.00,true\n" + code1_ +
                           ",BJDE,UP-3,2025-13-01,seller,1000.00,true\n";
  auto r = Client().Post("/api/evidence/trades", As("app1"), declared, "text/csv");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  json report = Body(r);
  EXPECT_EQ(report["rows"], 4);
  EXPECT_EQ(report["accepted"], 1);
  ASSERT_EQ(report["rejected"].size(), 3u);
  EXPECT_EQ(report["rejected"][0]["line"], 3);
  EXPECT_EQ(report["rejected"][0]["field"], "credit_code") << "another enterprise's row";
  EXPECT_EQ(report["rejected"][1]["line"], 4);
  EXPECT_EQ(report["rejected"][2]["field"], "legally_established") << "an authority's flag, never declared";
  // Each row names the rule it broke, with its figures, for the page to word (issue 15).
  EXPECT_EQ(report["rejected"][0]["rule"], "not_your_enterprise");
  EXPECT_EQ(report["rejected"][0]["params"]["credit_code"], code1_);
  EXPECT_EQ(report["rejected"][1]["rule"], "not_date");
  EXPECT_EQ(report["rejected"][2]["rule"], "official_only");
  EXPECT_EQ(report["committed"], true);
  json listed = Body(Get("app1", "/api/enterprises/" + code1_ + "/evidence?kind=trades&year=2025&limit=500"));
  bool found = false;
  for (const auto& t : listed["items"]) found = found || t["trade_id"] == "UP-1";
  EXPECT_TRUE(found) << listed.dump();
  // The data bureau may upload anyone's (an officer may not: separation of
  // duties); its record of UP-1 replaces the declaration; the same file
  // again changes nothing.
  EXPECT_EQ(Client().Post("/api/evidence/trades", As("officer"), body, "text/csv")->status, 403);
  auto bureau = Client().Post("/api/evidence/trades", As("bureau"), body, "text/csv");
  ASSERT_TRUE(bureau);
  ASSERT_EQ(bureau->status, 200) << bureau->body;
  EXPECT_EQ(Body(bureau)["accepted"], 2);
  EXPECT_EQ(Body(bureau)["updated"], 1) << "the declared UP-1, now official";
  auto again = Client().Post("/api/evidence/trades", As("bureau"), body, "text/csv");
  ASSERT_TRUE(again);
  EXPECT_EQ(Body(again)["unchanged"], 2);
  // JSON Lines too.
  auto jsonl = Client().Post("/api/evidence/filings", As("app1"),
                             json{{"credit_code", code1_}, {"filing_id", "F-UP"}, {"date", "2025-02-02"},
                                  {"amount", "10.00"}}
                                     .dump() + "\n",
                             "application/x-ndjson");
  ASSERT_TRUE(jsonl);
  ASSERT_EQ(jsonl->status, 200) << jsonl->body;
  EXPECT_EQ(Body(jsonl)["accepted"], 1);

  auto bad_header = Client().Post("/api/evidence/trades", As("bureau"), "colour,shape\nred,round\n", "text/csv");
  ASSERT_TRUE(bad_header);
  EXPECT_EQ(bad_header->status, 400) << bad_header->body;
  EXPECT_EQ(ErrorOf(bad_header)["message"].get<std::string>().find("/tmp"), std::string::npos);
  auto not_csv = Client().Post("/api/evidence/trades", As("bureau"), "{}", "application/json");
  ASSERT_TRUE(not_csv);
  EXPECT_EQ(not_csv->status, 415);
  auto unknown_kind = Client().Post("/api/evidence/rumours", As("bureau"), body, "text/csv");
  ASSERT_TRUE(unknown_kind);
  EXPECT_EQ(unknown_kind->status, 404);
  auto own_record = Client().Post("/api/evidence/enterprises", As("app1"), "credit_code\n", "text/csv");
  ASSERT_TRUE(own_record);
  EXPECT_EQ(own_record->status, 403) << "an applicant does not rewrite its own enterprise record";
}

// The sample file the portal offers for each kind an applicant uploads: it
// names the applicant's own enterprise, its dates fall in the year asked
// for, and uploaded back (CSV and JSON Lines) it has no row error; a second
// upload changes nothing.
// Issue 14: changing an enterprise's master data (flags, tags), or adding an
// enterprise, needs a second approver. A data-bureau upload that clears a
// serious-dishonesty record is held; the uploader cannot approve it; an
// officer does.
TEST_P(ProgrammeTest, AChangeOfAnEnterpriseWaitsForASecondAccount) {
  auto flag = [&] {
    auto row = store_->db().QueryOne("SELECT serious_dishonesty_record FROM enterprise WHERE credit_code = ?", {code1_});
    return (*row)->Int(0);
  };
  const int64_t before = flag();
  const std::string csv =
      "credit_code,name,registered_in_chaoyang,taxed_in_chaoyang,independent_legal_person,serious_dishonesty_record,"
      "tags\n" +
      code1_ + "," + name1_ + ",true,true,true," + (before ? "false" : "true") + ",data_vendor\n";
  auto up = Client().Post("/api/evidence/enterprises", As("bureau"), csv, "text/csv");
  ASSERT_TRUE(up);
  ASSERT_EQ(up->status, 200) << up->body;
  EXPECT_EQ(Body(up)["held"], 1) << up->body;
  EXPECT_EQ(Body(up)["updated"], 0);
  EXPECT_EQ(flag(), before) << "not applied by one account";

  json pending = Body(Get("officer", "/api/master-changes?state=pending"));
  ASSERT_EQ(pending["items"].size(), 1u) << pending.dump();
  const json change = pending["items"][0];
  EXPECT_EQ(change["credit_code"], code1_);
  EXPECT_NE(std::find(change["fields"].begin(), change["fields"].end(), "serious_dishonesty_record"),
            change["fields"].end())
      << change.dump();
  EXPECT_EQ(change["requested_by"], "bureau");
  EXPECT_EQ(change["proposed"]["tags"], json::array({"data_vendor"})) << change.dump();
  EXPECT_EQ(change["proposed"]["serious_dishonesty_record"], before == 0);
  const std::string approval = "/api/master-changes/" + std::to_string(change["id"].get<int64_t>()) + "/approval";
  EXPECT_EQ(Get("app1", "/api/master-changes")->status, 403);
  EXPECT_EQ(Post("app1", approval, {{"approve", true}})->status, 403);
  auto own = Post("bureau", approval, {{"approve", true}});
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 403) << own->body;
  EXPECT_NE(ErrorOf(own)["message"].get<std::string>().find("two accounts"), std::string::npos) << own->body;
  EXPECT_EQ(flag(), before);
  auto approved = Post("officer", approval, {{"approve", true}});
  ASSERT_TRUE(approved);
  ASSERT_EQ(approved->status, 200) << approved->body;
  EXPECT_EQ(Body(approved)["state"], "approved");
  EXPECT_EQ(Body(approved)["decided_by"], "officer");
  EXPECT_NE(flag(), before) << "applied once a second account approved";
  EXPECT_EQ(Post("officer", approval, {{"approve", true}})->status, 409);

  // An enterprise the upload names for the first time (the issue's invented
  // enterprise) is not stored by one account either: it waits as "new", its
  // trades are refused until a second account approves it.
  const std::string invented = bursar::store::testing::Code(77);
  auto added = Client().Post("/api/evidence/enterprises", As("bureau"),
                             "credit_code,name,registered_in_chaoyang,taxed_in_chaoyang,independent_legal_person,"
                             "serious_dishonesty_record,tags\n" +
                                 invented + ",Invented Data Co.,true,true,true,false,data_vendor\n",
                             "text/csv");
  ASSERT_TRUE(added);
  ASSERT_EQ(added->status, 200) << added->body;
  EXPECT_EQ(Body(added)["held"], 1) << added->body;
  EXPECT_EQ(Body(added)["inserted"], 0) << added->body;
  EXPECT_EQ(Get("officer", "/api/enterprises/" + invented)->status, 404) << "not stored by one account";
  auto trades = Client().Post("/api/evidence/trades", As("bureau"),
                              "credit_code,exchange,trade_id,date,side,amount,legally_established\n" + invented +
                                  ",BJDE,INV-1,2025-03-01,seller,40000000.00,true\n",
                              "text/csv");
  ASSERT_TRUE(trades);
  EXPECT_NE(trades->body.find("waits for a second account"), std::string::npos) << trades->body;
  json waiting = Body(Get("officer", "/api/master-changes?state=pending"));
  ASSERT_EQ(waiting["items"].size(), 1u) << waiting.dump();
  EXPECT_EQ(waiting["items"][0]["kind"], "new");
  EXPECT_EQ(waiting["items"][0]["credit_code"], invented);
  const std::string add = "/api/master-changes/" + std::to_string(waiting["items"][0]["id"].get<int64_t>()) + "/approval";
  EXPECT_EQ(Post("bureau", add, {{"approve", true}})->status, 403);
  ASSERT_EQ(Post("officer", add, {{"approve", true}})->status, 200);
  EXPECT_EQ(Get("officer", "/api/enterprises/" + invented)->status, 200) << "stored once a second account approved";

  auto verdict = store_->VerifyAudit();
  ASSERT_TRUE(verdict.ok());
  EXPECT_TRUE(verdict->ok) << verdict->problem;
}

TEST_P(ProgrammeTest, EvidenceSamplesUploadBackWithoutRowErrors) {
  // An export clearance is the filing authority's to state (D-G10).
  EXPECT_EQ(Get("app1", "/api/evidence/exports/sample?year=2025")->status, 403);
  for (const char* kind : {"listings", "certificates", "fs_inclusions", "trades", "filings", "projects", "platforms"}) {
    for (const std::string format : {"csv", "jsonl"}) {
      const std::string what = std::string(kind) + " " + format;
      auto sample = Get("app1", std::string("/api/evidence/") + kind + "/sample?year=2025&format=" + format);
      ASSERT_TRUE(sample) << what;
      ASSERT_EQ(sample->status, 200) << what << ": " << sample->body;
      EXPECT_NE(sample->get_header_value("Content-Disposition").find("attachment; filename=\"" + std::string(kind) +
                                                                     "-sample-" + code1_ + "-2025." + format),
                std::string::npos)
          << what;
      EXPECT_NE(sample->body.find(code1_), std::string::npos) << what;
      EXPECT_NE(sample->body.find("2025"), std::string::npos) << what;
      const std::string type = format == "csv" ? "text/csv" : "application/x-ndjson";
      EXPECT_EQ(sample->get_header_value("Content-Type").rfind(type, 0), 0u) << what;
      auto upload = Client().Post(std::string("/api/evidence/") + kind, As("app1"), sample->body, type);
      ASSERT_TRUE(upload) << what;
      ASSERT_EQ(upload->status, 200) << what << ": " << upload->body;
      json report = Body(upload);
      EXPECT_EQ(report["rejected"], json::array()) << what << ": " << sample->body;
      EXPECT_GE(report["rows"].get<int64_t>(), 1) << what;
      auto again = Client().Post(std::string("/api/evidence/") + kind, As("app1"), sample->body, type);
      ASSERT_TRUE(again) << what;
      json second = Body(again);
      EXPECT_EQ(second["rejected"], json::array()) << what;
      EXPECT_EQ(second["unchanged"], second["rows"]) << what;
    }
  }
  // The rows are the enterprise's evidence now, in the year asked for.
  json trades = Body(Get("app1", "/api/enterprises/" + code1_ + "/evidence?kind=trades&year=2025&limit=500"));
  int samples = 0;
  for (const auto& t : trades["items"]) samples += t["trade_id"].get<std::string>().rfind("SAMPLE-2025-", 0) == 0;
  EXPECT_EQ(samples, 2) << trades.dump();

  // The officer names the enterprise, and may have its record as a sample:
  // uploading it back changes nothing.
  auto record = Get("bureau", "/api/evidence/enterprises/sample?enterprise=" + code1_);
  ASSERT_TRUE(record);
  ASSERT_EQ(record->status, 200) << record->body;
  EXPECT_NE(record->body.find(name1_), std::string::npos) << record->body;
  auto record_back = Client().Post("/api/evidence/enterprises", As("bureau"), record->body, "text/csv");
  ASSERT_TRUE(record_back);
  EXPECT_EQ(Body(record_back)["rejected"], json::array()) << record_back->body;
  EXPECT_EQ(Body(record_back)["unchanged"], 1) << record_back->body;

  // Refusals.
  auto other = Get("app1", "/api/evidence/trades/sample?enterprise=" + code2_);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 404) << "another enterprise's sample is not the applicant's to see";
  auto own_record = Get("app1", "/api/evidence/enterprises/sample");
  ASSERT_TRUE(own_record);
  EXPECT_EQ(own_record->status, 403);
  auto unnamed = Get("bureau", "/api/evidence/trades/sample");
  ASSERT_TRUE(unnamed);
  EXPECT_EQ(unnamed->status, 400);
  EXPECT_EQ(ErrorOf(unnamed)["field"], "query.enterprise");
  auto bad_format = Get("app1", "/api/evidence/trades/sample?format=xlsx");
  ASSERT_TRUE(bad_format);
  EXPECT_EQ(bad_format->status, 400);
  auto unknown = Get("app1", "/api/evidence/rumours/sample");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
}

// Issue 14's attack: an applicant's own upload raised its apply-free
// estimate. Declared rows show apart, count once an officer verifies them
// (D-G10), and only an officer may.
// Issue 16: a programme run beside the served one (`serve --also-policy`).
// Its figures are uploaded and read by its policy, its applications name it
// and are checked against it, and its decisions are its policy's.
TEST_P(ProgrammeTest, AProgrammeBesideTheServedOneRunsThroughTheApi) {
  server_.reset();
  server_ = std::make_unique<ServerProcess>(
      std::vector<std::string>{"--db", database_->url(), "--also-policy", kSource + "/policies/digital-health"});
  ASSERT_GT(server_->port(), 0) << "the server did not start";
  std::string figures = "credit_code,policy,year,name,value\n";
  for (const char* flag : {"registered_in_district", "taxed_in_district", "independent_legal_person",
                           "digital_health_business"}) {
    figures += code1_ + ",digital-health,2025,applicant." + flag + ",true\n";
  }
  figures += code1_ + ",digital-health,2025,facts.rent_area,100\n";
  auto uploaded = Client().Post("/api/evidence/figures", As("bureau"), figures, "text/csv");
  ASSERT_TRUE(uploaded);
  ASSERT_EQ(uploaded->status, 200) << uploaded->body;
  EXPECT_EQ(Body(uploaded)["accepted"], 4);
  ASSERT_EQ(Body(uploaded)["rejected"].size(), 1u);
  EXPECT_EQ(Body(uploaded)["rejected"][0]["field"], "name");
  EXPECT_EQ(Body(uploaded)["rejected"][0]["rule"], "unknown_field");

  const json claim = {{"measure", "6"}, {"project", "P1"}, {"programme", "national"}, {"funding_received", "1500000"}};
  auto nowhere = Post("app1", "/api/applications",
                      {{"credit_code", code1_}, {"year", 2025}, {"claim", claim}, {"policy", "no-such-policy"}});
  ASSERT_TRUE(nowhere);
  EXPECT_EQ(nowhere->status, 404) << nowhere->body;
  EXPECT_EQ(ErrorOf(nowhere)["field"], "policy");
  auto not_its = Post("app1", "/api/applications",
                      {{"credit_code", code1_}, {"year", 2025}, {"claim", {{"measure", "03"}, {"assessed", "1"}}},
                       {"policy", "digital-health"}});
  ASSERT_TRUE(not_its);
  EXPECT_EQ(not_its->status, 422) << "03 is not a measure of digital-health: " << not_its->body;
  EXPECT_EQ(ErrorOf(not_its)["field"], "claim.measure") << not_its->body;
  auto created = Post("app1", "/api/applications",
                      {{"credit_code", code1_}, {"year", 2025}, {"claim", claim}, {"policy", "digital-health"}});
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  const int64_t id = Body(created)["id"];
  EXPECT_EQ(Body(created)["policy"], "digital-health");
  EXPECT_EQ(Body(Get("officer", App(OnNotice())))["policy"], "chaoyang-data-element");
  ASSERT_EQ(Post("app1", App(id, "/submission"), json::object())->status, 200);
  ASSERT_EQ(Post("officer", App(id, "/review"), {{"reviewers", {"alice"}}})->status, 200);
  auto scored =
      Put("alice", App(id, "/reviews/alice"), {{"scores", {{"a", 80}}}, {"proposed", "1500000"}, {"opinion", "同意。"}});
  ASSERT_TRUE(scored);
  ASSERT_EQ(scored->status, 200) << scored->body;
  auto decided = Post("officer", App(id, "/decisions"), json::object());
  ASSERT_TRUE(decided);
  ASSERT_EQ(decided->status, 201) << decided->body;
  json application = Body(Get("officer", App(id)));
  EXPECT_EQ(application["total"], "1500000.00") << application.dump();
  EXPECT_EQ(application["policy"], "digital-health");
  EXPECT_EQ(application["payable"], "1500000.00");
  // Its budget is its own: a budget of RMB 1 million scales its award by 2/3,
  // and the served programme's budget of the year does not see it.
  auto budget = Put("officer", "/api/budgets/2025?policy=digital-health", {{"amount", "1000000"}});
  ASSERT_TRUE(budget);
  ASSERT_EQ(budget->status, 200) << budget->body;
  EXPECT_EQ(Body(budget)["committed"], "1500000.00") << budget->body;
  EXPECT_EQ(Body(budget)["factor"], "2/3") << budget->body;
  EXPECT_EQ(Body(Get("officer", App(id)))["payable"], "1000000.00");
  json own = Body(Get("officer", "/api/budgets/2025"));
  EXPECT_EQ(own["budget"], nullptr) << own.dump();
  EXPECT_EQ(own["by_measure"].count("6"), 0u) << own.dump();
  auto elsewhere = Get("officer", "/api/budgets/2025?policy=no-such-policy");
  ASSERT_TRUE(elsewhere);
  EXPECT_EQ(elsewhere->status, 404);
}

// Issue 16 on the API: another programme's applications are listed apart, a
// proposal run there lists the recoveries its policy finds due, and a value
// the policy says an authority gives is refused from the enterprise itself.
TEST_P(ProgrammeTest, TheSecondProgrammesListRecoveriesAndAuthorityFiguresThroughTheApi) {
  server_.reset();
  server_ = std::make_unique<ServerProcess>(
      std::vector<std::string>{"--db", database_->url(), "--also-policy", kSource + "/policies/digital-health"});
  ASSERT_GT(server_->port(), 0) << "the server did not start";
  auto figures = [&](const std::string& who, const std::string& rows) {
    auto r = Client().Post("/api/evidence/figures", As(who), "credit_code,policy,year,name,value\n" + rows, "text/csv");
    EXPECT_TRUE(r);
    EXPECT_EQ(r ? r->status : 0, 200) << (r ? r->body : "");
    return r ? Body(r) : json();
  };
  // The policy view says who gives the main-business flag.
  json summary = Body(Get("app1", "/api/policy?policy=digital-health"));
  json given;
  for (const json& f : summary["case"]["applicant"]) {
    if (f["name"] == "digital_health_business") given = f;
  }
  EXPECT_EQ(given.value("given_by_zh", ""), "区行业主管部门") << summary["case"].dump();
  // The enterprise's own upload: the office's flag refused on `name`, the rest kept.
  std::string eligible;
  for (const char* flag : {"registered_in_district", "taxed_in_district", "independent_legal_person"}) {
    eligible += code1_ + ",digital-health,2025,applicant." + flag + ",是\n";
  }
  json declared = figures("app1", eligible + code1_ + ",digital-health,2025,applicant.digital_health_business,是\n");
  EXPECT_EQ(declared["accepted"], 3) << declared.dump();
  ASSERT_EQ(declared["rejected"].size(), 1u) << declared.dump();
  EXPECT_EQ(declared["rejected"][0]["line"], 5);
  EXPECT_EQ(declared["rejected"][0]["field"], "name");
  EXPECT_EQ(declared["rejected"][0]["rule"], "official_only");
  // An officer verifies the enterprise's own declarations, each read again by its policy.
  json keys = json::array();
  for (const char* flag : {"registered_in_district", "taxed_in_district", "independent_legal_person"}) {
    keys.push_back(
        {{"credit_code", code1_}, {"policy", "digital-health"}, {"year", 2025}, {"name", std::string("applicant.") + flag}});
  }
  auto verified = Post("officer", "/api/evidence/figures/verification", {{"rows", keys}});
  ASSERT_TRUE(verified);
  EXPECT_EQ(verified->status, 200) << verified->body;
  EXPECT_EQ(Body(verified)["verified"], 3) << verified->body;
  // The data bureau's import of the same rows is official: everything counts.
  json official = figures("bureau", eligible + code1_ + ",digital-health,2025,applicant.digital_health_business,是\n" +
                                        code1_ + ",digital-health,2025,facts.settled_year,2025\n" + code1_ +
                                        ",digital-health,2025,facts.rent_paid,100000\n" + code1_ +
                                        ",digital-health,2025,facts.rented_area,1000\n" + code1_ +
                                        ",digital-health,2025,facts.rent_days,365\n");
  EXPECT_EQ(official["rejected"].size(), 0u) << official.dump();

  // The rent subsidy, apply-free: 80% of the rent paid in the year of settling.
  auto proposed = Post("officer", "/api/proposals", {{"year", 2025}, {"measure", "1"}, {"policy", "digital-health"}});
  ASSERT_TRUE(proposed);
  ASSERT_EQ(proposed->status, 201) << proposed->body;
  ASSERT_EQ(Body(proposed)["created"].size(), 1u) << proposed->body;
  EXPECT_EQ(Body(proposed)["recoveries"], json::array()) << "nothing awarded yet, nothing to recover";
  const int64_t rent = Body(proposed)["created"][0];
  ASSERT_EQ(Post("app1", App(rent, "/submission"), json::object())->status, 200);
  ASSERT_EQ(Post("officer", App(rent, "/review"), {{"reviewers", json::array()}})->status, 200);
  auto decided = Post("officer", App(rent, "/decisions"), json::object());
  ASSERT_TRUE(decided);
  ASSERT_EQ(decided->status, 201) << decided->body;
  EXPECT_EQ(Body(Get("officer", App(rent)))["total"], "80000.00");
  // An auditor replays it by its own policy, and the trace is that policy's.
  const std::string decision = std::to_string(Body(decided)["id"].get<int64_t>());
  auto replay = Post("auditor", "/api/decisions/" + decision + "/replays", json::object());
  ASSERT_TRUE(replay);
  ASSERT_EQ(replay->status, 200) << replay->body;
  EXPECT_EQ(Body(replay)["result"], "identical") << replay->body;
  json stored = Body(Get("auditor", "/api/decisions/" + decision));
  ASSERT_TRUE(stored["explanation"].is_array()) << stored.dump();
  EXPECT_FALSE(stored["explanation"].empty());
  // Its letter cites digital-health's measures, not the served programme's.
  auto letter = Get("app1", "/api/decisions/" + decision + "/letter");
  ASSERT_TRUE(letter);
  ASSERT_EQ(letter->status, 200) << letter->body;
  EXPECT_NE(letter->body.find("年度《促进数字健康企业发展的若干措施》支持事项的决定"), std::string::npos) << letter->body;
  EXPECT_NE(letter->body.find("落户支持"), std::string::npos);
  EXPECT_EQ(letter->body.find("数据要素"), std::string::npos) << "Chaoyang's title in a digital-health letter";
  // The choices of a claim field carry their Chinese labels.
  json programme_field;
  for (const json& f : summary["case"]["claim_fields"]) {
    if (f["name"] == "programme") programme_field = f;
  }
  EXPECT_EQ(programme_field["choices"],
            json::parse(R"([{"name":"national","label_zh":"国家级"},{"name":"municipal","label_zh":"市级"}])"))
      << programme_field.dump();

  // The auditor checks each programme's limits by its own policy.
  json limits = Body(Get("auditor", "/api/audit/limits/2025?policy=digital-health"));
  EXPECT_EQ(limits["decisions"], 1) << limits.dump();
  EXPECT_EQ(limits["over"], json::array()) << limits.dump();
  EXPECT_EQ(Body(Get("auditor", "/api/audit/limits/2025"))["decisions"], 0);
  // No declaration states what only the industry office gives, until a row
  // is made to say the enterprise declared it and an officer verified it
  // (as one verified before the policy named the office would): the auditor
  // is shown it with the decision in force that may rest on it.
  EXPECT_EQ(Body(Get("auditor", "/api/audit/declarations")), json::parse(R"({"declarations":[],"unchecked":0})"));
  ASSERT_TRUE(store_->db()
                  .Execute("UPDATE figure SET source = 'declared', verified_by = 'officer' WHERE credit_code = ? AND "
                           "name = 'applicant.digital_health_business'",
                           {std::string_view(code1_)})
                  .ok());
  json found = Body(Get("auditor", "/api/audit/declarations"));
  ASSERT_EQ(found["declarations"].size(), 1u) << found.dump();
  EXPECT_EQ(found["declarations"][0]["field"], "applicant.digital_health_business");
  EXPECT_EQ(found["declarations"][0]["policy"], "digital-health");
  EXPECT_EQ(found["declarations"][0]["verified_by"], "officer");
  EXPECT_EQ(found["declarations"][0]["decisions"], json::array({Body(decided)["id"]})) << found.dump();
  EXPECT_EQ(found["unchecked"], 0);

  // Each programme's list apart; without `policy`, both.
  const int64_t own = Create("app2", code2_, {{"measure", "03"}, {"assessed", "4200000"}});
  json health = Body(Get("officer", "/api/applications?policy=digital-health&limit=500"));
  ASSERT_EQ(health["total"], 1) << health.dump();
  EXPECT_EQ(health["items"][0]["id"], rent);
  json chaoyang = Body(Get("officer", "/api/applications?policy=chaoyang-data-element&limit=500"));
  json all = Body(Get("officer", "/api/applications?limit=500"));
  ASSERT_EQ(chaoyang["total"], 1) << chaoyang.dump();
  EXPECT_EQ(chaoyang["items"][0]["id"], own);
  EXPECT_EQ(chaoyang["items"][0]["policy"], "chaoyang-data-element");
  EXPECT_EQ(all["total"], 2) << all.dump();
  auto unknown = Get("officer", "/api/applications?policy=no-such-policy");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404) << unknown->body;
  EXPECT_EQ(ErrorOf(unknown)["field"], "query.policy");

  // Its notice (公示) and an objection to it are its programme's: each list
  // names the policy and filters by it, and the notice as a document is
  // digital-health's, titled by its policy.
  ASSERT_EQ(Post("officer", App(rent, "/notice"), json::object())->status, 200);
  ASSERT_EQ(Post("app1", App(rent, "/objections"), {{"reason", "金额有误"}})->status, 201);
  for (const char* list : {"/api/notices?year=2025", "/api/objections?state=open"}) {
    json health_items = Body(Get("officer", std::string(list) + "&policy=digital-health"));
    ASSERT_EQ(health_items["total"], 1) << list << ": " << health_items.dump();
    EXPECT_EQ(health_items["items"][0]["policy"], "digital-health") << list;
    EXPECT_EQ(Body(Get("officer", std::string(list) + "&policy=chaoyang-data-element"))["total"], 0) << list;
  }
  auto health_notice = Client().Get("/api/notices/document?year=2025&policy=digital-health");
  ASSERT_TRUE(health_notice);
  ASSERT_EQ(health_notice->status, 200) << health_notice->body;
  EXPECT_NE(health_notice->body.find("关于2025年度《促进数字健康企业发展的若干措施》拟支持项目的公示"), std::string::npos)
      << health_notice->body;
  EXPECT_EQ(Client().Get("/api/notices/document?year=2025")->status, 404) << "the served programme has none in notice";
  auto csv = Get("officer", "/api/notices.csv?year=2025&policy=digital-health");
  ASSERT_TRUE(csv);
  EXPECT_NE(csv->body.find("落户支持"), std::string::npos) << csv->body;

  // In 2026 its records say it moved out: [1.2] finds the rent subsidy due,
  // naming the application that holds it; nothing is recovered by the run.
  figures("bureau", code1_ + ",digital-health,2026,applicant.registered_in_district,否\n" + code1_ +
                        ",digital-health,2026,applicant.taxed_in_district,是\n");
  auto next = Post("officer", "/api/proposals", {{"year", 2026}, {"measure", "1"}, {"policy", "digital-health"}});
  ASSERT_TRUE(next);
  ASSERT_EQ(next->status, 201) << next->body;
  const json due = Body(next)["recoveries"];
  ASSERT_EQ(due.size(), 1u) << next->body;
  EXPECT_EQ(due[0]["enterprise"], code1_);
  EXPECT_EQ(due[0]["measure"], "1");
  EXPECT_EQ(due[0]["item"], "rent");
  EXPECT_EQ(due[0]["amount"], "80000.00");
  EXPECT_EQ(due[0]["clause"], "[1.2]");
  EXPECT_EQ(due[0]["decision"], "D-1b");
  EXPECT_NE(due[0]["why_zh"].get<std::string>().find("在本区注册：否"), std::string::npos) << due[0].dump();
  ASSERT_EQ(due[0]["applications"].size(), 1u);
  EXPECT_EQ(due[0]["applications"][0], json({{"application", rent}, {"year", 2025}, {"amount", "80000.00"}}));
  EXPECT_EQ(Body(Get("officer", App(rent)))["state"], "notice");
}

// The auditor's 申报核查 of one year and one programme, as the officer's
// dashboard asks for the year and programme it shows: each filter lists its
// own declarations only, and counts as unchecked only its own figures.
TEST_P(ProgrammeTest, DeclarationsAreListedByYearAndProgramme) {
  server_.reset();
  server_ = std::make_unique<ServerProcess>(
      std::vector<std::string>{"--db", database_->url(), "--also-policy", kSource + "/policies/digital-health"});
  ASSERT_GT(server_->port(), 0) << "the server did not start";
  // The industry office's flag of two years, made to read as declared by the
  // enterprise and verified (as one verified before the policy named the
  // office would be); a figure of a policy the server does not run; and
  // trades of two years "declared" as made at a legally established
  // institution (which the import never takes), written by hand.
  auto uploaded = Client().Post("/api/evidence/figures", As("bureau"),
                                "credit_code,policy,year,name,value\n" + code1_ +
                                    ",digital-health,2024,applicant.digital_health_business,是\n" + code1_ +
                                    ",digital-health,2025,applicant.digital_health_business,是\n",
                                "text/csv");
  ASSERT_TRUE(uploaded);
  ASSERT_EQ(uploaded->status, 200) << uploaded->body;
  ASSERT_EQ(Body(uploaded)["accepted"], 2) << uploaded->body;
  auto& db = store_->db();
  ASSERT_TRUE(db.Execute("UPDATE figure SET source = 'declared', verified_by = 'officer' WHERE credit_code = ? AND "
                         "name = 'applicant.digital_health_business'",
                         {std::string_view(code1_)})
                  .ok());
  ASSERT_TRUE(db.Execute("INSERT INTO figure (credit_code, policy, year, name, value, source, supplied_by, "
                         "verified_by) VALUES (?, 'elsewhere', 2025, 'facts.beds', '12', 'declared', 'app1', "
                         "'officer')",
                         {std::string_view(code1_)})
                  .ok());
  for (const std::string date : {"2024-06-30", "2025-03-01"}) {
    const std::string id = "T-" + date;
    ASSERT_TRUE(db.Execute("INSERT INTO trade (credit_code, exchange, trade_id, trade_date, side, amount_fen, "
                           "legally_established, source, supplied_by) VALUES (?, 'BJDEX', ?, ?, 'seller', 100, 1, "
                           "'declared', 'app1')",
                           {std::string_view(code2_), std::string_view(id), std::string_view(date)})
                    .ok());
  }
  // Each declaration as "table policy year", and the unchecked count.
  auto listed = [&](const std::string& query) {
    json r = Body(Get("auditor", "/api/audit/declarations" + query));
    std::vector<std::string> out;
    for (const json& d : r["declarations"]) {
      out.push_back(d["table"].get<std::string>() + " " + d["policy"].get<std::string>() + " " +
                    std::to_string(d["year"].get<int64_t>()));
    }
    std::sort(out.begin(), out.end());
    return std::make_pair(out, r["unchecked"].get<int64_t>());
  };
  using Listed = std::pair<std::vector<std::string>, int64_t>;
  EXPECT_EQ(listed(""), Listed({"figure digital-health 2024", "figure digital-health 2025", "trade  2024",
                                "trade  2025"},
                               1));
  EXPECT_EQ(listed("?year=2025"), Listed({"figure digital-health 2025", "trade  2025"}, 1));
  EXPECT_EQ(listed("?year=2024"), Listed({"figure digital-health 2024", "trade  2024"}, 0));
  EXPECT_EQ(listed("?policy=digital-health"), Listed({"figure digital-health 2024", "figure digital-health 2025"}, 0));
  // The served programme's evidence is its trades; an empty year is every year.
  EXPECT_EQ(listed("?policy=chaoyang-data-element&year="), Listed({"trade  2024", "trade  2025"}, 0));
  EXPECT_EQ(listed("?year=2025&policy=digital-health"), Listed({"figure digital-health 2025"}, 0));
  EXPECT_EQ(listed("?year=2023"), Listed({}, 0));
  // The officer asks the same way.
  EXPECT_EQ(Body(Get("officer", "/api/audit/declarations?year=2024&policy=digital-health"))["declarations"].size(), 1u);

  for (const char* bad : {"year=20x5", "year=1800", "year=2025&year=abc"}) {
    auto r = Get("auditor", std::string("/api/audit/declarations?") + bad);
    ASSERT_TRUE(r) << bad;
    EXPECT_EQ(r->status, 400) << bad << ": " << r->body;
    EXPECT_EQ(ErrorOf(r)["field"], "query.year") << bad;
  }
  auto unknown = Get("auditor", "/api/audit/declarations?policy=elsewhere");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404) << unknown->body;
  EXPECT_EQ(ErrorOf(unknown)["field"], "query.policy");
  auto stray = Get("auditor", "/api/audit/declarations?programme=digital-health");
  ASSERT_TRUE(stray);
  EXPECT_EQ(stray->status, 400) << stray->body;
  EXPECT_EQ(ErrorOf(stray)["field"], "query.programme");
  // The report is whole: paging it is refused, not silently ignored.
  for (const char* paging : {"limit", "offset", "sort"}) {
    auto r = Get("auditor", std::string("/api/audit/declarations?year=2025&") + paging + "=1");
    ASSERT_TRUE(r) << paging;
    EXPECT_EQ(r->status, 400) << paging << ": " << r->body;
    EXPECT_EQ(ErrorOf(r)["field"], std::string("query.") + paging);
  }
}

// A simulation of the programme beside the served one: its policy's
// parameters, its cases from its figures and its applications' claims, and
// the served programme's simulation of the same year as it was.
TEST_P(ProgrammeTest, ASimulationOfTheSecondProgrammeUsesItsPolicyAndItsStoredCases) {
  server_.reset();
  server_ = std::make_unique<ServerProcess>(
      std::vector<std::string>{"--db", database_->url(), "--also-policy", kSource + "/policies/digital-health"});
  ASSERT_GT(server_->port(), 0) << "the server did not start";
  const json served_set = {{"year", 2025}, {"set", {{"trading_rate", "10%"}}}};
  json before = Body(Post("officer", "/api/simulations", served_set));
  ASSERT_TRUE(before.contains("baseline")) << before.dump();
  EXPECT_EQ(before["enterprises"], 40);
  EXPECT_EQ(before["policy"], "chaoyang-data-element");

  // Two enterprises with digital-health figures of 2025: three and 25
  // doctoral employees (RMB 20,000 each, at most RMB 400,000 a year), and
  // the first's matching claim of RMB 1,500,000 of national funding (100%).
  std::string figures = "credit_code,policy,year,name,value\n";
  for (const std::string& code : {code1_, code2_}) {
    for (const char* flag : {"registered_in_district", "taxed_in_district", "independent_legal_person",
                             "digital_health_business"}) {
      figures += code + ",digital-health,2025,applicant." + flag + ",true\n";
    }
    figures += code + ",digital-health,2025,applicant.serious_dishonesty_record,false\n";
  }
  figures += code1_ + ",digital-health,2025,facts.doctoral_employees,3\n";
  figures += code2_ + ",digital-health,2025,facts.doctoral_employees,25\n";
  auto uploaded = Client().Post("/api/evidence/figures", As("bureau"), figures, "text/csv");
  ASSERT_TRUE(uploaded);
  ASSERT_EQ(uploaded->status, 200) << uploaded->body;
  ASSERT_EQ(Body(uploaded)["rejected"].size(), 0u) << uploaded->body;
  const json claim = {{"measure", "6"}, {"project", "P1"}, {"programme", "national"}, {"funding_received", "1500000"}};
  auto created = Post("app1", "/api/applications",
                      {{"credit_code", code1_}, {"year", 2025}, {"claim", claim}, {"policy", "digital-health"}});
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;

  // RMB 30,000 a doctor: the first enterprise gains 3 × 10,000; the second
  // stays at its cap; the matching award is what it was.
  auto sim = Post("auditor", "/api/simulations",
                  {{"year", 2025}, {"policy", "digital-health"}, {"set", {{"per_doctor", "RMB 30,000"}}}});
  ASSERT_TRUE(sim);
  ASSERT_EQ(sim->status, 200) << sim->body;
  json s = Body(sim);
  EXPECT_EQ(s["policy"], "digital-health");
  EXPECT_EQ(s["enterprises"], 2) << "only the enterprises with its figures or applications: " << s.dump();
  EXPECT_EQ(s["refused"], 0) << s.dump();
  EXPECT_EQ(s["baseline"]["total"], "1960000.00") << s.dump();
  EXPECT_EQ(s["changed"]["total"], "1990000.00") << s.dump();
  EXPECT_EQ(s["baseline"]["recipients"], 2);
  EXPECT_EQ(s["baseline"]["by_measure"], json({{"5", "460000.00"}, {"6", "1500000.00"}})) << s.dump();
  EXPECT_EQ(s["changed"]["by_measure"], json({{"5", "490000.00"}, {"6", "1500000.00"}})) << s.dump();
  ASSERT_EQ(s["winners"].size(), 1u) << s.dump();
  EXPECT_EQ(s["winners"][0]["credit_code"], code1_);
  EXPECT_EQ(s["winners"][0]["name"], name1_) << "named from the enterprise's record";
  EXPECT_EQ(s["winners"][0]["before"], "1560000.00");
  EXPECT_EQ(s["winners"][0]["after"], "1590000.00");
  EXPECT_TRUE(s["losers"].empty()) << s.dump();
  // Its budget as a parameter scales its changed total (D-7b, pro rata).
  json scaled = Body(Post("officer", "/api/simulations",
                          {{"year", 2025}, {"policy", "digital-health"}, {"set", {{"budget", "RMB 995,000"}}}}));
  EXPECT_EQ(scaled["scaling"]["budget"], "995000.00") << scaled.dump();
  EXPECT_EQ(scaled["scaling"]["approved"], "1960000.00") << scaled.dump();
  EXPECT_EQ(scaled["scaling"]["exceeded"], true);

  // A parameter of the served policy is no parameter of this one.
  auto theirs = Post("officer", "/api/simulations",
                     {{"year", 2025}, {"policy", "digital-health"}, {"set", {{"trading_rate", "10%"}}}});
  ASSERT_TRUE(theirs);
  EXPECT_EQ(theirs->status, 422) << theirs->body;
  EXPECT_EQ(ErrorOf(theirs)["field"], "set.trading_rate");
  auto nowhere = Post("officer", "/api/simulations", {{"year", 2025}, {"policy", "no-such-policy"}});
  ASSERT_TRUE(nowhere);
  EXPECT_EQ(nowhere->status, 404) << nowhere->body;
  EXPECT_EQ(ErrorOf(nowhere)["field"], "policy");
  auto not_text = Post("officer", "/api/simulations", {{"year", 2025}, {"policy", 7}});
  ASSERT_TRUE(not_text);
  EXPECT_EQ(not_text->status, 422) << not_text->body;
  EXPECT_EQ(ErrorOf(not_text)["field"], "policy");

  // The served programme's simulation of 2025 is as it was: the other
  // programme's figures and application are not its cases.
  json after = Body(Post("officer", "/api/simulations", served_set));
  EXPECT_EQ(after["enterprises"], 40);
  EXPECT_EQ(after["refused"], before["refused"]);
  EXPECT_EQ(after["baseline"], before["baseline"]) << after.dump();
  EXPECT_EQ(after["changed"], before["changed"]) << after.dump();
  // Naming the served policy is the same simulation.
  json named = Body(Post("officer", "/api/simulations",
                         {{"year", 2025}, {"policy", "chaoyang-data-element"}, {"set", {{"trading_rate", "10%"}}}}));
  EXPECT_EQ(named["baseline"], before["baseline"]) << named.dump();
  EXPECT_EQ(named["policy"], "chaoyang-data-element");
}

TEST_P(ProgrammeTest, DeclaredEvidenceCountsOnceAnOfficerVerifiesIt) {
  auto proposed = Post("officer", "/api/proposals", {{"year", 2025}, {"measure", "04"}});
  ASSERT_TRUE(proposed);
  ASSERT_EQ(proposed->status, 201) << proposed->body;
  const int64_t id = Body(proposed)["created"][0];
  const std::string owner = Body(Get("officer", App(id)))["credit_code"];
  ASSERT_TRUE(store_->AddAccount("test", "owner", Role::kApplicant, owner, bursar::store::HashPassword(kPassword).value())
                  .ok());
  tokens_["owner"] = store_->IssueToken("test", "owner", "test", 1)->token;
  const std::string before = Body(Get("owner", App(id)))["estimate"]["total"];

  auto declared = Client().Post("/api/evidence/filings", As("owner"),
                                "credit_code,filing_id,date,amount\n" + owner + ",DECL-1,2025-05-05,1000000.00\n",
                                "text/csv");
  ASSERT_TRUE(declared);
  ASSERT_EQ(declared->status, 200) << declared->body;
  json estimate = Body(Get("owner", App(id)))["estimate"];
  EXPECT_EQ(estimate["total"], before) << "a declaration alone changes nothing that counts";
  EXPECT_NE(estimate["total_with_declared"], before) << "but shows what it would give: " << estimate.dump();
  json facts = Body(Get("owner", "/api/enterprises/" + owner + "/facts?year=2025"));
  EXPECT_EQ(facts["declared_pending"], 1);
  EXPECT_NE(facts["facts"]["filed_trading_volume"], facts["facts_with_declared"]["filed_trading_volume"]);
  EXPECT_EQ(facts["explanation"]["filed_trading_volume"]["excluded"][0]["source"], "declared");

  const json rows = {{"rows", json::array({{{"credit_code", owner}, {"filing_id", "DECL-1"}}})}};
  for (const char* who : {"owner", "bureau", "finance", "auditor"}) {
    auto refused = Post(who, "/api/evidence/filings/verification", rows);
    ASSERT_TRUE(refused) << who;
    EXPECT_EQ(refused->status, 403) << who << ": " << refused->body;
  }
  auto unknown = Post("officer", "/api/evidence/filings/verification",
                      {{"rows", json::array({{{"credit_code", owner}, {"filing_id", "NOPE"}}})}});
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404) << unknown->body;
  EXPECT_EQ(ErrorOf(unknown)["field"], "rows[0]");
  auto verified = Post("officer", "/api/evidence/filings/verification", rows);
  ASSERT_TRUE(verified);
  ASSERT_EQ(verified->status, 200) << verified->body;
  EXPECT_EQ(Body(verified)["verified"], 1);
  EXPECT_GT(Body(verified)["audit_seq"].get<int64_t>(), 0);
  json now = Body(Get("owner", App(id)))["estimate"];
  EXPECT_EQ(now["total"], estimate["total_with_declared"]) << "verified, it counts";
  auto twice = Post("officer", "/api/evidence/filings/verification", rows);
  ASSERT_TRUE(twice);
  EXPECT_EQ(twice->status, 409) << twice->body;
  json listed = Body(Get("officer", "/api/enterprises/" + owner + "/evidence?kind=filings&year=2025"));
  bool seen = false;
  for (const json& row : listed["items"]) {
    if (row["filing_id"] != "DECL-1") continue;
    seen = true;
    EXPECT_EQ(row["source"], "declared");
    EXPECT_EQ(row["supplied_by"], "owner");
    EXPECT_EQ(row["verified_by"], "officer");
  }
  EXPECT_TRUE(seen) << listed.dump();

  // Separation of duties (S8): the officer who verified the declaration does
  // not decide on it; another officer does.
  ASSERT_EQ(Post("owner", App(id, "/submission"), json::object())->status, 200);
  ASSERT_EQ(Post("officer", App(id, "/review"), {{"reviewers", json::array()}})->status, 200);
  auto by_verifier = Post("officer", App(id, "/decisions"), json::object());
  ASSERT_TRUE(by_verifier);
  EXPECT_EQ(by_verifier->status, 403) << by_verifier->body;
  EXPECT_NE(by_verifier->body.find("verified declared filing evidence of " + owner), std::string::npos)
      << by_verifier->body;
  ASSERT_TRUE(store_->AddAccount("test", "officer2", Role::kOfficer, "", bursar::store::HashPassword(kPassword).value())
                  .ok());
  tokens_["officer2"] = store_->IssueToken("test", "officer2", "test", 1)->token;
  auto by_other = Post("officer2", App(id, "/decisions"), json::object());
  ASSERT_TRUE(by_other);
  EXPECT_EQ(by_other->status, 201) << by_other->body;
  EXPECT_EQ(Body(by_other)["total"], estimate["total_with_declared"]) << "the verified declaration counts";
}

TEST_P(ProgrammeTest, ProposalsAndSimulationsUseTheStoresCases) {
  auto proposed = Post("officer", "/api/proposals", {{"year", 2025}, {"measure", "04"}});
  ASSERT_TRUE(proposed);
  ASSERT_EQ(proposed->status, 201) << proposed->body;
  json p = Body(proposed);
  EXPECT_EQ(p["enterprises"], 40);
  EXPECT_GT(p["qualifying"].get<int>(), 0);
  EXPECT_EQ(p["created"].size(), p["qualifying"].get<size_t>());
  const int64_t first = p["created"][0];
  json draft = Body(Get("officer", App(first)));
  EXPECT_EQ(draft["state"], "draft");
  EXPECT_EQ(draft["measure"], "04");
  // Each proposal carries the engine's estimate of its award on the
  // enterprise's evidence as it stands: more than nothing, since it qualified.
  // In the list, on request only (each one builds a case).
  json plain = Body(Get("officer", "/api/applications?measure=04&state=draft&limit=500"));
  ASSERT_EQ(plain["items"].size(), p["created"].size());
  EXPECT_FALSE(plain["items"][0].contains("estimate")) << plain["items"][0].dump();
  EXPECT_EQ(Get("officer", "/api/applications?estimates=yes")->status, 400);
  json listed = Body(Get("officer", "/api/applications?measure=04&state=draft&limit=500&estimates=true"));
  ASSERT_EQ(listed["items"].size(), p["created"].size());
  for (const json& a : listed["items"]) {
    ASSERT_TRUE(a["estimate"].is_object()) << a.dump();
    EXPECT_EQ(a["estimate"]["eligible"], true) << a.dump();
    EXPECT_NE(a["estimate"]["total"], "0.00") << a.dump();
    EXPECT_NE(a["estimate"]["total"].get<std::string>().find('.'), std::string::npos) << "an exact money string";
    EXPECT_EQ(a["estimate"]["policy_digest"].get<std::string>().rfind("sha256:", 0), 0u);
  }
  const std::string estimate = draft["estimate"]["total"];
  const std::string owner = draft["credit_code"];
  // The applicant sees the same estimate in its own list (the portal's).
  auto applicant = store_->AddAccount("test", "owner", Role::kApplicant, owner,
                                      bursar::store::HashPassword(kPassword).value());
  ASSERT_TRUE(applicant.ok()) << applicant.status().ToString();
  tokens_["owner"] = store_->IssueToken("test", "owner", "test", 1)->token;
  json own = Body(Get("owner", "/api/applications?measure=04&estimates=true"));
  ASSERT_EQ(own["items"].size(), 1u);
  EXPECT_EQ(own["items"][0]["id"], first);
  EXPECT_EQ(own["items"][0]["estimate"]["total"], estimate);
  // Confirmed, opened without reviewers and decided: the decision is the
  // estimate (the evidence did not change in between); decided, no estimate.
  ASSERT_EQ(Post("owner", App(first, "/submission"), json::object())->status, 200);
  EXPECT_EQ(Body(Get("owner", App(first)))["estimate"]["total"], estimate) << "still an estimate when submitted";
  ASSERT_EQ(Post("officer", App(first, "/review"), {{"reviewers", json::array()}})->status, 200);
  auto decided = Post("officer", App(first, "/decisions"), json::object());
  ASSERT_TRUE(decided);
  ASSERT_EQ(decided->status, 201) << decided->body;
  EXPECT_EQ(Body(decided)["total"], estimate);
  json after = Body(Get("owner", App(first)));
  EXPECT_EQ(after["total"], estimate);
  EXPECT_TRUE(after["estimate"].is_null()) << after.dump();
  // Proposing again creates nothing new.
  EXPECT_EQ(Body(Post("officer", "/api/proposals", {{"year", 2025}, {"measure", "04"}}))["created"].size(), 0u);
  auto not_free = Post("officer", "/api/proposals", {{"year", 2025}, {"measure", "03"}});
  ASSERT_TRUE(not_free);
  EXPECT_EQ(not_free->status, 422);
  EXPECT_EQ(ErrorOf(not_free)["field"], "measure");
  EXPECT_NE(ErrorOf(not_free)["message"].get<std::string>().find("the policy's are \"04\", \"05\""), std::string::npos)
      << not_free->body;

  const auto start = std::chrono::steady_clock::now();
  auto sim = Post("auditor", "/api/simulations", {{"year", 2025}, {"set", {{"trading_rate", "10%"}}}});
  ASSERT_TRUE(sim);
  ASSERT_EQ(sim->status, 200) << sim->body;
  json s = Body(sim);
  EXPECT_EQ(s["enterprises"], 40);
  const double baseline = std::stod(s["baseline"]["total"].get<std::string>());
  const double changed = std::stod(s["changed"]["total"].get<std::string>());
  EXPECT_GT(changed, baseline) << "a higher trading rate pays more: " << s.dump();
  EXPECT_FALSE(s["winners"].empty());
  EXPECT_TRUE(s["losers"].empty());
  // Cached columns: the second call (the slider) is fast.
  const auto again = std::chrono::steady_clock::now();
  auto sim2 = Post("officer", "/api/simulations",
                   {{"year", 2025}, {"set", {{"trading_rate", "2%"}}}, {"budget", "1000.00"}});
  ASSERT_TRUE(sim2);
  ASSERT_EQ(sim2->status, 200) << sim2->body;
  const auto done = std::chrono::steady_clock::now();
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(done - again).count(), 1000);
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(again - start).count(), 5000);
  json s2 = Body(sim2);
  EXPECT_FALSE(s2["losers"].empty());
  EXPECT_EQ(s2["scaling"]["exceeded"], true);
  EXPECT_EQ(s2["scaling"]["paid"], "1000.00");

  auto as_parameter = Post("officer", "/api/simulations", {{"year", 2025}, {"set", {{"budget", "RMB 1,000"}}}});
  ASSERT_TRUE(as_parameter);
  ASSERT_EQ(as_parameter->status, 200) << as_parameter->body;
  EXPECT_EQ(Body(as_parameter)["scaling"]["budget"], "1000.00");
  EXPECT_EQ(Body(as_parameter)["scaling"]["exceeded"], true);

  auto unknown = Post("officer", "/api/simulations", {{"year", 2025}, {"set", {{"trading_rat", "10%"}}}});
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 422);
  EXPECT_EQ(ErrorOf(unknown)["field"], "set.trading_rat");
}

TEST_P(ProgrammeTest, ExportsOfTheNoticeAndPaymentsAndTheLetter) {
  const int64_t id = Create("app1", code1_, {{"measure", "03"}, {"assessed", "4200000"}});
  ASSERT_EQ(Post("app1", App(id, "/submission"), json::object())->status, 200);
  ASSERT_EQ(Post("officer", App(id, "/review"), {{"reviewers", {"alice"}}})->status, 200);
  ASSERT_EQ(Put("alice", App(id, "/reviews/alice"), {{"scores", {{"a", 50}}}, {"proposed", "10.00"}, {"opinion", "同意支持。"}})->status, 200);
  auto decided = Post("officer", App(id, "/decisions"), json::object());
  ASSERT_EQ(decided->status, 201) << decided->body;
  const std::string decision = std::to_string(Body(decided)["id"].get<int64_t>());
  // The notice runs for the policy's notice_days (7, D-P1) from tomorrow, by
  // the server's calendar in Beijing (D-G9).
  auto notice = Post("officer", App(id, "/notice"), json::object());
  ASSERT_EQ(notice->status, 200) << notice->body;
  EXPECT_EQ(Body(notice)["notice_until"], bursar::store::AddDays(Today(), 7));

  auto csv = Client().Get("/api/notices.csv?year=2025");
  ASSERT_TRUE(csv);
  ASSERT_EQ(csv->status, 200) << csv->body;
  EXPECT_EQ(csv->get_header_value("Content-Type"), "text/csv; charset=utf-8");
  // Chinese headers, the measure with its name, the exact amount, a totals row.
  EXPECT_NE(csv->body.find("申请编号,统一社会信用代码,企业名称,年度,支持措施,支持项目,拟支持金额（元）,公示截止日期"),
            std::string::npos)
      << csv->body;
  EXPECT_NE(csv->body.find(",03 支持数据要素综合服务,,10.00,"), std::string::npos) << csv->body;
  EXPECT_NE(csv->body.find("\r\n合计,,共 1 项,,,,10.00,\r\n"), std::string::npos) << csv->body;
  // ?lang=en: the field names, for programs.
  auto csv_en = Client().Get("/api/notices.csv?year=2025&lang=en");
  ASSERT_TRUE(csv_en);
  EXPECT_NE(csv_en->body.find("application_id,credit_code,enterprise_name"), std::string::npos);
  EXPECT_EQ(Client().Get("/api/notices.csv?year=2025&lang=fr")->status, 400);
  // A file is the whole year: a page asked of it is refused, not ignored.
  auto paged = Client().Get("/api/notices.csv?year=2025&limit=20");
  ASSERT_TRUE(paged);
  EXPECT_EQ(paged->status, 400) << paged->body;
  EXPECT_EQ(ErrorOf(paged)["field"], "query.limit");
  EXPECT_NE(csv->body.find(code1_), std::string::npos);
  EXPECT_NE(csv->body.find(Body(decided)["total"].get<std::string>()), std::string::npos);
  auto xlsx = Client().Get("/api/notices.xlsx?year=2025");
  ASSERT_TRUE(xlsx);
  ASSERT_EQ(xlsx->status, 200);
  EXPECT_EQ(xlsx->body.substr(0, 2), "PK") << "a zip container";
  EXPECT_GT(xlsx->body.size(), 1000u);
  EXPECT_EQ(Client().Get("/api/payments.csv")->status, 401);
  EXPECT_EQ(Get("app1", "/api/payments.xlsx")->status, 403);
  auto payments = Get("auditor", "/api/payments.xlsx?year=2025");
  ASSERT_TRUE(payments);
  EXPECT_EQ(payments->status, 200);

  auto letter = Get("app1", "/api/decisions/" + decision + "/letter");
  ASSERT_TRUE(letter);
  ASSERT_EQ(letter->status, 200) << letter->body;
  EXPECT_EQ(letter->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(letter->body.find(name1_), std::string::npos);
  EXPECT_NE(letter->body.find(Body(decided)["total"].get<std::string>()), std::string::npos);
  EXPECT_EQ(Get("app2", "/api/decisions/" + decision + "/letter")->status, 404);
  // An official document: issuing body, the year's first decision number,
  // each award with its reason in Chinese (the engine's why_zh) and basis,
  // the total in capitals, the appeal with its time limits.
  for (const char* part : {"北京市朝阳区数据局", "朝数决〔2025〕1号", "人民币壹拾元整", "¥10.00",
                           "评审核定金额 10.00元；依据《若干措施》[03.1]",
                           "六十日内依法向北京市朝阳区人民政府申请行政复议", "六个月内依法向有管辖权的人民法院提起行政诉讼",
                           "公示期至", "第03条"}) {
    EXPECT_NE(letter->body.find(part), std::string::npos) << part;
  }
  // Issued once: the officer's copy has the same number; the next decision's
  // letter takes the next number.
  EXPECT_NE(Get("officer", "/api/decisions/" + decision + "/letter")->body.find("朝数决〔2025〕1号"), std::string::npos);
  // The PDF, read back as text by poppler's pdftotext.
  auto pdf = Get("app1", "/api/decisions/" + decision + "/letter?format=pdf");
  ASSERT_TRUE(pdf);
  ASSERT_EQ(pdf->status, 200) << pdf->body;
  EXPECT_EQ(pdf->get_header_value("Content-Type"), "application/pdf");
  EXPECT_EQ(pdf->body.substr(0, 5), "%PDF-");
  const fs::path pdf_file = fs::temp_directory_path() / ("bursar-letter-" + std::to_string(getpid()) + ".pdf");
  WriteFile(pdf_file, pdf->body);
  Ran text = RunCommand({"/usr/bin/pdftotext", "-layout", pdf_file.string(), "-"});
  fs::remove(pdf_file);
  ASSERT_EQ(text.exit, 0) << text.err;
  // Lines wrap anywhere in Chinese: compare without line breaks and spaces.
  auto flat = [](std::string s) {
    std::erase_if(s, [](char c) { return c == '\n' || c == ' ' || c == '\f'; });
    return s;
  };
  const std::string pdf_text = flat(text.out);
  for (const char* part : {"北京市朝阳区数据局", "朝数决〔2025〕1号", "人民币壹拾元整", "评审核定金额10.00元",
                           "六十日内依法向北京市朝阳区人民政府申请行政复议", "六个月内依法向有管辖权的人民法院提起行政诉讼"}) {
    EXPECT_NE(pdf_text.find(part), std::string::npos) << part << " not in the PDF's text:\n" << text.out;
  }
  EXPECT_NE(pdf_text.find(flat(name1_)), std::string::npos);
  EXPECT_EQ(Get("app1", "/api/decisions/" + decision + "/letter?format=docx")->status, 400);

  // The public notice as a document: the year's first notice number, the
  // enterprise and the total in capitals; public.
  auto notice_doc = Client().Get("/api/notices/document?year=2025");
  ASSERT_TRUE(notice_doc);
  ASSERT_EQ(notice_doc->status, 200) << notice_doc->body;
  for (const std::string& part : {std::string("朝数公〔2025〕1号"), std::string("拟支持项目的公示"), code1_, name1_,
                                  std::string("大写：人民币壹拾元整"), std::string("公示期：")}) {
    EXPECT_NE(notice_doc->body.find(part), std::string::npos) << part;
  }
  EXPECT_EQ(Client().Get("/api/notices/document?year=2024")->status, 404);
  EXPECT_EQ(Client().Get("/api/notices/document")->status, 400);
  EXPECT_EQ(Get("app2", "/api/decisions/" + decision)->status, 404);
}

TEST_P(ProgrammeTest, BadInputIsNever500) {
  const int64_t id = Create("officer", code1_, {{"measure", "03"}, {"assessed", "1000"}});
  const std::vector<std::pair<std::string, std::string>> gets = {
      {"officer", "/api/applications/abc"},
      {"officer", "/api/applications/-1"},
      {"officer", "/api/applications/99999999999999999999999"},
      {"officer", "/api/applications/0"},
      {"officer", "/api/decisions/abc"},
      {"officer", "/api/enterprises/%00"},
      {"officer", "/api/enterprises/x/facts"},
      {"officer", "/api/enterprises/" + code1_ + "/facts?year=1"},
      {"officer", "/api/enterprises/" + code1_ + "/evidence?kind=rumours"},
      {"officer", "/api/budgets/twenty"},
      {"officer", "/api/budgets/99999999999999999999"},
      {"officer", "/api/audit?limit=-5"},
      {"officer", "/api/objections?state=maybe"},
      {"officer", "/api/payments?year=x"},
      {"", "/api/notices?sort=%27%3B%20DROP%20TABLE%20application"},
  };
  for (const auto& [who, path] : gets) {
    auto r = Get(who, path);
    ASSERT_TRUE(r) << path;
    EXPECT_GE(r->status, 400) << path;
    EXPECT_LT(r->status, 500) << path << ": " << r->body;
  }
  const std::vector<std::string> bodies = {"", "null", "[]", "{", "{\"year\":\"2025\"}",
                                           "{\"credit_code\":5,\"year\":2025,\"claim\":{}}",
                                           "{\"reviewers\":[1]}", "{\"until\":\"yesterday\"}",
                                           "{\"amount\":1e99,\"paid_on\":\"x\",\"reference\":\"\"}",
                                           "{\"year\":2025,\"set\":{\"trading_rate\":[1]}}",
                                           "{\"year\":2025,\"measure\":\"04\",\"set\":7}"};
  for (const std::string& path : {std::string("/api/applications"), App(id, "/submission"), App(id, "/review"),
                                  App(id, "/notice"), App(id, "/payments"), App(id, "/recovery"),
                                  App(id, "/decisions"), App(id, "/finalisation"), std::string("/api/proposals"),
                                  std::string("/api/simulations"), std::string("/api/objections/1/resolution")}) {
    for (const std::string& body : bodies) {
      auto r = Client().Post(path, As("officer"), body, "application/json");
      ASSERT_TRUE(r) << path;
      EXPECT_LT(r->status, 500) << path << " " << body << ": " << r->body;
    }
  }
  EXPECT_EQ(Client().Get("/healthz")->status, 200) << "still up";
}

// Stored Idempotency-Key answers are kept for the retention and then purged
// by the server: a retry within it is replayed, a retry after it runs again
// (and is refused: the application it made the first time exists).
TEST_P(ProgrammeTest, IdempotencyKeysOlderThanTheRetentionArePurged) {
  // One application per key (an enterprise has one per measure and year).
  auto keyed = [&](const std::string& key) {
    const json body = {{"credit_code", code1_},
                       {"year", key == "old-key" ? 2025 : 2026},
                       {"claim", {{"measure", "03"}, {"assessed", "4200000"}}}};
    httplib::Headers h = As("app1");
    h.insert({"Idempotency-Key", key});
    return Client().Post("/api/applications", h, body.dump(), "application/json");
  };
  auto first = keyed("old-key");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 201) << first->body;
  auto replay = keyed("old-key");
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->get_header_value("Idempotent-Replayed"), "true");
  EXPECT_EQ(replay->body, first->body);

  // Nothing is old enough yet.
  auto none = bursar::store::PurgeIdempotencyKeys(*store_, 3600);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(*none, 0);
  // Retention runs on the store's clock: two days on, a three-day retention
  // still keeps the key.
  bursar::store::OpenOptions later;
  later.clock = [] { return bursar::store::FormatStoreTime(std::time(nullptr) + 2 * 86400); };
  {
    auto future = bursar::store::Store::Open(database_->url(), later);
    ASSERT_TRUE(future.ok()) << future.status().ToString();
    auto tight = bursar::store::PurgeIdempotencyKeys(**future, 3 * 86400);
    ASSERT_TRUE(tight.ok());
    EXPECT_EQ(*tight, 0);  // within a three-day retention
  }
  // The server purges by itself: make the key two days old and start a
  // server that keeps keys for a day; its first keyed write purges.
  const std::string two_days_ago = bursar::store::FormatStoreTime(std::time(nullptr) - 2 * 86400);
  auto aged = store_->db().Execute("UPDATE idempotency_key SET created_at = ? WHERE key = ?",
                                   {two_days_ago, std::string("old-key")});
  ASSERT_TRUE(aged.ok()) << aged.status().ToString();
  ASSERT_EQ(*aged, 1);
  server_ = std::make_unique<ServerProcess>(
      std::vector<std::string>{"--db", database_->url(), "--idempotency-retention", "86400"});
  ASSERT_GT(server_->port(), 0);
  auto fresh = keyed("new-key");
  ASSERT_TRUE(fresh);
  ASSERT_EQ(fresh->status, 201) << fresh->body;
  std::string purged = server_->WaitForLine("idempotency_keys_purged");
  ASSERT_FALSE(purged.empty());
  EXPECT_EQ(json::parse(purged)["count"], 1);
  // The retry runs again: the application it made the first time exists.
  auto again = keyed("old-key");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 409) << again->body;
  EXPECT_FALSE(again->has_header("Idempotent-Replayed")) << "a purged key was replayed";
  auto kept = keyed("new-key");  // within the retention: still replayed
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->get_header_value("Idempotent-Replayed"), "true");
}

INSTANTIATE_TEST_SUITE_P(Backends, ProgrammeTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
