// Faults: a retry with an Idempotency-Key after the database failed at a
// chosen statement, made deterministic with the store's fault points
// (BURSAR_FAULTS, store/fault_database.h) instead of a timed restart
// (pg_restart_test.cc keeps that). Each test arms one point in a real
// `bursar serve` on SQLite and on PostgreSQL, sends a keyed write that meets
// it, and retries at once: the retry must finish the request without waiting
// for a stale claim, and nothing may run twice.
#include <cstdlib>

#include "fault_test_support.h"

namespace {

using namespace bursar_fault_test;

class IdempotencyFaultTest : public ProgrammeFixture {
 protected:
  void SetUp() override { SetUpDatabase(); }  // the server starts in each test, with its fault points

  void Serve(const std::string& faults) {
    setenv("BURSAR_FAULTS", faults.c_str(), 1);
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{"--db", url_});
    unsetenv("BURSAR_FAULTS");
    ASSERT_GT(server_->port(), 0) << "the server did not start";
    EXPECT_FALSE(server_->WaitForLine("\"faults_armed\"", 1s).empty()) << "the server says faults are armed";
  }
  httplib::Result Create(const std::string& key) {
    httplib::Headers h = As("app1");
    h.insert({"Idempotency-Key", key});
    const json body = {{"credit_code", code1_}, {"year", 2025}, {"claim", {{"measure", "03"}, {"assessed", "1"}}}};
    return Client().Post("/api/applications", h, body.dump(), "application/json");
  }
  int64_t Applications() {
    auto row = store_->db().QueryOne("SELECT COUNT(*) FROM application");
    EXPECT_TRUE(row.ok() && row->has_value());
    return row.ok() && row->has_value() ? (*row)->Int(0) : -1;
  }
  int64_t KeyStatus(const std::string& key) {
    auto row = store_->db().QueryOne("SELECT status FROM idempotency_key WHERE owner = 'app1' AND key = ?", {key});
    EXPECT_TRUE(row.ok() && row->has_value());
    return row.ok() && row->has_value() ? (*row)->Int(0) : -2;
  }
  void ExpectAuditVerifies() {
    Ran verify = RunCommand({kExe, "audit", "verify", "--db", url_});
    EXPECT_EQ(verify.exit, 0) << verify.out << verify.err;
  }
};

// The path: the claim's INSERT committed, the answer was lost, the
// request ended 503. The retry on the same server takes the claim over at
// once (it was 409 for a minute before).
TEST_P(IdempotencyFaultTest, AClaimCommittedWithItsAnswerLostIsTakenOverAtOnce) {
  Serve("after|INSERT INTO idempotency_key|1");
  auto first = Create("k1");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 503) << first->body;
  EXPECT_EQ(Applications(), 0) << "the request did not run";
  EXPECT_EQ(KeyStatus("k1"), 0) << "the claim row was left behind";

  auto retry = Create("k1");
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->status, 201) << retry->body;
  EXPECT_FALSE(retry->has_header("Idempotent-Replayed")) << "it ran now, for the first time";
  EXPECT_EQ(Applications(), 1);
  auto again = Create("k1");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 201);
  EXPECT_EQ(again->body, retry->body);
  EXPECT_EQ(again->get_header_value("Idempotent-Replayed"), "true");
  EXPECT_EQ(Applications(), 1) << "created once";
  ExpectAuditVerifies();
}

TEST_P(IdempotencyFaultTest, AClaimThatNeverReachedTheDatabaseIsMadeByTheRetry) {
  Serve("before|INSERT INTO idempotency_key|1");
  auto first = Create("k1");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 503) << first->body;
  EXPECT_EQ(Applications(), 0);
  auto retry = Create("k1");
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->status, 201) << retry->body;
  EXPECT_EQ(Applications(), 1);
  ExpectAuditVerifies();
}

// The change itself committed and the answer to COMMIT was lost: the request
// ended 503, yet the application exists. The claim was marked applied in the
// change's own transaction, so the retry does not create it a second time.
TEST_P(IdempotencyFaultTest, AChangeWhoseCommitAnswerWasLostIsNotRunAgain) {
  Serve("after|COMMIT|1");
  auto first = Create("k1");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 503) << first->body;
  ASSERT_EQ(Applications(), 1) << "the first COMMIT of the server is this request's change";
  EXPECT_EQ(KeyStatus("k1"), -1) << "marked applied in the change's transaction";

  auto retry = Create("k1");
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->status, 409) << retry->body;
  EXPECT_NE(retry->body.find("carried out"), std::string::npos) << retry->body;
  EXPECT_EQ(Applications(), 1) << "not created twice";
  ExpectAuditVerifies();
}

// The request ran and was answered 201, but storing the answer failed: the
// retry gets that answer back from this server, and the store keeps it.
TEST_P(IdempotencyFaultTest, AnAnswerThatCouldNotBeStoredIsReplayedByThisServer) {
  Serve("before|UPDATE idempotency_key SET status = ?|1");
  auto first = Create("k1");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 201) << first->body;
  EXPECT_EQ(KeyStatus("k1"), -1) << "applied, answer not stored";

  auto retry = Create("k1");
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->status, 201) << retry->body;
  EXPECT_EQ(retry->body, first->body);
  EXPECT_EQ(retry->get_header_value("Location"), first->get_header_value("Location"));
  EXPECT_EQ(retry->get_header_value("Idempotent-Replayed"), "true");
  EXPECT_EQ(KeyStatus("k1"), 201) << "the answer is stored now";
  EXPECT_EQ(Applications(), 1) << "created once";
  ExpectAuditVerifies();
}

// A claim of another server is not this server's to take: it stays 409
// until it is stale, whatever this server left behind for other keys.
TEST_P(IdempotencyFaultTest, AnotherRequestsClaimIsNotTakenOver) {
  Serve("after|INSERT INTO idempotency_key|1");
  ASSERT_EQ(Create("k1")->status, 503);  // leaves this server's claim of k1 behind
  // Another server's claim of k2, still running (as far as anyone knows).
  auto put = store_->db().Execute(
      "INSERT INTO idempotency_key (owner, key, fingerprint, status, headers, body, created_at, token) "
      "SELECT owner, 'k2', fingerprint, 0, '', '', created_at, 'another-server' FROM idempotency_key "
      "WHERE owner = 'app1' AND key = 'k1'");
  ASSERT_TRUE(put.ok() && *put == 1) << put.status().ToString();
  auto other = Create("k2");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 409) << other->body;
  EXPECT_NE(other->body.find("still running"), std::string::npos) << other->body;
  EXPECT_EQ(Applications(), 0);
}

TEST_P(IdempotencyFaultTest, AMalformedFaultSpecIsRefusedAtStart) {
  Ran serve = RunCommand({"/usr/bin/env", "BURSAR_FAULTS=sometimes|COMMIT|1", kExe, "serve", "--port", "0", "--db",
                          url_, "--policy", kPolicy, "--secret-file", TestSecretFile()});
  EXPECT_NE(serve.exit, 0);
  EXPECT_NE(serve.err.find("before or after"), std::string::npos) << serve.err;
}

INSTANTIATE_TEST_SUITE_P(Backends, IdempotencyFaultTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
