// Row seals (store/seal.h, issue 14 point 4): every write of the programme
// leaves the state tables reconciled with the audit chain, and every edit a
// database administrator makes outside bursar — a changed field, a deleted
// row, an inserted row, an altered seal — is named by VerifyAudit, on SQLite
// and on a real PostgreSQL.
#include <gtest/gtest.h>

#include <set>

#include "store/digest.h"
#include "store/evidence_seal.h"
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

using testing::CaseFor;
using testing::OutputFor;

class SealTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database_ = std::make_unique<TestDatabase>(GetParam());
    ASSERT_TRUE(database_->Create());
    Open(0);
  }
  void TearDown() override {
    store_.reset();
    database_.reset();
  }

  // Opens the store and migrates it to `version` (0: all).
  void Open(int version) {
    OpenOptions options;
    options.create = true;
    options.allow_pending = true;
    *now_ = testing::FixedClock();
    options.clock = [now = now_] { return *now; };
    options.credential_key = std::string(32, 'k');  // sessions and tokens need the server secret's key
    auto s = Store::Open(database_->url(), options);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    auto n = store_->Migrate("test", version);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
  }

  void ImportEnterprises(int n) {
    std::string csv =
        "credit_code,name,registered_in_chaoyang,taxed_in_chaoyang,independent_legal_person,"
        "serious_dishonesty_record,tags\n";
    for (int i = 1; i <= n; ++i) {
      csv += Code(i) + ",Enterprise " + std::to_string(i) + ",true,true,true,false,data_vendor\n";
    }
    ImportOptions options;
    options.actor = "bureau";
    auto r = store_->Import(EvidenceKind::kEnterprises, database_->WriteFile("enterprises.csv", csv), options);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  // An application of enterprise 1 decided at 5,000,000.00, published,
  // final and paid in full; and a second one paid and partly recovered.
  // Returns the first's id.
  int64_t PaidApplication() {
    const std::string c = Code(1);
    auto id = store_->CreateApplication("enterprise", c, 2024, json{{"measure", "03"}, {"assessed", "5000000"}});
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    EXPECT_TRUE(store_->Submit("enterprise", *id).ok());
    EXPECT_TRUE(store_->StartReview("officer", *id, {"rev-a"}).ok());
    EXPECT_TRUE(store_->SubmitReview("rev-a", *id, json{{"quality", 80}}, "5000000", "评审意见：同意。").ok());
    auto d = store_->Decide("officer", *id, {"sha256:abc", CaseFor(c, 2024), OutputFor(c, 2024, "5000000.00", "03")});
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    FinaliseAndPay(*id, "5000000", "V-1");
    EXPECT_TRUE(store_->SetBudget("officer", 2024, "90000000").ok());
    return *id;
  }

  // Notice, finalisation and payment in one instalment, the days passing on
  // the store's clock (D-G9), which then goes back to where it was.
  void FinaliseAndPay(int64_t id, const std::string& amount, const std::string& reference) {
    const std::string was = *now_;
    EXPECT_TRUE(store_->PublishNotice("officer", id, 7).ok());
    *now_ = AddDays(BeijingDate(was), 8) + "T04:00:00.000Z";
    EXPECT_TRUE(store_->Finalise("officer", id).ok());
    auto schema = store_->Schema();
    if (schema.ok() && schema->current < 16) {
      // A store from before separation of duties (migration 16) has no payment
      // orders: the payment row as the bursar of then wrote it.
      EXPECT_TRUE(store_->db()
                      .Execute("INSERT INTO payment (application_id, instalment, amount_fen, paid_on, reference) "
                               "VALUES (?, 1, ?, ?, ?)",
                               {id, int64_t{500000000}, BeijingDate(*now_), reference})
                      .ok());
      EXPECT_EQ(amount, "5000000");
    } else {
      auto paid = PayWithApproval(*store_, "treasury", id, amount, reference);
      EXPECT_TRUE(paid.ok()) << paid.status().ToString();
    }
    *now_ = was;
  }

  // A second connection to the database, as a database administrator's
  // psql or sqlite3 shell: no capture of bursar's, no audit entry.
  std::unique_ptr<Database> Dba() {
    auto db = OpenDatabase(database_->url(), false);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(*db) : nullptr;
  }

  AuditVerdict Verify() {
    auto v = store_->VerifyAudit();
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? *v : AuditVerdict{};
  }

  // The disagreement about `table` `key` (and `field`), or nullptr.
  static const RowDisagreement* Find(const AuditVerdict& v, const std::string& table, const std::string& key,
                                     const std::string& field = "") {
    for (const auto& d : v.rows) {
      if (d.table == table && d.key == key && (field.empty() || d.field == field)) return &d;
    }
    return nullptr;
  }

  static std::string Rows(const AuditVerdict& v) {
    std::string out = v.problem + "\n";
    for (const auto& d : v.rows) out += "  " + d.message + "\n";
    return out;
  }

  std::unique_ptr<TestDatabase> database_;
  std::shared_ptr<std::string> now_ = std::make_shared<std::string>(testing::FixedClock());
  std::unique_ptr<Store> store_;
};

TEST_P(SealTest, EveryWriteOfTheProgrammeLeavesTheStoreReconciled) {
  ImportEnterprises(2);
  const int64_t id = PaidApplication();
  ASSERT_TRUE(store_->Recover("officer", id, "100000", "false statement").ok());
  auto other = store_->CreateApplication("enterprise", Code(2), 2025, json{{"measure", "03"}});
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(store_->Submit("enterprise", *other).ok());
  ASSERT_TRUE(store_->StartReview("officer", *other, {"rev-a", "rev-b"}).ok());
  ASSERT_TRUE(store_->DeclareConflict("rev-b", *other, "a relative").ok());
  ASSERT_TRUE(store_->ProposeApplyFree("officer", 2025, "04", {Code(1), Code(2)}).ok());
  const std::string hash = HashPassword("correct horse battery staple").value();
  ASSERT_TRUE(store_->AddAccount("admin", "olga", Role::kOfficer, "", hash).ok());
  ASSERT_TRUE(store_->AddAccount("admin", "ent1", Role::kApplicant, Code(1), hash).ok());
  auto account = store_->GetAccount("olga");
  ASSERT_TRUE(account.ok());
  auto session = store_->OpenSession("olga", account->id, {});
  ASSERT_TRUE(session.ok());
  ASSERT_TRUE(store_->OpenSession("olga", account->id, {}).ok());
  ASSERT_TRUE(store_->FindSession(session->id, {}).ok());  // last_seen_at is bookkeeping, not sealed
  ASSERT_TRUE(store_->EndSession("olga", session->id).ok());
  ASSERT_TRUE(store_->IssueToken("admin", "olga", "ci", 30).ok());
  ASSERT_TRUE(store_->SetPasswordHash("admin", "olga", hash).ok());
  ASSERT_TRUE(store_->DisableAccount("admin", "ent1").ok());
  ASSERT_TRUE(store_->EnableAccount("admin", "ent1").ok());

  AuditVerdict v = Verify();
  EXPECT_TRUE(v.ok) << Rows(v);
  EXPECT_EQ(v.rows_disagreeing, 0);
  EXPECT_GE(v.rows_checked, 15) << "enterprises, applications, reviews, decision, payment, recovery, budget, "
                                   "accounts, session, token";
  EXPECT_GT(v.baseline_seq, 0);
  // The last write's entry says what it sealed.
  auto last = ReadAudit(store_->db(), v.entries, 1);
  ASSERT_TRUE(last.ok());
  const json change = json::parse((*last)[0].change);
  ASSERT_TRUE(change.contains("sealed")) << (*last)[0].change;
  EXPECT_GE(change["sealed"]["rows"].get<int64_t>(), 1);
}

// A run of decisions writes several in one transaction, one entry each: each
// entry seals its own decision, and the official documents and the office's
// settings are sealed like the money.
TEST_P(SealTest, DecisionRunsAndDocumentsAreSealedEntryByEntry) {
  ImportEnterprises(3);
  std::vector<int64_t> ids;
  for (int n = 1; n <= 3; ++n) {
    auto id = store_->CreateApplication("enterprise", Code(n), 2025, json{{"measure", "03"}, {"assessed", "100"}});
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    ASSERT_TRUE(store_->Submit("enterprise", *id).ok());
    ASSERT_TRUE(store_->StartReview("officer", *id, {"r"}).ok());
    ASSERT_TRUE(store_->SubmitReview("r", *id, json{{"q", 80}}, "100", "评审意见：同意。").ok());
    ids.push_back(*id);
  }
  auto decide = [&](const std::string& /*policy*/, const std::string& case_text) -> Result<DecisionInput> {
    const json c = json::parse(case_text);
    const std::string code = c["applicant"]["id"];
    return DecisionInput{"sha256:abc", case_text, OutputFor(code, 2025, "100.00", "03")};
  };
  std::vector<int64_t> decided;
  ASSERT_TRUE(store_->DecideRun("officer", ids, decide, {}, [&](const Store::RunDecision& d) {
                       EXPECT_TRUE(d.status.ok()) << d.status.ToString();
                       decided.push_back(d.decision_id);
                     }).ok());
  ASSERT_EQ(decided.size(), 3u);
  ASSERT_TRUE(store_->IssueDocument("officer", DocumentKind::kDecision, 2025, std::to_string(decided[0])).ok());
  ASSERT_TRUE(store_->SetDocumentSetting("admin", "issuer", "北京市朝阳区数据局（测试）").ok());
  AuditVerdict v = Verify();
  EXPECT_TRUE(v.ok) << Rows(v);
  // Each decision's row is sealed by an entry of its own.
  std::set<int64_t> sealed_by;
  for (int64_t d : decided) {
    auto seal = store_->db().QueryOne("SELECT seq FROM audit_row WHERE tbl = 'decision' AND row_key = ?",
                                      {std::to_string(d)});
    ASSERT_TRUE(seal.ok() && *seal) << "decision " << d << " has no seal";
    sealed_by.insert((*seal)->Int(0));
  }
  EXPECT_EQ(sealed_by.size(), 3u);

  auto dba = Dba();
  ASSERT_NE(dba, nullptr);
  ASSERT_TRUE(dba->Execute("UPDATE document SET number = 'forged' WHERE kind = 'decision'").ok());
  ASSERT_TRUE(dba->Execute("UPDATE document_setting SET value = 'forged' WHERE key = 'issuer'").ok());
  ASSERT_TRUE(dba->Execute("UPDATE decision SET total_fen = 1 WHERE id = ?", {decided[1]}).ok());
  v = Verify();
  EXPECT_FALSE(v.ok);
  EXPECT_NE(Find(v, "document", "decision/2025/1", "number"), nullptr) << Rows(v);
  EXPECT_NE(Find(v, "document_setting", "issuer", "value"), nullptr) << Rows(v);
  EXPECT_NE(Find(v, "decision", std::to_string(decided[1]), "total_fen"), nullptr) << Rows(v);
  EXPECT_EQ(v.rows_disagreeing, 3) << Rows(v);
}

// The issue's database edits, each made by hand on a second connection:
// every one is named by table, key and field, with both values.
TEST_P(SealTest, AuditVerifyNamesEveryRowADatabaseAdministratorChanged) {
  ImportEnterprises(2);
  const int64_t id = PaidApplication();
  ASSERT_TRUE(store_->Recover("officer", id, "100000", "false statement").ok());
  const std::string hash = HashPassword("correct horse battery staple").value();
  auto officer = store_->AddAccount("admin", "olga", Role::kOfficer, "", hash);
  ASSERT_TRUE(officer.ok());
  ASSERT_TRUE(Verify().ok);
  const std::string app = std::to_string(id);
  auto dba = Dba();
  ASSERT_NE(dba, nullptr);

  // 1. The payment, 5,000,000.00 → 25,000,000.00.
  ASSERT_TRUE(dba->Execute("UPDATE payment SET amount_fen = 2500000000 WHERE application_id = ?", {id}).ok());
  AuditVerdict v = Verify();
  EXPECT_FALSE(v.ok);
  const RowDisagreement* d = Find(v, "payment", app + "/1", "amount_fen");
  ASSERT_NE(d, nullptr) << Rows(v);
  EXPECT_EQ(d->kind, "altered");
  EXPECT_EQ(d->chain, "500000000");
  EXPECT_EQ(d->row, "2500000000");
  EXPECT_GT(d->sealed_seq, 0);
  EXPECT_NE(d->message.find("25000000.00"), std::string::npos) << d->message;
  EXPECT_NE(d->message.find("5000000.00"), std::string::npos) << d->message;
  EXPECT_NE(v.problem.find("payment application_id=" + app + ", instalment=1"), std::string::npos) << v.problem;

  // 2. The decision's total, the same.
  ASSERT_TRUE(dba->Execute("UPDATE decision SET total_fen = 2500000000 WHERE application_id = ?", {id}).ok());
  v = Verify();
  auto decision = store_->DecisionInForce(id);
  ASSERT_TRUE(decision.ok() && *decision);
  d = Find(v, "decision", std::to_string((*decision)->id), "total_fen");
  ASSERT_NE(d, nullptr) << Rows(v);
  EXPECT_EQ(d->chain, "500000000");
  EXPECT_EQ(d->row, "2500000000");

  // 3. A recovery deleted.
  auto recoveries = store_->Recoveries(id);
  ASSERT_TRUE(recoveries.ok() && recoveries->size() == 1);
  ASSERT_TRUE(dba->Execute("DELETE FROM recovery WHERE application_id = ?", {id}).ok());
  v = Verify();
  d = Find(v, "recovery", std::to_string((*recoveries)[0].id));
  ASSERT_NE(d, nullptr) << Rows(v);
  EXPECT_EQ(d->kind, "deleted");
  EXPECT_NE(d->chain.find("10000000"), std::string::npos) << "what the chain holds of it: " << d->chain;

  // 4. An enterprise's flags.
  ASSERT_TRUE(dba->Execute("UPDATE enterprise SET serious_dishonesty_record = 1, registered_in_chaoyang = 0 "
                           "WHERE credit_code = ?",
                           {Code(2)})
                  .ok());
  v = Verify();
  d = Find(v, "enterprise", Code(2), "serious_dishonesty_record");
  ASSERT_NE(d, nullptr) << Rows(v);
  EXPECT_EQ(d->chain, "0");
  EXPECT_EQ(d->row, "1");
  EXPECT_NE(Find(v, "enterprise", Code(2), "registered_in_chaoyang"), nullptr) << Rows(v);

  // 5. A session row for the officer, inserted by hand.
  ASSERT_TRUE(dba->Execute("INSERT INTO session (id_hash, account_id, csrf_token, created_at, expires_at, "
                           "last_seen_at) VALUES ('forged', ?, 'x', '2025-06-01T08:00:00.000Z', "
                           "'2999-01-01T00:00:00.000Z', '2025-06-01T08:00:00.000Z')",
                           {officer->id})
                  .ok());
  v = Verify();
  d = Find(v, "session", "forged");
  ASSERT_NE(d, nullptr) << Rows(v);
  EXPECT_EQ(d->kind, "inserted");
  EXPECT_EQ(d->sealed_seq, 0);

  // All five at once, each named; the chain itself is intact.
  EXPECT_EQ(v.first_bad_seq, 0) << v.problem;
  EXPECT_EQ(v.rows_disagreeing, 6) << Rows(v);
  EXPECT_NE(v.problem.find("6 rows disagree"), std::string::npos) << v.problem;
}

// Bursar's own connection does not seal what someone else changed: an edit
// made through it outside a write (the capture's TEMP table or setting is
// per session, and emptied at each write) stays named after later writes.
// A file's content changed in the database — alone, or with its recorded
// SHA-256 — is named by `audit verify` and no longer served.
TEST_P(SealTest, AFileChangedInTheDatabaseIsNamedAndNotServed) {
  ImportEnterprises(1);
  auto id = store_->CreateApplication("enterprise", Code(1), 2024, json{{"measure", "03"}, {"assessed", "5000000"}});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  auto file = store_->AddAttachment("enterprise", *id, "合同.pdf", "%PDF-1.7 the contract as signed");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_TRUE(Verify().ok) << Rows(Verify());
  auto dba = Dba();
  ASSERT_NE(dba, nullptr);
  // base64 of "%PDF-1.7 the contract, amended": the same kind, another text.
  ASSERT_TRUE(dba->Execute("UPDATE attachment SET content = 'JVBERi0xLjcgdGhlIGNvbnRyYWN0LCBhbWVuZGVk' WHERE id = ?",
                           {file->id})
                  .ok());
  AuditVerdict v = Verify();
  EXPECT_FALSE(v.ok);
  EXPECT_NE(Find(v, "attachment", std::to_string(file->id), "content"), nullptr) << Rows(v);
  auto served = store_->AttachmentContent(*id, file->id);
  ASSERT_FALSE(served.ok());
  EXPECT_EQ(served.status().code(), StatusCode::kInternal);
  EXPECT_NE(served.status().message().find("does not match its SHA-256"), std::string::npos);

  // The digest recomputed to match: the file is served, and still named.
  const std::string amended = "%PDF-1.7 the contract, amended";
  ASSERT_TRUE(dba->Execute("UPDATE attachment SET sha256 = ?, size = ? WHERE id = ?",
                           {Sha256Hex(amended), static_cast<int64_t>(amended.size()), file->id})
                  .ok());
  v = Verify();
  EXPECT_NE(Find(v, "attachment", std::to_string(file->id), "sha256"), nullptr) << Rows(v);
  EXPECT_NE(Find(v, "attachment", std::to_string(file->id), "content"), nullptr) << Rows(v);
}

TEST_P(SealTest, ALaterWriteDoesNotSealAnEditMadeOutsideIt) {
  ImportEnterprises(1);
  const int64_t id = PaidApplication();
  ASSERT_TRUE(store_->db().Execute("UPDATE payment SET amount_fen = 2500000000 WHERE application_id = ?", {id}).ok());
  ASSERT_TRUE(store_->SetBudget("officer", 2025, "1000").ok());
  ASSERT_TRUE(store_->SetBudget("officer", 2024, "80000000").ok());
  AuditVerdict v = Verify();
  EXPECT_FALSE(v.ok);
  ASSERT_NE(Find(v, "payment", std::to_string(id) + "/1", "amount_fen"), nullptr) << Rows(v);
  EXPECT_EQ(v.rows_disagreeing, 1) << Rows(v);
}

// A DBA who edits the row and its seal in audit_row too (triggers dropped)
// is caught by the entry's summary of what it sealed.
TEST_P(SealTest, AnAlteredSealIsNamedByItsEntry) {
  ImportEnterprises(1);
  const int64_t id = PaidApplication();
  auto dba = Dba();
  ASSERT_NE(dba, nullptr);
  if (store_->db().dialect() == Dialect::kPostgres) {
    ASSERT_TRUE(dba->ExecScript("DROP TRIGGER audit_row_no_update ON audit_row").ok());
  } else {
    ASSERT_TRUE(dba->ExecScript("DROP TRIGGER audit_row_no_update").ok());
  }
  auto seal = dba->QueryOne("SELECT seq, image FROM audit_row WHERE tbl = 'payment' AND row_key = ?",
                            {std::to_string(id) + "/1"});
  ASSERT_TRUE(seal.ok() && *seal);
  std::string image = (*seal)->Text(1);
  ASSERT_NE(image.find("500000000"), std::string::npos) << image;
  image.replace(image.find("500000000"), 9, "2500000000");
  ASSERT_TRUE(dba->Execute("UPDATE payment SET amount_fen = 2500000000 WHERE application_id = ?", {id}).ok());
  ASSERT_TRUE(dba->Execute("UPDATE audit_row SET image = ? WHERE tbl = 'payment' AND row_key = ?",
                           {image, std::to_string(id) + "/1"})
                  .ok());
  AuditVerdict v = Verify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, (*seal)->Int(0)) << v.problem;
  EXPECT_NE(v.problem.find("altered in audit_row"), std::string::npos) << v.problem;

  // Images slipped in under an entry that sealed nothing are named too.
  ASSERT_TRUE(dba->Execute("INSERT INTO audit_row (seq, tbl, row_key, image) VALUES (1, 'session', 'forged', '{}')")
                  .ok());
  v = Verify();
  EXPECT_EQ(v.first_bad_seq, 1) << v.problem;
  EXPECT_NE(v.problem.find("inserted outside bursar"), std::string::npos) << v.problem;
}

// A store made before the seals: its rows as they stood at the migration are
// the baseline (an edit made before it cannot be seen by reconciliation: the
// stated limit), and every edit after it is named.
TEST_P(SealTest, AStoreFromBeforeTheSealsIsReconciledFromItsBaseline) {
  store_.reset();
  database_ = std::make_unique<TestDatabase>(GetParam());
  ASSERT_TRUE(database_->Create());
  Open(kSealMigration - 1);
  ImportEnterprises(1);
  const int64_t id = PaidApplication();
  auto dba = Dba();
  ASSERT_NE(dba, nullptr);
  ASSERT_TRUE(dba->Execute("UPDATE budget SET amount_fen = 1 WHERE year = 2024").ok());  // before the baseline
  auto n = store_->Migrate("upgrade");
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  store_.reset();
  Open(0);
  AuditVerdict v = Verify();
  EXPECT_TRUE(v.ok) << Rows(v);
  EXPECT_GT(v.baseline_seq, 0);
  auto baseline = ReadAudit(store_->db(), v.baseline_seq, 1);
  ASSERT_TRUE(baseline.ok() && baseline->size() == 1);
  const json change = json::parse((*baseline)[0].change);
  EXPECT_EQ(change["op"], "migrate");
  EXPECT_EQ(change["version"], kSealMigration);
  EXPECT_EQ(change["baseline"], true);
  EXPECT_EQ(change["sealed"]["rows"].get<int64_t>(), 6) << "enterprise, application, review, decision, payment, budget: " << change.dump();

  ASSERT_TRUE(dba->Execute("UPDATE payment SET amount_fen = 2500000000 WHERE application_id = ?", {id}).ok());
  v = Verify();
  EXPECT_FALSE(v.ok);
  const RowDisagreement* d = Find(v, "payment", std::to_string(id) + "/1", "amount_fen");
  ASSERT_NE(d, nullptr) << Rows(v);
  // Sealed by the baseline, then again by migration 16, which added the
  // payment's recorded_by and approved_by columns (its entry follows it).
  EXPECT_EQ(d->sealed_seq, v.baseline_seq + 1);
}

// Reviews submitted before reviewers wrote opinions (migration 23): the
// migration adds the column, its entry seals the review rows again, the
// store verifies, and an opinion written into the table by hand afterwards is
// named as an altered field of that review.
TEST_P(SealTest, ReviewsFromBeforeTheirOpinionsAreSealedAgainByTheirMigration) {
  store_.reset();
  database_ = std::make_unique<TestDatabase>(GetParam());
  ASSERT_TRUE(database_->Create());
  Open(kReviewOpinionMigration - 1);
  ImportEnterprises(1);
  const int64_t id = PaidApplication();
  auto before = store_->Reviews(id);
  ASSERT_TRUE(before.ok() && before->size() == 1);
  EXPECT_EQ((*before)[0].state, "submitted");
  EXPECT_EQ((*before)[0].opinion, "") << "no column yet: the opinion is in the audit entry only";
  auto n = store_->Migrate("upgrade", kReviewOpinionMigration);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 1);
  store_.reset();
  Open(0);
  AuditVerdict v = Verify();
  EXPECT_TRUE(v.ok) << Rows(v);
  // The migration's entry (later migrations may follow it).
  auto entries = store_->ListAuditNewestFirst(100, 0);
  ASSERT_TRUE(entries.ok());
  json change;
  int64_t seq = 0;
  for (const auto& e : entries->items) {
    json c = json::parse(e.change);
    if (c.value("version", 0) == kReviewOpinionMigration) {
      change = c;
      seq = e.seq;
    }
  }
  ASSERT_TRUE(change.is_object()) << "no entry of migration " << kReviewOpinionMigration;
  EXPECT_EQ(change["sealed"]["rows"].get<int64_t>(), 1) << "the one review: " << change.dump();

  auto dba = Dba();
  ASSERT_NE(dba, nullptr);
  ASSERT_TRUE(dba->Execute("UPDATE review SET opinion = ? WHERE application_id = ?", {"同意（事后补写）", id}).ok());
  v = Verify();
  EXPECT_FALSE(v.ok);
  const RowDisagreement* d = Find(v, "review", std::to_string(id) + "/rev-a", "opinion");
  ASSERT_NE(d, nullptr) << Rows(v);
  EXPECT_EQ(d->sealed_seq, seq);
}

// Decisions made before their lines were kept (migration 30): the migration
// adds the column, its entry seals the decision rows again, the store
// verifies, the budget reads the old decision from its output, and lines
// written into it by hand afterwards are named as an altered field.
TEST_P(SealTest, DecisionsFromBeforeTheirLinesAreSealedAgainByTheirMigration) {
  store_.reset();
  database_ = std::make_unique<TestDatabase>(GetParam());
  ASSERT_TRUE(database_->Create());
  Open(kDecisionLinesMigration - 1);
  ImportEnterprises(1);
  const int64_t id = PaidApplication();
  auto n = store_->Migrate("upgrade", kDecisionLinesMigration);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 1);
  store_.reset();
  Open(0);
  AuditVerdict v = Verify();
  EXPECT_TRUE(v.ok) << Rows(v);
  auto dba = Dba();
  ASSERT_NE(dba, nullptr);
  auto stored = dba->QueryOne("SELECT id, lines_fen FROM decision WHERE application_id = ?", {id});
  ASSERT_TRUE(stored.ok() && *stored);
  EXPECT_TRUE((*stored)->IsNull(1)) << "decided before the column: read from its output";
  // Scaled (5,000,000.00 committed against 4,000,000.00): the old decision's line from its output.
  ASSERT_TRUE(dba->Execute("UPDATE budget SET amount_fen = 400000000 WHERE year = 2024").ok());
  auto budget = store_->Budget(2024);
  ASSERT_TRUE(budget.ok()) << budget.status().ToString();
  EXPECT_TRUE(budget->scaled);
  EXPECT_EQ(budget->total.payable_fen, 400000000);
  ASSERT_TRUE(dba->Execute("UPDATE budget SET amount_fen = 9000000000 WHERE year = 2024").ok());
  ASSERT_TRUE(dba->Execute("UPDATE decision SET lines_fen = '500000000' WHERE application_id = ?", {id}).ok());
  v = Verify();
  EXPECT_FALSE(v.ok);
  ASSERT_NE(Find(v, "decision", std::to_string((*stored)->Int(0)), "lines_fen"), nullptr) << Rows(v);
}

// Evidence stored before the evidence digests (migration 20): the
// migration's entry seals a digest per table and enterprise, the store
// verifies, and a trade edited afterwards is named by its enterprise.
TEST_P(SealTest, EvidenceStoredBeforeItsDigestsIsSealedByTheirMigration) {
  store_.reset();
  database_ = std::make_unique<TestDatabase>(GetParam());
  ASSERT_TRUE(database_->Create());
  Open(kEvidenceDigestMigration - 1);
  ImportEnterprises(2);
  const std::string header = "credit_code,exchange,trade_id,date,side,amount,legally_established\n";
  auto trades = testing::ImportAs(*store_, *database_, EvidenceKind::kTrades, "t.csv",
                                  header + Code(1) + ",BJDE,T1,2024-03-01,seller,100.00,true\n" + Code(1) +
                                      ",BJDE,T2,2024-03-02,buyer,200.00,true\n" + Code(2) +
                                      ",BJDE,T3,2024-03-03,seller,300.00,true\n",
                                  "bureau", false);
  ASSERT_TRUE(trades.ok()) << trades.status().ToString();
  auto fs = testing::ImportAs(*store_, *database_, EvidenceKind::kFsInclusions, "f.csv",
                              "credit_code,year,amount,first_time\n" + Code(2) + ",2024,50000.00,true\n", "bureau",
                              false);
  ASSERT_TRUE(fs.ok()) << fs.status().ToString();
  auto n = store_->Migrate("upgrade", kEvidenceDigestMigration);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 1);
  AuditVerdict v = Verify();
  EXPECT_TRUE(v.ok) << Rows(v);
  auto entry = store_->ListAuditNewestFirst(1, 0);
  ASSERT_TRUE(entry.ok() && entry->items.size() == 1);
  const json change = json::parse(entry->items[0].change);
  EXPECT_EQ(change["version"], kEvidenceDigestMigration);
  EXPECT_EQ(change["sealed"]["rows"].get<int64_t>(), 3) << "trade of 1 and 2, fs_inclusion of 2: " << change.dump();

  auto dba = Dba();
  ASSERT_NE(dba, nullptr);
  ASSERT_TRUE(dba->Execute("UPDATE trade SET side = 'seller' WHERE trade_id = 'T2'").ok());
  v = Verify();
  EXPECT_FALSE(v.ok);
  const RowDisagreement* d = Find(v, "trade", Code(1));
  ASSERT_NE(d, nullptr) << Rows(v);
  EXPECT_EQ(d->kind, "altered");
  EXPECT_EQ(d->sealed_seq, entry->items[0].seq);
  EXPECT_EQ(v.rows_disagreeing, 1) << Rows(v);
}

// Verifying a declared row changes its digest in the same write: the store
// stays reconciled, and the verification's entry seals the new digest.
TEST_P(SealTest, AnOfficersVerificationSealsTheEnterprisesNewDigest) {
  ImportEnterprises(1);
  auto r = testing::ImportAs(*store_, *database_, EvidenceKind::kFilings, "d.csv",
                             "credit_code,filing_id,date,amount\n" + Code(1) + ",F1,2024-02-01,1000.00\n", "ent-1",
                             true);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto seq = store_->VerifyEvidence("officer", EvidenceKind::kFilings,
                                    json::array({{{"credit_code", Code(1)}, {"filing_id", "F1"}}}));
  ASSERT_TRUE(seq.ok()) << seq.status().ToString();
  AuditVerdict v = Verify();
  EXPECT_TRUE(v.ok) << Rows(v);
  auto sealed = store_->db().QueryOne("SELECT MAX(seq) FROM audit_row WHERE tbl = 'evidence_digest' AND row_key = ?",
                                      {"filing/" + Code(1)});
  ASSERT_TRUE(sealed.ok() && *sealed);
  EXPECT_EQ((*sealed)->Int(0), *seq);
}

// The derived tables (store/audit_derived.h) are not sealed: audit verify
// recomputes each from the rows it is derived from, by the query its
// migration filled it with, and compares.
TEST_P(SealTest, AnUntouchedStoreRecomputesItsDerivedTables) {
  ImportEnterprises(2);
  const int64_t id = PaidApplication();  // decision, payment, budget
  ASSERT_TRUE(store_->Recover("officer", id, "100000", "false statement").ok());
  ASSERT_TRUE(store_->ProposeApplyFree("officer", 2025, "04", {Code(1), Code(2)}).ok());
  AuditVerdict v = Verify();
  EXPECT_TRUE(v.ok) << v.problem;
  EXPECT_EQ(v.derived_disagreeing, 0);
  EXPECT_TRUE(v.derived.empty());
  // A year and a measure of totals, and the index rows of the application's
  // entries (create, submit, review, ..., recover) and of the proposal's.
  EXPECT_GE(v.derived_checked, 2 + 10) << v.derived_checked;
  for (const DerivedTable& table : DerivedTables()) {
    auto fill = DerivedFillQuery(table, store_->db().dialect());
    ASSERT_TRUE(fill.ok()) << table.name << ": " << fill.status().ToString();
    EXPECT_TRUE(fill->starts_with("SELECT")) << *fill;
  }
  // A withdrawn award leaves its year's totals at zero, which is no row.
  ASSERT_TRUE(Dba()->Execute("INSERT INTO year_committed (year, committed_fen, payments) VALUES (2031, 0, 0)").ok());
  EXPECT_TRUE(Verify().ok);
}

// For each derived table, the edits of a database administrator — a value
// changed by one fen, a row deleted, a row inserted — each make verify fail
// naming the table and the key with both values; undone, it passes again.
TEST_P(SealTest, AuditVerifyNamesEveryRowOfADerivedTableEditedByHand) {
  ImportEnterprises(2);
  const int64_t id = PaidApplication();
  ASSERT_TRUE(store_->Recover("officer", id, "100000", "false statement").ok());
  ASSERT_TRUE(Verify().ok);
  // The last entry that names the application (its recovery), and the first
  // entry of the log, which names none.
  auto named = store_->db().QueryOne("SELECT MAX(seq) FROM audit_application WHERE application_id = ?", {id});
  ASSERT_TRUE(named.ok() && *named);
  const std::string app = std::to_string(id), seq = (*named)->Text(0);
  const json none;
  struct Edit {
    std::string sql, undo, table, key, kind;
    json stored, recomputed;
  };
  const json net = {{"committed", "4900000.00"}, {"payments", 1}};
  const json by_measure = {{"committed", "4900000.00"}, {"paid", "4900000.00"}, {"payments", 1}};
  const std::vector<Edit> edits = {
      {"UPDATE year_committed SET committed_fen = committed_fen + 1 WHERE year = 2024",
       "UPDATE year_committed SET committed_fen = committed_fen - 1 WHERE year = 2024", "year_committed", "2024",
       "altered", {{"committed", "4900000.01"}, {"payments", 1}}, net},
      {"DELETE FROM year_committed WHERE year = 2024",
       "INSERT INTO year_committed (year, committed_fen, payments) VALUES (2024, 490000000, 1)", "year_committed",
       "2024", "missing", none, net},
      {"INSERT INTO year_committed (year, committed_fen, payments) VALUES (2031, 100, 0)",
       "DELETE FROM year_committed WHERE year = 2031", "year_committed", "2031", "spurious",
       {{"committed", "1.00"}, {"payments", 0}}, none},
      {"UPDATE measure_committed SET paid_fen = paid_fen - 1 WHERE year = 2024 AND measure = '03'",
       "UPDATE measure_committed SET paid_fen = paid_fen + 1 WHERE year = 2024 AND measure = '03'",
       "measure_committed", "2024/03", "altered",
       {{"committed", "4900000.00"}, {"paid", "4899999.99"}, {"payments", 1}}, by_measure},
      {"DELETE FROM measure_committed WHERE year = 2024 AND measure = '03'",
       "INSERT INTO measure_committed (year, measure, committed_fen, paid_fen, payments) "
       "VALUES (2024, '03', 490000000, 490000000, 1)",
       "measure_committed", "2024/03", "missing", none, by_measure},
      {"INSERT INTO measure_committed (year, measure, committed_fen, paid_fen, payments) VALUES (2024, '04', 0, 1, 1)",
       "DELETE FROM measure_committed WHERE year = 2024 AND measure = '04'", "measure_committed", "2024/04",
       "spurious", {{"committed", "0.00"}, {"paid", "0.01"}, {"payments", 1}}, none},
      {"DELETE FROM audit_application WHERE application_id = " + app + " AND seq = " + seq,
       "INSERT INTO audit_application (application_id, seq) VALUES (" + app + ", " + seq + ")", "audit_application",
       app + "/" + seq, "missing", none, json::object()},
      {"INSERT INTO audit_application (application_id, seq) VALUES (" + app + ", 1)",
       "DELETE FROM audit_application WHERE application_id = " + app + " AND seq = 1", "audit_application",
       app + "/1", "spurious", json::object(), none},
  };
  auto dba = Dba();
  ASSERT_NE(dba, nullptr);
  for (const Edit& edit : edits) {
    SCOPED_TRACE(edit.sql);
    ASSERT_TRUE(dba->Execute(edit.sql).ok());
    AuditVerdict v = Verify();
    EXPECT_FALSE(v.ok);
    EXPECT_EQ(v.first_bad_seq, 0) << "the chain and its seals are intact: " << v.problem;
    EXPECT_EQ(v.rows_disagreeing, 0) << Rows(v);
    EXPECT_EQ(v.derived_disagreeing, 1);
    ASSERT_EQ(v.derived.size(), 1u) << v.problem;
    const DerivedDisagreement& d = v.derived[0];
    EXPECT_EQ(d.table, edit.table);
    EXPECT_EQ(d.key, edit.key);
    EXPECT_EQ(d.kind, edit.kind);
    EXPECT_EQ(json(d.stored), edit.stored);
    EXPECT_EQ(json(d.recomputed), edit.recomputed);
    EXPECT_NE(v.problem.find(edit.table + " "), std::string::npos) << v.problem;
    EXPECT_EQ(d.message.rfind(edit.table + " ", 0), 0u) << d.message;
    ASSERT_TRUE(dba->Execute(edit.undo).ok());
    v = Verify();
    EXPECT_TRUE(v.ok) << v.problem;
  }

  // One fen more, named with both amounts in yuan.
  ASSERT_TRUE(dba->Execute(edits[0].sql).ok());
  AuditVerdict v = Verify();
  ASSERT_EQ(v.derived.size(), 1u);
  EXPECT_EQ(v.derived[0].message,
            "year_committed year=2024: committed is 4900000.01 in the table, 4900000.00 recomputed from decision, "
            "recovery and payment");
  ASSERT_TRUE(dba->Execute(edits[0].undo).ok());

  // Many at once: a handful named per table, all counted.
  for (int n = 1; n <= 7; ++n) {
    ASSERT_TRUE(dba->Execute("INSERT INTO audit_application (application_id, seq) VALUES (?, 1)", {int64_t{900 + n}})
                    .ok());
  }
  v = Verify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.derived_disagreeing, 7);
  ASSERT_EQ(v.derived.size(), 5u);
  EXPECT_EQ(v.derived[0].key, "901/1") << "in key order";
  EXPECT_NE(v.problem.find("7 rows of derived tables differ"), std::string::npos) << v.problem;
  const auto out = AuditVerdictJson(v);
  EXPECT_EQ(out["derived_disagreeing"], 7);
  ASSERT_EQ(out["derived"].size(), 5u);
  EXPECT_EQ(out["derived"][0]["table"], "audit_application");
  EXPECT_EQ(out["derived"][0]["kind"], "spurious");
  EXPECT_EQ(out["derived"][0]["recomputed"], nullptr);
}

INSTANTIATE_TEST_SUITE_P(Backends, SealTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
}  // namespace bursar::store
