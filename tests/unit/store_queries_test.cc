// The store's read-side queries for the HTTP API (queries.cc) and the
// application versions of migration 4, on SQLite and on a real PostgreSQL.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "store/migrations.h"
#include "store/store.h"
#include "store_test_support.h"

namespace bursar::store {
namespace {

using testing::Code;
using testing::PayWithApproval;
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
    now_ = std::make_shared<std::string>(testing::FixedClock());
    options.clock = [now = now_] { return *now; };
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
  std::shared_ptr<std::string> now_;  // the store's clock: UTC, as the store writes it
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
  ASSERT_TRUE(store_->SubmitReview("r1", *id, json{{"x", 50}}, "1000", "评审意见：同意。").ok());
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
  ASSERT_TRUE(store_->PublishNotice("o", *id, 7).ok());
  bumped("notice");
  auto o = store_->FileObjection("p", *id, "why");
  ASSERT_TRUE(o.ok());
  bumped("objection (an objection row only)");
  ASSERT_TRUE(store_->ResolveObjection("o", *o, false, "fine").ok());
  bumped("resolution");
  *now_ = "2025-06-09T04:00:00.000Z";  // the day after the notice's last day
  ASSERT_TRUE(store_->Finalise("o", *id).ok());
  bumped("finalise");
  ASSERT_TRUE(PayWithApproval(*store_, "f", *id, "400.00", "P1").ok());
  bumped("a first instalment (a payment row only)");
  ASSERT_TRUE(PayWithApproval(*store_, "f", *id, "600.00", "P2").ok());
  bumped("the last instalment");
  ASSERT_TRUE(store_->Recover("o", *id, "100.00", "clawback").ok());
  bumped("recover");
  // A failed step changes nothing, the version included.
  EXPECT_FALSE(store_->Submit("a", *id).ok());
  EXPECT_EQ(Version(*id), v);
}

// The count of 2025's applications that `st`'s list gives.
int64_t YearsApplications(Store& st) {
  ApplicationQuery q;
  q.year = 2025;
  auto page = st.ListApplications(q);
  EXPECT_TRUE(page.ok()) << page.status().ToString();
  return page.ok() ? page->total : -1;
}

// A list's count is kept by the audit head it was read at: it follows every
// change, made here or by another connection (another server on the same
// database), and a count read inside a transaction, which sees changes not
// yet committed, is not kept for the head it would have been filed under.
TEST_P(StoreQueriesTest, AListsCountFollowsEveryChangeAndNoUncommittedOne) {
  auto count = [](Store& st) { return YearsApplications(st); };
  AuditQuery by_actor;
  by_actor.actor = "a";
  auto entries = [&](Store& st) {
    auto page = st.ListAudit(by_actor);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? page->total : -1;
  };
  EXPECT_EQ(count(*store_), 0);
  EXPECT_EQ(entries(*store_), 0);
  ASSERT_TRUE(store_->CreateApplication("a", Code(1), 2025, json{{"measure", "03"}, {"assessed", "1000"}}).ok());
  EXPECT_EQ(count(*store_), 1);
  EXPECT_EQ(entries(*store_), 1);
  EXPECT_EQ(count(*store_), 1) << "asked again, unchanged";

  OpenOptions options;
  options.clock = [now = now_] { return *now; };
  auto other = Store::Open(database_->url(), options);
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  ASSERT_TRUE((*other)->CreateApplication("a", Code(2), 2025, json{{"measure", "03"}, {"assessed", "1000"}}).ok());
  EXPECT_EQ(count(*store_), 2) << "another connection's change";
  EXPECT_EQ(entries(*store_), 2);

  {
    auto tx = Transaction::Begin(&store_->db());
    ASSERT_TRUE(tx.ok()) << tx.status().ToString();
    ASSERT_TRUE(store_->db()
                    .Execute("INSERT INTO application (credit_code, year, measure, item, project, claim, state, "
                             "created_at, updated_at) VALUES (?, 2025, '03', '', '', '{}', 'draft', ?, ?)",
                             {Code(3), *now_, *now_})
                    .ok());
    EXPECT_EQ(count(*store_), 3) << "the transaction sees its own row";
  }  // rolled back
  EXPECT_EQ(count(*store_), 2) << "the rolled-back row is not counted under the unchanged head";
  EXPECT_EQ(count(**other), 2);
}

// A deep page of the list in id order starts from an anchor kept by the
// audit head (queries.cc, AnchorAtHead): every page, either way and with a
// filter, is the slice of the whole order, and stays so after changes that
// move every place after them (a submission leaves the drafts, a new
// application comes first from the highest id).
TEST_P(StoreQueriesTest, ADeepPageInIdOrderIsTheSliceOfTheWholeOrder) {
  const int n = 2 * static_cast<int>(kListAnchorEvery) + 500;
  std::string csv =
      "credit_code,name,registered_in_chaoyang,taxed_in_chaoyang,independent_legal_person,"
      "serious_dishonesty_record,tags\n";
  std::vector<std::string> codes;
  for (int i = 4; i < 4 + n; ++i) {
    codes.push_back(Code(i));
    csv += Code(i) + ",Enterprise " + std::to_string(i) + ",true,true,true,false,data_vendor\n";
  }
  auto imported = store_->Import(EvidenceKind::kEnterprises, database_->WriteFile("many.csv", csv), ImportOptions{});
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  ASSERT_TRUE(store_->ProposeApplyFree("officer", 2024, "04", {codes.begin(), codes.begin() + 300}).ok());
  auto proposed = store_->ProposeApplyFree("officer", 2025, "04", codes);
  ASSERT_TRUE(proposed.ok()) << proposed.status().ToString();

  auto expect_slices = [&](const std::string& why) {
    SCOPED_TRACE(why);
    auto rows = store_->db().Query("SELECT id FROM application WHERE year = 2025 AND state = 'draft' ORDER BY id");
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    std::vector<int64_t> ascending;
    for (const Row& r : *rows) ascending.push_back(r.Int(0));
    const auto total = static_cast<int64_t>(ascending.size());
    const int64_t k = kListAnchorEvery;
    for (const std::string sort : {"", "id", "-id"}) {
      std::vector<int64_t> order = ascending;
      if (sort == "-id") std::reverse(order.begin(), order.end());
      for (int64_t offset : {int64_t{0}, k - 1, k, k + 1, 2 * k - 3, 2 * k, total - 5, total - 1, total, total + 9}) {
        ApplicationQuery q;
        q.year = 2025;
        q.state = "draft";
        q.page.sort = sort;
        q.page.limit = 7;
        q.page.offset = offset;
        auto page = store_->ListApplications(q);
        ASSERT_TRUE(page.ok()) << page.status().ToString();
        EXPECT_EQ(page->total, total);
        std::vector<int64_t> got, want;
        for (const ApplicationRow& r : page->items) got.push_back(r.application.id);
        for (int64_t i = offset; i < std::min(offset + 7, total); ++i) want.push_back(order[static_cast<size_t>(i)]);
        EXPECT_EQ(got, want) << "sort '" << sort << "' offset " << offset;
      }
    }
  };
  expect_slices("as proposed");
  ASSERT_TRUE(store_->Submit("enterprise", (*proposed)[3]).ok());
  expect_slices("an early draft submitted");
  ASSERT_TRUE(store_->CreateApplication("a", Code(1), 2025, json{{"measure", "03"}, {"assessed", "1000"}}).ok());
  expect_slices("a new draft with the highest id");
}

// The server's connections share one ListCache: what one kept, another
// finds, and a change by either (the audit head moves) is counted by both;
// a row one of them has not committed is kept by neither.
TEST_P(StoreQueriesTest, ConnectionsSharingAListCacheFollowEachOthersChanges) {
  OpenOptions options;
  options.clock = [now = now_] { return *now; };
  options.list_cache = std::make_shared<ListCache>();
  auto one = Store::Open(database_->url(), options);
  auto two = Store::Open(database_->url(), options);
  ASSERT_TRUE(one.ok() && two.ok());
  auto count = [](Store& st) { return YearsApplications(st); };
  EXPECT_EQ(count(**one), 0);
  EXPECT_EQ(options.list_cache->counts.size(), 1u) << "kept once, for both";
  ASSERT_TRUE((*two)->CreateApplication("a", Code(1), 2025, json{{"measure", "03"}, {"assessed", "1000"}}).ok());
  EXPECT_EQ(count(**one), 1) << "the other connection's change";
  {
    auto tx = Transaction::Begin(&(*two)->db());
    ASSERT_TRUE(tx.ok()) << tx.status().ToString();
    ASSERT_TRUE((*two)->db()
                    .Execute("INSERT INTO application (credit_code, year, measure, item, project, claim, state, "
                             "created_at, updated_at) VALUES (?, 2025, '03', '', '', '{}', 'draft', ?, ?)",
                             {Code(2), *now_, *now_})
                    .ok());
    EXPECT_EQ(count(**two), 2) << "the transaction sees its own row";
  }  // rolled back
  EXPECT_EQ(count(**one), 1);
  EXPECT_EQ(count(**two), 1);
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
  // A page further on, the last one (shorter) and one past the end.
  ASSERT_GE(audit->total, 6);
  auto third = store_->ListAuditNewestFirst(2, 3);
  ASSERT_TRUE(third.ok());
  ASSERT_EQ(third->items.size(), 2u);
  EXPECT_EQ(third->items[0].seq, audit->total - 3);
  EXPECT_EQ(third->items[1].seq, audit->total - 4);
  EXPECT_EQ(third->items[1].prev_digest, (*store_->ListAuditNewestFirst(1, 5)).items.at(0).digest);
  auto last = store_->ListAuditNewestFirst(5, audit->total - 2);
  ASSERT_TRUE(last.ok());
  ASSERT_EQ(last->items.size(), 2u);
  EXPECT_EQ(last->items[0].seq, 2);
  EXPECT_EQ(last->items[1].seq, 1);
  auto past = store_->ListAuditNewestFirst(5, audit->total);
  ASSERT_TRUE(past.ok());
  EXPECT_TRUE(past->items.empty());
  EXPECT_EQ(past->total, audit->total);
}

// Decides application `id` (enterprise `code`, measure `measure`) with one
// award line of `amount`.
void DecideWith(Store& store, int64_t id, const std::string& code, const std::string& measure,
                const std::string& amount) {
  ASSERT_TRUE(store.Submit("a", id).ok());
  ASSERT_TRUE(store.StartReview("o", id, {"r1"}).ok());
  ASSERT_TRUE(store.SubmitReview("r1", id, json{{"x", 50}}, amount, "评审意见：同意。").ok());
  auto c = store.BuildCase(code, 2025, json::array({json{{"measure", measure}, {"assessed", amount}}}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  json output = {{"applicant", code},
                 {"year", 2025},
                 {"total", amount + ".00"},
                 {"awards", json::array({json{{"measure", measure}, {"item", "x"}, {"amount", amount + ".00"}}})}};
  auto d = store.Decide("o", id, DecisionInput{"sha256:x", c->dump(), output.dump()});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
}

// The same on a store at an older migration, whose schema this build's steps
// may not all fit: the submission as that store recorded it, and a case made
// by hand.
void DecideOnAnOlderStore(Store& store, int64_t id, const std::string& code, const std::string& measure,
                          const std::string& amount) {
  ASSERT_TRUE(store.db().Execute("UPDATE application SET state = 'submitted' WHERE id = ?", {id}).ok());
  ASSERT_TRUE(store.StartReview("o", id, {"r1"}).ok());
  ASSERT_TRUE(store.SubmitReview("r1", id, json{{"x", 50}}, amount, "评审意见：同意。").ok());
  json c = {{"year", 2025}, {"applicant", {{"id", code}}}, {"facts", json::object()}};
  json output = {{"applicant", code},
                 {"year", 2025},
                 {"total", amount + ".00"},
                 {"awards", json::array({json{{"measure", measure}, {"item", "x"}, {"amount", amount + ".00"}}})}};
  auto d = store.Decide("o", id, DecisionInput{"sha256:x", c.dump(), output.dump()});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
}

// Enterprises 1..n (data vendors, eligible), imported into `st`.
void ImportEnterprises(Store& st, TestDatabase& db, int n) {
  std::string csv =
      "credit_code,name,registered_in_chaoyang,taxed_in_chaoyang,independent_legal_person,serious_dishonesty_record,"
      "tags\n";
  for (int i = 1; i <= n; ++i) csv += Code(i) + ",Enterprise " + std::to_string(i) + ",true,true,true,false,data_vendor\n";
  auto imported = st.Import(EvidenceKind::kEnterprises, db.WriteFile("e.csv", csv), ImportOptions{});
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
}

// A store of its own on `db` at migration `version`, on `clock`.
std::unique_ptr<Store> StoreAtMigration(TestDatabase& db, int version,
                                        std::function<std::string()> clock = testing::FixedClock) {
  EXPECT_TRUE(db.Create());
  OpenOptions options;
  options.create = true;
  options.allow_pending = true;
  options.clock = std::move(clock);
  auto s = Store::Open(db.url(), options);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  if (!s.ok()) return nullptr;
  auto migrated = (*s)->Migrate("test", version);
  EXPECT_TRUE(migrated.ok()) << migrated.status().ToString();
  return std::move(*s);
}

// The `total` sort reads the decided applications from an index and the
// undecided ones by id (queries.cc, ApplicationsByTotal): every page of it,
// with and without a filter, must be the slice of the one order
// COALESCE(total, -1), id — ties (two totals of 500) by id, a withdrawn
// decision (upheld objection) not counted — and "-total" its exact reverse.
TEST_P(StoreQueriesTest, TheTotalSortPagesAcrossDecidedAndUndecidedApplications) {
  std::vector<int64_t> ids;
  for (int i = 1; i <= 3; ++i) {
    for (const char* m : {"03", "06"}) {
      // Claims above every proposal below: a review never exceeds the claim (A1).
      auto id = store_->CreateApplication("a", Code(i), 2025, json{{"measure", m}, {"assessed", "5000"}});
      ASSERT_TRUE(id.ok()) << id.status().ToString();
      ids.push_back(*id);
    }
  }
  DecideWith(*store_, ids[0], Code(1), "03", "500");
  DecideWith(*store_, ids[1], Code(1), "06", "2000");
  DecideWith(*store_, ids[2], Code(2), "03", "500");
  DecideWith(*store_, ids[4], Code(3), "03", "700");
  ASSERT_TRUE(store_->PublishNotice("o", ids[4], 7).ok());
  auto objection = store_->FileObjection("e", ids[4], "the amount is wrong");
  ASSERT_TRUE(objection.ok()) << objection.status().ToString();
  ASSERT_TRUE(store_->ResolveObjection("o", *objection, true, "upheld").ok());

  // key = the in-force total, or -1.
  const std::map<int64_t, int64_t> key = {{ids[0], 50000}, {ids[1], 200000}, {ids[2], 50000},
                                          {ids[3], -1},    {ids[4], -1},     {ids[5], -1}};
  for (const std::string measure : {"", "03"}) {
    std::vector<int64_t> order;
    for (int64_t id : ids) {
      if (measure.empty() || (id != ids[1] && id != ids[3] && id != ids[5])) order.push_back(id);
    }
    std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      return std::make_pair(key.at(a), a) < std::make_pair(key.at(b), b);
    });
    for (bool desc : {false, true}) {
      std::vector<int64_t> want = order;
      if (desc) std::reverse(want.begin(), want.end());
      for (int64_t limit : {1, 2, 3, 7}) {
        for (int64_t offset = 0; offset <= static_cast<int64_t>(want.size()) + 1; ++offset) {
          ApplicationQuery q;
          q.measure = measure;
          q.page = {limit, offset, desc ? "-total" : "total", ""};
          auto page = store_->ListApplications(q);
          ASSERT_TRUE(page.ok()) << page.status().ToString();
          EXPECT_EQ(page->total, static_cast<int64_t>(want.size()));
          std::vector<int64_t> got, expected;
          for (const auto& row : page->items) {
            got.push_back(row.application.id);
            EXPECT_EQ(row.total_fen.value_or(-1), key.at(row.application.id)) << row.application.id;
          }
          for (int64_t i = offset; i < offset + limit && i < static_cast<int64_t>(want.size()); ++i) {
            expected.push_back(want[static_cast<size_t>(i)]);
          }
          EXPECT_EQ(got, expected) << q.page.sort << " measure '" << measure << "' limit " << limit << " offset "
                                   << offset;
        }
      }
    }
  }
}

// "-field" is the exact reverse of "field": ties (here every application
// has the same year) are broken by id in the sort's direction, so one index
// on (field, id) serves both; the updated_at sort follows the changes.
TEST_P(StoreQueriesTest, ADescendingSortIsTheExactReverseOfTheAscendingOne) {
  std::vector<int64_t> ids;
  for (int i = 1; i <= 3; ++i) {
    auto id = store_->CreateApplication("a", Code(i), 2025, json{{"measure", "03"}, {"assessed", "1000"}});
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    ids.push_back(*id);
  }
  auto list = [&](const std::string& sort) {
    ApplicationQuery q;
    q.page.sort = sort;
    std::vector<int64_t> out;
    auto page = store_->ListApplications(q);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    if (page.ok()) {
      for (const auto& row : page->items) out.push_back(row.application.id);
    }
    return out;
  };
  for (const char* field : {"id", "year", "updated_at", "created_at", "credit_code", "version"}) {
    std::vector<int64_t> up = list(field), down = list(std::string("-") + field);
    EXPECT_EQ(up.size(), 3u) << field;
    std::reverse(down.begin(), down.end());
    EXPECT_EQ(up, down) << field;
  }
  EXPECT_EQ(list("year"), ids) << "one year: by id";
  EXPECT_EQ(list("-year"), std::vector<int64_t>({ids[2], ids[1], ids[0]}));
}

// Keyset paging (PageRequest::after): for every sort that has it, in both
// directions, with and without a filter, walking the list by `next` gives
// exactly the order of the one page that holds them all (ties broken by id:
// every application has year 2025, measures and states repeat), `next` is ""
// on the last page only, and rows added during the walk behind the cursor
// are not seen while those ahead of it are.
TEST_P(StoreQueriesTest, WalkingTheListByNextGivesTheOrderOfTheWholeList) {
  std::vector<int64_t> ids;
  for (int i = 1; i <= 3; ++i) {
    for (const char* m : {"03", "06", "09"}) {
      auto id = store_->CreateApplication("a", Code(i), 2025, json{{"measure", m}, {"assessed", "1000"}});
      ASSERT_TRUE(id.ok()) << id.status().ToString();
      ids.push_back(*id);
    }
  }
  for (size_t i : {0u, 2u, 4u, 5u}) ASSERT_TRUE(store_->Submit("a", ids[i]).ok());
  ASSERT_TRUE(store_->StartReview("o", ids[4], {"rev"}).ok());

  auto whole = [&](ApplicationQuery q) {
    q.page.limit = 500;
    q.page.after = "";
    std::vector<int64_t> out;
    auto page = store_->ListApplications(q);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    if (page.ok()) {
      EXPECT_EQ(page->next, "") << "one page holds them all";
      for (const auto& row : page->items) out.push_back(row.application.id);
    }
    return out;
  };
  auto walk = [&](ApplicationQuery q, int64_t limit) {
    q.page.limit = limit;
    std::vector<int64_t> out;
    for (int pages = 0; pages < 100; ++pages) {
      auto page = store_->ListApplications(q);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) break;
      EXPECT_EQ(page->total, static_cast<int64_t>(whole(q).size()));
      for (const auto& row : page->items) out.push_back(row.application.id);
      if (page->next.empty()) break;
      EXPECT_EQ(static_cast<int64_t>(page->items.size()), limit) << "a page before the last is full";
      q.page.after = page->next;
    }
    return out;
  };
  for (const std::string field : {"", "id", "year", "measure", "state", "credit_code", "created_at", "updated_at",
                                  "version"}) {
    for (const std::string dir : {"", "-"}) {
      if (field.empty() && !dir.empty()) continue;
      for (const std::string measure : {"", "06"}) {
        ApplicationQuery q;
        q.measure = measure;
        q.page.sort = dir + field;
        const std::vector<int64_t> want = whole(q);
        ASSERT_EQ(want.size(), measure.empty() ? 9u : 3u);
        for (int64_t limit : {1, 2, 4, 9}) {
          EXPECT_EQ(walk(q, limit), want) << "sort '" << q.page.sort << "' measure '" << measure << "' limit " << limit;
        }
      }
    }
  }

  // Rows added between pages: after the cursor (a higher id) they are seen,
  // before it (in the -id order) they are not, and nothing repeats.
  ApplicationQuery up;
  up.page.limit = 4;
  ApplicationQuery down = up;
  down.page.sort = "-id";
  auto first_up = store_->ListApplications(up);
  auto first_down = store_->ListApplications(down);
  ASSERT_TRUE(first_up.ok() && first_down.ok());
  ASSERT_NE(first_up->next, "");
  ASSERT_NE(first_down->next, "");
  auto added = store_->CreateApplication("a", Code(1), 2025, json{{"measure", "11"}, {"assessed", "1000"}});
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  std::vector<int64_t> got_up, got_down;
  for (const auto& row : first_up->items) got_up.push_back(row.application.id);
  for (const auto& row : first_down->items) got_down.push_back(row.application.id);
  up.page.after = first_up->next;
  down.page.after = first_down->next;
  for (int64_t id : walk(up, 4)) got_up.push_back(id);
  for (int64_t id : walk(down, 4)) got_down.push_back(id);
  std::vector<int64_t> all = ids;
  all.push_back(*added);
  EXPECT_EQ(got_up, all);
  std::vector<int64_t> before = ids;
  std::reverse(before.begin(), before.end());
  EXPECT_EQ(got_down, before);

  // A token is for its own sort; offset does not go with it; total has none.
  ApplicationQuery bad;
  bad.page.sort = "year";
  bad.page.after = first_up->next;
  EXPECT_EQ(store_->ListApplications(bad).status().field(), "query.after") << "a token of the id sort";
  for (const std::string& token : std::vector<std::string>{"x", "!!!", "WzEsMiwzXQ", std::string(2000, 'A')}) {
    bad.page.after = token;
    EXPECT_EQ(store_->ListApplications(bad).status().field(), "query.after") << token;
  }
  bad = {};
  bad.page.after = first_up->next;
  bad.page.offset = 1;
  EXPECT_EQ(store_->ListApplications(bad).status().field(), "query.offset");
  bad = {};
  bad.page.sort = "-total";
  bad.page.after = first_up->next;
  EXPECT_EQ(store_->ListApplications(bad).status().field(), "query.after");
  bad.page.after = "";
  bad.page.limit = 1;
  auto by_total = store_->ListApplications(bad);
  ASSERT_TRUE(by_total.ok());
  EXPECT_EQ(by_total->next, "") << "the total sort has no next";
}

// Migration 10's indexes give the year, measure and state sorts their order
// (and their descending forms theirs, read backwards) with the list's joins:
// no sort of the applications before the page. On PostgreSQL, with sorting
// disabled for the planner: a plan with a Sort node means no index gives it.
TEST_P(StoreQueriesTest, TheYearMeasureAndStateSortsReadAnIndexInOrder) {
  const bool pg = GetParam() == "postgres";
  if (pg) {
    ASSERT_TRUE(store_->db().ExecScript("SET enable_sort = off").ok());
  }
  const std::map<std::string, std::string> index = {
      {"year", "application_by_year_id"}, {"measure", "application_by_measure"}, {"state", "application_by_state"}};
  for (const auto& [column, name] : index) {
    for (const char* dir : {" ASC", " DESC"}) {
      const std::string sql =
          std::string(pg ? "EXPLAIN " : "EXPLAIN QUERY PLAN ") +
          "SELECT a.id, e.name, d.total_fen FROM application a JOIN enterprise e ON e.credit_code = a.credit_code "
          "LEFT JOIN decision d ON d.application_id = a.id AND d.in_force = 1 ORDER BY a." +
          column + dir + ", a.id" + dir + " LIMIT 20 OFFSET 40";
      auto rows = store_->db().Query(sql);
      ASSERT_TRUE(rows.ok()) << rows.status().ToString();
      std::string plan;
      for (const auto& r : *rows) plan += r.Text(pg ? 0 : 3) + "\n";
      if (pg) {
        EXPECT_EQ(plan.find("Sort"), std::string::npos) << column << dir << ":\n" << plan;
        EXPECT_NE(plan.find("Index"), std::string::npos) << column << dir << ":\n" << plan;
      } else {
        EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << column << dir << ":\n" << plan;
        EXPECT_NE(plan.find("INDEX " + name), std::string::npos) << column << dir << ":\n" << plan;
      }
    }
  }
  if (pg) {
    ASSERT_TRUE(store_->db().ExecScript("RESET enable_sort").ok());
  }
}

// Migration 8's unique index: at most one decision in force per application
// (the list's count relies on it), on both databases.
TEST_P(StoreQueriesTest, TwoDecisionsInForceForOneApplicationAreRefused) {
  auto id = store_->CreateApplication("a", Code(1), 2025, json{{"measure", "03"}, {"assessed", "1000"}});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  DecideWith(*store_, *id, Code(1), "03", "1000");
  const std::string insert =
      "INSERT INTO decision (application_id, policy_digest, case_json, output_json, total_fen, decided_at, "
      "decided_by, in_force) VALUES (?, 'sha256:x', '{}', '{}', 1, '2025-01-01T00:00:00.000Z', 'o', ?)";
  EXPECT_FALSE(store_->db().Execute(insert, {*id, int64_t{1}}).ok()) << "a second decision in force";
  EXPECT_TRUE(store_->db().Execute(insert, {*id, int64_t{0}}).ok()) << "a withdrawn one is fine";
}

// Migration 8 adds its indexes to a store that already holds applications and
// decisions, one of them withdrawn by an upheld objection (so not in force):
// they build, and the lists read through them.
TEST_P(StoreQueriesTest, MigrationEightIndexesAStoreThatHoldsDecisions) {
  TestDatabase older(GetParam());
  auto s = StoreAtMigration(older, 7);
  ASSERT_TRUE(s);
  Store& st = *s;
  ASSERT_NO_FATAL_FAILURE(ImportEnterprises(st, older, 1));
  std::vector<int64_t> ids;
  for (const char* m : {"03", "06"}) {
    auto id = st.CreateApplication("a", Code(1), 2025, json{{"measure", m}, {"assessed", "1000"}});
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    ids.push_back(*id);
  }
  DecideOnAnOlderStore(st, ids[0], Code(1), "03", "300");
  DecideOnAnOlderStore(st, ids[1], Code(1), "06", "400");
  // The second decision withdrawn as an upheld objection withdraws it (the
  // notice's own step writes columns of a later migration than 7).
  ASSERT_TRUE(st.db().Execute("UPDATE decision SET in_force = 0 WHERE application_id = ?", {ids[1]}).ok());
  ASSERT_TRUE(st.db().Execute("UPDATE application SET state = 'in_review' WHERE id = ?", {ids[1]}).ok());

  auto n = st.Migrate("test", 8);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 1);
  // The later migrations on top leave the lists as they are.
  auto rest = st.Migrate("test");
  ASSERT_TRUE(rest.ok()) << rest.status().ToString();
  EXPECT_EQ(*rest, Migrations().back().version - 8);
  ApplicationQuery q;
  q.page.sort = "-total";
  auto page = st.ListApplications(q);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->total, 2);
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].application.id, ids[0]);
  EXPECT_EQ(page->items[0].total_fen, 30000);
  EXPECT_EQ(page->items[1].application.id, ids[1]);
  EXPECT_FALSE(page->items[1].total_fen.has_value()) << "its decision was withdrawn";
}

// Migration 25 indexes the audit log by application: an application's
// history (entries naming it alone, and the proposals naming it in their
// "applications") is the same before the migration, read from the JSON, and
// after it, read from the index; entries written later are indexed on append.
TEST_P(StoreQueriesTest, TheAuditOfAnApplicationIsTheSameFromItsIndex) {
  TestDatabase older(GetParam());
  auto s = StoreAtMigration(older, kAuditByApplicationMigration - 1);
  ASSERT_TRUE(s);
  Store& st = *s;
  ASSERT_NO_FATAL_FAILURE(ImportEnterprises(st, older, 2));
  std::vector<int64_t> ids;
  for (const char* m : {"03", "06"}) {
    auto id = st.CreateApplication("a", Code(1), 2025, json{{"measure", m}, {"assessed", "1000"}});
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    ids.push_back(*id);
  }
  auto proposed = st.ProposeApplyFree("o", 2025, "05", {Code(1), Code(2)});
  ASSERT_TRUE(proposed.ok()) << proposed.status().ToString();
  ASSERT_EQ(proposed->size(), 2u);
  ids.insert(ids.end(), proposed->begin(), proposed->end());
  ASSERT_TRUE(st.Submit("a", ids[0]).ok());
  auto history = [&](int64_t id) {
    AuditQuery q;
    q.application_id = id;
    q.limit = 100;
    auto page = st.ListAudit(q);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    std::vector<int64_t> seqs;
    if (page.ok()) {
      for (const auto& entry : page->items) seqs.push_back(entry.seq);
      EXPECT_EQ(page->total, static_cast<int64_t>(seqs.size()));
    }
    return seqs;
  };
  std::vector<std::vector<int64_t>> before;
  for (int64_t id : ids) before.push_back(history(id));
  EXPECT_EQ(before[0].size(), 2u) << "created and submitted";
  EXPECT_EQ(before[2].size(), 1u) << "named in the proposal's applications";
  EXPECT_EQ(before[2], before[3]) << "one proposal names both";

  auto n = st.Migrate("test");
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  ASSERT_EQ(*n, Migrations().back().version - kAuditByApplicationMigration + 1);
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(history(ids[i]), before[i]) << "application " << ids[i];
  auto rows = st.db().Query("SELECT COUNT(*) FROM audit_application");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[0].Int(0), 5) << "2 + 1 + 1 + 1 entries: the index was filled from the log";
  // Written after the migration: indexed by the trigger.
  ASSERT_TRUE(st.Submit("a", ids[1]).ok());
  EXPECT_EQ(history(ids[1]).size(), 2u);
  EXPECT_EQ(history(ids[0]), before[0]);
}

// The year's budget by measure from its running totals (migration 26) is
// what the rows say: every decision in force at its total, less recoveries;
// payments less recoveries; whether payments began. Checked against a
// recomputation from the rows on a store at migration 25, after the
// migration filled the totals, and after later decisions, a withdrawal, a
// payment and a recovery kept them.
TEST_P(StoreQueriesTest, TheBudgetByMeasureIsWhatTheRowsSay) {
  TestDatabase older(GetParam());
  auto now = std::make_shared<std::string>(testing::FixedClock());
  auto s = StoreAtMigration(older, kMeasureCommittedMigration - 1, [now] { return *now; });
  ASSERT_TRUE(s);
  Store& st = *s;
  ASSERT_NO_FATAL_FAILURE(ImportEnterprises(st, older, 4));
  auto decided = [&](int enterprise, const char* measure, const char* amount) {
    auto id = st.CreateApplication("a", Code(enterprise), 2025, json{{"measure", measure}, {"assessed", amount}});
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    if (!id.ok()) return int64_t{0};
    DecideWith(st, *id, Code(enterprise), measure, amount);
    return *id;
  };
  // What the rows say, as the budget was computed before migration 26.
  auto from_rows = [&] {
    std::map<std::string, std::array<int64_t, 3>> out;  // measure → committed, paid, payments
    auto rows = st.db().Query(
        "SELECT a.measure, COALESCE(d.total_fen, 0), "
        "(SELECT COALESCE(SUM(p.amount_fen), 0) FROM payment p WHERE p.application_id = a.id), "
        "(SELECT COALESCE(SUM(r.amount_fen), 0) FROM recovery r WHERE r.application_id = a.id), "
        "(SELECT COUNT(*) FROM payment p WHERE p.application_id = a.id) "
        "FROM application a LEFT JOIN decision d ON d.application_id = a.id AND d.in_force = 1 WHERE a.year = 2025");
    EXPECT_TRUE(rows.ok());
    for (const auto& r : *rows) {
      if (r.Int(1) == 0 && r.Int(2) == 0 && r.Int(4) == 0) continue;
      auto& line = out[r.Text(0)];
      line[0] += r.Int(1) - r.Int(3);
      line[1] += r.Int(2) - r.Int(3);
      line[2] += r.Int(4);
    }
    return out;
  };
  auto summary = [&] {
    auto b = st.Budget(2025);
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    std::map<std::string, std::array<int64_t, 3>> out;
    bool started = false;
    for (const auto& [measure, line] : b->by_measure) out[measure] = {line.committed_fen, line.paid_fen, 0};
    started = b->payments_started;
    return std::pair{out, started};
  };
  auto expect_agree = [&](const char* when) {
    auto rows = from_rows();
    auto [budget, started] = summary();
    int64_t payments = 0;
    for (auto& [measure, line] : rows) {
      payments += line[2];
      line[2] = 0;
    }
    EXPECT_EQ(budget, rows) << when;
    EXPECT_EQ(started, payments > 0) << when;
  };
  const int64_t a = decided(1, "03", "300");
  const int64_t b = decided(2, "03", "500");
  const int64_t c = decided(3, "06", "700");
  ASSERT_TRUE(st.PublishNotice("o", a, 7).ok());
  *now = "2025-06-09T04:00:00.000Z";
  ASSERT_TRUE(st.Finalise("o", a).ok());
  ASSERT_TRUE(PayWithApproval(st, "f", a, "300.00", "P1").ok());
  ASSERT_TRUE(st.Recover("o", a, "50.00", "clawback").ok());
  expect_agree("before the migration");
  EXPECT_FALSE(from_rows().empty());

  auto n = st.Migrate("test");
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  expect_agree("filled by the migration");
  auto rows = st.db().Query("SELECT COUNT(*) FROM measure_committed WHERE year = 2025");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[0].Int(0), 2) << "03 and 06";

  // Later steps keep it: a decision, a withdrawal, a payment, a recovery.
  decided(4, "06", "900");
  ASSERT_TRUE(st.db().Execute("UPDATE decision SET in_force = 0 WHERE application_id = ?", {b}).ok());
  ASSERT_TRUE(st.PublishNotice("o", c, 7).ok());
  *now = "2025-06-20T04:00:00.000Z";
  ASSERT_TRUE(st.Finalise("o", c).ok());
  ASSERT_TRUE(PayWithApproval(st, "f", c, "700.00", "P2").ok());
  ASSERT_TRUE(st.Recover("o", c, "200.00", "moved out").ok());
  expect_agree("kept by the triggers");
  auto final_budget = st.Budget(2025);
  ASSERT_TRUE(final_budget.ok());
  EXPECT_EQ(final_budget->total.committed_fen, 30000 - 5000 + 70000 - 20000 + 90000);
  EXPECT_EQ(final_budget->total.paid_fen, 30000 - 5000 + 70000 - 20000);
}

// After a bulk change the planner's statistics are refreshed (the import,
// propose and decide commands call it): SQLite's sqlite_stat1 holds the
// tables' indexes, PostgreSQL has analysed them.
TEST_P(StoreQueriesTest, StatisticsAreRefreshedForThePlanner) {
  const bool pg = GetParam() == "postgres";
  auto analysed = [&] {
    auto rows = store_->db().Query(pg ? "SELECT COUNT(*) FROM pg_stat_user_tables WHERE relname = 'trade' "
                                        "AND schemaname = current_schema() AND last_analyze IS NOT NULL"
                                      : "SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'");
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? (*rows)[0].Int(0) : -1;
  };
  EXPECT_EQ(analysed(), 0) << "not analysed by hand before";
  ASSERT_TRUE(store_->RefreshStatistics().ok());
  if (pg) {
    EXPECT_EQ(analysed(), 1);
  } else {
    ASSERT_EQ(analysed(), 1);
    auto rows = store_->db().Query("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'trade'");
    ASSERT_TRUE(rows.ok());
    EXPECT_GT((*rows)[0].Int(0), 0) << "the trade table's indexes have statistics";
  }
}

// A command refreshes the statistics of the tables it wrote only (a decision
// run's, not the district's evidence again); with none named, of all.
TEST_P(StoreQueriesTest, StatisticsAreRefreshedForTheTablesNamed) {
  const bool pg = GetParam() == "postgres";
  ASSERT_NO_FATAL_FAILURE(ImportEnterprises(*store_, *database_, 50));
  std::vector<std::string> codes;
  for (int i = 1; i <= 50; ++i) codes.push_back(Code(i));
  ASSERT_TRUE(store_->ProposeApplyFree("office", 2025, "05", codes).ok());
  auto analysed = [&](const std::string& table) {
    auto rows = store_->db().Query(pg ? "SELECT COUNT(*) FROM pg_stat_user_tables WHERE relname = ? "
                                        "AND schemaname = current_schema() AND last_analyze IS NOT NULL"
                                      : "SELECT COUNT(*) FROM sqlite_master m WHERE m.name = 'sqlite_stat1' "
                                        "AND EXISTS (SELECT 1 FROM sqlite_stat1 WHERE tbl = ?)",
                                   {table});
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? (*rows)[0].Int(0) : -1;
  };
  // PostgreSQL: the application table is vacuumed too, so that its pages are
  // marked all-visible (which pages VACUUM may mark depends on what other
  // sessions of the server have open, so the test asks only that it ran).
  auto vacuumed = [&] {
    auto row = store_->db().QueryOne("SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables "
                                     "WHERE relid = 'application'::regclass");
    EXPECT_TRUE(row.ok() && *row);
    return row.ok() && *row && (*row)->Text(0) == "t";
  };
  if (pg) {
    EXPECT_FALSE(vacuumed());
  }
  ASSERT_TRUE(store_->RefreshStatistics({"application", "no_such_table"}).ok());
  EXPECT_EQ(analysed("application"), 1);
  EXPECT_EQ(analysed("enterprise"), 0) << "not named";
  if (pg) {
    EXPECT_TRUE(vacuumed());
  }
  ASSERT_TRUE(store_->RefreshStatistics().ok());
  EXPECT_EQ(analysed("enterprise"), 1);
}

// A decision run reads the ledgers of a group of enterprises at the start of
// a year, when the statistics were taken with no decision stored: the
// applications must come first. SQLite, left to itself, started from every
// decision in force (decision_by_total), so each group of a run read every
// decision the run had made (docs/performance.md, "The decision run reread
// the run"). PostgreSQL must not read the whole application table either.
TEST_P(StoreQueriesTest, TheLedgersOfAGroupAreReadFromItsApplications) {
  const bool pg = GetParam() == "postgres";
  ASSERT_NO_FATAL_FAILURE(ImportEnterprises(*store_, *database_, 1200));
  std::vector<std::string> codes;
  for (int i = 1; i <= 1200; ++i) codes.push_back(Code(i));
  ASSERT_TRUE(store_->ProposeApplyFree("office", 2025, "05", codes).ok());
  ASSERT_TRUE(store_->RefreshStatistics().ok());
  std::string condition = "a.credit_code IN (";
  std::vector<Param> params;
  for (int i = 1; i <= 200; ++i) {
    condition += i == 1 ? "?" : ", ?";
    params.emplace_back(codes[static_cast<size_t>(i) * 5 - 1]);
  }
  condition += ") AND a.year <= ?";
  params.emplace_back(int64_t{2025});
  std::vector<Row> rows;
  ASSERT_TRUE(store_->db().QuerySpan((pg ? "EXPLAIN " : "EXPLAIN QUERY PLAN ") + LedgerSql(condition), params, &rows).ok());
  std::string plan;
  for (const Row& r : rows) plan += r.Text(pg ? 0 : 3) + "\n";
  if (pg) {
    EXPECT_EQ(plan.find("Seq Scan on application"), std::string::npos) << plan;
  } else {
    EXPECT_EQ(plan.rfind("SEARCH a USING INDEX sqlite_autoindex_application_1", 0), 0u) << plan;
    EXPECT_EQ(plan.find("decision_by_total"), std::string::npos) << plan;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreQueriesTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
}  // namespace bursar::store
