// Faults: a client retries writes with an Idempotency-Key against a real
// `bursar serve` (SQLite and PostgreSQL). The retry gets the first answer
// back and changes nothing again; the same key with another body is 422;
// concurrent retries of one key apply the change once.
#include <atomic>

#include "fault_test_support.h"

namespace {

using namespace bursar_fault_test;

class IdempotencyTest : public ProgrammeFixture {
 protected:
  httplib::Result PostKeyed(const std::string& who, const std::string& path, const json& body, const std::string& key,
                            httplib::Client* client = nullptr) {
    httplib::Headers h = As(who);
    h.insert({"Idempotency-Key", key});
    if (client) return client->Post(path, h, body.dump(), "application/json");
    return Client().Post(path, h, body.dump(), "application/json");
  }
  int64_t Count(const std::string& sql) {
    auto row = store_->db().QueryOne(sql);
    EXPECT_TRUE(row.ok() && row->has_value());
    return row.ok() && row->has_value() ? (*row)->Int(0) : -1;
  }
};

TEST_P(IdempotencyTest, ARetryReplaysTheFirstAnswerAndChangesNothing) {
  const json create = {{"credit_code", code1_}, {"year", 2024}, {"claim", {{"measure", "03"}, {"assessed", "4200000"}}}};
  const int64_t audit_before = Count("SELECT COUNT(*) FROM audit_log");
  auto first = PostKeyed("app1", "/api/applications", create, "create-1");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 201) << first->body;
  EXPECT_FALSE(first->has_header("Idempotent-Replayed"));
  auto retry = PostKeyed("app1", "/api/applications", create, "create-1");
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->status, 201);
  EXPECT_EQ(retry->body, first->body) << "the stored answer, byte for byte";
  EXPECT_EQ(retry->get_header_value("ETag"), first->get_header_value("ETag"));
  EXPECT_EQ(retry->get_header_value("Idempotent-Replayed"), "true");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM application"), 1) << "created once";
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log"), audit_before + 1) << "one audit entry";

  // The same key for another request is refused and changes nothing.
  json other = create;
  other["year"] = 2022;
  auto reused = PostKeyed("app1", "/api/applications", other, "create-1");
  ASSERT_TRUE(reused);
  EXPECT_EQ(reused->status, 422) << reused->body;
  EXPECT_EQ(ErrorOf(reused)["field"], "Idempotency-Key");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM application"), 1);

  // Keys belong to their account: another account's key of the same name is
  // another key (the officer may create applications too).
  json for_officer = create;
  for_officer["year"] = 2023;
  auto officer = PostKeyed("officer", "/api/applications", for_officer, "create-1");
  ASSERT_TRUE(officer);
  EXPECT_EQ(officer->status, 201) << officer->body;
  EXPECT_FALSE(officer->has_header("Idempotent-Replayed"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM application"), 2);

  // A bad key is a bad request.
  auto bad = PostKeyed("app1", "/api/applications", create, std::string(201, 'k'));
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400) << bad->body;

  // An error answer is kept too: a retried stale change stays 409 without
  // being tried again.
  const int64_t id = Body(first)["id"];
  auto stale = Client().Post(App(id, "/submission"),
                             httplib::Headers{{"Authorization", "Bearer " + tokens_["app1"]},
                                              {"If-Match", "\"999\""},
                                              {"Idempotency-Key", "submit-1"}},
                             "{}", "application/json");
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->status, 409);
  auto stale_again = PostKeyed("app1", App(id, "/submission"), json::object(), "submit-1");
  ASSERT_TRUE(stale_again);
  EXPECT_EQ(stale_again->status, 409) << stale_again->body;
  EXPECT_EQ(stale_again->get_header_value("Idempotent-Replayed"), "true");
  EXPECT_EQ(Body(Get("app1", App(id)))["state"], "draft") << "not submitted by the retry";

  // A decision retried after a lost answer is made once.
  const int64_t reviewed = InReview();
  ASSERT_GT(reviewed, 0);
  auto scored = Client().Put(App(reviewed, "/reviews/alice"), As("alice"),
                             json({{"scores", {{"effectiveness", 82}, {"compliance", 90}}}, {"proposed", "4200000"}, {"opinion", "同意支持。"}}).dump(),
                             "application/json");
  ASSERT_TRUE(scored && scored->status == 200) << (scored ? scored->body : "no answer");
  auto decided = PostKeyed("officer", App(reviewed, "/decisions"), json::object(), "decide-1");
  ASSERT_TRUE(decided);
  ASSERT_EQ(decided->status, 201) << decided->body;
  auto decided_again = PostKeyed("officer", App(reviewed, "/decisions"), json::object(), "decide-1");
  ASSERT_TRUE(decided_again);
  EXPECT_EQ(decided_again->status, 201) << decided_again->body;
  EXPECT_EQ(decided_again->get_header_value("Location"), decided->get_header_value("Location"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM decision WHERE application_id = " + std::to_string(reviewed)), 1);

  Ran verify = RunCommand({kExe, "audit", "verify", "--db", url_});
  EXPECT_EQ(verify.exit, 0) << verify.out << verify.err;
}

TEST_P(IdempotencyTest, ConcurrentRetriesOfOneKeyApplyTheChangeOnce) {
  const json create = {{"credit_code", code1_}, {"year", 2025}, {"claim", {{"measure", "03"}, {"assessed", "1"}}}};
  const int kRetries = 12;
  std::vector<int> statuses(kRetries);
  std::vector<std::string> bodies(kRetries);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kRetries; ++i) {
    threads.emplace_back([&, i] {
      httplib::Client c("127.0.0.1", server_->port());
      c.set_read_timeout(60, 0);
      while (!go) std::this_thread::yield();
      auto r = PostKeyed("app1", "/api/applications", create, "same-key", &c);
      statuses[static_cast<size_t>(i)] = r ? r->status : 0;
      bodies[static_cast<size_t>(i)] = r ? r->body : "";
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  std::string created;
  for (int i = 0; i < kRetries; ++i) {
    // Either the (stored) answer, or 409 while the first one still runs.
    EXPECT_TRUE(statuses[static_cast<size_t>(i)] == 201 || statuses[static_cast<size_t>(i)] == 409)
        << statuses[static_cast<size_t>(i)] << " " << bodies[static_cast<size_t>(i)];
    if (statuses[static_cast<size_t>(i)] == 201) {
      if (created.empty()) created = bodies[static_cast<size_t>(i)];
      EXPECT_EQ(bodies[static_cast<size_t>(i)], created) << "every 201 is the same answer";
    }
  }
  EXPECT_FALSE(created.empty());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM application"), 1) << "applied once";
}

INSTANTIATE_TEST_SUITE_P(Backends, IdempotencyTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
