// Faults: PostgreSQL restarted under load. The test starts its own
// PostgreSQL cluster (scripts/start-postgres.sh with a private directory and
// port, so no other test's server is touched), runs `bursar serve` on it and
// creates applications from a client thread, each with its own
// Idempotency-Key, while the cluster is stopped and started again. During
// the outage answers are 503 (never 500, never a hang); after it the server
// has reconnected by itself and answers 201 again. Every request that got a
// 503 is retried with its key until it succeeds; then the database holds
// exactly one application per key (nothing lost, nothing doubled, nothing
// half-applied) and `bursar audit verify` passes.
#include <atomic>
#include <cstdlib>
#include <map>

#include "fault_test_support.h"

namespace {

using namespace bursar_fault_test;

class PostgresRestartTest : public ProgrammeFixture {
 protected:
  void SetUp() override {
    // The port lies below the kernel's ephemeral range (32768 and up on
    // Linux), so no server on port 0 and no outgoing connection can take
    // it, not even while the cluster is stopped mid-test. A fixed port
    // held by something else is skipped for the next one.
    pg_dir_ = fs::temp_directory_path() / ("bursar-pg-faults-" + std::to_string(getpid()));
    setenv("BURSAR_PG_DIR", pg_dir_.c_str(), 1);
    Ran started;
    for (int attempt = 0; attempt < 5; ++attempt) {
      const int port = 20000 + static_cast<int>((getpid() + attempt * 997) % 10000);
      setenv("BURSAR_PG_PORT", std::to_string(port).c_str(), 1);
      started = PgCtl("");
      if (started.exit == 0 || started.err.find("already in use") == std::string::npos) break;
    }
    ASSERT_EQ(started.exit, 0) << started.err;
    std::string url = started.out;
    while (!url.empty() && (url.back() == '\n' || url.back() == ' ')) url.pop_back();
    ASSERT_FALSE(url.empty());
    SetUpDatabase(url);
    if (HasFatalFailure()) return;
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{"--db", url_});
    ASSERT_GT(server_->port(), 0) << "the server did not start";
  }
  void TearDown() override {
    ProgrammeFixture::TearDown();
    PgCtl("--stop");
    unsetenv("BURSAR_PG_DIR");
    unsetenv("BURSAR_PG_PORT");
    std::error_code ec;
    fs::remove_all(pg_dir_, ec);
    fs::remove(pg_dir_.string() + ".lock", ec);
  }
  static Ran PgCtl(const std::string& arg) {
    std::vector<std::string> args = {"/usr/bin/env", "bash", kSource + "/scripts/start-postgres.sh"};
    if (!arg.empty()) args.push_back(arg);
    return RunCommand(args);
  }
  fs::path pg_dir_;
};

TEST_P(PostgresRestartTest, RequestsFailCleanlyDuringTheOutageAndSucceedAfter) {
  // One application per request: the project makes each one new.
  auto create = [&](const std::string& key) {
    return json{{"credit_code", code1_},
                {"year", 2025},
                {"claim", {{"measure", "03"}, {"assessed", "1"}, {"project", key}}}};
  };
  std::mutex mu;
  std::map<std::string, int> last_status;  // key → last answer
  std::map<int, int> histogram;            // status → count
  std::atomic<bool> stop{false};
  std::atomic<int> phase{0};  // 0 before the outage, 1 during, 2 after
  std::atomic<int> ok_after{0};
  // The answer's status and body.
  auto send = [&](httplib::Client& c, const std::string& key) {
    httplib::Headers h = As("app1");
    h.insert({"Idempotency-Key", key});
    auto r = c.Post("/api/applications", h, create(key).dump(), "application/json");
    const int status = r ? r->status : 0;
    std::lock_guard<std::mutex> lock(mu);
    last_status[key] = status;
    ++histogram[status];
    if (status == 201 && phase == 2) ++ok_after;
    return std::make_pair(status, r ? r->body : std::string());
  };
  std::thread client([&] {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(30, 0);
    for (int i = 0; !stop; ++i) {
      send(c, "load-" + std::to_string(i));
      std::this_thread::sleep_for(10ms);
    }
  });
  std::this_thread::sleep_for(1s);
  phase = 1;
  Ran stopped = PgCtl("--stop");
  EXPECT_EQ(stopped.exit, 0) << stopped.err;
  std::this_thread::sleep_for(2s);
  Ran restarted = PgCtl("");
  EXPECT_EQ(restarted.exit, 0) << restarted.err;
  phase = 2;
  for (int i = 0; i < 200 && ok_after < 20; ++i) std::this_thread::sleep_for(50ms);
  stop = true;
  client.join();

  // Answers were 201 or 503, nothing else (no 500, no broken connection).
  for (const auto& [status, count] : histogram) {
    EXPECT_TRUE(status == 201 || status == 503) << count << " answers of status " << status;
  }
  EXPECT_GT(histogram[503], 0) << "the outage was seen";
  EXPECT_GE(ok_after.load(), 20) << "the server reconnected by itself";

  // Retrying every failed request with its key completes it exactly once.
  // One whose change committed just as the database went down, its answer
  // lost with the connection, is told so (409 "carried out", as
  // docs/faults.md promises) rather than run again: under the sanitizers'
  // load, CI met this once in a run of ~300 requests.
  httplib::Client c("127.0.0.1", server_->port());
  c.set_read_timeout(30, 0);
  int carried_out = 0;
  for (auto& [key, status] : std::map<std::string, int>(last_status)) {
    if (status == 201) continue;
    const auto [retried, body] = send(c, key);
    if (retried == 409 && body.find("carried out") != std::string::npos) {
      ++carried_out;
      auto made = store_->db().QueryOne("SELECT COUNT(*) FROM application WHERE project = ?", {key});
      if (!made.ok()) made = store_->db().QueryOne("SELECT COUNT(*) FROM application WHERE project = ?", {key});
      ASSERT_TRUE(made.ok() && made->has_value()) << made.status().ToString();
      EXPECT_EQ((*made)->Int(0), 1) << key << ": carried out, so stored once";
      continue;
    }
    EXPECT_EQ(retried, 201) << key << ": " << body;
  }
  auto count = store_->db().QueryOne("SELECT COUNT(*) FROM application");
  if (!count.ok()) {  // the test's own connection saw the restart: reconnects on the next statement
    count = store_->db().QueryOne("SELECT COUNT(*) FROM application");
  }
  ASSERT_TRUE(count.ok() && count->has_value()) << count.status().ToString();
  EXPECT_EQ((*count)->Int(0), static_cast<int64_t>(last_status.size())) << "one application per request";
  std::cerr << "[ figures ] requests " << last_status.size() << ", answers 201: " << histogram[201]
            << ", 503: " << histogram[503] << ", carried out with the answer lost: " << carried_out << "\n";

  Ran verify = RunCommand({kExe, "audit", "verify", "--db", url_});
  EXPECT_EQ(verify.exit, 0) << verify.out << verify.err;
}

INSTANTIATE_TEST_SUITE_P(Backends, PostgresRestartTest, ::testing::Values("postgres"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
