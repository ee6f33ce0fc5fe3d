// Faults: concurrent officers and reviewers changing the same application
// through two real `bursar serve` processes that share one database (SQLite
// file or PostgreSQL). With the same If-Match, exactly one change wins and
// every other request is 409 conflict; one decision is stored; the audit log
// verifies. The version check runs inside the store's write transaction
// (Store::ExpectVersion), so it holds across processes, not only within one.
#include <atomic>
#include <map>

#include "fault_test_support.h"

namespace {

using namespace bursar_fault_test;

class ConcurrentChangeTest : public ProgrammeFixture {
 protected:
  int64_t AuditEntries() {
    auto row = store_->db().QueryOne("SELECT COUNT(*) FROM audit_log");
    EXPECT_TRUE(row.ok() && row->has_value());
    return row.ok() && row->has_value() ? (*row)->Int(0) : -1;
  }
};

// Fires `n` copies of the same request at the servers, alternating between
// them, all released at once; returns the statuses and bodies.
std::vector<std::pair<int, std::string>> Race(const std::vector<int>& ports, int n,
                                              const std::function<httplib::Result(httplib::Client&)>& send) {
  std::vector<std::pair<int, std::string>> out(static_cast<size_t>(n));
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      httplib::Client c("127.0.0.1", ports[static_cast<size_t>(i) % ports.size()]);
      c.set_read_timeout(60, 0);
      ++ready;
      while (!go) std::this_thread::yield();
      auto r = send(c);
      out[static_cast<size_t>(i)] = r ? std::make_pair(r->status, r->body) : std::make_pair(0, std::string("no answer"));
    });
  }
  while (ready < n) std::this_thread::yield();
  go = true;
  for (auto& t : threads) t.join();
  return out;
}

void ExpectOneWinner(const std::vector<std::pair<int, std::string>>& answers, int won, const std::string& what) {
  int winners = 0, conflicts = 0;
  for (const auto& [status, body] : answers) {
    if (status == won) {
      ++winners;
    } else {
      EXPECT_EQ(status, 409) << what << ": " << body;
      json e = json::parse(body, nullptr, false);
      if (status == 409 && e.is_object()) {
        EXPECT_EQ(e["error"]["code"], "conflict") << body;
      }
      ++conflicts;
    }
  }
  EXPECT_EQ(winners, 1) << what;
  EXPECT_EQ(conflicts, static_cast<int>(answers.size()) - 1) << what;
}

TEST_P(ConcurrentChangeTest, SameIfMatchOnTwoServersExactlyOneWins) {
  ServerProcess second({"--db", url_});
  ASSERT_GT(second.port(), 0) << "the second server did not start";
  const std::vector<int> ports = {server_->port(), second.port()};
  const int kRequests = 16;

  const int64_t id = InReview();
  ASSERT_GT(id, 0);

  // Reviews: every copy would be accepted on its own (a reviewer may revise
  // its scores); with one If-Match only the first may land.
  std::string v = Body(Get("alice", App(id)))["version"].dump();
  const int64_t audit_before = AuditEntries();
  auto reviews = Race(ports, kRequests, [&](httplib::Client& c) {
    return c.Put(App(id, "/reviews/alice"), As("alice", "\"" + v + "\""),
                 json({{"scores", {{"effectiveness", 82}, {"compliance", 90}}}, {"proposed", "4200000"}, {"opinion", "同意支持。"}}).dump(),
                 "application/json");
  });
  ExpectOneWinner(reviews, 200, "review");
  EXPECT_EQ(AuditEntries(), audit_before + 1) << "exactly one change was applied";

  // Decisions: officers on both servers decide at once.
  v = Body(Get("officer", App(id)))["version"].dump();
  auto decisions = Race(ports, kRequests, [&](httplib::Client& c) {
    return c.Post(App(id, "/decisions"), As("officer", "\"" + v + "\""), "{}", "application/json");
  });
  ExpectOneWinner(decisions, 201, "decision");
  auto count = store_->db().QueryOne("SELECT COUNT(*) FROM decision WHERE application_id = ?", {id});
  ASSERT_TRUE(count.ok() && count->has_value());
  EXPECT_EQ((*count)->Int(0), 1) << "one decision stored";
  EXPECT_EQ(Body(Get("officer", App(id)))["state"], "decided");

  Ran verify = RunCommand({kExe, "audit", "verify", "--db", url_});
  EXPECT_EQ(verify.exit, 0) << verify.out << verify.err;
}

// D-G7 across processes (issue 13): 16 decisions of different applications
// of one enterprise, fired at once at two servers sharing the database, each
// assessed at 4,200,000 for measure 03 (at most 5,000,000 an enterprise a
// year, [03.1]). Each decision reads the enterprise's awards in force as its
// history with the enterprise locked, so whatever order they land in, the
// enterprise's total is the cap: 4,200,000 for the first, 800,000 for the
// second, nothing for the rest.
TEST_P(ConcurrentChangeTest, DecisionsOfOneEnterpriseOnTwoServersNeverPassItsCap) {
  ServerProcess second({"--db", url_});
  ASSERT_GT(second.port(), 0) << "the second server did not start";
  const std::vector<int> ports = {server_->port(), second.port()};
  const int kRequests = 16;
  std::vector<int64_t> ids;
  for (int i = 0; i < kRequests; ++i) {
    const int64_t id = InReview("P" + std::to_string(i + 1));
    ASSERT_GT(id, 0);
    auto review = Client().Put(App(id, "/reviews/alice"), As("alice"),
                               json({{"scores", {{"effectiveness", 82}, {"compliance", 90}}}, {"proposed", "4200000"}, {"opinion", "同意支持。"}})
                                   .dump(),
                               "application/json");
    ASSERT_TRUE(review && review->status == 200) << (review ? review->body : "no answer");
    ids.push_back(id);
  }
  std::atomic<size_t> next{0};
  auto decisions = Race(ports, kRequests, [&](httplib::Client& c) {
    return c.Post(App(ids[next++], "/decisions"), As("officer"), "{}", "application/json");
  });
  for (const auto& [status, body] : decisions) EXPECT_EQ(status, 201) << body;

  int64_t total = 0, awarded = 0;
  for (int64_t id : ids) {
    auto row = store_->db().QueryOne("SELECT total_fen FROM decision WHERE application_id = ? AND in_force = 1", {id});
    ASSERT_TRUE(row.ok() && row->has_value()) << "application " << id << " has no decision";
    total += (*row)->Int(0);
    if ((*row)->Int(0) > 0) ++awarded;
  }
  EXPECT_EQ(total, 500000000) << "the enterprise's 2025 total for measure 03 is the cap, RMB 5,000,000";
  EXPECT_EQ(awarded, 2) << "4,200,000 and then the 800,000 left";

  Ran limits = RunCommand({kExe, "audit", "limits", "2025", "--db", url_});
  EXPECT_EQ(limits.exit, 0) << limits.out << limits.err;
  Ran verify = RunCommand({kExe, "audit", "verify", "--db", url_});
  EXPECT_EQ(verify.exit, 0) << verify.out << verify.err;
}

INSTANTIATE_TEST_SUITE_P(Backends, ConcurrentChangeTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
