// Process-level faults for the fault tests (docs/faults.md): a `bursar`
// process killed with SIGKILL at a moment of the test's choosing, a `bursar`
// process whose writes find the disk full, and a snapshot of what a programme
// database holds, to compare before and after.
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <string>
#include <tuple>
#include <vector>

#include "eval/engine.h"
#include "money/exact.h"
#include "fault_test_support.h"

namespace bursar_fault_test {

// A whole number from the environment (the longer, documented runs), or `fallback`.
inline int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  const int n = std::atoi(v);
  return n > 0 ? n : fallback;
}

// Starts `args` (args[0] the program) with stdout and stderr to files under
// `dir`; the child's pid, or -1.
inline pid_t StartCommand(const std::vector<std::string>& args, const fs::path& dir) {
  static int counter = 0;
  return SpawnToFiles(args, (dir / ("child" + std::to_string(++counter) + ".out")).string());
}

// How a killed (or not) child ended.
struct Ended {
  bool killed = false;  // by our SIGKILL
  int exit = -1;        // when it exited by itself
};

// Kills `pid` with SIGKILL `delay` after `ready()` first holds (polled
// every 200 µs), or as soon as `late()` holds during that delay (a bound on
// the delay in the child's own progress, which does not depend on how well
// the delay was measured on a loaded machine), unless the process has
// exited by then.
inline Ended KillWhen(pid_t pid, const std::function<bool()>& ready, std::chrono::microseconds delay,
                      const std::function<bool()>& late = [] { return false; }) {
  int status = 0;
  auto exited = [&] { return waitpid(pid, &status, WNOHANG) == pid; };
  while (!ready()) {
    if (exited()) return {false, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  const auto deadline = std::chrono::steady_clock::now() + delay;
  while (std::chrono::steady_clock::now() < deadline && !late()) {
    if (exited()) return {false, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) return {true, -1};
  return {false, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

// While in scope, processes this one starts (they inherit it through
// posix_spawn and exec) may not write a file past `bytes`: a write there
// fails with EFBIG, which is how a full disk looks to the writer, without
// root, a mount or a real full disk. SIGXFSZ, which would kill the writer
// instead, is ignored (an ignored signal stays ignored across exec). This
// process writes nothing while the limit is lowered: set it around a call
// that starts a child, then it is back.
class ScopedFileSizeLimit {
 public:
  explicit ScopedFileSizeLimit(uint64_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved_);
    old_handler_ = signal(SIGXFSZ, SIG_IGN);
    rlimit lowered = saved_;
    lowered.rlim_cur = static_cast<rlim_t>(bytes);
    ok_ = setrlimit(RLIMIT_FSIZE, &lowered) == 0;
  }
  ~ScopedFileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    signal(SIGXFSZ, old_handler_);
  }
  bool ok() const { return ok_; }
  ScopedFileSizeLimit(const ScopedFileSizeLimit&) = delete;
  ScopedFileSizeLimit& operator=(const ScopedFileSizeLimit&) = delete;

 private:
  rlimit saved_{};
  sighandler_t old_handler_ = SIG_DFL;
  bool ok_ = false;
};

// Gives a running process room again (Linux prlimit): the disk was "freed".
inline bool LiftFileSizeLimit(pid_t pid) {
  rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
  rlimit current{};
  if (prlimit(pid, RLIMIT_FSIZE, nullptr, &current) != 0) return false;
  unlimited.rlim_max = current.rlim_max;
  unlimited.rlim_cur = current.rlim_max;
  return prlimit(pid, RLIMIT_FSIZE, &unlimited, nullptr) == 0;
}

// What a programme database holds that a fault could tear: every
// application's state, every decision in force, every payment, every trade,
// and how long the audit chain is. Two snapshots compare equal when the
// fault changed nothing, or when two runs ended in the same place.
struct Holdings {
  std::vector<std::tuple<int64_t, std::string, int64_t>> applications;  // id, state, version
  std::vector<std::tuple<int64_t, int64_t>> decisions;                  // application, total
  std::vector<std::tuple<int64_t, int64_t, int64_t, std::string, std::string>> payments;
  int64_t trades = 0;
  int64_t audit_entries = 0;
  bool operator==(const Holdings&) const = default;
};

inline Holdings Hold(bursar::store::Store& st) {
  Holdings h;
  auto& db = st.db();
  auto apps = db.Query("SELECT id, state, version FROM application ORDER BY id", {});
  EXPECT_TRUE(apps.ok()) << apps.status().ToString();
  if (apps.ok()) {
    for (const auto& r : *apps) h.applications.emplace_back(r.Int(0), r.Text(1), r.Int(2));
  }
  auto decisions =
      db.Query("SELECT application_id, total_fen FROM decision WHERE in_force = 1 ORDER BY application_id", {});
  EXPECT_TRUE(decisions.ok()) << decisions.status().ToString();
  if (decisions.ok()) {
    for (const auto& r : *decisions) h.decisions.emplace_back(r.Int(0), r.Int(1));
  }
  auto payments = db.Query(
      "SELECT application_id, instalment, amount_fen, paid_on, reference FROM payment "
      "ORDER BY application_id, instalment",
      {});
  EXPECT_TRUE(payments.ok()) << payments.status().ToString();
  if (payments.ok()) {
    for (const auto& r : *payments) h.payments.emplace_back(r.Int(0), r.Int(1), r.Int(2), r.Text(3), r.Text(4));
  }
  auto trades = db.QueryOne("SELECT COUNT(*) FROM trade", {});
  if (trades.ok() && *trades) h.trades = (*trades)->Int(0);
  auto audit = db.QueryOne("SELECT COUNT(*) FROM audit_log", {});
  if (audit.ok() && *audit) h.audit_entries = (*audit)->Int(0);
  return h;
}

// The stages FinalisedProgramme takes its applications to.
enum class Stage { kReadyForDecision, kFinal };

// A programme on the store at `st`: `n` enterprises, each with a measure-03
// application for 2025 reviewed by one reviewer (each proposing a different
// amount, so no two awards are alike). At kFinal each is decided by the real
// engine (as `bursar decide` does), its public notice has ended and it is
// final, and the year's budget is two thirds of the committed total, so D-G6
// scales every award down (with rounding to the fen). The ids, in order.
// Procedural dates are the store's (D-G9), so the notice is published ten
// days ago and the applications become final yesterday, on stores opened at
// `url` with clocks set back: a payment recorded now is dated after both.
inline std::vector<int64_t> FinalisedProgramme(bursar::store::Store& st, const std::string& url, const fs::path& dir,
                                               int n, Stage stage) {
  using bursar::store::testing::Code;
  std::vector<int64_t> ids;
  std::string csv =
      "credit_code,name,registered_in_chaoyang,taxed_in_chaoyang,independent_legal_person,"
      "serious_dishonesty_record,tags\n";
  for (int i = 1; i <= n; ++i) csv += Code(i) + ",Enterprise " + std::to_string(i) + ",true,true,true,false,data_vendor\n";
  const fs::path file = dir / "programme-enterprises.csv";
  WriteFile(file, csv);
  auto imported = st.Import(bursar::store::EvidenceKind::kEnterprises, file.string(), {});
  EXPECT_TRUE(imported.ok()) << imported.status().ToString();
  if (!imported.ok()) return ids;
  for (int i = 1; i <= n; ++i) {
    auto id = st.CreateApplication(Code(i), Code(i), 2025, json{{"measure", "03"}, {"assessed", "5000000"}});
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    if (!id.ok()) return ids;
    EXPECT_TRUE(st.Submit(Code(i), *id).ok());
    EXPECT_TRUE(st.StartReview("officer", *id, {"rev-a"}).ok());
    const int64_t proposed_fen = 30000000 + int64_t{371713} * i;
    char proposed[32];
    std::snprintf(proposed, sizeof proposed, "%lld.%02lld", static_cast<long long>(proposed_fen / 100),
                  static_cast<long long>(proposed_fen % 100));
    EXPECT_TRUE(st.SubmitReview("rev-a", *id, json{{"quality", 80}}, proposed, "评审意见：同意。").ok());
    ids.push_back(*id);
  }
  if (stage == Stage::kReadyForDecision) return ids;

  static const auto engine = bursar::Engine::Load(kPolicy);
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  if (!engine.ok()) return {};
  auto decide = [&](const std::string& /*policy*/, const std::string& case_text) -> bursar::Result<bursar::store::DecisionInput> {
    BURSAR_ASSIGN_OR_RETURN(std::string output, (*engine)->EvaluateText(case_text));
    return bursar::store::DecisionInput{(*engine)->digest(), case_text, std::move(output)};
  };
  auto days_ago = [&](int64_t days) {
    bursar::store::OpenOptions options;
    options.clock = [days] { return bursar::store::FormatStoreTime(std::time(nullptr) - days * 86400); };
    auto opened = bursar::store::Store::Open(url, options);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    return opened.ok() ? std::move(*opened) : nullptr;
  };
  auto ten_days_ago = days_ago(10), yesterday = days_ago(1);
  if (!ten_days_ago || !yesterday) return {};
  for (int64_t id : ids) {
    auto d = ten_days_ago->DecideFromStore("officer", id, decide);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    auto notice = ten_days_ago->PublishNotice("officer", id, 7);
    EXPECT_TRUE(notice.ok()) << notice.ToString();
    auto final = yesterday->Finalise("officer", id);
    EXPECT_TRUE(final.ok()) << final.ToString();
  }
  auto budget = st.Budget(2025);
  EXPECT_TRUE(budget.ok());
  if (!budget.ok()) return {};
  const int64_t committed = budget->total.committed_fen;
  EXPECT_GT(committed, 0) << "the engine awarded nothing: the programme is no test of payments";
  const int64_t cap = committed * 2 / 3 + 7;  // not a round factor: scaling rounds
  EXPECT_TRUE(st.SetBudget("officer", 2025, bursar::Exact::Fen(cap).ToMoneyString()).ok());
  return ids;
}

// `bursar audit verify` on `url` passes.
inline void ExpectAuditVerifies(const std::string& url) {
  Ran verify = RunCommand({kExe, "audit", "verify", "--db", url});
  EXPECT_EQ(verify.exit, 0) << verify.out << verify.err;
}

}  // namespace bursar_fault_test
