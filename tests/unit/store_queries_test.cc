// The store's read-side queries for the HTTP API (queries.cc) and the
// application versions of migration 4, on SQLite and on a real PostgreSQL.
#include <gtest/gtest.h>

#include "store/store.h"
#include "store_test_support.h"

namespace bursar::store {
namespace {

using testing::Code;
using testing::TestDatabase;
using json = nlohmann::json;

class StoreQueriesTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database_ = std::make_unique<TestDatabase>(GetParam());
    ASSERT_TRUE(database_->Create());
    OpenOptions options;
    options.create = true;
    options.allow_pending = true;
    options.clock = testing::FixedClock;
    auto s = Store::Open(database_->url(), options);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    ASSERT_TRUE(store_->Migrate("test").ok());
    std::string csv =
        "credit_code,name,registered_in_chaoyang,taxed_in_chaoyang,independent_legal_person,"
        "serious_dishonesty_record,tags\n";
    for (int i = 1; i <= 3; ++i) {
      csv += Code(i) + ",Enterprise " + std::to_string(i) + ",true,true,true,false,data_vendor\n";
    }
    ImportOptions import;
    auto r = store_->Import(EvidenceKind::kEnterprises, database_->WriteFile("e.csv", csv), import);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    auto t = store_->Import(EvidenceKind::kTrades,
                            database_->WriteFile("t.csv",
                                                 "credit_code,exchange,trade_id,date,side,amount,legally_established\n" +
                                                     Code(1) + ",BJDE,T1,2024-05-01,seller,10.00,true\n" + Code(1) +
                                                     ",BJDE,T2,2025-05-01,seller,20.00,true\n"),
                            import);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
  }

  int64_t Version(int64_t id) {
    auto row = store_->GetApplicationRow(id);
    EXPECT_TRUE(row.ok()) << row.status().ToString();
    return row.ok() ? row->version : -1;
  }

  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreQueriesTest, EveryChangeOfAnApplicationOrItsRowsBumpsItsVersion) {
  auto id = store_->CreateApplication("a", Code(1), 2025, json{{"measure", "03"}, {"assessed", "1000"}});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  int64_t v = Version(*id);
  EXPECT_EQ(v, 1);
  auto bumped = [&](const char* step) {
    const int64_t now = Version(*id);
    EXPECT_GT(now, v) << step;
    v = now;
  };
  ASSERT_TRUE(store_->Submit("a", *id).ok());
  bumped("submit");
  ASSERT_TRUE(store_->StartReview("o", *id, {"r1", "r2"}).ok());
  bumped("start review");
  ASSERT_TRUE(store_->DeclareConflict("r2", *id, "a friend").ok());
  bumped("conflict (a review row only)");
  ASSERT_TRUE(store_->SubmitReview("r1", *id, json{{"x", 50}}, "1000").ok());
  bumped("review (a review row only)");
  auto c = store_->BuildCase(Code(1), 2025, json::array({json{{"measure", "03"}, {"assessed", "1000"}}}));
  ASSERT_TRUE(c.ok());
  json output = {{"applicant", Code(1)},
                 {"year", 2025},
                 {"total", "1000.00"},
                 {"awards", json::array({json{{"measure", "03"}, {"item", "services"}, {"amount", "1000.00"}}})}};
  auto d = store_->Decide("o", *id, DecisionInput{"sha256:x", c->dump(), output.dump()});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  bumped("decide");
  ASSERT_TRUE(store_->PublishNotice("o", *id, "2999-01-01").ok());
  bumped("notice");
  auto o = store_->FileObjection("p", *id, "why");
  ASSERT_TRUE(o.ok());
  bumped("objection (an objection row only)");
  ASSERT_TRUE(store_->ResolveObjection("o", *o, false, "fine").ok());
  bumped("resolution");
  ASSERT_TRUE(store_->Finalise("o", *id, "2999-01-02").ok());
  bumped("finalise");
  ASSERT_TRUE(store_->RecordPayment("f", *id, "400.00", "2999-01-03", "P1").ok());
  bumped("a first instalment (a payment row only)");
  ASSERT_TRUE(store_->RecordPayment("f", *id, "600.00", "2999-01-03", "P2").ok());
  bumped("the last instalment");
  ASSERT_TRUE(store_->Recover("o", *id, "100.00", "clawback").ok());
  bumped("recover");
  // A failed step changes nothing, the version included.
  EXPECT_FALSE(store_->Submit("a", *id).ok());
  EXPECT_EQ(Version(*id), v);
}

TEST_P(StoreQueriesTest, ApplicationListsFilterSortAndPage) {
  std::vector<int64_t> ids;
  for (int i = 1; i <= 3; ++i) {
    for (const char* m : {"03", "06"}) {
      auto id = store_->CreateApplication("a", Code(i), 2025, json{{"measure", m}, {"assessed", "1000"}});
      ASSERT_TRUE(id.ok()) << id.status().ToString();
      ids.push_back(*id);
    }
  }
  ASSERT_TRUE(store_->Submit("a", ids[0]).ok());
  ASSERT_TRUE(store_->Submit("a", ids[0 + 2]).ok());
  ASSERT_TRUE(store_->StartReview("o", ids[2], {"rev"}).ok());

  ApplicationQuery q;
  auto all = store_->ListApplications(q);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->total, 6);
  EXPECT_EQ(all->items.front().application.id, ids[0]);
  EXPECT_EQ(all->items.front().enterprise_name, "Enterprise 1");
  EXPECT_FALSE(all->items.front().total_fen.has_value());

  q.page.sort = "-id";
  q.page.limit = 2;
  q.page.offset = 2;
  auto page = store_->ListApplications(q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 6);
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].application.id, ids[3]);
  EXPECT_EQ(page->items[1].application.id, ids[2]);

  ApplicationQuery filtered;
  filtered.measure = "06";
  filtered.credit_code = Code(2);
  auto one = store_->ListApplications(filtered);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->total, 1);
  EXPECT_EQ(one->items[0].application.id, ids[3]);
  ApplicationQuery by_state;
  by_state.state = "submitted";
  EXPECT_EQ(store_->ListApplications(by_state)->total, 1);
  ApplicationQuery by_reviewer;
  by_reviewer.reviewer = "rev";
  auto reviewed = store_->ListApplications(by_reviewer);
  ASSERT_EQ(reviewed->total, 1);
  EXPECT_EQ(reviewed->items[0].application.id, ids[2]);
  EXPECT_TRUE(*store_->IsReviewerOf(ids[2], "rev"));
  EXPECT_FALSE(*store_->IsReviewerOf(ids[0], "rev"));

  ApplicationQuery bad;
  bad.page.sort = "colour; DROP TABLE application";
  auto refused = store_->ListApplications(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().field(), "query.sort");
  bad = {};
  bad.state = "bogus";
  EXPECT_EQ(store_->ListApplications(bad).status().field(), "query.state");
  bad = {};
  bad.page.limit = 501;
  EXPECT_EQ(store_->ListApplications(bad).status().field(), "query.limit");
}

TEST_P(StoreQueriesTest, EnterprisesEvidenceAndAudit) {
  EnterpriseQuery q;
  q.q = "prise 2";
  auto found = store_->ListEnterprises(q);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_EQ(found->total, 1);
  EXPECT_EQ(found->items[0].credit_code, Code(2));
  EnterpriseQuery wild;
  wild.q = "%";
  EXPECT_EQ(store_->ListEnterprises(wild)->total, 0) << "a % in q is a character, not a wildcard";
  EnterpriseQuery sorted;
  sorted.page.sort = "-name";
  EXPECT_EQ(store_->ListEnterprises(sorted)->items[0].credit_code, Code(3));
  EXPECT_FALSE(store_->FindEnterprise("nope")->has_value());

  auto trades = store_->ListEvidence(Code(1), "trades", 2025);
  ASSERT_TRUE(trades.ok()) << trades.status().ToString();
  ASSERT_EQ((*trades)["trades"].size(), 1u);
  EXPECT_EQ((*trades)["trades"][0]["trade_id"], "T2");
  EXPECT_EQ((*trades)["trades"][0]["amount"], "20.00");
  EXPECT_EQ((*trades)["trades"][0]["legally_established"], true);
  auto every = store_->ListEvidence(Code(1), "", 0);
  ASSERT_TRUE(every.ok());
  EXPECT_EQ((*every)["trades"].size(), 2u);
  EXPECT_TRUE((*every).contains("listings"));
  EXPECT_EQ(store_->ListEvidence(Code(1), "rumours", 0).status().field(), "query.kind");

  auto audit = store_->ListAuditNewestFirst(2, 0);
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->items.size(), 2u);
  EXPECT_EQ(audit->total, *store_->AuditHeadSeq());
  EXPECT_EQ(audit->items[0].seq, audit->total);
  EXPECT_EQ(audit->items[1].seq, audit->total - 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreQueriesTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
}  // namespace bursar::store
