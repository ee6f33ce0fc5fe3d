// Disk full on SQLite (docs/faults.md, "Disk full on SQLite"). The `bursar`
// process under test may not grow any file past a limit just above the
// database's size (RLIMIT_FSIZE with SIGXFSZ ignored: its writes fail with
// EFBIG as on a full disk). An import, a decision run and a payment batch by
// the CLI, and payments through `bursar serve`, each run into the limit:
// the error says "disk full" (exit 1, HTTP 503, never a crash or a 500),
// nothing is half-applied, the audit chain verifies; with the room back the
// same operation succeeds.
#include "process_fault_support.h"

namespace bursar_fault_test {
namespace {

using bursar::store::ApplicationState;
using bursar::store::Store;
using bursar::store::testing::Code;
using bursar::store::testing::TestDatabase;

// Room past the database file for the process under test: a few pages, far
// less than any of the operations below writes (the decision run committing
// two decisions at a time).
constexpr uint64_t kRoom = 48 * 1024;

class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = std::make_unique<TestDatabase>("sqlite");
    ASSERT_TRUE(database_->Create());
    url_ = database_->url();
    Ran init = RunCommand({kExe, "db", "init", "--db", url_});
    ASSERT_EQ(init.exit, 0) << init.err;
    auto opened = Store::Open(url_, TestStoreOptions());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
  }

  // The file size limit for a process about to write: the database as it
  // stands (its write-ahead log emptied first, so the log starts from
  // nothing) plus kRoom.
  uint64_t Limit() {
    EXPECT_TRUE(store_->db().ExecScript("PRAGMA wal_checkpoint(TRUNCATE)").ok());
    return fs::file_size(url_) + kRoom;
  }

  // `args` run to the end with the disk "full" past Limit().
  Ran RunFull(const std::vector<std::string>& args) {
    const uint64_t limit = Limit();
    ScopedFileSizeLimit full(limit);
    EXPECT_TRUE(full.ok());
    return RunCommand(args);
  }

  static void ExpectDiskFullError(const Ran& ran) {
    EXPECT_EQ(ran.exit, 1) << ran.out << ran.err;
    EXPECT_NE(ran.err.find("disk full"), std::string::npos) << ran.err;
    EXPECT_EQ(ran.err.find("internal"), std::string::npos) << ran.err;
  }

  std::unique_ptr<TestDatabase> database_;
  std::string url_;
  std::unique_ptr<Store> store_;
};

TEST_F(DiskFullTest, AnImportThatFillsTheDiskStoresNothingAndSucceedsOnceThereIsRoom) {
  constexpr int kEnterprises = 5, kRows = 20000;
  FinalisedProgramme(*store_, url_, database_->dir(), kEnterprises, Stage::kReadyForDecision);
  ASSERT_FALSE(HasFailure());
  std::string csv = "credit_code,exchange,trade_id,date,side,amount,legally_established\n";
  for (int i = 0; i < kRows; ++i) {
    csv += Code(1 + i % kEnterprises) + ",BJIDE,T" + std::to_string(i) + ",2025-05-05,seller,1234.56,true\n";
  }
  const fs::path file = database_->dir() / "trades.csv";
  WriteFile(file, csv);
  const Holdings before = Hold(*store_);

  Ran full = RunFull({kExe, "import", "trades", file.string(), "--db", url_});
  ExpectDiskFullError(full);
  EXPECT_EQ(Hold(*store_), before) << "a failed import left rows behind";
  ExpectAuditVerifies(url_);

  Ran room = RunCommand({kExe, "import", "trades", file.string(), "--db", url_});
  ASSERT_EQ(room.exit, 0) << room.err;
  const Holdings after = Hold(*store_);
  EXPECT_EQ(after.trades, kRows);
  EXPECT_EQ(after.audit_entries, before.audit_entries + 1);
  ExpectAuditVerifies(url_);
}

TEST_F(DiskFullTest, ADecisionRunThatFillsTheDiskKeepsWholeDecisionsAndResumes) {
  constexpr int kApplications = 40;
  const std::vector<int64_t> ids = FinalisedProgramme(*store_, url_, database_->dir(), kApplications, Stage::kReadyForDecision);
  ASSERT_FALSE(HasFailure());
  const int64_t audit_before = Hold(*store_).audit_entries;
  // Each application decided wholly (decision in force, state decided, its
  // audit entry) or not at all (in review, no decision).
  auto decided = [&] {
    int64_t n = 0;
    for (int64_t id : ids) {
      auto app = store_->GetApplication(id);
      EXPECT_TRUE(app.ok());
      auto rows = store_->db().QueryOne("SELECT COUNT(*) FROM decision WHERE application_id = ?", {id});
      EXPECT_TRUE(rows.ok() && *rows);
      if (app->state == ApplicationState::kDecided) {
        ++n;
        EXPECT_EQ((*rows)->Int(0), 1) << "application " << id;
      } else {
        EXPECT_EQ(app->state, ApplicationState::kInReview) << "application " << id;
        EXPECT_EQ((*rows)->Int(0), 0) << "application " << id;
      }
    }
    EXPECT_EQ(Hold(*store_).audit_entries, audit_before + n);
    return n;
  };

  // Two decisions to a transaction, so the run commits many times and one of
  // its commits runs into the limit (the default group of 200 writes all 40
  // at once, in less than kRoom).
  Ran full = RunFull({kExe, "decide", "2025", "--db", url_, "--policy", kPolicy, "--per-transaction", "2"});
  ExpectDiskFullError(full);
  const int64_t first = decided();
  EXPECT_LT(first, kApplications) << "the run never ran into the limit";
  ExpectAuditVerifies(url_);

  Ran room = RunCommand({kExe, "decide", "2025", "--db", url_, "--policy", kPolicy});
  ASSERT_EQ(room.exit, 0) << room.err;
  EXPECT_EQ(decided(), kApplications);
  ExpectAuditVerifies(url_);
}

TEST_F(DiskFullTest, APaymentBatchThatFillsTheDiskPaysWholeOrNothingAndResumes) {
  constexpr int kApplications = 40;
  const std::vector<int64_t> ids = FinalisedProgramme(*store_, url_, database_->dir(), kApplications, Stage::kFinal);
  ASSERT_FALSE(HasFailure());
  // A batch one finance account pays at once: the office's threshold for a
  // second approval above every amount (the two-person rule has its own tests).
  ASSERT_TRUE(store_->SetDocumentSetting("test", bursar::store::kPaymentApprovalSetting, "100000000.00").ok());
  const int64_t audit_before = Hold(*store_).audit_entries;
  auto pay = [&](const std::vector<int64_t>& which) {
    std::vector<std::string> args = {kExe, "app", "pay"};
    for (int64_t id : which) args.push_back(std::to_string(id));
    for (const char* a : {"--amount", "rest", "--reference", "PAY", "--actor", "finance", "--db"}) args.push_back(a);
    args.push_back(url_);
    return args;
  };
  // Paid in full (one instalment, state paid, an audit entry) or untouched.
  auto paid = [&] {
    int64_t n = 0;
    for (int64_t id : ids) {
      auto app = store_->GetApplication(id);
      auto rows = store_->Payments(id);
      auto payable = store_->PayableFen(id);
      EXPECT_TRUE(app.ok() && rows.ok() && payable.ok());
      if (app->state == ApplicationState::kPaid) {
        ++n;
        EXPECT_EQ(rows->size(), 1u) << "application " << id;
        if (rows->size() == 1) {
          EXPECT_EQ((*rows)[0].amount_fen, *payable) << "application " << id;
        }
      } else {
        EXPECT_EQ(app->state, ApplicationState::kFinal) << "application " << id;
        EXPECT_TRUE(rows->empty()) << "application " << id;
      }
    }
    EXPECT_EQ(Hold(*store_).audit_entries, audit_before + n);
    return n;
  };

  Ran full = RunFull(pay(ids));
  ExpectDiskFullError(full);
  const int64_t first = paid();
  EXPECT_LT(first, kApplications) << "the batch never ran into the limit";
  ExpectAuditVerifies(url_);

  std::vector<int64_t> due;
  for (int64_t id : ids) {
    if (store_->GetApplication(id)->state == ApplicationState::kFinal) due.push_back(id);
  }
  ASSERT_GE(due.size(), 2u);
  Ran room = RunCommand(pay(due));
  ASSERT_EQ(room.exit, 0) << room.err;
  EXPECT_EQ(paid(), kApplications);
  ExpectAuditVerifies(url_);
}

TEST_F(DiskFullTest, TheServerAnswers503DiskFullAndRecoversWhenThereIsRoom) {
  constexpr int kApplications = 40;
  const std::vector<int64_t> ids = FinalisedProgramme(*store_, url_, database_->dir(), kApplications, Stage::kFinal);
  ASSERT_FALSE(HasFailure());
  static const std::string hash = bursar::store::HashPassword("correct horse battery staple").value();
  // One finance account pays each award at once: the office's threshold for a
  // second approval is set above every amount (the two-person rule has its own
  // tests in programme_test.cc and store_conformance_test.cc).
  ASSERT_TRUE(store_->AddAccount("test", "olga", Role::kFinance, "", hash).ok());
  ASSERT_TRUE(store_->SetDocumentSetting("test", bursar::store::kPaymentApprovalSetting, "100000000.00").ok());
  auto token = store_->IssueToken("test", "olga", "test", 1);
  ASSERT_TRUE(token.ok());
  const int64_t audit_before = Hold(*store_).audit_entries;

  std::unique_ptr<ServerProcess> server;
  {
    const uint64_t limit = Limit();
    ScopedFileSizeLimit full(limit);
    ASSERT_TRUE(full.ok());
    server = std::make_unique<ServerProcess>(std::vector<std::string>{"--db", url_});
  }
  ASSERT_GT(server->port(), 0) << "the server did not start";
  httplib::Client client("127.0.0.1", server->port());
  client.set_read_timeout(60, 0);
  const httplib::Headers auth = {{"Authorization", "Bearer " + token->token}};
  auto post = [&](int64_t id) {
    auto payable = store_->PayableFen(id);
    EXPECT_TRUE(payable.ok());
    const json body = {{"amount", bursar::Exact::Fen(*payable).ToMoneyString()},
                       {"reference", "PAY-" + std::to_string(id)}};
    return client.Post("/api/applications/" + std::to_string(id) + "/payments", auth, body.dump(),
                       "application/json");
  };

  // Pay one by one until the disk is full.
  size_t next = 0;
  int64_t refused = 0;
  for (; next < ids.size(); ++next) {
    auto r = post(ids[next]);
    ASSERT_TRUE(r) << "no answer: the server crashed?";
    if (r->status == 201) continue;
    ASSERT_EQ(r->status, 503) << r->body;
    const json error = json::parse(r->body, nullptr, false);
    ASSERT_TRUE(error.is_object()) << r->body;
    EXPECT_EQ(error["error"]["code"], "unavailable") << r->body;
    EXPECT_NE(r->body.find("disk full"), std::string::npos) << r->body;
    refused = ids[next];
    break;
  }
  ASSERT_NE(refused, 0) << "every payment went through: the limit was never reached";
  // Nothing of the refused payment, every earlier one whole.
  EXPECT_EQ(store_->GetApplication(refused)->state, ApplicationState::kFinal);
  EXPECT_TRUE(store_->Payments(refused)->empty());
  EXPECT_EQ(Hold(*store_).audit_entries, audit_before + static_cast<int64_t>(next));
  ExpectAuditVerifies(url_);

  // Room again (the same server process, not restarted): the same request
  // succeeds, and so does the rest of the batch.
  ASSERT_TRUE(LiftFileSizeLimit(server->pid()));
  for (; next < ids.size(); ++next) {
    auto r = post(ids[next]);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 201) << r->body;
  }
  for (int64_t id : ids) EXPECT_EQ(store_->GetApplication(id)->state, ApplicationState::kPaid) << id;
  EXPECT_EQ(Hold(*store_).audit_entries, audit_before + kApplications);
  ExpectAuditVerifies(url_);
}

// PostgreSQL reports a full disk as SQLSTATE 53100; the test raises that
// state from the server (a PL/pgSQL RAISE) rather than filling its disk,
// inside a write transaction, and checks the store's mapping and that the
// transaction left nothing.
TEST(DiskFullPostgres, Sqlstate53100IsUnavailableDiskFullAndStoresNothing) {
  TestDatabase database("postgres");
  ASSERT_TRUE(database.Create());
  Ran init = RunCommand({kExe, "db", "init", "--db", database.url()});
  ASSERT_EQ(init.exit, 0) << init.err;
  auto opened = Store::Open(database.url());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Store& st = **opened;
  const Holdings before = Hold(st);
  auto& db = st.db();
  ASSERT_TRUE(db.Begin().ok());
  ASSERT_TRUE(db.Execute("INSERT INTO budget (year, amount_fen) VALUES (2031, 100)", {}).ok());
  const bursar::Status full =
      db.ExecScript("DO $$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' "
                    "USING ERRCODE = '53100'; END $$");
  EXPECT_EQ(full.code(), bursar::StatusCode::kUnavailable) << full.ToString();
  EXPECT_NE(full.message().find("disk full"), std::string::npos) << full.ToString();
  EXPECT_NE(full.message().find("No space left on device"), std::string::npos) << full.ToString();
  EXPECT_TRUE(db.Rollback().ok());
  auto budget = db.QueryOne("SELECT COUNT(*) FROM budget WHERE year = 2031", {});
  ASSERT_TRUE(budget.ok() && *budget);
  EXPECT_EQ((*budget)->Int(0), 0);
  EXPECT_EQ(Hold(st), before);
}

}  // namespace
}  // namespace bursar_fault_test
