// SIGKILL during a payment batch (docs/faults.md, "SIGKILL during a payment
// batch"). `bursar app pay ID... --amount rest` pays the rest of each award,
// one transaction per application; the test kills it with SIGKILL at random
// moments, again and again, on SQLite and PostgreSQL. After every kill:
// each payment is there wholly (row, state paid, audit entry) or not at all,
// no application is paid more than its D-G6 scaled amount, the budget's paid
// total matches the rows, and `bursar audit verify` passes. The batch, rerun
// on what is still due, then ends exactly where an unkilled run ends; run
// again on every id it skips them all and pays nothing twice.
//
// BURSAR_FAULT_KILLS (default 10) kills, over BURSAR_FAULT_PAYMENTS (default
// 20) applications; BURSAR_FAULT_SEED repeats a run's random moments.
#include <random>

#include "process_fault_support.h"

namespace bursar_fault_test {
namespace {

using bursar::store::Store;
using bursar::store::testing::TestDatabase;

constexpr const char* kReference = "PAY";

class PaymentKillTest : public ::testing::TestWithParam<std::string> {
 protected:
  struct Programme {
    std::unique_ptr<TestDatabase> database;
    std::unique_ptr<Store> store;
    std::vector<int64_t> ids;
  };

  Programme Make(int n) {
    Programme p;
    p.database = std::make_unique<TestDatabase>(GetParam());
    if (!p.database->Create()) return p;
    Ran init = RunCommand({kExe, "db", "init", "--db", p.database->url()});
    EXPECT_EQ(init.exit, 0) << init.err;
    auto opened = Store::Open(p.database->url());
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    if (!opened.ok()) return p;
    p.store = std::move(*opened);
    p.ids = FinalisedProgramme(*p.store, p.database->url(), p.database->dir(), n, Stage::kFinal);
    // A batch one finance account pays at once: the office's threshold for a
    // second approval above every amount (the two-person rule has its own tests).
    EXPECT_TRUE(p.store->SetDocumentSetting("test", bursar::store::kPaymentApprovalSetting, "100000000.00").ok());
    return p;
  }

  // The batch command over `ids`, as a finance account would type it. A batch of
  // one id takes the reference as given (the CLI names REF-ID only for
  // several), so a batch resumed on its last id spells that out.
  static std::vector<std::string> PayCommand(const std::string& url, const std::vector<int64_t>& ids) {
    std::vector<std::string> args = {kExe, "app", "pay"};
    for (int64_t id : ids) args.push_back(std::to_string(id));
    const std::string reference = ids.size() == 1 ? std::string(kReference) + "-" + std::to_string(ids[0]) : kReference;
    for (const char* a : {"--amount", "rest", "--reference", reference.c_str(), "--actor",
                                 "finance", "--db", url.c_str()}) {
      args.push_back(a);
    }
    return args;
  }

  // The applications still due: final, in id order.
  static std::vector<int64_t> Due(Store& st) {
    std::vector<int64_t> ids;
    auto rows = st.db().Query("SELECT id FROM application WHERE state = 'final' ORDER BY id", {});
    EXPECT_TRUE(rows.ok());
    if (rows.ok()) {
      for (const auto& r : *rows) ids.push_back(r.Int(0));
    }
    return ids;
  }

  // Every payment whole or absent, none past its award or its D-G6 amount,
  // the totals as the rows say, the audit chain one entry per payment past
  // `audit_before`, and the chain verifies.
  void ExpectConsistent(Store& st, const std::string& url, const std::vector<int64_t>& ids, int64_t audit_before) {
    // A killed client's PostgreSQL session may still be finishing its last
    // statement (a COMMIT sent just before the kill is still applied). Every
    // change holds the audit head's lock until it commits or rolls back, so
    // taking that lock waits for it.
    ASSERT_TRUE(st.db().Begin().ok());
    if (st.db().dialect() == bursar::store::Dialect::kPostgres) {
      ASSERT_TRUE(st.db().QueryOne("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE", {}).ok());
    }
    ASSERT_TRUE(st.db().Rollback().ok());
    auto budget = st.Budget(2025);
    ASSERT_TRUE(budget.ok()) << budget.status().ToString();
    ASSERT_TRUE(budget->scaled) << "the budget must scale the awards (D-G6) for this test to mean anything";
    ASSERT_TRUE(budget->budget_fen.has_value());
    int64_t paid_rows = 0, payments = 0;
    for (int64_t id : ids) {
      auto app = st.GetApplication(id);
      ASSERT_TRUE(app.ok());
      auto in_force = st.DecisionInForce(id);
      ASSERT_TRUE(in_force.ok() && in_force->has_value()) << "application " << id;
      const int64_t total = (*in_force)->total_fen;
      auto payable = st.PayableFen(id);
      ASSERT_TRUE(payable.ok());
      // D-G6 on its own terms: at most total × budget / committed (each line
      // is rounded down, so the sum may be a fen or two under).
      const auto bound = static_cast<int64_t>(static_cast<__int128>(total) * *budget->budget_fen /
                                              budget->total.committed_fen);
      EXPECT_LE(*payable, bound) << "application " << id;
      EXPECT_LT(*payable, total) << "application " << id << ": not scaled";
      auto rows = st.Payments(id);
      ASSERT_TRUE(rows.ok());
      int64_t sum = 0;
      for (size_t k = 0; k < rows->size(); ++k) {
        EXPECT_EQ((*rows)[k].instalment, static_cast<int64_t>(k + 1)) << "application " << id;
        // Dated by the store's calendar (D-G9): today in Beijing, or
        // yesterday when the run straddled midnight there.
        const std::string today = bursar::store::BeijingDate(bursar::store::UtcNow());
        EXPECT_TRUE((*rows)[k].paid_on == today || bursar::store::AddDays((*rows)[k].paid_on, 1) == today)
            << (*rows)[k].paid_on;
        sum += (*rows)[k].amount_fen;
      }
      EXPECT_LE(sum, *payable) << "application " << id << " paid past its payable amount";
      // --amount rest: one instalment of the whole payable amount, and the
      // application paid; or nothing, and still final.
      if (app->state == bursar::store::ApplicationState::kPaid) {
        EXPECT_EQ(rows->size(), 1u) << "application " << id;
        EXPECT_EQ(sum, *payable) << "application " << id;
        ++payments;
      } else {
        EXPECT_EQ(app->state, bursar::store::ApplicationState::kFinal) << "application " << id;
        EXPECT_TRUE(rows->empty()) << "application " << id << " has a payment but is not paid";
      }
      paid_rows += sum;
    }
    auto all = st.db().QueryOne("SELECT COALESCE(SUM(amount_fen), 0), COUNT(*) FROM payment", {});
    ASSERT_TRUE(all.ok() && *all);
    EXPECT_EQ((*all)->Int(0), paid_rows);
    EXPECT_EQ((*all)->Int(1), payments);
    EXPECT_EQ(budget->total.paid_fen, paid_rows);
    EXPECT_LE(budget->total.paid_fen, budget->total.payable_fen);
    EXPECT_LE(budget->total.payable_fen, *budget->budget_fen);
    auto audit = st.db().QueryOne("SELECT COUNT(*) FROM audit_log", {});
    ASSERT_TRUE(audit.ok() && *audit);
    EXPECT_EQ((*audit)->Int(0), audit_before + payments) << "one audit entry per payment";
    ExpectAuditVerifies(url);
  }
};

TEST_P(PaymentKillTest, KilledAtRandomMomentsPaysEachAwardOnceAndWhole) {
  const int n = EnvInt("BURSAR_FAULT_PAYMENTS", 20);
  const int kills = EnvInt("BURSAR_FAULT_KILLS", 10);
  const unsigned seed = static_cast<unsigned>(EnvInt("BURSAR_FAULT_SEED", static_cast<int>(std::random_device{}() >> 1)));
  SCOPED_TRACE("BURSAR_FAULT_SEED=" + std::to_string(seed));
  std::mt19937 random(seed);

  // Two identical programmes: one paid without a fault (the reference), one
  // paid under kills.
  Programme reference = Make(n);
  ASSERT_FALSE(HasFailure());
  Programme killed = Make(n);
  ASSERT_FALSE(HasFailure());
  ASSERT_EQ(reference.ids, killed.ids);
  const fs::path dir = killed.database->dir();

  // How long one payment takes, from the reference run less a process that
  // starts and reads the store.
  auto t0 = std::chrono::steady_clock::now();
  Ran listed = RunCommand({kExe, "app", "list", "--ids", "--db", reference.database->url()});
  ASSERT_EQ(listed.exit, 0) << listed.err;
  const auto startup = std::chrono::steady_clock::now() - t0;
  t0 = std::chrono::steady_clock::now();
  Ran paid = RunCommand(PayCommand(reference.database->url(), reference.ids));
  ASSERT_EQ(paid.exit, 0) << paid.err;
  const auto whole = std::chrono::steady_clock::now() - t0;
  const auto per_payment = std::chrono::duration_cast<std::chrono::microseconds>(
      std::max<std::chrono::nanoseconds>((whole - startup) / n, std::chrono::milliseconds(1)));
  const Holdings expected = Hold(*reference.store);
  const int64_t audit_before = Hold(*killed.store).audit_entries;
  ExpectConsistent(*reference.store, reference.database->url(), reference.ids, audit_before);

  int killed_count = 0, mid_batch = 0;
  for (int round = 0; killed_count < kills; ++round) {
    const std::vector<int64_t> due = Due(*killed.store);
    if (due.empty()) break;
    const size_t paid_before = killed.ids.size() - due.size();
    // The moment: k payments of this run in (k = 0: while it starts), then
    // up to two payments' time more, so kills fall during start-up, between
    // payments and inside a payment's transaction.
    const int64_t k = std::uniform_int_distribution<int64_t>(0, 3)(random);
    const auto delay = std::chrono::microseconds(
        std::uniform_int_distribution<int64_t>(0, 2 * per_payment.count())(random));
    const pid_t child = StartCommand(PayCommand(killed.database->url(), due), dir);
    ASSERT_GT(child, 0);
    // The delay is drawn in time, but never runs past two more payments:
    // one payment's time was measured once, and on a loaded machine the
    // batch may run many times faster than that measure (a run where the
    // whole batch finished inside the delay, so no kill fell, was seen in
    // 20 repeated runs).
    auto paid_at_least = [&](int64_t count_wanted) {
      auto count = killed.store->db().QueryOne("SELECT COUNT(*) FROM payment", {});
      return count.ok() && *count && (*count)->Int(0) >= count_wanted;
    };
    const auto before = static_cast<int64_t>(paid_before);
    const Ended ended = KillWhen(
        child, [&] { return paid_at_least(before + k); }, delay, [&] { return paid_at_least(before + k + 2); });
    if (!ended.killed) {
      ASSERT_EQ(ended.exit, 0) << "the batch failed without a fault (round " << round << ")";
      break;
    }
    ++killed_count;
    SCOPED_TRACE("after kill " + std::to_string(killed_count));
    ExpectConsistent(*killed.store, killed.database->url(), killed.ids, audit_before);
    ASSERT_FALSE(HasFailure());
    const size_t paid_after = killed.ids.size() - Due(*killed.store).size();
    if (paid_after > paid_before && paid_after < killed.ids.size()) ++mid_batch;

  }
  // The batch, resumed on what is still due, to its end.
  const std::vector<int64_t> due = Due(*killed.store);
  if (!due.empty()) {
    Ran rest = RunCommand(PayCommand(killed.database->url(), due));
    ASSERT_EQ(rest.exit, 0) << rest.err;
  }
  ExpectConsistent(*killed.store, killed.database->url(), killed.ids, audit_before);
  const Holdings got = Hold(*killed.store);
  EXPECT_EQ(got.applications, expected.applications);
  EXPECT_EQ(got.decisions, expected.decisions);
  EXPECT_EQ(got.payments, expected.payments) << "payments differ from the unkilled run";
  EXPECT_EQ(got.audit_entries, expected.audit_entries);
  EXPECT_TRUE(Due(*killed.store).empty());
  // The whole batch run again, as an officer might after the crash: every id
  // is skipped (its REF-ID is recorded, nothing is left) and nothing is paid twice.
  Ran again = RunCommand(PayCommand(killed.database->url(), killed.ids));
  EXPECT_EQ(again.exit, 0) << again.out << again.err;
  size_t skipped = 0;
  for (size_t at = again.out.find("skipped"); at != std::string::npos; at = again.out.find("skipped", at + 1)) ++skipped;
  EXPECT_EQ(skipped, killed.ids.size()) << again.out;
  EXPECT_EQ(Hold(*killed.store), got);
  // At least one kill must land inside the batch, not only before it
  // started. (How many kills come before the batch is done depends on how
  // well one payment's time was measured on a loaded machine.)
  EXPECT_GE(killed_count, 1);
  EXPECT_GE(mid_batch, 1) << "no kill fell between payments of the batch; kills " << killed_count;
  std::printf("[ %s ] %d kills (%d mid-batch), one payment %lld us, seed %u\n", GetParam().c_str(), killed_count,
              mid_batch, static_cast<long long>(per_payment.count()), seed);
}

INSTANTIATE_TEST_SUITE_P(Backends, PaymentKillTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
}  // namespace bursar_fault_test
