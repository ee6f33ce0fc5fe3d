// The store conformance suite: every test runs against SQLite and against a
// real PostgreSQL server, through the same Store interface.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <thread>

#include "eval/engine.h"
#include "store/digest.h"
#include "store/migrations.h"
#include "store/seal.h"
#include "store/store.h"
#include "store_test_support.h"

namespace bursar::store {
namespace {

using testing::Code;
using testing::PayWithApproval;
using testing::TestDatabase;
using json = nlohmann::json;

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database_ = std::make_unique<TestDatabase>(GetParam());
    ASSERT_TRUE(database_->Create());
    OpenOptions options;
    options.create = true;
    options.allow_pending = true;
    // The fixed clock's time until a test moves it on (AtBeijingNoon).
    now_ = std::make_shared<std::string>(testing::FixedClock());
    options.clock = [now = now_] { return *now; };
    // Small limits, so that every limit of attachments is reached cheaply.
    options.attachment_limits = {.file_bytes = 4096, .files = 3, .application_bytes = 8000};
    auto s = Store::Open(database_->url(), options);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    auto n = store_->Migrate("test");
    ASSERT_TRUE(n.ok()) << n.status().ToString();
  }
  void TearDown() override {
    store_.reset();
    database_.reset();
  }

  // Moves the store's clock to noon of `date` in Beijing (04:00 UTC).
  void AtBeijingNoon(const std::string& date) { *now_ = date + "T04:00:00.000Z"; }

  int64_t Count(const std::string& table) {
    auto row = store_->db().QueryOne("SELECT COUNT(*) FROM " + table);
    EXPECT_TRUE(row.ok()) << row.status().ToString();
    return row.ok() && *row ? (*row)->Int(0) : -1;
  }
  int64_t AuditEntries() { return Count("audit_log"); }

  ImportReport Import(EvidenceKind kind, const std::string& name, const std::string& text, bool strict = false) {
    ImportOptions options;
    options.actor = "tester";
    options.strict = strict;
    auto r = store_->Import(kind, database_->WriteFile(name, text), options);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ImportReport{};
  }

  void ImportEnterprises(int n) {
    std::string csv =
        "credit_code,name,registered_in_chaoyang,taxed_in_chaoyang,independent_legal_person,"
        "serious_dishonesty_record,tags\n";
    for (int i = 1; i <= n; ++i) {
      csv += Code(i) + ",Enterprise " + std::to_string(i) + ",true,true,true,false,data_vendor\n";
    }
    auto r = Import(EvidenceKind::kEnterprises, "enterprises.csv", csv);
    ASSERT_EQ(r.inserted, n);
  }

  // Drops the append-only triggers, as someone editing the database by hand would.
  void DropAuditTriggers() {
    if (store_->db().dialect() == Dialect::kPostgres) {
      ASSERT_TRUE(store_->db().ExecScript("DROP TRIGGER audit_log_no_update ON audit_log").ok());
    } else {
      ASSERT_TRUE(store_->db().ExecScript("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete").ok());
    }
  }

  void ExpectChainOk() {
    auto v = store_->VerifyAudit();
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_TRUE(v->ok) << v->problem;
  }

  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<Store> store_;
  std::shared_ptr<std::string> now_;  // the store's clock: UTC, as the store writes it
};

// --- Schema -------------------------------------------------------------------

TEST_P(StoreTest, FreshDatabaseIsAtTheLatestVersionAndAuditsEachMigration) {
  auto schema = store_->Schema();
  ASSERT_TRUE(schema.ok());
  EXPECT_EQ(schema->current, schema->latest);
  EXPECT_EQ(schema->latest, Migrations().back().version);
  EXPECT_EQ(AuditEntries(), schema->latest);
  // Migrating again changes nothing.
  auto n = store_->Migrate("test");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
  EXPECT_EQ(AuditEntries(), schema->latest);
  ExpectChainOk();
}

TEST_P(StoreTest, OpeningRefusesPendingNewerOrAlteredSchemas) {
  // Reopening a current database works without allow_pending.
  ASSERT_TRUE(Store::Open(database_->url()).ok());

  ASSERT_TRUE(store_->db().Execute("UPDATE schema_migrations SET checksum = 'x' WHERE version = 1").ok());
  auto altered = Store::Open(database_->url());
  ASSERT_FALSE(altered.ok());
  EXPECT_NE(altered.status().message().find("differs"), std::string::npos) << altered.status().message();
  ASSERT_TRUE(
      store_->db()
          .Execute("UPDATE schema_migrations SET checksum = ? WHERE version = 1", {MigrationChecksum(Migrations()[0])})
          .ok());

  ASSERT_TRUE(store_->db()
                  .Execute("INSERT INTO schema_migrations (version, name, checksum, applied_at) "
                           "VALUES (99, 'future', 'x', 'now')")
                  .ok());
  auto newer = Store::Open(database_->url());
  ASSERT_FALSE(newer.ok());
  EXPECT_NE(newer.status().message().find("newer"), std::string::npos) << newer.status().message();
}

TEST_P(StoreTest, MigratesForwardFromAnOlderVersion) {
  TestDatabase older(GetParam());
  ASSERT_TRUE(older.Create());
  OpenOptions options;
  options.create = true;
  options.allow_pending = true;
  auto s = Store::Open(older.url(), options);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->Migrate("test", 1).ok());
  auto refused = Store::Open(older.url());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("db migrate"), std::string::npos) << refused.status().message();
  auto n = (*s)->Migrate("test");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, Migrations().back().version - 1);
  EXPECT_TRUE(Store::Open(older.url()).ok());
}

// Migration 7 adds recovery.recovered_by and fills it for recoveries made
// before it from their audit entries, matching the application exactly
// (application 1's entry is not application 10's).
TEST_P(StoreTest, RecoveriesMadeBeforeMigration7TakeTheirActorFromTheAuditLog) {
  TestDatabase older(GetParam());
  ASSERT_TRUE(older.Create());
  OpenOptions options;
  options.create = true;
  options.allow_pending = true;
  auto s = Store::Open(older.url(), options);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  Store& st = **s;
  ASSERT_TRUE(st.Migrate("test", 6).ok());
  ImportOptions import;
  import.actor = "tester";
  auto imported = st.Import(EvidenceKind::kEnterprises,
                            older.WriteFile("enterprises.csv",
                                            "credit_code,name,registered_in_chaoyang,taxed_in_chaoyang,"
                                            "independent_legal_person,serious_dishonesty_record,tags\n" +
                                                Code(1) + ",Enterprise 1,true,true,true,false,data_vendor\n"),
                            import);
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  std::vector<int64_t> ids;
  for (int i = 1; i <= 10; ++i) {
    auto id = st.CreateApplication("enterprise", Code(1), 2025,
                                   json{{"measure", "03"}, {"project", "P" + std::to_string(i)}});
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    ids.push_back(*id);
  }
  ASSERT_EQ(ids[0], 1);
  ASSERT_EQ(ids[9], 10);
  // A recovery as the store recorded it before migration 7: the row without
  // its actor, the actor in the audit entry.
  auto recover = [&](int64_t id, const std::string& actor) {
    auto w = st.Write(actor, [&](Database& db) -> Result<std::optional<json>> {
      BURSAR_RETURN_IF_ERROR(db.Execute("INSERT INTO recovery (application_id, amount_fen, reason, recovered_at) "
                                        "VALUES (?, ?, ?, ?)",
                                        {id, int64_t{100}, std::string("clawback"), std::string("2025-01-02T00:00:00Z")})
                                 .status());
      return std::optional<json>(json{{"op", "application.recover"}, {"application", id}, {"from", "paid"},
                                      {"to", "recovered"}, {"amount", "1.00"}, {"reason", "clawback"}});
    });
    ASSERT_TRUE(w.ok()) << w.status().ToString();
  };
  recover(10, "bob");
  recover(1, "alice");
  ASSERT_TRUE(st.Migrate("test").ok());
  auto first = st.Recoveries(1);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].recovered_by, "alice");
  EXPECT_EQ((*first)[0].amount_fen, 100);
  auto tenth = st.Recoveries(10);
  ASSERT_TRUE(tenth.ok());
  ASSERT_EQ(tenth->size(), 1u);
  EXPECT_EQ((*tenth)[0].recovered_by, "bob");
  auto none = st.Recoveries(2);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

// --- Import -------------------------------------------------------------------

TEST_P(StoreTest, ImportsTradesOnceAndReimportChangesNothing) {
  ImportEnterprises(3);
  std::string csv = "credit_code,exchange,trade_id,date,side,amount,legally_established\n";
  for (int i = 0; i < 300; ++i) {
    csv += Code(1 + i % 3) + ",BJIDE,T" + std::to_string(i) + ",2025-03-0" + std::to_string(1 + i % 9) +
           (i % 2 ? ",seller," : ",buyer,") + std::to_string(100 + i) + ".50,true\n";
  }
  const int64_t entries = AuditEntries();
  auto first = Import(EvidenceKind::kTrades, "trades.csv", csv);
  EXPECT_EQ(first.rows, 300);
  EXPECT_EQ(first.inserted, 300);
  EXPECT_TRUE(first.committed);
  EXPECT_EQ(first.audit_seq, entries + 1);
  EXPECT_EQ(Count("trade"), 300);
  auto sum = store_->db().QueryOne("SELECT SUM(amount_fen) FROM trade");
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ((*sum)->Int(0), 300 * 10050 + 100 * (299 * 300 / 2));

  if (store_->db().dialect() == Dialect::kSqlite) {
    // The import relaxes SQLite's per-row foreign-key probe; it must be back on.
    auto fk = store_->db().QueryOne("PRAGMA foreign_keys");
    ASSERT_TRUE(fk.ok() && *fk);
    EXPECT_EQ((*fk)->Int(0), 1);
  }
  auto again = Import(EvidenceKind::kTrades, "trades.csv", csv);
  EXPECT_EQ(again.inserted, 0);
  EXPECT_EQ(again.unchanged, 300);
  EXPECT_FALSE(again.committed);
  EXPECT_EQ(Count("trade"), 300);
  EXPECT_EQ(AuditEntries(), entries + 1) << "a re-import that changes nothing writes no audit entry";
  ExpectChainOk();
}

TEST_P(StoreTest, ImportsChineseHeadersAndValuesAsTheEnglishOnes) {
  ImportEnterprises(2);
  // A spreadsheet headed in Chinese, with 卖方/买方 and 是/否; the same rows in
  // English forms are then unchanged.
  const std::string zh =
      "统一社会信用代码,交易机构,交易编号,交易日期,交易方向,交易金额,依法设立的交易机构\n" + Code(1) +
      ",BJIDE,T1,2025-03-01,卖方,100.00,是\n" + Code(2) + ",OTC,T2,2025-03-02,买方,200.00,否\n" + Code(2) +
      ",OTC,T3,2025-03-02,第三方,200.00,否\n";
  auto r = Import(EvidenceKind::kTrades, "trades-zh.csv", zh);
  EXPECT_EQ(r.inserted, 2);
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].field, "side");
  auto rows = store_->db().Query("SELECT trade_id, side, legally_established FROM trade ORDER BY trade_id");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].Text(1), "seller");
  EXPECT_EQ((*rows)[0].Int(2), 1);
  EXPECT_EQ((*rows)[1].Text(1), "buyer");
  EXPECT_EQ((*rows)[1].Int(2), 0);
  const std::string en = "credit_code,exchange,trade_id,date,side,amount,legally_established\n" + Code(1) +
                         ",BJIDE,T1,2025-03-01,seller,100.00,true\n";
  EXPECT_EQ(Import(EvidenceKind::kTrades, "trades-en.csv", en).unchanged, 1);
  // A header naming one field twice, once in each language, is refused.
  ImportOptions options;
  options.actor = "tester";
  auto twice = store_->Import(EvidenceKind::kTrades,
                              database_->WriteFile("twice.csv", "credit_code,统一社会信用代码,exchange\n"), options);
  EXPECT_FALSE(twice.ok());
  EXPECT_EQ(EvidenceFieldZh(EvidenceKind::kTrades, "side"), "交易方向");
  EXPECT_EQ(EvidenceValueZh("seller"), "卖方");
  EXPECT_EQ(EvidenceValueZh("true"), "是");
  ExpectChainOk();
}

TEST_P(StoreTest, RejectsBadRowsWithLineAndReasonAndCommitsTheRest) {
  ImportEnterprises(2);
  const std::string csv = "credit_code,exchange,trade_id,date,side,amount,legally_established\n"  // line 1
                          + Code(1) + ",BJIDE,T1,2025-01-05,seller,1000.00,true\n"                // 2 ok
                          + "91110105MA01C9XY28,BJIDE,T2,2025-01-05,seller,1000.00,true\n"  // 3 bad check character
                          + Code(1) + ",BJIDE,T3,2025-02-30,seller,1000.00,true\n"          // 4 no such day
                          + Code(1) + ",BJIDE,T4,2025-01-05,lender,1000.00,true\n"          // 5 side
                          + Code(1) + ",BJIDE,T5,2025-01-05,seller,1000.005,true\n"         // 6 three decimals
                          + Code(1) + ",BJIDE,T6,2025-01-05,seller,\"1,000\",true\n"        // 7 separator
                          + Code(9) + ",BJIDE,T7,2025-01-05,seller,1000.00,true\n"          // 8 unknown enterprise
                          + Code(2) + ",BJIDE,T8,2025-01-05,buyer,1000.00,yes\n"            // 9 flag
                          + Code(2) + ",BJIDE,T9,2025-01-05,buyer\n"                        // 10 short row
                          + "\n"                                                            // 11 blank, skipped
                          + Code(2) + ",BJIDE,T10,2025-12-31,buyer,0.5,false\n";            // 12 ok
  auto r = Import(EvidenceKind::kTrades, "mixed.csv", csv);
  EXPECT_EQ(r.rows, 10);
  EXPECT_EQ(r.inserted, 2);
  ASSERT_EQ(r.rejected.size(), 8u);
  const std::vector<std::pair<int64_t, std::string>> expected = {
      {3, "credit_code"},         {4, "date"}, {5, "side"}, {6, "amount"}, {7, "amount"}, {8, "credit_code"},
      {9, "legally_established"}, {10, ""}};
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(r.rejected[i].line, expected[i].first) << i;
    EXPECT_EQ(r.rejected[i].field, expected[i].second) << "line " << r.rejected[i].line << ": " << r.rejected[i].reason;
  }
  EXPECT_NE(r.rejected[0].reason.find("check character"), std::string::npos) << r.rejected[0].reason;
  EXPECT_EQ(Count("trade"), 2);
  EXPECT_TRUE(r.committed);
}

TEST_P(StoreTest, CsvQuotingLineEndingsAndByteOrderMark) {
  ImportEnterprises(1);
  const std::string c = Code(1);
  const std::string csv =
      "\xEF\xBB\xBF"
      "exchange,listing_id,credit_code,product,type,listing_date,status\r\n"
      "BJIDE,L1," +
      c +
      ",\"Traffic, hourly\",dataset,2025-01-02,listed\r\n"
      "BJIDE,L2," +
      c +
      ",\"The \"\"best\"\" API\",api,2025-01-02,listed\r\n"
      "\r\n"
      "BJIDE,L3," +
      c + ",\"unterminated,api,2025-01-02,listed\n";
  auto r = Import(EvidenceKind::kListings, "quoted.csv", csv);
  EXPECT_EQ(r.inserted, 2);
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].line, 5);
  EXPECT_NE(r.rejected[0].reason.find("unterminated"), std::string::npos) << r.rejected[0].reason;
  auto rows = store_->db().Query("SELECT product FROM listing ORDER BY listing_id");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].Text(0), "Traffic, hourly");
  EXPECT_EQ((*rows)[1].Text(0), "The \"best\" API");
}

TEST_P(StoreTest, StrictImportStoresNothingWhenARowIsRejected) {
  ImportEnterprises(1);
  const std::string csv = "credit_code,exchange,trade_id,date,side,amount,legally_established\n" + Code(1) +
                          ",BJIDE,T1,2025-01-05,seller,1000.00,true\n" + Code(1) +
                          ",BJIDE,T2,2025-01-05,seller,-5,true\n";
  const int64_t entries = AuditEntries();
  auto r = Import(EvidenceKind::kTrades, "strict.csv", csv, /*strict=*/true);
  EXPECT_FALSE(r.committed);
  EXPECT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(Count("trade"), 0);
  EXPECT_EQ(AuditEntries(), entries);
}

TEST_P(StoreTest, JsonLinesAreCheckedForTypesAndUnknownFields) {
  ImportEnterprises(1);
  const std::string c = Code(1);
  const std::string jsonl = R"({"credit_code":")" + c +
                            R"(","filing_id":"F1","date":"2025-04-01","amount":"2500.10"})"
                            "\n" +
                            R"({"credit_code":")" + c +
                            R"(","filing_id":"F2","date":"2025-04-01","amount":2500.10})"
                            "\n" +
                            R"({"credit_code":")" + c +
                            R"(","filing_id":"F3","date":"2025-04-01","amount":"1","memo":"x"})"
                            "\n" +
                            "not json\n" + R"({"credit_code":")" + c +
                            R"(","filing_id":"F4","date":"2025-04-01"})"
                            "\n";
  auto r = Import(EvidenceKind::kFilings, "filings.jsonl", jsonl);
  EXPECT_EQ(r.inserted, 1);
  ASSERT_EQ(r.rejected.size(), 4u);
  EXPECT_EQ(r.rejected[0].line, 2);
  EXPECT_EQ(r.rejected[0].field, "amount");
  EXPECT_NE(r.rejected[0].reason.find("money string"), std::string::npos);
  EXPECT_EQ(r.rejected[1].field, "memo");
  EXPECT_EQ(r.rejected[2].line, 4);
  EXPECT_EQ(r.rejected[3].field, "amount");
  EXPECT_EQ(r.rejected[3].reason, "missing");
}

TEST_P(StoreTest, ConflictingEvidenceIsRejectedButEnterprisesUpdate) {
  ImportEnterprises(1);
  const std::string head = "credit_code,exchange,trade_id,date,side,amount,legally_established\n";
  Import(EvidenceKind::kTrades, "a.csv", head + Code(1) + ",BJIDE,T1,2025-01-05,seller,1000.00,true\n");
  auto r = Import(EvidenceKind::kTrades, "b.csv", head + Code(1) + ",BJIDE,T1,2025-01-05,seller,2000.00,true\n");
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].field, "amount");
  EXPECT_NE(r.rejected[0].reason.find("already stored"), std::string::npos);
  auto stored = store_->db().QueryOne("SELECT amount_fen FROM trade");
  EXPECT_EQ((*stored)->Int(0), 100000);

  auto e = Import(
      EvidenceKind::kEnterprises, "e2.jsonl",
      R"({"credit_code":")" + Code(1) +
          R"(","name":"Renamed","registered_in_chaoyang":true,"taxed_in_chaoyang":true,)"
          R"("independent_legal_person":true,"serious_dishonesty_record":true,"tags":["key_enterprise","data_vendor"]})"
          "\n");
  EXPECT_EQ(e.updated, 1);
  auto row = store_->db().QueryOne("SELECT name, serious_dishonesty_record, tags FROM enterprise");
  EXPECT_EQ((*row)->Text(0), "Renamed");
  EXPECT_EQ((*row)->Int(1), 1);
  EXPECT_EQ((*row)->Text(2), R"(["data_vendor","key_enterprise"])");
}

// Issue 14, master data by two accounts: an upload that would change a
// stored enterprise (here: clear its serious-dishonesty record) changes
// nothing until an account other than the uploader approves it.
TEST_P(StoreTest, AnUploadsChangeOfAnEnterpriseWaitsForASecondAccount) {
  ImportEnterprises(2);
  const std::string head =
      "credit_code,name,registered_in_chaoyang,taxed_in_chaoyang,independent_legal_person,"
      "serious_dishonesty_record,tags\n";
  ImportOptions held;
  held.actor = "bureau";
  held.hold_enterprise_changes = true;
  auto flags = [&](int n) {
    auto row = store_->db().QueryOne("SELECT serious_dishonesty_record, tags FROM enterprise WHERE credit_code = ?",
                                     {Code(n)});
    return (*row)->Text(0) + " " + (*row)->Text(1);
  };
  const std::string before = flags(1);
  auto r = store_->Import(EvidenceKind::kEnterprises,
                          database_->WriteFile("up.csv", head + Code(1) + ",Enterprise 1,true,true,true,true,data_vendor\n" +
                                                             Code(2) + ",Enterprise 2,true,true,true,false,data_vendor\n"),
                          held);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->held, 1);
  EXPECT_EQ(r->updated, 0);
  EXPECT_EQ(r->unchanged, 1);
  EXPECT_EQ(r->inserted, 0);
  EXPECT_TRUE(r->committed);
  EXPECT_EQ(flags(1), before) << "held, not applied";

  // One waiting change per enterprise.
  auto again = store_->Import(EvidenceKind::kEnterprises,
                              database_->WriteFile("again.csv", head + Code(1) + ",Renamed,true,true,true,false,\n"), held);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->rejected.size(), 1u);
  EXPECT_NE(again->rejected[0].reason.find("waits for a second account"), std::string::npos) << again->rejected[0].reason;

  auto pending = store_->MasterChanges("pending");
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  const MasterChange change = pending->front();
  EXPECT_EQ(change.credit_code, Code(1));
  EXPECT_EQ(change.fields, "serious_dishonesty_record");
  EXPECT_TRUE(change.serious_dishonesty_record);
  EXPECT_EQ(change.requested_by, "bureau");

  auto own = store_->ApproveMasterChange("bureau", change.id);
  ASSERT_FALSE(own.ok());
  EXPECT_EQ(own.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(own.status().message().find("two accounts"), std::string::npos);
  EXPECT_EQ(store_->RejectMasterChange("bureau2", change.id, "").status().code(), StatusCode::kInvalidArgument);
  auto approved = store_->ApproveMasterChange("bureau2", change.id);
  ASSERT_TRUE(approved.ok()) << approved.status().ToString();
  EXPECT_EQ(approved->state, "approved");
  EXPECT_EQ(approved->decided_by, "bureau2");
  EXPECT_EQ(flags(1).substr(0, 1), "1") << "applied once approved";
  EXPECT_EQ(store_->ApproveMasterChange("officer", change.id).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->ApproveMasterChange("officer", 9999).status().code(), StatusCode::kNotFound);

  // A rejected change changes nothing and frees the enterprise for another.
  auto second = store_->Import(EvidenceKind::kEnterprises,
                               database_->WriteFile("second.csv", head + Code(2) + ",Enterprise 2,true,true,true,false,\n"),
                               held);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->held, 1);
  const int64_t id2 = (*store_->MasterChanges("pending"))[0].id;
  const std::string tags2 = flags(2);
  auto rejected = store_->RejectMasterChange("officer", id2, "the tax bureau's list says otherwise");
  ASSERT_TRUE(rejected.ok()) << rejected.status().ToString();
  EXPECT_EQ(rejected->state, "rejected");
  EXPECT_EQ(flags(2), tags2);
  EXPECT_EQ(store_->MasterChanges("")->size(), 2u);
  EXPECT_TRUE(store_->MasterChanges("pending")->empty());
  EXPECT_EQ(store_->MasterChanges("stale").status().code(), StatusCode::kInvalidArgument);

  // `bursar import` (the database operator's tool) applies at once, audited.
  auto direct = Import(EvidenceKind::kEnterprises, "direct.csv", head + Code(2) + ",Enterprise 2,true,true,true,true,\n");
  EXPECT_EQ(direct.updated, 1);
  EXPECT_EQ(direct.held, 0);
  // Every request, approval and rejection is in the chain, and the rows
  // reconcile with it.
  ExpectChainOk();
}

// An enterprise an upload names for the first time is not stored by that
// upload alone: it waits as a new enterprise (issue 14), its evidence is
// refused saying so, and a second account's approval stores it.
TEST_P(StoreTest, AnUploadsNewEnterpriseWaitsForASecondAccount) {
  ImportEnterprises(1);
  ImportOptions held;
  held.actor = "bureau";
  held.hold_enterprise_changes = true;
  auto r = store_->Import(EvidenceKind::kEnterprises,
                          database_->WriteFile("new.csv",
                                               "credit_code,name,registered_in_chaoyang,taxed_in_chaoyang,"
                                               "independent_legal_person,serious_dishonesty_record,tags\n" +
                                                   Code(1) + ",Enterprise 1,true,true,true,false,data_vendor\n" +
                                                   Code(7) + ",Invented Data Co.,true,true,true,false,data_vendor\n"),
                          held);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->held, 1);
  EXPECT_EQ(r->inserted, 0);
  EXPECT_EQ(r->unchanged, 1);
  EXPECT_EQ(Count("enterprise"), 1) << "not stored by one account";
  auto pending = store_->MasterChanges("pending");
  ASSERT_TRUE(pending.ok() && pending->size() == 1u);
  const MasterChange change = pending->front();
  EXPECT_EQ(change.kind, "new");
  EXPECT_EQ(change.credit_code, Code(7));
  EXPECT_EQ(change.name, "Invented Data Co.");
  EXPECT_EQ(change.fields,
            "name,registered_in_chaoyang,taxed_in_chaoyang,independent_legal_person,serious_dishonesty_record,tags");

  // Its evidence waits for it, and the reason says why.
  auto trades = testing::ImportAs(*store_, *database_, EvidenceKind::kTrades, "t.csv",
                                  "credit_code,exchange,trade_id,date,side,amount,legally_established\n" + Code(7) +
                                      ",BJDE,T1,2025-03-01,seller,40000000.00,true\n",
                                  "bureau", false);
  ASSERT_TRUE(trades.ok());
  ASSERT_EQ(trades->rejected.size(), 1u);
  EXPECT_NE(trades->rejected[0].reason.find("waits for a second account's approval (master-data change " +
                                            std::to_string(change.id) + ")"),
            std::string::npos)
      << trades->rejected[0].reason;

  EXPECT_EQ(store_->ApproveMasterChange("bureau", change.id).status().code(), StatusCode::kPermissionDenied);
  auto approved = store_->ApproveMasterChange("bureau2", change.id);
  ASSERT_TRUE(approved.ok()) << approved.status().ToString();
  EXPECT_EQ(Count("enterprise"), 2);
  auto stored = store_->db().QueryOne("SELECT name, tags FROM enterprise WHERE credit_code = ?", {Code(7)});
  ASSERT_TRUE(stored.ok() && *stored);
  EXPECT_EQ((*stored)->Text(0), "Invented Data Co.");
  EXPECT_EQ((*stored)->Text(1), "[\"data_vendor\"]");
  auto after = testing::ImportAs(*store_, *database_, EvidenceKind::kTrades, "t2.csv",
                                 "credit_code,exchange,trade_id,date,side,amount,legally_established\n" + Code(7) +
                                     ",BJDE,T1,2025-03-01,seller,400.00,true\n",
                                 "bureau", false);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->inserted, 1) << "its evidence follows once it is stored";

  // A new enterprise rejected is never stored.
  auto other = store_->Import(EvidenceKind::kEnterprises,
                              database_->WriteFile("other.csv",
                                                   "credit_code,name,registered_in_chaoyang,taxed_in_chaoyang,"
                                                   "independent_legal_person,serious_dishonesty_record,tags\n" +
                                                       Code(8) + ",Other,true,true,true,false,\n"),
                              held);
  ASSERT_TRUE(other.ok() && other->held == 1);
  const int64_t id8 = (*store_->MasterChanges("pending"))[0].id;
  ASSERT_TRUE(store_->RejectMasterChange("officer", id8, "no such enterprise in the register").ok());
  EXPECT_EQ(Count("enterprise"), 2);
  ExpectChainOk();
}

TEST_P(StoreTest, ABadHeaderStopsTheWholeFile) {
  ImportEnterprises(1);
  ImportOptions options;
  auto r = store_->Import(
      EvidenceKind::kTrades,
      database_->WriteFile("h.csv", "credit_code,exchange,trade_id,when,side,amount,legally_established\n"), options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("unknown field \"when\""), std::string::npos) << r.status().message();
  auto missing =
      store_->Import(EvidenceKind::kTrades, database_->WriteFile("m.csv", "credit_code,exchange\n"), options);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("lacks"), std::string::npos);
  auto ext = store_->Import(EvidenceKind::kTrades, database_->WriteFile("t.txt", ""), options);
  ASSERT_FALSE(ext.ok());
}

// --- Facts --------------------------------------------------------------------

TEST_P(StoreTest, DerivesCasesMdFactsFromTheYearsEvidence) {
  ImportEnterprises(2);
  const std::string a = Code(1), b = Code(2);
  std::string listings = "exchange,listing_id,credit_code,product,type,listing_date,status\n";
  for (int i = 0; i < 52; ++i) {
    listings += "BJIDE,L" + std::to_string(i) + "," + a + ",P" + std::to_string(i) + ",dataset," +
                (i < 40 ? "2024-05-01" : "2025-05-01") + "," +
                (i == 0   ? "revoked"
                 : i == 1 ? "delisted"
                          : "listed") +
                "\n";
  }
  listings += "BJIDE,L99," + a + ",Later,api,2026-01-01,listed\n";
  Import(EvidenceKind::kListings, "listings.csv", listings);
  Import(EvidenceKind::kCertificates, "c.csv",
         "platform,number,credit_code,resource,right,issue_date,valid_until,status\n"
         "BJ-DRP,C1," +
             a +
             ",R1,holding,2024-01-01,,valid\n"
             "BJ-DRP,C2," +
             a +
             ",R2,operating,2025-02-01,2026-01-31,expired\n"
             "BJ-DRP,C3," +
             a + ",R3,operating,2025-02-01,,revoked\n");
  Import(EvidenceKind::kTrades, "t.csv",
         "credit_code,exchange,trade_id,date,side,amount,legally_established\n" + a +
             ",BJIDE,T1,2025-01-01,seller,5000000.00,true\n" + a + ",BJIDE,T2,2025-12-31,buyer,3000000.00,true\n" + a +
             ",OTC,T3,2025-06-01,seller,9999.99,false\n" + a + ",BJIDE,T4,2024-12-31,seller,7.00,true\n" + b +
             ",BJIDE,T1,2025-01-01,buyer,5000000.00,true\n");
  Import(EvidenceKind::kFilings, "f.csv",
         "credit_code,filing_id,date,amount\n" + a + ",F1,2025-03-01,100.10\n" + a + ",F2,2025-04-01,0.90\n");
  Import(EvidenceKind::kFsInclusions, "fs.csv",
         "credit_code,year,amount,first_time\n" + a + ",2025,600000,true\n" + b + ",2024,1,true\n" + b +
             ",2025,900000,true\n");
  Import(EvidenceKind::kExports, "x.csv",
         "route,number,credit_code,authority,date\nstandard_contract,SC-1," + a +
             ",Beijing CAC,2025-07-01\nsecurity_assessment,SA-1," + b + ",CAC,2024-03-01\n");

  auto f = store_->DeriveFacts(a, 2025);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->facts.dump(),
            R"({"listed_data_products":51,"registration_certificates":2,"fs_inclusion_first_time":true,)"
            R"("fs_inclusion_amount":"600000.00","exchange_trading_volume":"8000000.00",)"
            R"("filed_trading_volume":"101.00","compliant_export_first_time":true,)"
            R"("export_route":"standard_contract","platform_in_operation":false})");
  EXPECT_EQ(f->explanation["exchange_trading_volume"]["rows"].size(), 2u);
  EXPECT_EQ(f->explanation["exchange_trading_volume"]["excluded"][0]["trade_id"], "T3");
  EXPECT_EQ(f->explanation["listed_data_products"]["excluded"][0]["listing_id"], "L0");
  EXPECT_EQ(f->explanation["listed_data_products"]["rows"].size(), 51u) << "without a window: every row";
  EXPECT_EQ(f->explanation["listed_data_products"]["rows_total"], 51);
  EXPECT_EQ(f->explanation["exchange_trading_volume"]["excluded_total"], 1);

  // A window on the explanation's lists (HTTP ?limit=&offset=): the same
  // figures, the rows of the window, the totals of every list.
  auto paged = store_->DeriveFacts(a, 2025, FactsRows{50, 2});
  ASSERT_TRUE(paged.ok()) << paged.status().ToString();
  EXPECT_EQ(paged->facts, f->facts);
  const auto& listed = paged->explanation["listed_data_products"];
  ASSERT_EQ(listed["rows"].size(), 1u) << "rows 50 and 51 of 51";
  EXPECT_EQ(listed["rows"][0], f->explanation["listed_data_products"]["rows"][50]);
  EXPECT_EQ(listed["rows_total"], 51);
  EXPECT_TRUE(listed["excluded"].empty());
  EXPECT_EQ(listed["excluded_total"], 1);
  EXPECT_TRUE(paged->explanation["exchange_trading_volume"]["rows"].empty());
  EXPECT_EQ(paged->explanation["exchange_trading_volume"]["rows_total"], 2);
  auto first = store_->DeriveFacts(a, 2025, FactsRows{0, 1});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->facts, f->facts);
  ASSERT_EQ(first->explanation["exchange_trading_volume"]["rows"].size(), 1u);
  EXPECT_EQ(first->explanation["exchange_trading_volume"]["rows"][0],
            f->explanation["exchange_trading_volume"]["rows"][0]);
  EXPECT_EQ(first->explanation["exchange_trading_volume"]["excluded"][0]["trade_id"], "T3");
  EXPECT_EQ(first->explanation["filed_trading_volume"]["rows"].size(), 1u);
  EXPECT_EQ(first->explanation["filed_trading_volume"]["rows_total"], 2);

  auto g = store_->DeriveFacts(b, 2025);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->facts["exchange_trading_volume"], "5000000.00") << "the same trade counts for each side once";
  EXPECT_EQ(g->facts["fs_inclusion_first_time"], false) << "2024 already had an inclusion";
  EXPECT_EQ(g->facts["compliant_export_first_time"], false);
  EXPECT_TRUE(g->facts["export_route"].is_null());

  auto earlier = store_->DeriveFacts(a, 2024);
  ASSERT_TRUE(earlier.ok());
  EXPECT_EQ(earlier->facts["listed_data_products"], 39);
  EXPECT_EQ(earlier->facts["exchange_trading_volume"], "7.00");

  auto missing = store_->DeriveFacts(Code(77), 2025);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

// --- Evidence provenance (D-G10) ---------------------------------------------

TEST_P(StoreTest, DeclaredEvidenceCountsOnlyOnceAnOfficerVerifiesIt) {
  ImportEnterprises(1);
  const std::string a = Code(1);
  ImportOptions declared;
  declared.actor = "applicant-1";
  declared.only_credit_code = a;
  declared.declared = true;
  auto declare = [&](EvidenceKind kind, const std::string& name, const std::string& text) {
    auto r = store_->Import(kind, database_->WriteFile(name, text), declared);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ImportReport{};
  };
  const std::string trades = "credit_code,exchange,trade_id,date,side,amount,legally_established\n";
  // The issue's attack: a declared trade "at a legally established
  // institution" and a 999,999,999 inclusion in the financial statements.
  auto flag = declare(EvidenceKind::kTrades, "t.csv", trades + a + ",BJIDE,T9,2025-03-01,seller,40000000.00,true\n");
  ASSERT_EQ(flag.rejected.size(), 1u);
  EXPECT_EQ(flag.rejected[0].field, "legally_established");
  EXPECT_NE(flag.rejected[0].reason.find("D-G10"), std::string::npos) << flag.rejected[0].reason;
  EXPECT_EQ(flag.inserted, 0);
  auto fs = declare(EvidenceKind::kFsInclusions, "fs.csv", "credit_code,year,amount,first_time\n" + a +
                                                               ",2025,999999999.00,true\n");
  EXPECT_EQ(fs.inserted, 1);
  auto filing = declare(EvidenceKind::kFilings, "f.csv", "credit_code,filing_id,date,amount\n" + a +
                                                             ",F1,2025-03-01,100.00\n");
  EXPECT_EQ(filing.inserted, 1);
  auto exports = store_->Import(EvidenceKind::kExports,
                                database_->WriteFile("x.csv", "route,number,credit_code,authority,date\n"
                                                              "standard_contract,SC-1," + a + ",CAC,2025-07-01\n"),
                                declared);
  EXPECT_EQ(exports.status().code(), StatusCode::kPermissionDenied) << "an export clearance is never declared";

  // Declared and not verified: the facts a decision uses leave them out; the
  // declared figures are shown apart.
  auto before = store_->DeriveFacts(a, 2025);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_EQ(before->facts["fs_inclusion_amount"], "0.00");
  EXPECT_EQ(before->facts["filed_trading_volume"], "0.00");
  EXPECT_EQ(before->facts_with_declared["fs_inclusion_amount"], "999999999.00");
  EXPECT_EQ(before->facts_with_declared["filed_trading_volume"], "100.00");
  EXPECT_EQ(before->declared_pending, 2);
  const auto& excluded = before->explanation["filed_trading_volume"]["excluded"];
  ASSERT_EQ(excluded.size(), 1u);
  EXPECT_EQ(excluded[0]["source"], "declared");
  EXPECT_TRUE(excluded[0]["verified_by"].is_null());
  auto c = store_->BuildCase(a, 2025, json::array());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)["facts"]["fs_inclusion_amount"], "0.00") << "a decision's case leaves declared rows out";
  auto listed = store_->ListEvidence(a, "filings", 2025);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ((*listed)["filings"][0]["source"], "declared");
  EXPECT_EQ((*listed)["filings"][0]["supplied_by"], "applicant-1");

  // Verification: not by the account that declared the row; all or nothing;
  // official rows need none; then the row counts, naming its verifier.
  const json filing_key = json::array({{{"credit_code", a}, {"filing_id", "F1"}}});
  EXPECT_EQ(store_->VerifyEvidence("applicant-1", EvidenceKind::kFilings, filing_key).status().code(),
            StatusCode::kPermissionDenied);
  const json both = json::array({{{"credit_code", a}, {"filing_id", "F1"}}, {{"credit_code", a}, {"filing_id", "F2"}}});
  auto missing = store_->VerifyEvidence("officer-1", EvidenceKind::kFilings, both);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().field(), "rows[1]");
  EXPECT_EQ(store_->DeriveFacts(a, 2025)->facts["filed_trading_volume"], "0.00") << "nothing of a refused verification";
  const int64_t entries = AuditEntries();
  auto verified = store_->VerifyEvidence("officer-1", EvidenceKind::kFilings, filing_key);
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_EQ(AuditEntries(), entries + 1);
  auto entry = store_->db().QueryOne("SELECT actor, change FROM audit_log WHERE seq = ?", {*verified});
  ASSERT_TRUE(entry.ok() && *entry);
  EXPECT_EQ((*entry)->Text(0), "officer-1");
  EXPECT_NE((*entry)->Text(1).find("evidence.verify"), std::string::npos);
  EXPECT_EQ(store_->VerifyEvidence("officer-2", EvidenceKind::kFilings, filing_key).status().code(),
            StatusCode::kFailedPrecondition)
      << "verified once";
  auto after = store_->DeriveFacts(a, 2025);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->facts["filed_trading_volume"], "100.00");
  EXPECT_EQ(after->facts["fs_inclusion_amount"], "0.00");
  EXPECT_EQ(after->declared_pending, 1);
  EXPECT_EQ(after->explanation["filed_trading_volume"]["rows"][0]["verified_by"], "officer-1");
  EXPECT_EQ((*store_->ListEvidence(a, "filings", 2025))["filings"][0]["verified_on"], "2025-06-01");

  // A declaration never changes an official row; an official import of a
  // declared key replaces the declaration.
  Import(EvidenceKind::kTrades, "official.csv", trades + a + ",BJIDE,T1,2025-04-01,seller,1000.00,true\n");
  auto rewrite = declare(EvidenceKind::kTrades, "t2.csv", trades + a + ",BJIDE,T1,2025-04-01,seller,9000000.00,false\n");
  ASSERT_EQ(rewrite.rejected.size(), 1u);
  EXPECT_NE(rewrite.rejected[0].reason.find("official source"), std::string::npos) << rewrite.rejected[0].reason;
  EXPECT_EQ(store_->DeriveFacts(a, 2025)->facts["exchange_trading_volume"], "1000.00");
  EXPECT_EQ(store_->VerifyEvidence("officer-1", EvidenceKind::kTrades,
                                   json::array({{{"credit_code", a}, {"exchange", "BJIDE"}, {"trade_id", "T1"}}}))
                .status()
                .code(),
            StatusCode::kFailedPrecondition)
      << "an official row needs no verification";
  auto replaced = Import(EvidenceKind::kFsInclusions, "fs-official.csv",
                         "credit_code,year,amount,first_time\n" + a + ",2025,600000.00,true\n");
  EXPECT_EQ(replaced.updated, 1);
  auto last = store_->DeriveFacts(a, 2025);
  EXPECT_EQ(last->facts["fs_inclusion_amount"], "600000.00") << "the official record, not the declaration";
  EXPECT_EQ(last->declared_pending, 0);
  auto fs_rows = store_->ListEvidence(a, "fs_inclusions", 2025);
  EXPECT_EQ((*fs_rows)["fs_inclusions"][0]["source"], "official");
  EXPECT_EQ((*fs_rows)["fs_inclusions"][0]["supplied_by"], "tester");
  ExpectChainOk();
}

// --- Audit --------------------------------------------------------------------

TEST_P(StoreTest, TheAuditLogRefusesUpdatesAndDeletes) {
  ImportEnterprises(1);
  EXPECT_FALSE(store_->db().Execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1").ok());
  EXPECT_FALSE(store_->db().Execute("DELETE FROM audit_log WHERE seq = 1").ok());
  ExpectChainOk();
}

TEST_P(StoreTest, VerifyNamesTheAlteredEntry) {
  ImportEnterprises(3);
  ASSERT_TRUE(store_->SetBudget("officer", 2025, "1000000").ok());
  ASSERT_TRUE(store_->SetBudget("officer", 2025, "2000000").ok());
  ExpectChainOk();
  DropAuditTriggers();
  // The first SetBudget follows one entry per migration and the import.
  const int64_t seq = Migrations().back().version + 2;
  ASSERT_TRUE(store_->db()
                  .Execute("UPDATE audit_log SET change = REPLACE(change, '1000000.00', '9000000.00') WHERE seq = ?",
                           {seq})
                  .ok());
  auto v = store_->VerifyAudit();
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->first_bad_seq, seq);
  EXPECT_NE(v->problem.find("altered"), std::string::npos) << v->problem;
}

TEST_P(StoreTest, VerifyNamesARehashedAlteration) {
  ImportEnterprises(1);
  ASSERT_TRUE(store_->SetBudget("officer", 2025, "1000000").ok());
  ASSERT_TRUE(store_->SetBudget("officer", 2026, "1000000").ok());
  DropAuditTriggers();
  // A forger who also recomputes the first budget entry's digest is caught
  // by the entry after it.
  const int64_t seq = Migrations().back().version + 2;
  auto e = ReadAudit(store_->db(), seq, 1);
  ASSERT_TRUE(e.ok());
  ASSERT_EQ(e->size(), 1u);
  std::string change = (*e)[0].change;
  ASSERT_NE(change.find("1000000.00"), std::string::npos) << change;
  change.replace(change.find("1000000.00"), 10, "9000000.00");
  const std::string digest = AuditDigest(seq, (*e)[0].prev_digest, (*e)[0].actor, (*e)[0].at, change);
  ASSERT_TRUE(
      store_->db().Execute("UPDATE audit_log SET change = ?, digest = ? WHERE seq = ?", {change, digest, seq}).ok());
  auto v = store_->VerifyAudit();
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->first_bad_seq, seq) << v->problem;
  EXPECT_NE(v->problem.find("altered"), std::string::npos) << v->problem;
}

TEST_P(StoreTest, VerifyNamesADeletedEntry) {
  ImportEnterprises(1);
  ASSERT_TRUE(store_->SetBudget("officer", 2025, "1").ok());
  ASSERT_TRUE(store_->SetBudget("officer", 2026, "1").ok());
  DropAuditTriggers();
  ASSERT_TRUE(store_->db().Execute("DELETE FROM audit_log WHERE seq = 4").ok());
  auto v = store_->VerifyAudit();
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->first_bad_seq, 4);
  EXPECT_NE(v->problem.find("deleted"), std::string::npos) << v->problem;

  // Deleting the last entry is caught by the head.
  ASSERT_TRUE(store_->db().Execute("DELETE FROM audit_log WHERE seq >= 4").ok());
  v = store_->VerifyAudit();
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->first_bad_seq, 4) << v->problem;
}

TEST_P(StoreTest, VerifyNamesAnInsertedEntry) {
  ImportEnterprises(1);
  ASSERT_TRUE(store_->SetBudget("officer", 2025, "1").ok());
  ASSERT_TRUE(store_->SetBudget("officer", 2026, "1").ok());
  DropAuditTriggers();
  // Slip a well-formed entry in at 4, renumbering the rest.
  ASSERT_TRUE(store_->db().Execute("UPDATE audit_log SET seq = seq + 1000 WHERE seq >= 4").ok());
  ASSERT_TRUE(store_->db().Execute("UPDATE audit_log SET seq = seq - 999 WHERE seq >= 1000").ok());
  auto prev = ReadAudit(store_->db(), 3, 1);
  const std::string change = R"({"op":"budget.set","year":2024,"amount":"99999999.00"})";
  const std::string digest = AuditDigest(4, (*prev)[0].digest, "mallory", "2025-06-01T08:00:00.000Z", change);
  ASSERT_TRUE(
      store_->db()
          .Execute("INSERT INTO audit_log (seq, prev_digest, actor, at, change, digest) VALUES (4, ?, ?, ?, ?, ?)",
                   {(*prev)[0].digest, "mallory", "2025-06-01T08:00:00.000Z", change, digest})
          .ok());
  auto v = store_->VerifyAudit();
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->first_bad_seq, 4) << v->problem;
  EXPECT_NE(v->problem.find("inserted"), std::string::npos) << v->problem;
}

// --- Applications -------------------------------------------------------------

using testing::CaseFor;
using testing::OutputFor;

// A draft's files: the content back byte for byte (every byte value), the
// upload and the removal audited with the SHA-256, the limits of one file
// and of the application, nothing changed once submitted, an apply-free
// proposal taking none, and a withdrawn draft taking its files with it.
TEST_P(StoreTest, ADraftsFilesAreKeptByTheirDigestAndFixedOnceSubmitted) {
  ImportEnterprises(1);
  const std::string c = Code(1);
  auto id = store_->CreateApplication("enterprise", c, 2024, json{{"measure", "03"}, {"assessed", "4200000"}});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  std::string pdf = "%PDF-1.7\n";
  for (int b = 0; b < 256; ++b) pdf.push_back(static_cast<char>(b));
  auto added = store_->AddAttachment("enterprise", *id, " 技术服务合同.pdf ", pdf);
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ(added->filename, "技术服务合同.pdf");
  EXPECT_EQ(added->content_type, "application/pdf");
  EXPECT_EQ(added->size, static_cast<int64_t>(pdf.size()));
  EXPECT_EQ(added->sha256, Sha256Hex(pdf));
  auto entry = store_->ListAuditNewestFirst(1, 0);
  ASSERT_TRUE(entry.ok() && entry->items.size() == 1);
  json change = json::parse(entry->items[0].change);
  EXPECT_EQ(change["op"], "attachment.add");
  EXPECT_EQ(change["sha256"], Sha256Hex(pdf));
  EXPECT_EQ(change["application"], *id);
  auto read = store_->AttachmentContent(*id, added->id);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->second, pdf);
  EXPECT_EQ(read->first.uploaded_by, "enterprise");
  // Another application's path does not reach this file.
  auto other = store_->CreateApplication("enterprise", c, 2024, json{{"measure", "06"}, {"assessed", "1"}});
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_EQ(store_->AttachmentContent(*other, added->id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->RemoveAttachment("enterprise", *other, added->id).code(), StatusCode::kNotFound);

  // The limits (lowered by this fixture): 4096 bytes a file, 3 files and
  // 8000 bytes an application. A refused file changes nothing.
  const int64_t entries = AuditEntries();
  Status big = store_->AddAttachment("enterprise", *id, "big.pdf", "%PDF-" + std::string(4092, 'x')).status();
  EXPECT_EQ(big.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(big.field(), "content");
  EXPECT_EQ(store_->AddAttachment("enterprise", *id, "a.pdf", "\x89PNG\r\n\x1a\n").status().field(), "filename");
  ASSERT_TRUE(store_->AddAttachment("enterprise", *id, "b.pdf", "%PDF-" + std::string(4091, 'b')).ok());
  Status total = store_->AddAttachment("enterprise", *id, "c.pdf", "%PDF-" + std::string(4091, 'c')).status();
  EXPECT_EQ(total.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(total.message().find("8000 bytes together"), std::string::npos) << total.message();
  EXPECT_EQ(AuditEntries(), entries + 1);
  ASSERT_TRUE(store_->AddAttachment("enterprise", *id, "c.png", "\x89PNG\r\n\x1a\n").ok());
  Status count = store_->AddAttachment("enterprise", *id, "d.png", "\x89PNG\r\n\x1a\n").status();
  EXPECT_EQ(count.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(count.message().find("3 files"), std::string::npos) << count.message();

  auto files = store_->Attachments(*id);
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 3u);
  EXPECT_EQ((*files)[2].filename, "c.png");
  ASSERT_TRUE(store_->RemoveAttachment("enterprise", *id, (*files)[2].id).ok());
  entry = store_->ListAuditNewestFirst(1, 0);
  ASSERT_TRUE(entry.ok() && entry->items.size() == 1);
  change = json::parse(entry->items[0].change);
  EXPECT_EQ(change["op"], "attachment.remove");
  EXPECT_EQ(change["filename"], "c.png");
  EXPECT_EQ(store_->Attachments(*id)->size(), 2u);

  // Submitted: what the review reads is fixed.
  ASSERT_TRUE(store_->Submit("enterprise", *id).ok());
  Status late = store_->AddAttachment("enterprise", *id, "late.pdf", "%PDF-1.7").status();
  EXPECT_EQ(late.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(late.message().find("only while it is a draft"), std::string::npos) << late.message();
  EXPECT_EQ(store_->RemoveAttachment("enterprise", *id, added->id).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->AttachmentContent(*id, added->id)->second, pdf);

  // An apply-free proposal is decided from official evidence: no files.
  auto proposed = store_->ProposeApplyFree("office", 2024, "04", {c});
  ASSERT_TRUE(proposed.ok() && proposed->size() == 1);
  EXPECT_EQ(store_->AddAttachment("enterprise", (*proposed)[0], "a.pdf", "%PDF-1.7").status().code(),
            StatusCode::kFailedPrecondition);

  // A withdrawn draft takes its files; the entry keeps their digests.
  ASSERT_TRUE(store_->AddAttachment("enterprise", *other, "说明.pdf", "%PDF-1.4 other").ok());
  ASSERT_TRUE(store_->WithdrawDraft("enterprise", *other).ok());
  EXPECT_TRUE(store_->Attachments(*other)->empty());
  entry = store_->ListAuditNewestFirst(1, 0);
  ASSERT_TRUE(entry.ok() && entry->items.size() == 1);
  change = json::parse(entry->items[0].change);
  EXPECT_EQ(change["op"], "application.withdraw");
  ASSERT_EQ(change["attachments"].size(), 1u);
  EXPECT_EQ(change["attachments"][0]["sha256"], Sha256Hex("%PDF-1.4 other"));
  EXPECT_EQ(store_->AddAttachment("enterprise", 99999, "a.pdf", "%PDF-1.7").status().code(), StatusCode::kNotFound);
  ExpectChainOk();
}

// The audit log as an auditor asks of it: who did what to which
// application, and when (days in Beijing, bounds in UTC).
TEST_P(StoreTest, TheAuditLogIsFilteredByWhoWhatWhichApplicationAndWhen) {
  ImportEnterprises(1);
  const std::string c = Code(1);
  AtBeijingNoon("2025-07-01");
  auto a = store_->CreateApplication("enterprise", c, 2024, json{{"measure", "03"}, {"assessed", "4200000"}});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(store_->AddAttachment("enterprise", *a, "合同.pdf", "%PDF-1.7").ok());
  AtBeijingNoon("2025-07-02");
  auto b = store_->CreateApplication("enterprise", c, 2024, json{{"measure", "06"}, {"assessed", "1"}});
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ASSERT_TRUE(store_->Submit("enterprise", *b).ok());
  ASSERT_TRUE(store_->SetBudget("officer", 2024, "1000").ok());
  auto proposed = store_->ProposeApplyFree("office", 2024, "04", {c});
  ASSERT_TRUE(proposed.ok() && proposed->size() == 1);

  auto ops = [&](const AuditQuery& q, int64_t* total = nullptr) {
    auto page = store_->ListAudit(q);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    std::vector<std::string> out;
    if (!page.ok()) return out;
    if (total) *total = page->total;
    for (const auto& e : page->items) out.push_back(json::parse(e.change)["op"].get<std::string>() + "@" + e.actor);
    return out;
  };
  using V = std::vector<std::string>;
  AuditQuery q;
  q.actor = "officer";
  EXPECT_EQ(ops(q), V{"budget.set@officer"});
  q = {};
  q.op = "attachment.";
  EXPECT_EQ(ops(q), V{"attachment.add@enterprise"});
  q.op = "application.create";
  EXPECT_EQ(ops(q), (V{"application.create@enterprise", "application.create@enterprise"}));
  q.op = "application.";  // a family: create, submit
  EXPECT_EQ(ops(q), (V{"application.submit@enterprise", "application.create@enterprise", "application.create@enterprise"}));
  q.op = "%";  // no wildcard, no family
  EXPECT_EQ(ops(q), V{});
  q = {};
  q.application_id = *a;
  EXPECT_EQ(ops(q), (V{"attachment.add@enterprise", "application.create@enterprise"}));
  q.application_id = (*proposed)[0];  // named in the proposal's list
  EXPECT_EQ(ops(q), V{"apply_free.propose@office"});
  // 2 July in Beijing starts at 16:00 UTC on 1 July.
  q = {};
  q.at_from = "2025-07-01T16:00:00.000Z";
  int64_t total = 0;
  EXPECT_EQ(ops(q, &total), (V{"apply_free.propose@office", "budget.set@officer", "application.submit@enterprise",
                               "application.create@enterprise"}));
  EXPECT_EQ(total, 4);
  q.limit = 1;
  q.offset = 1;
  EXPECT_EQ(ops(q, &total), V{"budget.set@officer"});
  EXPECT_EQ(total, 4);
  q = {};
  q.at_before = "2025-07-01T16:00:00.000Z";
  q.actor = "enterprise";
  EXPECT_EQ(ops(q), (V{"attachment.add@enterprise", "application.create@enterprise"}));
}

// The enterprise changes or withdraws its draft before submitting it; the
// audit chain keeps what it claimed; a submitted application, another
// measure or an apply-free proposal is refused.
TEST_P(StoreTest, ADraftIsEditedOrWithdrawnBeforeItIsSubmitted) {
  ImportEnterprises(1);
  const std::string c = Code(1);
  auto id = store_->CreateApplication("enterprise", c, 2024, json{{"measure", "03"}, {"assessed", "4200000"}});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  const json changed = {{"measure", "03"}, {"assessed", "3800000.50"}, {"project", "SVC-2"}};
  ASSERT_TRUE(store_->EditDraft("enterprise", *id, changed).ok());
  auto app = store_->GetApplication(*id);
  ASSERT_TRUE(app.ok());
  EXPECT_EQ(json::parse(app->claim), changed);
  EXPECT_EQ(app->project, "SVC-2");
  auto entry = store_->ListAuditNewestFirst(1, 0);
  ASSERT_TRUE(entry.ok() && entry->items.size() == 1);
  json change = json::parse(entry->items[0].change);
  EXPECT_EQ(change["op"], "application.edit");
  EXPECT_EQ(change["was"]["assessed"], "4200000");
  EXPECT_EQ(change["claim"], changed);

  Status other = store_->EditDraft("enterprise", *id, json{{"measure", "06"}, {"assessed", "1"}});
  EXPECT_EQ(other.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(other.field(), "claim.measure");
  EXPECT_EQ(store_->EditDraft("enterprise", *id, json{{"measure", "03"}, {"apply_free", true}}).field(),
            "claim.apply_free");
  // Nor may a new application mark itself apply-free: that would open its
  // review without reviewers.
  auto marked = store_->CreateApplication("enterprise", c, 2024, json{{"measure", "03"}, {"apply_free", true}});
  ASSERT_FALSE(marked.ok());
  EXPECT_EQ(marked.status().field(), "claim.apply_free");
  EXPECT_EQ(store_->EditDraft("enterprise", *id, json{{"measure", "03"}, {"project", "a\nb"}}).field(), "claim.project");
  // Another draft of the same measure may not take this one's project.
  auto second = store_->CreateApplication("enterprise", c, 2024, json{{"measure", "03"}, {"project", "SVC-3"}});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(store_->EditDraft("enterprise", *second, json{{"measure", "03"}, {"project", "SVC-2"}}).code(),
            StatusCode::kAlreadyExists);

  ASSERT_TRUE(store_->WithdrawDraft("enterprise", *second).ok());
  EXPECT_EQ(store_->GetApplication(*second).status().code(), StatusCode::kNotFound);
  entry = store_->ListAuditNewestFirst(1, 0);
  ASSERT_TRUE(entry.ok() && entry->items.size() == 1);
  change = json::parse(entry->items[0].change);
  EXPECT_EQ(change["op"], "application.withdraw");
  EXPECT_EQ(change["claim"]["project"], "SVC-3");
  EXPECT_EQ(change["credit_code"], c);

  ASSERT_TRUE(store_->Submit("enterprise", *id).ok());
  EXPECT_EQ(store_->EditDraft("enterprise", *id, changed).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->WithdrawDraft("enterprise", *id).code(), StatusCode::kFailedPrecondition);
  auto proposed = store_->ProposeApplyFree("office", 2024, "04", {c});
  ASSERT_TRUE(proposed.ok() && proposed->size() == 1) << proposed.status().ToString();
  EXPECT_EQ(store_->WithdrawDraft("enterprise", (*proposed)[0]).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->EditDraft("enterprise", (*proposed)[0], json{{"measure", "04"}}).code(),
            StatusCode::kFailedPrecondition);
  ExpectChainOk();
}

// A review is scored and reasoned: the written opinion (评审意见) is required,
// bounded, stored with the scores and held by the audit entry.
TEST_P(StoreTest, AReviewHoldsItsWrittenOpinion) {
  ImportEnterprises(1);
  auto id = store_->CreateApplication("enterprise", Code(1), 2024, json{{"measure", "03"}, {"assessed", "4200000"}});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  ASSERT_TRUE(store_->Submit("enterprise", *id).ok());
  ASSERT_TRUE(store_->StartReview("officer", *id, {"rev-a"}).ok());
  const json scores = {{"quality", 80}};
  for (const std::string blank : {"", "  \n\t "}) {
    Status s = store_->SubmitReview("rev-a", *id, scores, "4200000", blank);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.field(), "opinion") << s.ToString();
  }
  std::string longest;
  for (size_t i = 0; i < kMaxOpinionChars; ++i) longest += "意";  // 2,000 characters, 6,000 bytes
  Status too_long = store_->SubmitReview("rev-a", *id, scores, "4200000", longest + "。");
  EXPECT_EQ(too_long.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(too_long.message().find("at most 2000 characters, not 2001"), std::string::npos) << too_long.ToString();
  EXPECT_EQ(store_->SubmitReview("rev-a", *id, scores, "4200000", "\xB1\xB1").field(), "opinion");
  auto reviews = store_->Reviews(*id);
  ASSERT_TRUE(reviews.ok() && reviews->size() == 1);
  EXPECT_EQ((*reviews)[0].state, "assigned") << "nothing refused was stored";

  ASSERT_TRUE(store_->SubmitReview("rev-a", *id, scores, "4200000", longest).ok());
  const std::string opinion = "建设内容真实，投资测算合理。\n同意按评审核定金额 420 万元支持。";
  ASSERT_TRUE(store_->SubmitReview("rev-a", *id, scores, "4200000", opinion).ok());
  reviews = store_->Reviews(*id);
  ASSERT_TRUE(reviews.ok() && reviews->size() == 1);
  EXPECT_EQ((*reviews)[0].state, "submitted");
  EXPECT_EQ((*reviews)[0].opinion, opinion);
  auto entry = store_->ListAuditNewestFirst(1, 0);
  ASSERT_TRUE(entry.ok() && entry->items.size() == 1);
  const json change = json::parse(entry->items[0].change);
  EXPECT_EQ(change["op"], "review.submit");
  EXPECT_EQ(change["opinion"], opinion);
  ExpectChainOk();
}

TEST_P(StoreTest, AnApplicationGoesFromDraftToPaidAndIntoHistory) {
  ImportEnterprises(1);
  const std::string c = Code(1);
  auto id = store_->CreateApplication("enterprise", c, 2024, json{{"measure", "03"}, {"assessed", "4200000"}});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  ASSERT_TRUE(store_->Submit("enterprise", *id).ok());
  ASSERT_TRUE(store_->StartReview("officer", *id, {"rev-a", "rev-b", "rev-c"}).ok());
  ASSERT_TRUE(store_->DeclareConflict("rev-c", *id, "former employee of the applicant").ok());
  auto excluded = store_->SubmitReview("rev-c", *id, json{{"quality", 80}}, "1000000", "评审意见：同意。");
  EXPECT_EQ(excluded.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(excluded.message().find("conflict of interest"), std::string::npos);
  EXPECT_EQ(store_->SubmitReview("stranger", *id, json{{"quality", 80}}, "1", "评审意见：同意。").code(), StatusCode::kPermissionDenied);
  ASSERT_TRUE(store_->SubmitReview("rev-a", *id, json{{"quality", 80}, {"impact", 70}}, "4200000", "评审意见：同意。").ok());
  const DecisionInput decision{"sha256:abc", CaseFor(c, 2024), OutputFor(c, 2024, "4200000.00", "03")};
  auto early = store_->Decide("officer", *id, decision);
  ASSERT_FALSE(early.ok());
  EXPECT_NE(early.status().message().find("rev-b has not submitted"), std::string::npos);
  // The refusal names its rule and figures, and the blocker a page shows says the same.
  EXPECT_EQ(early.status().reason(), "reviews_pending");
  EXPECT_EQ(early.status().params(), (ReasonParams{{"application", std::to_string(*id)}, {"reviewers", "rev-b"}}));
  auto waiting = store_->DecideBlocker(*id);
  ASSERT_TRUE(waiting.ok() && *waiting);
  EXPECT_EQ((*waiting)->code, "reviews_pending");
  EXPECT_EQ((*waiting)->reviewers, std::vector<std::string>{"rev-b"});
  EXPECT_FALSE(*store_->FinaliseBlocker(*id)) << "not on notice: finalising waits for nothing but its state";
  auto resubmitted = store_->Submit("enterprise", *id);
  EXPECT_EQ(resubmitted.reason(), "wrong_state");
  EXPECT_EQ(resubmitted.params(), (ReasonParams{{"application", std::to_string(*id)},
                                          {"state", "in_review"},
                                          {"action", "submit"},
                                          {"needs", "draft"}}));
  ASSERT_TRUE(store_->SubmitReview("rev-b", *id, json{{"quality", 90}}, "4000000", "评审意见：同意。").ok());
  auto wrong = store_->Decide("officer", *id, {"sha256:abc", CaseFor(Code(2), 2024), decision.output_json});
  EXPECT_EQ(wrong.status().code(), StatusCode::kInvalidArgument);
  auto d = store_->Decide("officer", *id, decision);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  auto stored = store_->GetDecision(*d);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->case_json, decision.case_json) << "stored byte for byte";
  EXPECT_EQ(stored->output_json, decision.output_json);
  EXPECT_EQ(stored->total_fen, 420000000);

  ASSERT_TRUE(store_->PublishNotice("officer", *id, 7).ok());
  EXPECT_EQ(store_->GetApplication(*id)->notice_until, "2025-06-08");
  EXPECT_FALSE(*store_->DecideBlocker(*id));
  AtBeijingNoon("2025-06-08");
  auto running = store_->Finalise("officer", *id);
  EXPECT_EQ(running.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(running.reason(), "notice_running");
  EXPECT_EQ(running.params(), (ReasonParams{{"application", std::to_string(*id)},
                                            {"until", "2025-06-08"},
                                            {"final_from", "2025-06-09"},
                                            {"today", "2025-06-08"}}));
  ASSERT_TRUE(*store_->FinaliseBlocker(*id));
  EXPECT_EQ((*store_->FinaliseBlocker(*id))->final_from, "2025-06-09");
  auto objection = store_->FileObjection("public", *id, "the applicant is not in Chaoyang");
  ASSERT_TRUE(objection.ok());
  AtBeijingNoon("2025-06-09");
  auto blocked = store_->Finalise("officer", *id);
  EXPECT_NE(blocked.message().find("is open"), std::string::npos) << blocked.message();
  EXPECT_EQ(blocked.reason(), "objection_open");
  EXPECT_EQ((*store_->FinaliseBlocker(*id))->objection, *objection);
  ASSERT_TRUE(store_->ResolveObjection("officer", *objection, false, "registration verified").ok());
  ASSERT_TRUE(store_->Finalise("officer", *id).ok());

  AtBeijingNoon("2025-07-01");
  auto i1 = PayWithApproval(*store_, "treasury", *id, "2000000", "V-1");
  ASSERT_TRUE(i1.ok());
  EXPECT_EQ(i1->instalment, 1);
  auto twice = PayWithApproval(*store_, "treasury", *id, "100", "V-1");
  EXPECT_EQ(twice.status().code(), StatusCode::kAlreadyExists) << "one voucher, one payment";
  EXPECT_NE(twice.status().message().find("instalment 1"), std::string::npos) << twice.status().message();
  EXPECT_EQ(twice.status().reason(), "voucher_used");
  EXPECT_EQ(twice.status().field(), "reference");
  AtBeijingNoon("2025-08-01");
  auto over = PayWithApproval(*store_, "treasury", *id, "2200000.01", "V-2");
  EXPECT_EQ(over.status().code(), StatusCode::kFailedPrecondition);
  auto i2 = PayWithApproval(*store_, "treasury", *id, "2200000", "V-2");
  ASSERT_TRUE(i2.ok());
  auto paid = store_->Payments(*id);
  ASSERT_TRUE(paid.ok());
  ASSERT_EQ(paid->size(), 2u);
  EXPECT_EQ((*paid)[0].paid_on, "2025-07-01") << "dated by the store's calendar (D-G9)";
  EXPECT_EQ((*paid)[1].paid_on, "2025-08-01");
  EXPECT_EQ(store_->GetApplication(*id)->state, ApplicationState::kPaid);

  auto history = store_->History(c, 2025);
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->dump(), R"([{"year":2024,"measure":"03","item":"services","amount":"4200000.00"}])");

  auto budget = store_->Budget(2024);
  ASSERT_TRUE(budget.ok());
  EXPECT_EQ(budget->total.committed_fen, 420000000);
  EXPECT_EQ(budget->total.paid_fen, 420000000);
  EXPECT_EQ(budget->by_measure["03"].paid_fen, 420000000);

  *now_ = testing::FixedClock();
  ASSERT_TRUE(store_->Recover("officer", *id, "100000", "false statement found in audit").ok());
  EXPECT_EQ(store_->GetApplication(*id)->state, ApplicationState::kRecovered);
  EXPECT_EQ(store_->Budget(2024)->total.paid_fen, 410000000);
  auto recoveries = store_->Recoveries(*id);
  ASSERT_TRUE(recoveries.ok()) << recoveries.status().ToString();
  ASSERT_EQ(recoveries->size(), 1u);
  EXPECT_EQ((*recoveries)[0].amount_fen, 10000000);
  EXPECT_EQ((*recoveries)[0].reason, "false statement found in audit");
  EXPECT_EQ((*recoveries)[0].recovered_at, testing::FixedClock());
  EXPECT_EQ((*recoveries)[0].recovered_by, "officer");
  ExpectChainOk();
}

TEST_P(StoreTest, IllegalTransitionsAreRefusedNamingTheState) {
  ImportEnterprises(1);
  auto id = store_->CreateApplication("enterprise", Code(1), 2025, json{{"measure", "03"}});
  ASSERT_TRUE(id.ok());
  auto decide =
      store_->Decide("officer", *id, {"sha256:x", CaseFor(Code(1), 2025), OutputFor(Code(1), 2025, "1", "03")});
  ASSERT_FALSE(decide.ok());
  EXPECT_EQ(decide.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(decide.status().message().find("is draft"), std::string::npos) << decide.status().message();
  EXPECT_EQ(store_->PublishNotice("officer", *id, 7).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(PayWithApproval(*store_, "t", *id, "1", "V").status().code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store_->Submit("enterprise", *id).ok());
  EXPECT_EQ(store_->Submit("enterprise", *id).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->GetApplication(*id)->state, ApplicationState::kSubmitted);
  auto dup = store_->CreateApplication("enterprise", Code(1), 2025, json{{"measure", "03"}});
  EXPECT_EQ(dup.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(dup.status().reason(), "application_exists");
  EXPECT_EQ(dup.status().params(), (ReasonParams{{"credit_code", Code(1)}, {"measure", "03"}, {"year", "2025"}}));
  // Which measures exist is the policy's (Engine::CheckClaim, before the
  // store): the store holds any policy's measure numbers, and only those.
  for (const char* malformed : {"", "3a", "03 ", "123456789", "0;3"}) {
    auto bad = store_->CreateApplication("e", Code(1), 2025, json{{"measure", malformed}});
    EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument) << malformed;
    EXPECT_EQ(bad.status().field(), "claim.measure") << malformed;
  }
  EXPECT_TRUE(store_->CreateApplication("e", Code(1), 2025, json{{"measure", "4"}}).ok())
      << "the second policy numbers its measures 1 to 7";

  // The state machine itself: exactly the lifecycle's edges.
  int edges = 0;
  for (int f = 0; f < 8; ++f) {
    for (int t = 0; t < 8; ++t) {
      edges += IsAllowedTransition(static_cast<ApplicationState>(f), static_cast<ApplicationState>(t)) ? 1 : 0;
    }
  }
  EXPECT_EQ(edges, 8);
}

TEST_P(StoreTest, ApplyFreeProposalsAreConfirmedBySubmitting) {
  ImportEnterprises(3);
  auto ids = store_->ProposeApplyFree("officer", 2025, "04", {Code(1), Code(2)});
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  ASSERT_EQ(ids->size(), 2u);
  const int64_t entries = AuditEntries();
  auto again = store_->ProposeApplyFree("officer", 2025, "04", {Code(1), Code(2), Code(3)});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->size(), 1u) << "only the enterprise without a proposal gets one";
  EXPECT_EQ(AuditEntries(), entries + 1);
  auto app = store_->GetApplication((*ids)[0]);
  EXPECT_EQ(app->state, ApplicationState::kDraft);
  EXPECT_EQ(app->claim, R"({"apply_free":true,"measure":"04"})");
  ASSERT_TRUE(store_->Submit("enterprise", (*ids)[0]).ok());
  EXPECT_EQ(store_->ProposeApplyFree("officer", 2025, "04a", {Code(1)}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->ProposeApplyFree("officer", 2025, "05", {Code(42)}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Count("application"), 3) << "a failed batch stores nothing";
}

// Propose works through a district a thousand enterprises at a time (one
// INSERT ... SELECT each on PostgreSQL): ids come back for exactly the
// enterprises that had no proposal, in their order, across the chunks.
TEST_P(StoreTest, ApplyFreeProposalsOfADistrictAreMadeAThousandAtATime) {
  ImportEnterprises(2100);
  ASSERT_TRUE(store_->ProposeApplyFree("officer", 2025, "05", {Code(5), Code(1500)}).ok());
  std::vector<std::string> codes;
  for (int i = 1; i <= 2100; ++i) codes.push_back(Code(i));
  codes.insert(codes.begin() + 1200, Code(7));  // listed twice: proposed once
  auto ids = store_->ProposeApplyFree("officer", 2025, "05", codes);
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  ASSERT_EQ(ids->size(), 2098u) << "all but the two proposed before";
  std::vector<std::string> expected;
  for (int i = 1; i <= 2100; ++i) {
    if (i != 5 && i != 1500) expected.push_back(Code(i));
  }
  for (size_t i = 0; i < ids->size(); ++i) {
    if (i > 0) {
      ASSERT_LT((*ids)[i - 1], (*ids)[i]);
    }
    auto app = store_->GetApplication((*ids)[i]);
    ASSERT_TRUE(app.ok()) << app.status().ToString();
    ASSERT_EQ(app->credit_code, expected[i]) << "id " << (*ids)[i];
    ASSERT_EQ(app->measure, "05");
  }
  // An unknown enterprise in the third thousand: nothing of the batch is stored.
  std::vector<std::string> with_unknown;
  for (int i = 1; i <= 2100; ++i) with_unknown.push_back(Code(i));
  with_unknown.push_back(Code(4242));
  EXPECT_EQ(store_->ProposeApplyFree("officer", 2026, "05", with_unknown).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Count("application WHERE year = 2026"), 0);
}

TEST_P(StoreTest, AnUpheldObjectionWithdrawsTheDecision) {
  ImportEnterprises(1);
  const std::string c = Code(1);
  auto id = store_->CreateApplication("enterprise", c, 2025, json{{"measure", "10"}});
  ASSERT_TRUE(store_->Submit("e", *id).ok());
  ASSERT_TRUE(store_->StartReview("o", *id, {"r"}).ok());
  ASSERT_TRUE(store_->SubmitReview("r", *id, json{{"q", 1}}, "100", "评审意见：同意。").ok());
  ASSERT_TRUE(store_->Decide("o", *id, {"sha256:x", CaseFor(c, 2025), OutputFor(c, 2025, "100.00", "10")}).ok());
  ASSERT_TRUE(store_->PublishNotice("o", *id, 9).ok());
  auto objection = store_->FileObjection("public", *id, "dataset is not original");
  ASSERT_TRUE(store_->ResolveObjection("o", *objection, true, "confirmed").ok());
  EXPECT_EQ(store_->GetApplication(*id)->state, ApplicationState::kInReview);
  EXPECT_FALSE(store_->DecisionInForce(*id)->has_value());
  ASSERT_TRUE(store_->Decide("o", *id, {"sha256:x", CaseFor(c, 2025), OutputFor(c, 2025, "0.00", "10")}).ok());
  EXPECT_EQ((*store_->DecisionInForce(*id))->total_fen, 0);
}

// --- D-G6 in the store, notice length, apply-free review ------------------------

// D-G6 scales each line of an award on its own. The lines are kept in the
// decision's row (migration 30) so that the budget reads no decision's
// output; a row decided before keeps none and is read from its output; a row
// whose lines were changed outside bursar is refused, and its seal names it.
TEST_P(StoreTest, TheBudgetScalesTheLinesKeptWithEachDecision) {
  ImportEnterprises(2);
  auto decided = [&](int n, const json& amounts, const std::string& total) {
    auto id = store_->CreateApplication("e", Code(n), 2025, json{{"measure", "03"}});
    EXPECT_TRUE(store_->Submit("e", *id).ok());
    EXPECT_TRUE(store_->StartReview("o", *id, {"r"}).ok());
    EXPECT_TRUE(store_->SubmitReview("r", *id, json{{"q", 1}}, total, "评审意见：同意。").ok());
    json output = json::parse(OutputFor(Code(n), 2025, total, "03"));
    output["awards"] = json::array();
    for (const json& amount : amounts) output["awards"].push_back({{"measure", "03"}, {"amount", amount}});
    output["awards"].push_back({{"measure", "04"}, {"item", "trading"}, {"amount", "999.00"}});
    auto d = store_->Decide("o", *id, {"sha256:x", CaseFor(Code(n), 2025), output.dump(2)});
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? *d : 0;
  };
  const int64_t two = decided(1, {"200.00", "100.01"}, "300.01"), one = decided(2, {"100.00"}, "100.00");
  auto lines = [&](int64_t decision) {
    auto r = store_->db().QueryOne("SELECT lines_fen FROM decision WHERE id = ?", {decision});
    return r.ok() && *r && !(*r)->IsNull(0) ? (*r)->Text(0) : std::string("NULL");
  };
  EXPECT_EQ(lines(two), "20000,10001") << "its own measure's lines, in order; not the 04 line";
  EXPECT_EQ(lines(one), "10000");
  ASSERT_TRUE(store_->SetBudget("o", 2025, "200").ok());
  // Committed 400.01 against 200.00: floor(20000·20000/40001) + floor(10001·20000/40001)
  // = 9999 + 5000, and floor(10000·20000/40001) = 4999; the sum of the two
  // lines scaled together would have been 14999 too, so the lines are checked one by one below.
  auto budget = store_->Budget(2025);
  ASSERT_TRUE(budget.ok()) << budget.status().ToString();
  EXPECT_EQ(budget->total.payable_fen, 9999 + 5000 + 4999);
  const int64_t app_two = (*store_->GetDecision(two)).application_id, app_one = (*store_->GetDecision(one)).application_id;
  EXPECT_EQ(*store_->PayableFen(app_two), 9999 + 5000);

  // A decision made before migration 30 has no lines: read from its output, the same.
  ASSERT_TRUE(store_->db().Execute("UPDATE decision SET lines_fen = NULL WHERE id = ?", {one}).ok());
  auto before = store_->Budget(2025);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_EQ(before->total.payable_fen, 9999 + 5000 + 4999);
  EXPECT_EQ(*store_->PayableFen(app_one), 4999);

  // Lines changed outside bursar: `audit verify` names the row by its seal,
  // whatever the change; the budget's read refuses lines that do not add up
  // to the decision's total rather than pay by them.
  ASSERT_TRUE(store_->db().Execute("UPDATE decision SET lines_fen = '20001,10000' WHERE id = ?", {two}).ok());
  auto v = store_->VerifyAudit();
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->ok);
  std::vector<std::string> named;
  for (const auto& row : v->rows) named.push_back(row.table + "." + row.field + " " + row.key);
  EXPECT_NE(std::find(named.begin(), named.end(), "decision.lines_fen " + std::to_string(two)), named.end())
      << v->problem;
  ASSERT_TRUE(store_->db().Execute("UPDATE decision SET lines_fen = '20000,10000' WHERE id = ?", {two}).ok());
  auto altered = store_->Budget(2025);
  ASSERT_FALSE(altered.ok());
  EXPECT_EQ(altered.status().code(), StatusCode::kInternal);
  EXPECT_NE(altered.status().message().find("decision " + std::to_string(two)), std::string::npos)
      << altered.status().message();
  EXPECT_FALSE(store_->PayableFen(app_two).ok());
}

TEST_P(StoreTest, BudgetScalingFollowsDG6AndPaymentsRespectIt) {
  ImportEnterprises(3);
  // Three decided applications of 2025: 300.00, 100.00 and 0.05 (lines of
  // their own measure; a 04 line in the same output is not theirs).
  auto decided = [&](int n, const std::string& amount) {
    auto id = store_->CreateApplication("e", Code(n), 2025, json{{"measure", "03"}});
    EXPECT_TRUE(store_->Submit("e", *id).ok());
    EXPECT_TRUE(store_->StartReview("o", *id, {"r"}).ok());
    EXPECT_TRUE(store_->SubmitReview("r", *id, json{{"q", 1}}, amount, "评审意见：同意。").ok());
    json output = json::parse(OutputFor(Code(n), 2025, amount, "03"));
    output["awards"].push_back({{"measure", "04"}, {"item", "trading"}, {"amount", "999.00"}});
    auto d = store_->Decide("o", *id, {"sha256:x", CaseFor(Code(n), 2025), output.dump(2)});
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return *id;
  };
  const int64_t a = decided(1, "300.00"), b = decided(2, "100.00"), c = decided(3, "0.05");
  EXPECT_EQ((*store_->DecisionInForce(a))->total_fen, 30000) << "the application's total is its own measure's lines";
  EXPECT_EQ((*store_->DecisionInForce(c))->total_fen, 5);
  auto within = store_->Budget(2025);
  ASSERT_TRUE(within.ok());
  EXPECT_FALSE(within->scaled) << "no budget set: nothing to scale";
  EXPECT_EQ(within->total.payable_fen, 40005);

  ASSERT_TRUE(store_->SetBudget("o", 2025, "200").ok());
  auto scaled = store_->Budget(2025);
  ASSERT_TRUE(scaled.ok());
  EXPECT_TRUE(scaled->scaled);
  EXPECT_EQ(scaled->factor, "4000/8001");  // 20000 / 40005
  EXPECT_EQ(scaled->total.committed_fen, 40005);
  // floor(30000·20000/40005) = 14998, floor(10000·20000/40005) = 4999, floor(5·20000/40005) = 2.
  EXPECT_EQ(*store_->PayableFen(a), 14998);
  EXPECT_EQ(*store_->PayableFen(b), 4999);
  EXPECT_EQ(*store_->PayableFen(c), 2);
  EXPECT_EQ(scaled->total.payable_fen, 14998 + 4999 + 2);
  EXPECT_LE(scaled->total.payable_fen, 20000);

  ASSERT_TRUE(store_->PublishNotice("o", a, 7).ok());
  AtBeijingNoon("2025-06-09");
  ASSERT_TRUE(store_->Finalise("o", a).ok());
  auto over = PayWithApproval(*store_, "t", a, "149.99", "V-1");
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.status().message().find("payable 149.98"), std::string::npos) << over.status().message();
  ASSERT_TRUE(PayWithApproval(*store_, "t", a, "100", "V-1").ok());
  ASSERT_TRUE(PayWithApproval(*store_, "t", a, "49.98", "V-2").ok());
  EXPECT_EQ(store_->GetApplication(a)->state, ApplicationState::kPaid) << "paid at the scaled amount";
  // Later years' multi-year limits count the award as granted: scaled.
  auto history = store_->History(Code(1), 2026);
  ASSERT_TRUE(history.ok()) << history.status().ToString();
  ASSERT_EQ(history->size(), 1u) << history->dump();
  EXPECT_EQ((*history)[0]["measure"], "03");
  EXPECT_EQ((*history)[0]["amount"], "149.98");

  // Payments have begun: the factor may not fall any more.
  EXPECT_EQ(store_->SetBudget("o", 2025, "150").code(), StatusCode::kFailedPrecondition);
  auto more = store_->CreateApplication("e", Code(3), 2025, json{{"measure", "10"}});
  ASSERT_TRUE(store_->Submit("e", *more).ok());
  ASSERT_TRUE(store_->StartReview("o", *more, {"r"}).ok());
  ASSERT_TRUE(store_->SubmitReview("r", *more, json{{"q", 1}}, "1", "评审意见：同意。").ok());
  auto refused = store_->Decide("o", *more, {"sha256:x", CaseFor(Code(3), 2025), OutputFor(Code(3), 2025, "1.00", "10")});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("raise the budget"), std::string::npos) << refused.status().message();
  EXPECT_EQ(refused.status().reason(), "budget_exceeded");
  EXPECT_EQ(refused.status().params()[2], (std::pair<std::string, std::string>{"amount", "1.00"}));
  // A budget that covers everything lifts the scaling, and the decision goes in.
  ASSERT_TRUE(store_->SetBudget("o", 2025, "1000").ok());
  ASSERT_TRUE(
      store_->Decide("o", *more, {"sha256:x", CaseFor(Code(3), 2025), OutputFor(Code(3), 2025, "1.00", "10")}).ok());
  auto after = store_->Budget(2025);
  EXPECT_FALSE(after->scaled);
  EXPECT_EQ(after->factor, "1");
  EXPECT_EQ(*store_->PayableFen(b), 10000);
  EXPECT_EQ(after->total.paid_fen, 14998);
  EXPECT_EQ((*store_->History(Code(1), 2026))[0]["amount"], "300.00") << "no longer scaled: the decided amount";
  ExpectChainOk();
}

TEST_P(StoreTest, TheNoticeRunsForItsLengthAndApplyFreeNeedsNoReviewer) {
  EXPECT_EQ(AddDays("2025-06-01", 7), "2025-06-08");
  EXPECT_EQ(AddDays("2024-02-25", 5), "2024-03-01");  // leap year
  EXPECT_EQ(AddDays("2025-02-25", 5), "2025-03-02");
  EXPECT_EQ(AddDays("2025-12-29", 7), "2026-01-05");
  EXPECT_EQ(AddDays("2025-13-01", 1), "");
  ImportEnterprises(1);
  auto ids = store_->ProposeApplyFree("officer", 2025, "04", {Code(1)});
  ASSERT_TRUE(ids.ok());
  const int64_t id = (*ids)[0];
  ASSERT_TRUE(store_->Submit("enterprise", id).ok());
  ASSERT_TRUE(store_->StartReview("officer", id, {}).ok()) << "apply-free: decided from evidence, no reviewer";
  auto other = store_->CreateApplication("enterprise", Code(1), 2025, json{{"measure", "03"}});
  ASSERT_TRUE(store_->Submit("enterprise", *other).ok());
  EXPECT_EQ(store_->StartReview("officer", *other, {}).code(), StatusCode::kInvalidArgument);
  auto ready = store_->ReadyForDecision(2025);
  ASSERT_TRUE(ready.ok());
  EXPECT_EQ(*ready, std::vector<int64_t>{id});
  ASSERT_TRUE(store_->Decide("o", id, {"sha256:x", CaseFor(Code(1), 2025), OutputFor(Code(1), 2025, "5.00", "04")})
                  .ok());
  EXPECT_EQ(store_->PublishNotice("o", id, 0).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(store_->PublishNotice("o", id, 7).ok());
  EXPECT_EQ(store_->GetApplication(id)->notice_until, "2025-06-08") << "the fixed clock's 2025-06-01 + 7 days";
  AtBeijingNoon("2025-06-08");
  EXPECT_EQ(store_->Finalise("o", id).code(), StatusCode::kFailedPrecondition);
  AtBeijingNoon("2025-06-09");
  EXPECT_TRUE(store_->Finalise("o", id).ok());
}

// D-G9: every procedural date is the store's own calendar day in Beijing. The
// notice runs notice_days full days from the day after publication, counted
// in Beijing (16:00 UTC is already the next day there); finalisation is from
// the day after its last day; a payment is dated the day it is recorded, and
// a clock set back before the day the application became final is refused.
TEST_P(StoreTest, ProceduralDatesAreTheStoresBeijingCalendarDay) {
  EXPECT_EQ(BeijingDate("2025-06-01T15:59:59.999Z"), "2025-06-01");
  EXPECT_EQ(BeijingDate("2025-06-01T16:00:00.000Z"), "2025-06-02");
  EXPECT_EQ(BeijingDate("2025-12-31T20:00:00Z"), "2026-01-01");
  EXPECT_EQ(BeijingDate("yesterday"), "");
  ImportEnterprises(1);
  auto ids = store_->ProposeApplyFree("officer", 2025, "04", {Code(1)});
  ASSERT_TRUE(ids.ok());
  const int64_t id = (*ids)[0];
  ASSERT_TRUE(store_->Submit("enterprise", id).ok());
  ASSERT_TRUE(store_->StartReview("officer", id, {}).ok());
  ASSERT_TRUE(store_->Decide("o", id, {"sha256:x", CaseFor(Code(1), 2025), OutputFor(Code(1), 2025, "5.00", "04")})
                  .ok());
  // 23:30 in Beijing on 1 June is 15:30 UTC; 00:30 on 2 June is 16:30 UTC.
  *now_ = "2025-06-01T16:30:00.000Z";
  ASSERT_TRUE(store_->PublishNotice("o", id, 7).ok());
  EXPECT_EQ(store_->GetApplication(id)->notice_until, "2025-06-09") << "published on 2 June in Beijing";
  auto published = store_->db().QueryOne("SELECT notice_published_on FROM application WHERE id = ?", {id});
  ASSERT_TRUE(published.ok() && *published);
  EXPECT_EQ((*published)->Text(0), "2025-06-02");
  *now_ = "2025-06-09T15:59:00.000Z";  // 23:59 on 9 June in Beijing: the notice's last day
  auto early = store_->Finalise("o", id);
  EXPECT_EQ(early.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(early.message().find("runs until 2025-06-09"), std::string::npos) << early.message();
  *now_ = "2025-06-09T16:00:00.000Z";  // midnight: 10 June in Beijing
  ASSERT_TRUE(store_->Finalise("o", id).ok());
  auto audit = store_->ListAuditNewestFirst(1, 0);
  ASSERT_TRUE(audit.ok() && !audit->items.empty());
  EXPECT_EQ(json::parse(audit->items[0].change)["on"], "2025-06-10") << "the audit records the server's date";
  // A clock set back before finalisation cannot date a payment before it.
  AtBeijingNoon("2025-06-05");
  // (The order is recorded; its approval would date the payment.)
  auto order = store_->RecordPayment("t", id, "1.00", "V-1");
  ASSERT_TRUE(order.ok()) << order.status().ToString();
  auto backdated = store_->ApprovePayment("t2", order->order);
  EXPECT_EQ(backdated.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(backdated.status().message().find("became final on 2025-06-10"), std::string::npos)
      << backdated.status().message();
  AtBeijingNoon("2025-06-11");
  ASSERT_TRUE(store_->ApprovePayment("t2", order->order).ok());
  EXPECT_EQ((*store_->Payments(id))[0].paid_on, "2025-06-11");
}

// Separation of duties in the store (issue 14), whatever the caller: the
// account that decided may not record or approve the payment; an order above
// the office's threshold is paid only by a second account's approval, once;
// pending orders count against what is left to pay; a voucher number is kept
// trimmed and upper case and pays once in the year.
// Separation of duties (S8, issue 14): the officer who verified an
// enterprise's declared evidence does not also decide its application;
// another officer does.
TEST_P(StoreTest, TheOfficerWhoVerifiedADeclarationDoesNotDecideOnIt) {
  ImportEnterprises(2);
  auto filing = testing::ImportAs(*store_, *database_, EvidenceKind::kFilings, "f.csv",
                                  "credit_code,filing_id,date,amount\n" + Code(1) + ",F1,2025-03-01,100.00\n",
                                  "applicant-1", true);
  ASSERT_TRUE(filing.ok() && filing->inserted == 1);
  ASSERT_TRUE(store_->VerifyEvidence("olga", EvidenceKind::kFilings,
                                     json::array({{{"credit_code", Code(1)}, {"filing_id", "F1"}}}))
                  .ok());
  std::vector<int64_t> ids;
  for (int n : {1, 2}) {
    auto proposed = store_->ProposeApplyFree("officer", 2025, "04", {Code(n)});
    ASSERT_TRUE(proposed.ok());
    ids.push_back((*proposed)[0]);
    ASSERT_TRUE(store_->Submit("enterprise", ids.back()).ok());
    ASSERT_TRUE(store_->StartReview("officer", ids.back(), {}).ok());
  }
  const int64_t entries = AuditEntries();
  auto refused = store_->Decide("olga", ids[0], {"sha256:x", CaseFor(Code(1), 2025), OutputFor(Code(1), 2025, "10.00", "04")});
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(refused.status().message().find("separation of duties: olga verified declared filing evidence of " + Code(1)),
            std::string::npos)
      << refused.status().message();
  EXPECT_EQ(AuditEntries(), entries) << "nothing written";
  // olga decides the other enterprise's application; another officer decides the first.
  EXPECT_TRUE(
      store_->Decide("olga", ids[1], {"sha256:x", CaseFor(Code(2), 2025), OutputFor(Code(2), 2025, "10.00", "04")}).ok());
  EXPECT_TRUE(
      store_->Decide("pavel", ids[0], {"sha256:x", CaseFor(Code(1), 2025), OutputFor(Code(1), 2025, "10.00", "04")}).ok());
}

TEST_P(StoreTest, NoOneAccountMovesMoneyAlone) {
  ImportEnterprises(2);
  std::vector<int64_t> ids;
  for (int n : {1, 2}) {
    auto proposed = store_->ProposeApplyFree("officer", 2025, "04", {Code(n)});
    ASSERT_TRUE(proposed.ok());
    const int64_t id = (*proposed)[0];
    ASSERT_TRUE(store_->Submit("enterprise", id).ok());
    ASSERT_TRUE(store_->StartReview("officer", id, {}).ok());
    ASSERT_TRUE(
        store_->Decide("olga", id, {"sha256:x", CaseFor(Code(n), 2025), OutputFor(Code(n), 2025, "10.00", "04")}).ok());
    AtBeijingNoon("2025-06-01");
    ASSERT_TRUE(store_->PublishNotice("olga", id, 7).ok());
    AtBeijingNoon("2025-06-09");
    ASSERT_TRUE(store_->Finalise("olga", id).ok());
    ids.push_back(id);
  }
  const int64_t a = ids[0], b = ids[1];
  auto decider = store_->RecordPayment("olga", a, "1.00", "V-1");
  EXPECT_EQ(decider.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(decider.status().message().find("separation of duties: olga decided"), std::string::npos)
      << decider.status().message();
  EXPECT_EQ(store_->RecordPayment("f1", a, "1.00", "V 1").status().field(), "reference") << "no spaces inside";

  auto order = store_->RecordPayment("f1", a, "4.00", " v-1 ");
  ASSERT_TRUE(order.ok()) << order.status().ToString();
  EXPECT_EQ(order->instalment, 0) << "every payment is an order by default (threshold 0.00)";
  ASSERT_GT(order->order, 0);
  EXPECT_TRUE(store_->Payments(a)->empty());
  EXPECT_EQ(store_->RecordPayment("f2", a, "6.01", "V-2").status().code(), StatusCode::kFailedPrecondition)
      << "4.00 pending and 6.01 more pass the 10.00 decided";
  EXPECT_EQ(store_->RecordPayment("f2", b, "1.00", "v-1").status().code(), StatusCode::kAlreadyExists)
      << "the voucher is on a pending order of another application of the year";
  EXPECT_EQ(store_->ApprovePayment("f1", order->order).status().code(), StatusCode::kPermissionDenied)
      << "the recorder does not approve its own order";
  EXPECT_EQ(store_->ApprovePayment("olga", order->order).status().code(), StatusCode::kPermissionDenied)
      << "nor does the decider";
  auto paid = store_->ApprovePayment("f2", order->order);
  ASSERT_TRUE(paid.ok()) << paid.status().ToString();
  EXPECT_EQ(paid->instalment, 1);
  EXPECT_EQ(store_->ApprovePayment("f3", order->order).status().code(), StatusCode::kFailedPrecondition)
      << "an order is paid once";
  auto payments = store_->Payments(a);
  ASSERT_EQ(payments->size(), 1u);
  EXPECT_EQ((*payments)[0].reference, "V-1");
  EXPECT_EQ(store_->RecordPayment("f2", b, "1.00", "V-1").status().code(), StatusCode::kAlreadyExists)
      << "one voucher, one payment in the year";

  auto refused = store_->RecordPayment("f1", a, "6.00", "V-3");
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(store_->RejectPayment("f1", refused->order, "wrong account").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(store_->RejectPayment("f2", refused->order, "").code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(store_->RejectPayment("f2", refused->order, "wrong account").ok());
  auto orders = store_->PaymentOrders("rejected", a);
  ASSERT_EQ(orders->size(), 1u);
  EXPECT_EQ((*orders)[0].reason, "wrong account");
  EXPECT_EQ((*orders)[0].decided_by, "f2");

  // The office raises the threshold: one account pays at once, still not the decider.
  EXPECT_EQ(store_->SetDocumentSetting("admin", kPaymentApprovalSetting, "ten").field(), "value");
  ASSERT_TRUE(store_->SetDocumentSetting("admin", kPaymentApprovalSetting, "100.00").ok());
  EXPECT_EQ(store_->RecordPayment("olga", a, "6.00", "V-4").status().code(), StatusCode::kPermissionDenied);
  auto rest = store_->RecordPayment("f1", a, "6.00", "V-4");
  ASSERT_TRUE(rest.ok()) << rest.status().ToString();
  EXPECT_EQ(rest->instalment, 2);
  EXPECT_TRUE(rest->paid_in_full);
  EXPECT_EQ(store_->GetApplication(a)->state, ApplicationState::kPaid);
  auto rows = store_->db().Query("SELECT recorded_by, approved_by FROM payment WHERE application_id = ? ORDER BY instalment",
                                 {a});
  ASSERT_TRUE(rows.ok() && rows->size() == 2u);
  EXPECT_EQ((*rows)[0].Text(0), "f1");
  EXPECT_EQ((*rows)[0].Text(1), "f2");
  EXPECT_TRUE((*rows)[1].IsNull(1));
}

// --- Two admins ----------------------------------------------------------------

// Issue 14: one admin could make two finance accounts, or reset the
// passwords of two, and pay alone. A privileged grant or reset waits for a
// second admin.
TEST_P(StoreTest, PrivilegedGrantsAndResetsWaitForASecondAdmin) {
  ImportEnterprises(1);
  const std::string hash = HashPassword("a long enough passphrase").value();
  auto asked = store_->RequestAccountChange("admin-a", "grant", "Caiwu-Xu", Role::kFinance, "", hash);
  ASSERT_TRUE(asked.ok()) << asked.status().ToString();
  EXPECT_EQ(asked->state, "pending");
  EXPECT_EQ(asked->username, "caiwu-xu") << "the username rule applies when asked";
  EXPECT_EQ(store_->GetAccount("caiwu-xu").status().code(), StatusCode::kNotFound) << "nothing until approved";
  EXPECT_EQ(store_->RequestAccountChange("admin-b", "grant", "caiwu-xu", Role::kOfficer, "", hash).status().code(),
            StatusCode::kAlreadyExists)
      << "one request per username at a time";
  EXPECT_EQ(store_->ApproveAccountChange("admin-a", asked->id).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(store_->RejectAccountChange("admin-a", asked->id, "changed my mind").status().code(),
            StatusCode::kPermissionDenied);
  auto approved = store_->ApproveAccountChange("admin-b", asked->id);
  ASSERT_TRUE(approved.ok()) << approved.status().ToString();
  EXPECT_EQ(approved->state, "approved");
  EXPECT_EQ(approved->decided_by, "admin-b");
  auto account = store_->GetAccount("caiwu-xu");
  ASSERT_TRUE(account.ok());
  EXPECT_EQ(account->role, Role::kFinance);
  EXPECT_EQ(store_->ApproveAccountChange("admin-c", asked->id).status().code(), StatusCode::kFailedPrecondition);
  auto entry = store_->db().QueryOne("SELECT actor, change FROM audit_log ORDER BY seq DESC LIMIT 1");
  ASSERT_TRUE(entry.ok() && *entry);
  EXPECT_EQ((*entry)->Text(0), "admin-b");
  EXPECT_NE((*entry)->Text(1).find("\"requested_by\":\"admin-a\""), std::string::npos) << (*entry)->Text(1);
  EXPECT_EQ((*entry)->Text(1).find(hash), std::string::npos) << "no hash in the audit log";

  // A reset of the privileged account: the old password holds until a second
  // admin approves; a rejection changes nothing and says why.
  const std::string changed_at = account->password_changed_at;
  const std::string other = HashPassword("another long passphrase").value();
  auto reset = store_->RequestAccountChange("admin-a", "password", "caiwu-xu", Role::kApplicant, "", other);
  ASSERT_TRUE(reset.ok()) << reset.status().ToString();
  EXPECT_EQ(reset->role, "finance") << "the account's own role, whatever the caller said";
  EXPECT_EQ(store_->RejectAccountChange("admin-b", reset->id, "").status().code(), StatusCode::kInvalidArgument);
  auto rejected = store_->RejectAccountChange("admin-b", reset->id, "not asked for by its holder");
  ASSERT_TRUE(rejected.ok()) << rejected.status().ToString();
  EXPECT_EQ(rejected->state, "rejected");
  EXPECT_EQ(store_->GetAccount("caiwu-xu")->password_changed_at, changed_at);
  EXPECT_EQ(store_->RequestAccountChange("admin-a", "password", "nobody-here", Role::kFinance, "", other)
                .status()
                .code(),
            StatusCode::kNotFound);
  auto pending = store_->AccountChanges("pending");
  ASSERT_TRUE(pending.ok());
  EXPECT_TRUE(pending->empty());
  auto all = store_->AccountChanges("");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);
  ExpectChainOk();
  auto rows = ReconcileSeals(store_->db());
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->disagreeing, 0) << "the requests are sealed like every state table";
  // A database administrator who approves by hand is named.
  ASSERT_TRUE(store_->db().Execute("UPDATE account_change SET state = 'approved', decided_by = 'dba' WHERE id = ?",
                                   {reset->id})
                  .ok());
  auto after = ReconcileSeals(store_->db());
  ASSERT_TRUE(after.ok());
  ASSERT_GE(after->rows.size(), 1u);
  EXPECT_EQ(after->rows[0].table, "account_change");
}

// --- Evidence of platform operation (measure 02) ------------------------------

TEST_P(StoreTest, PlatformEvidenceDerivesPlatformInOperation) {
  ImportEnterprises(3);
  const std::string csv = "credit_code,platform_id,name,completed_date,operation_start,operation_end\n" + Code(1) +
                          ",PF-1,Trusted data space,2024-03-01,2024-05-01,\n" + Code(2) +
                          ",PF-2,Old exchange,2020-01-01,2020-02-01,2024-12-31\n" + Code(3) +
                          ",PF-3,Early,2025-03-01,2025-02-01,\n" + Code(3) +
                          ",PF-4,Backwards,2025-01-01,2025-02-01,2025-01-15\n";
  auto r = Import(EvidenceKind::kPlatforms, "platforms.csv", csv);
  EXPECT_EQ(r.inserted, 2);
  ASSERT_EQ(r.rejected.size(), 2u);
  EXPECT_EQ(r.rejected[0].line, 4);
  EXPECT_EQ(r.rejected[0].field, "operation_start");
  EXPECT_EQ(r.rejected[1].field, "operation_end");
  auto again = Import(EvidenceKind::kPlatforms, "platforms.csv", csv);
  EXPECT_EQ(again.inserted, 0);
  EXPECT_EQ(again.unchanged, 2);

  auto one = store_->DeriveFacts(Code(1), 2025);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->facts["platform_in_operation"], true);
  EXPECT_EQ(one->explanation["platform_in_operation"]["rows"][0]["platform_id"], "PF-1");
  EXPECT_EQ(store_->DeriveFacts(Code(1), 2023)->facts["platform_in_operation"], false) << "not yet in operation";
  EXPECT_EQ(store_->DeriveFacts(Code(2), 2024)->facts["platform_in_operation"], true);
  auto ended = store_->DeriveFacts(Code(2), 2025);
  EXPECT_EQ(ended->facts["platform_in_operation"], false);
  EXPECT_EQ(ended->explanation["platform_in_operation"]["excluded"][0]["why_excluded"], "operation ended before 2025-01-01");
  EXPECT_EQ(store_->DeriveFacts(Code(3), 2025)->facts["platform_in_operation"], false);
  ExpectChainOk();
}

// --- Concurrency ----------------------------------------------------------------

TEST_P(StoreTest, ConcurrentWritersKeepOneUnbrokenChain) {
  // Two connections (as two processes would) write at once; the lock on the
  // audit head serialises them, so no seq is taken twice and the chain holds.
  const int64_t before = AuditEntries();
  constexpr int kWrites = 40;
  auto writer = [&](int64_t first_year, Status* result) {
    auto s = Store::Open(database_->url());
    if (!s.ok()) {
      *result = s.status();
      return;
    }
    for (int i = 0; i < kWrites; ++i) {
      Status st = (*s)->SetBudget("officer", first_year + i, "100");
      if (!st.ok()) {
        *result = st;
        return;
      }
    }
  };
  Status a, b;
  std::thread t1(writer, 2100, &a), t2(writer, 2200, &b);
  t1.join();
  t2.join();
  ASSERT_TRUE(a.ok()) << a.ToString();
  ASSERT_TRUE(b.ok()) << b.ToString();
  EXPECT_EQ(AuditEntries(), before + 2 * kWrites);
  EXPECT_EQ(Count("budget"), 2 * kWrites);
  ExpectChainOk();
}

// --- No data lost -------------------------------------------------------------

TEST_P(StoreTest, SigkillDuringAnImportLeavesAllOrNothing) {
  ImportEnterprises(10);
  std::string csv = "credit_code,exchange,trade_id,date,side,amount,legally_established\n";
  constexpr int kRows = 50000;
  for (int i = 0; i < kRows; ++i) {
    csv += Code(1 + i % 10) + ",BJIDE,T" + std::to_string(i) + ",2025-05-05,seller,1.00,true\n";
  }
  const std::string path = database_->WriteFile("big.csv", csv);
  const int64_t entries_before = AuditEntries();

  // The child imports; half way through the file it tells the parent and
  // waits; the parent kills it there, mid-transaction, with rows written.
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const std::string url = database_->url();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(ready[0]);
    auto s = Store::Open(url);
    if (!s.ok()) _exit(3);
    ImportOptions options;
    options.progress_every = kRows / 2;
    options.progress = [&](int64_t) {
      const char byte = 'x';
      if (write(ready[1], &byte, 1) != 1) _exit(4);
      pause();  // until SIGKILL
    };
    (void)(*s)->Import(EvidenceKind::kTrades, path, options);
    _exit(5);
  }
  close(ready[1]);
  char byte = 0;
  ASSERT_EQ(read(ready[0], &byte, 1), 1) << "the child died before reaching the middle of the import";
  close(ready[0]);
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));

  // Reopen as a new process would: none of it, and the chain verifies.
  store_.reset();
  auto reopened = Store::Open(url);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  store_ = std::move(*reopened);
  EXPECT_EQ(Count("trade"), 0);
  EXPECT_EQ(AuditEntries(), entries_before);
  ExpectChainOk();

  // The same import, uninterrupted: all of it.
  ImportOptions options;
  auto r = store_->Import(EvidenceKind::kTrades, path, options);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Count("trade"), kRows);
  EXPECT_EQ(AuditEntries(), entries_before + 1);
  ExpectChainOk();
}

TEST_P(StoreTest, SigkillDuringADecisionRunKeepsWholeDecisionsOnly) {
  // A decision run as `bursar decide` makes it: the real engine on cases the
  // store builds, one transaction per decision.
  auto engine = Engine::Load(std::string(BURSAR_SOURCE_DIR) + "/policies/chaoyang-data-element");
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  const Engine& e = **engine;
  auto decide = [&](const std::string& /*policy*/, const std::string& case_text) -> Result<DecisionInput> {
    BURSAR_ASSIGN_OR_RETURN(std::string output, e.EvaluateText(case_text));
    return DecisionInput{e.digest(), case_text, std::move(output)};
  };
  constexpr int kApplications = 40, kKillAt = 17;
  ImportEnterprises(kApplications);
  for (int n = 1; n <= kApplications; ++n) {
    auto id = store_->CreateApplication(Code(n), Code(n), 2025, json{{"measure", "03"}, {"assessed", "1000000"}});
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    ASSERT_TRUE(store_->Submit(Code(n), *id).ok());
    ASSERT_TRUE(store_->StartReview("officer", *id, {"rev-a", "rev-b"}).ok());
    ASSERT_TRUE(store_->SubmitReview("rev-a", *id, json{{"quality", 80}}, "800000", "评审意见：同意。").ok());
    ASSERT_TRUE(store_->SubmitReview("rev-b", *id, json{{"quality", 70}}, "700000.01", "评审意见：同意。").ok());
  }
  auto ready = store_->ReadyForDecision(2025);
  ASSERT_TRUE(ready.ok());
  ASSERT_EQ(ready->size(), static_cast<size_t>(kApplications));
  const int64_t entries_before = AuditEntries();

  // The child decides; inside the transaction of its kKillAt-th decision,
  // with the decision row written and the application moved to decided, it
  // tells the parent and waits to be killed.
  int ready_pipe[2];
  ASSERT_EQ(pipe(ready_pipe), 0);
  const std::string url = database_->url();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(ready_pipe[0]);
    auto s = Store::Open(url);
    if (!s.ok()) _exit(3);
    auto ids = (*s)->ReadyForDecision(2025);
    if (!ids.ok()) _exit(4);
    int count = 0;
    for (int64_t id : *ids) {
      auto d = (*s)->DecideFromStore("officer", id, decide, [&] {
        if (++count == kKillAt) {
          const char byte = 'x';
          if (write(ready_pipe[1], &byte, 1) != 1) _exit(5);
          pause();  // until SIGKILL
        }
      });
      if (!d.ok()) _exit(6);
    }
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

  // Each application holds all of its decision or none of it: decided with
  // exactly one decision in force and one audit entry, or still in review
  // with no decision. The killed one is among the latter.
  store_.reset();
  auto reopened = Store::Open(url);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  store_ = std::move(*reopened);
  auto check_all_or_nothing = [&](int64_t expect_decided) {
    int64_t decided = 0;
    for (int64_t id : *ready) {
      auto app = store_->GetApplication(id);
      ASSERT_TRUE(app.ok());
      auto in_force = store_->DecisionInForce(id);
      ASSERT_TRUE(in_force.ok());
      auto n = store_->db().QueryOne("SELECT COUNT(*) FROM decision WHERE application_id = ?", {id});
      if (app->state == ApplicationState::kDecided) {
        ++decided;
        ASSERT_TRUE(in_force->has_value()) << "application " << id;
        EXPECT_EQ((*n)->Int(0), 1) << "application " << id;
        EXPECT_EQ((*in_force)->total_fen, 75000000) << "the mean of 800000 and 700000.01, rounded down";
        // The stored decision replays byte for byte.
        auto again = e.EvaluateText((*in_force)->case_json);
        ASSERT_TRUE(again.ok());
        EXPECT_EQ(*again, (*in_force)->output_json);
      } else {
        EXPECT_EQ(app->state, ApplicationState::kInReview) << "application " << id;
        EXPECT_EQ((*n)->Int(0), 0) << "application " << id;
      }
    }
    EXPECT_EQ(decided, expect_decided);
    EXPECT_EQ(Count("decision"), expect_decided);
    EXPECT_EQ(AuditEntries(), entries_before + expect_decided);
    ExpectChainOk();
  };
  check_all_or_nothing(kKillAt - 1);

  // Running again decides the rest.
  auto rest = store_->ReadyForDecision(2025);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(rest->size(), static_cast<size_t>(kApplications - kKillAt + 1));
  for (int64_t id : *rest) ASSERT_TRUE(store_->DecideFromStore("officer", id, decide).ok());
  check_all_or_nothing(kApplications);
}

// --- Official documents (documents.cc) -----------------------------------------

TEST_P(StoreTest, DocumentNumbersAreIssuedOncePerSubjectInOneSequencePerKindAndYear) {
  const int64_t before = AuditEntries();
  auto first = store_->IssueDocument("officer", DocumentKind::kDecision, 2025, "7");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->seq, 1);
  EXPECT_EQ(first->number, "朝数决〔2025〕1号");
  EXPECT_EQ(first->issued_by, "officer");
  EXPECT_EQ(first->issued_on.size(), 10u);
  EXPECT_EQ(AuditEntries(), before + 1);
  // The same subject again: the same record, nothing written.
  auto again = store_->IssueDocument("auditor", DocumentKind::kDecision, 2025, "7");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->number, first->number);
  EXPECT_EQ(again->issued_by, "officer");
  EXPECT_EQ(AuditEntries(), before + 1);
  // The next subject takes the next number; another kind and another year
  // have their own sequences.
  EXPECT_EQ(store_->IssueDocument("officer", DocumentKind::kDecision, 2025, "9")->number, "朝数决〔2025〕2号");
  EXPECT_EQ(store_->IssueDocument("officer", DocumentKind::kNotice, 2025, "2025/2025-07-08")->number, "朝数公〔2025〕1号");
  EXPECT_EQ(store_->IssueDocument("officer", DocumentKind::kDecision, 2026, "12")->number, "朝数决〔2026〕1号");
  // A new pattern applies to numbers issued after it; issued ones keep their text.
  ASSERT_TRUE(store_->SetDocumentSetting("admin", "number.decision", "京朝数字〔{year}〕第{n}号").ok());
  EXPECT_EQ(store_->IssueDocument("officer", DocumentKind::kDecision, 2025, "10")->number, "京朝数字〔2025〕第3号");
  EXPECT_EQ(store_->IssueDocument("officer", DocumentKind::kDecision, 2025, "7")->number, "朝数决〔2025〕1号");
  EXPECT_EQ(Count("document"), 5);
  auto settings = store_->DocumentSettings();
  ASSERT_TRUE(settings.ok());
  bool found = false;
  for (const auto& s : *settings) {
    if (s.key == "number.decision") {
      found = true;
      EXPECT_FALSE(s.is_default);
      EXPECT_EQ(s.value, "京朝数字〔{year}〕第{n}号");
    }
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(store_->SetDocumentSetting("admin", "number.notice", "no sequence").field(), "value");
  EXPECT_EQ(store_->SetDocumentSetting("admin", "colour", "red").field(), "key");
  EXPECT_EQ(store_->SetDocumentSetting("admin", "issuer", "a\nb").field(), "value");
  ExpectChainOk();
}

TEST_P(StoreTest, ConcurrentIssuersOfOneSubjectGetOneNumber) {
  // Two stores on one database (two server processes) issue the same letter
  // and another one at once: one number per subject, no number twice.
  OpenOptions options;
  options.clock = testing::FixedClock;
  auto other = Store::Open(database_->url(), options);
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  std::vector<std::string> a, b;
  std::thread t([&] {
    for (int i = 0; i < 20; ++i) {
      auto d = (*other)->IssueDocument("two", DocumentKind::kDecision, 2025, std::to_string(i));
      a.push_back(d.ok() ? d->number : d.status().ToString());
    }
  });
  for (int i = 0; i < 20; ++i) {
    auto d = store_->IssueDocument("one", DocumentKind::kDecision, 2025, std::to_string(i));
    b.push_back(d.ok() ? d->number : d.status().ToString());
  }
  t.join();
  EXPECT_EQ(a, b) << "each subject has one number whoever issued it first";
  EXPECT_EQ(Count("document"), 20);
  std::set<std::string> distinct(a.begin(), a.end());
  EXPECT_EQ(distinct.size(), 20u);
  ExpectChainOk();
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
}  // namespace bursar::store
