// Money that cannot be changed silently (issue 14 point 4): the database
// edits the issue made by hand — a payment and a decision's total raised
// from 5,000,000.00 to 25,000,000.00, a recovery deleted, an enterprise's
// flags changed, a session row inserted for an officer — each make
// `bursar audit verify` fail naming the row (table, key, field, both values),
// on SQLite and on a real PostgreSQL. The edits are made on a connection of
// their own, as a database administrator's shell would.
#include "../server/server_test_support.h"
#include "../unit/store_test_support.h"
#include "store/store.h"

namespace {

using namespace bursar_server_test;
using bursar::store::Role;
using bursar::store::testing::Code;
using nlohmann::json;

class RowTamperTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database_ = std::make_unique<bursar::store::testing::TestDatabase>(GetParam());
    ASSERT_TRUE(database_->Create());
    Ran init = RunCommand({kExe, "db", "init", "--db", database_->url()});
    ASSERT_EQ(init.exit, 0) << init.err;
    const std::string csv = database_->WriteFile(
        "enterprises.csv",
        "credit_code,name,registered_in_chaoyang,taxed_in_chaoyang,independent_legal_person,"
        "serious_dishonesty_record,tags\n" +
            Code(1) + ",Enterprise 1,true,true,true,false,data_vendor\n" + Code(2) +
            ",Enterprise 2,true,true,true,false,\n");
    Ran import = RunCommand({kExe, "import", "enterprises", csv, "--db", database_->url()});
    ASSERT_EQ(import.exit, 0) << import.err;
  }
  void TearDown() override { database_.reset(); }

  Ran Verify() { return RunCommand({kExe, "audit", "verify", "--json", "--db", database_->url()}); }

  std::unique_ptr<bursar::store::testing::TestDatabase> database_;
};

TEST_P(RowTamperTest, EveryEditOfTheIssueIsNamedByAuditVerify) {
  int64_t app = 0, officer = 0;
  {
    bursar::store::OpenOptions options;
    auto now = std::make_shared<std::string>(bursar::store::testing::FixedClock());
    options.clock = [now] { return *now; };
    auto opened = bursar::store::Store::Open(database_->url(), options);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    auto& st = **opened;
    const std::string c = Code(1);
    auto id = st.CreateApplication("enterprise", c, 2024, json{{"measure", "03"}, {"assessed", "5000000"}});
    ASSERT_TRUE(id.ok());
    app = *id;
    ASSERT_TRUE(st.Submit("enterprise", app).ok());
    ASSERT_TRUE(st.StartReview("officer", app, {"rev-a"}).ok());
    ASSERT_TRUE(st.SubmitReview("rev-a", app, json{{"quality", 80}}, "5000000", "评审意见：同意。").ok());
    const std::string case_json = json{{"year", 2024}, {"applicant", {{"id", c}}}, {"facts", json::object()}}.dump();
    const std::string output = json{{"applicant", c},
                                    {"year", 2024},
                                    {"awards", {{{"measure", "03"}, {"item", "services"}, {"amount", "5000000.00"}}}},
                                    {"total", "5000000.00"},
                                    {"not_awarded", json::array()}}
                                   .dump(2);
    ASSERT_TRUE(st.Decide("officer", app, {"sha256:abc", case_json, output}).ok());
    ASSERT_TRUE(st.PublishNotice("officer", app, 7).ok());
    *now = bursar::store::AddDays(bursar::store::BeijingDate(*now), 8) + "T04:00:00.000Z";  // D-G9: the days pass
    ASSERT_TRUE(st.Finalise("officer", app).ok());
    ASSERT_TRUE(bursar::store::testing::PayWithApproval(st, "treasury", app, "5000000", "SEC-REF-1").ok());
    ASSERT_TRUE(st.Recover("officer", app, "100000", "false statement").ok());
    auto account =
        st.AddAccount("admin", "olga", Role::kOfficer, "", bursar::store::HashPassword("correct horse battery").value());
    ASSERT_TRUE(account.ok());
    officer = account->id;
  }
  Ran clean = Verify();
  ASSERT_EQ(clean.exit, 0) << clean.out << clean.err;
  EXPECT_GT(json::parse(clean.out)["rows_checked"].get<int64_t>(), 5);

  auto dba = bursar::store::OpenDatabase(database_->url(), false);
  ASSERT_TRUE(dba.ok()) << dba.status().ToString();
  const std::string a = std::to_string(app);
  for (const std::string& sql :
       {"UPDATE payment SET amount_fen = 2500000000 WHERE application_id = " + a,
        "UPDATE decision SET total_fen = 2500000000 WHERE application_id = " + a,
        "DELETE FROM recovery WHERE application_id = " + a,
        "UPDATE enterprise SET serious_dishonesty_record = 1 WHERE credit_code = '" + Code(2) + "'",
        "INSERT INTO session (id_hash, account_id, csrf_token, created_at, expires_at, last_seen_at) VALUES ('forged', " +
            std::to_string(officer) +
            ", 'x', '2025-06-01T08:00:00.000Z', '2999-01-01T00:00:00.000Z', '2025-06-01T08:00:00.000Z')"}) {
    ASSERT_TRUE((*dba)->ExecScript(sql).ok()) << sql;
  }

  Ran tampered = Verify();
  EXPECT_EQ(tampered.exit, 1) << tampered.out << tampered.err;
  const json verdict = json::parse(tampered.out, nullptr, false);
  ASSERT_TRUE(verdict.is_object()) << tampered.out;
  EXPECT_EQ(verdict["ok"], false);
  EXPECT_EQ(verdict["first_bad_seq"], 0) << "the chain itself is intact: " << verdict.dump(2);
  EXPECT_EQ(verdict["rows_disagreeing"], 5) << verdict.dump(2);
  auto find = [&](const std::string& table, const std::string& field) -> json {
    for (const json& r : verdict["rows"]) {
      if (r["table"] == table && r.value("field", "") == field) return r;
    }
    ADD_FAILURE() << "no " << table << " " << field << " in " << verdict.dump(2);
    return json::object();
  };
  json payment = find("payment", "amount_fen");
  EXPECT_EQ(payment.value("key", ""), a + "/1");
  EXPECT_EQ(payment.value("chain", ""), "500000000");
  EXPECT_EQ(payment.value("row", ""), "2500000000");
  json total = find("decision", "total_fen");
  EXPECT_EQ(total.value("chain", ""), "500000000");
  EXPECT_EQ(total.value("row", ""), "2500000000");
  EXPECT_EQ(find("recovery", "").value("kind", ""), "deleted");
  json flags = find("enterprise", "serious_dishonesty_record");
  EXPECT_EQ(flags.value("key", ""), Code(2));
  EXPECT_EQ(flags.value("chain", ""), "0");
  EXPECT_EQ(flags.value("row", ""), "1");
  json session = find("session", "");
  EXPECT_EQ(session.value("key", ""), "forged");
  EXPECT_EQ(session.value("kind", ""), "inserted");

  // The running totals the budget check and the dashboard read: the trigger
  // on decision carried the raised total into them, but nothing carries a
  // payment raised or a recovery deleted by hand, so they no longer add up
  // to the rows they are derived from.
  EXPECT_EQ(verdict["derived_disagreeing"], 2) << verdict.dump(2);
  auto derived = [&](const std::string& table) -> json {
    for (const json& r : verdict["derived"]) {
      if (r["table"] == table) return r;
    }
    ADD_FAILURE() << "no " << table << " in " << verdict.dump(2);
    return json::object();
  };
  json year = derived("year_committed");
  EXPECT_EQ(year.value("key", ""), "2024");
  EXPECT_EQ(year["stored"], json({{"committed", "24900000.00"}, {"payments", 1}}));
  EXPECT_EQ(year["recomputed"], json({{"committed", "25000000.00"}, {"payments", 1}}));
  json measure = derived("measure_committed");
  EXPECT_EQ(measure.value("key", ""), "2024/03");
  EXPECT_EQ(measure["stored"], json({{"committed", "24900000.00"}, {"paid", "4900000.00"}, {"payments", 1}}));
  EXPECT_EQ(measure["recomputed"], json({{"committed", "25000000.00"}, {"paid", "25000000.00"}, {"payments", 1}}));

  // Without --json, one line per row on standard error, each naming it.
  Ran plain = RunCommand({kExe, "audit", "verify", "--db", database_->url()});
  EXPECT_EQ(plain.exit, 1);
  for (const std::string& named : std::vector<std::string>{
           "payment application_id=" + a + ", instalment=1: amount_fen is 2500000000 (25000000.00) in the table, "
                                        "500000000 (5000000.00) in the audit chain",
        "total_fen is 2500000000 (25000000.00) in the table", "recovery id=", "deleted from the table",
        "enterprise credit_code=" + Code(2) + ": serious_dishonesty_record is 1 in the table, 0 in the audit chain",
        "session id_hash=forged: not in the audit chain",
        "derived row differs: measure_committed year=2024, measure=03: committed is 24900000.00 in the table, "
        "25000000.00 recomputed; paid is 4900000.00 in the table, 25000000.00 recomputed from decision, recovery "
        "and payment"}) {
    EXPECT_NE(plain.err.find(named), std::string::npos) << named << "\n" << plain.err;
  }
}

// Evidence (issue 14): a trade's amount raised, a declared trade marked
// verified, a listing inserted and a financial-statement row deleted, by
// hand, each name their table and enterprise; a later import for the same
// enterprise does not seal the edit, it stays named.
TEST_P(RowTamperTest, EvidenceEditedByHandIsNamedAndNotSealedByALaterImport) {
  using bursar::store::EvidenceKind;
  const std::string c1 = Code(1), c2 = Code(2);
  auto open = [&] {
    bursar::store::OpenOptions options;
    options.clock = [] { return bursar::store::testing::FixedClock(); };
    auto opened = bursar::store::Store::Open(database_->url(), options);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    return std::move(*opened);
  };
  auto import = [&](bursar::store::Store& st, EvidenceKind kind, const std::string& name, const std::string& text,
                    const std::string& actor, bool declared) {
    auto report = bursar::store::testing::ImportAs(st, *database_, kind, name, text, actor, declared);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_TRUE(report->rejected.empty()) << report->rejected[0].reason;
  };
  const std::string header = "credit_code,exchange,trade_id,date,side,amount,legally_established\n";
  {
    auto st = open();
    import(*st, EvidenceKind::kTrades, "official.csv",
           header + c1 + ",BJDE,T1,2024-03-01,seller,100000.00,true\n" + c1 + ",BJDE,T2,2024-04-01,seller,5000.00,true\n",
           "data-bureau", false);
    import(*st, EvidenceKind::kTrades, "declared.csv",
           header + c2 + ",BJDE,D1,2024-05-01,seller,2000.00,false\n" + c2 + ",BJDE,D2,2024-06-01,seller,999999.00,false\n",
           "ent-2", true);
    import(*st, EvidenceKind::kFsInclusions, "fs.csv", "credit_code,year,amount,first_time\n" + c1 + ",2024,300000.00,true\n",
           "data-bureau", false);
    auto verified = st->VerifyEvidence(
        "officer", EvidenceKind::kTrades, json::array({{{"credit_code", c2}, {"exchange", "BJDE"}, {"trade_id", "D1"}}}));
    ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  }
  Ran clean = Verify();
  ASSERT_EQ(clean.exit, 0) << clean.out << clean.err;
  EXPECT_GE(json::parse(clean.out)["rows_checked"].get<int64_t>(), 5) << "the five evidence rows are checked";

  auto dba = bursar::store::OpenDatabase(database_->url(), false);
  ASSERT_TRUE(dba.ok()) << dba.status().ToString();
  for (const std::string& sql :
       {"UPDATE trade SET amount_fen = 10000000000 WHERE credit_code = '" + c1 + "' AND trade_id = 'T1'",
        std::string("UPDATE trade SET verified_by = 'officer', verified_on = '2024-07-01' WHERE trade_id = 'D2'"),
        "INSERT INTO listing (exchange, listing_id, credit_code, product, type, listing_date, status) VALUES "
        "('BJDE', 'L9', '" + c2 + "', 'forged', 'dataset', '2024-01-05', 'listed')",
        "DELETE FROM fs_inclusion WHERE credit_code = '" + c1 + "'"}) {
    ASSERT_TRUE((*dba)->ExecScript(sql).ok()) << sql;
  }
  auto named = [&](const json& verdict, const std::string& table, const std::string& code) -> json {
    for (const json& r : verdict["rows"]) {
      if (r["table"] == table && r["key"] == code) return r;
    }
    ADD_FAILURE() << "no " << table << " " << code << " in " << verdict.dump(2);
    return json::object();
  };
  Ran tampered = Verify();
  EXPECT_EQ(tampered.exit, 1) << tampered.out << tampered.err;
  json verdict = json::parse(tampered.out, nullptr, false);
  ASSERT_TRUE(verdict.is_object()) << tampered.out;
  EXPECT_EQ(verdict["first_bad_seq"], 0) << "the chain itself is intact: " << verdict.dump(2);
  EXPECT_EQ(verdict["rows_disagreeing"], 4) << verdict.dump(2);
  json amount = named(verdict, "trade", c1);
  EXPECT_EQ(amount.value("kind", ""), "altered");
  EXPECT_EQ(amount.value("row", "").substr(0, 6), "2 rows") << amount.dump();
  EXPECT_EQ(amount.value("chain", "").substr(0, 6), "2 rows") << amount.dump();
  EXPECT_NE(amount.value("row", ""), amount.value("chain", "")) << "the digests differ";
  EXPECT_EQ(named(verdict, "trade", c2).value("kind", ""), "altered");
  EXPECT_EQ(named(verdict, "listing", c2).value("kind", ""), "inserted");
  json deleted = named(verdict, "fs_inclusion", c1);
  EXPECT_EQ(deleted.value("kind", ""), "deleted");
  EXPECT_GT(deleted.value("sealed_seq", 0), 0);

  // A later import for the same enterprise changes its rows but does not
  // seal the edit (its digest starts from the chain's): still named.
  int64_t seq = 0;
  {
    auto st = open();
    import(*st, EvidenceKind::kTrades, "more.csv", header + c1 + ",BJDE,T3,2024-08-01,seller,700.00,true\n",
           "data-bureau", false);
    auto newest = st->ListAuditNewestFirst(1, 0);
    ASSERT_TRUE(newest.ok() && newest->items.size() == 1);
    const json change = json::parse(newest->items[0].change);
    EXPECT_EQ(change["op"], "import");
    EXPECT_EQ(change["sealed"]["rows"], 1) << "the enterprise's new digest: " << change.dump();
    seq = newest->items[0].seq;
  }
  Ran later = Verify();
  EXPECT_EQ(later.exit, 1) << later.out << later.err;
  verdict = json::parse(later.out, nullptr, false);
  EXPECT_EQ(verdict["rows_disagreeing"], 4) << verdict.dump(2);
  json still = named(verdict, "trade", c1);
  EXPECT_EQ(still.value("row", "").substr(0, 6), "3 rows") << still.dump();
  EXPECT_EQ(still.value("kind", ""), "altered");
  EXPECT_EQ(still.value("sealed_seq", 0), seq) << "the later import sealed the chain's digest plus its own row";

  Ran plain = RunCommand({kExe, "audit", "verify", "--db", database_->url()});
  EXPECT_EQ(plain.exit, 1);
  for (const std::string& text :
       {"trade rows of enterprise " + c1 + ": 3 rows", "listing rows of enterprise " + c2 + ": 1 row",
        "fs_inclusion rows of enterprise " + c1 + ": none in the table"}) {
    EXPECT_NE(plain.err.find(text), std::string::npos) << text << "\n" << plain.err;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, RowTamperTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
