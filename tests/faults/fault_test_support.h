// Shared set-up of the fault tests (tests/faults/): a fresh database (SQLite
// or the real PostgreSQL of BURSAR_TEST_PG_URL) with a small generated
// population, one account per role with an API token, and a running
// `bursar serve` on it.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "../server/server_test_support.h"
#include "../unit/store_test_support.h"

namespace bursar_fault_test {

using namespace bursar_server_test;
using bursar::store::Role;
using nlohmann::json;

class ProgrammeFixture : public ::testing::TestWithParam<std::string> {
 protected:
  // `url` overrides the database (a PostgreSQL the test owns); "" creates one.
  void SetUpDatabase(const std::string& url = "") {
    if (url.empty()) {
      database_ = std::make_unique<bursar::store::testing::TestDatabase>(GetParam());
      ASSERT_TRUE(database_->Create());
      url_ = database_->url();
    } else {
      url_ = url;
    }
    Ran init = RunCommand({kExe, "db", "init", "--db", url_});
    ASSERT_EQ(init.exit, 0) << init.err;
    dir_ = fs::temp_directory_path() / ("bursar-faults-" + std::to_string(getpid()) + "-" + GetParam());
    fs::create_directories(dir_);
    const std::string evidence = (dir_ / "evidence").string();
    Ran gen = RunCommand({"/usr/bin/env", "python3", kSource + "/scripts/gen-evidence.py", evidence, "--enterprises",
                          "10", "--trades", "200", "--seed", "7"});
    ASSERT_EQ(gen.exit, 0) << gen.err;
    for (const char* kind :
         {"enterprises", "listings", "certificates", "fs_inclusions", "trades", "filings", "exports", "projects"}) {
      Ran import = RunCommand({kExe, "import", kind, evidence + "/" + kind + ".csv", "--db", url_});
      ASSERT_EQ(import.exit, 0) << kind << ": " << import.err;
    }
    const std::string csv = ReadFile(evidence + "/enterprises.csv");
    size_t line1 = csv.find('\n') + 1;
    code1_ = csv.substr(line1, csv.find(',', line1) - line1);

    auto opened = bursar::store::Store::Open(url_, TestStoreOptions());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    static const std::string hash = bursar::store::HashPassword("correct horse battery staple").value();
    const std::vector<std::tuple<std::string, Role, std::string>> accounts = {
        {"app1", Role::kApplicant, code1_}, {"alice", Role::kReviewer, ""}, {"officer", Role::kOfficer, ""}};
    for (const auto& [name, role, code] : accounts) {
      auto a = store_->AddAccount("test", name, role, code, hash);
      ASSERT_TRUE(a.ok()) << a.status().ToString();
      auto t = store_->IssueToken("test", name, "test", 1);
      ASSERT_TRUE(t.ok()) << t.status().ToString();
      tokens_[name] = t->token;
    }
  }
  void SetUp() override {
    SetUpDatabase();
    if (HasFatalFailure()) return;
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{"--db", url_});
    ASSERT_GT(server_->port(), 0) << "the server did not start";
  }
  void TearDown() override {
    server_.reset();
    store_.reset();
    database_.reset();
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  httplib::Client Client() {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(60, 0);
    return c;
  }
  httplib::Headers As(const std::string& who, const std::string& if_match = "") {
    httplib::Headers h;
    if (!who.empty()) h.insert({"Authorization", "Bearer " + tokens_[who]});
    if (!if_match.empty()) h.insert({"If-Match", if_match});
    return h;
  }
  httplib::Result Get(const std::string& who, const std::string& path) { return Client().Get(path, As(who)); }
  httplib::Result Post(const std::string& who, const std::string& path, const json& body,
                       const std::string& if_match = "") {
    return Client().Post(path, As(who, if_match), body.dump(), "application/json");
  }
  static json Body(const httplib::Result& r) {
    EXPECT_TRUE(r);
    if (!r) return json();
    json j = json::parse(r->body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r->body;
    return j;
  }
  static std::string App(int64_t id, const std::string& tail = "") {
    return "/api/applications/" + std::to_string(id) + tail;
  }
  // A new measure-03 application of app1 for 2025, submitted and in review by alice
  // (no review submitted yet); its id, or 0 after a test failure. A second
  // application of the enterprise for 03 in one year names another project.
  int64_t InReview(const std::string& project = "") {
    json claim = {{"measure", "03"}, {"assessed", "4200000"}};
    if (!project.empty()) claim["project"] = project;
    auto created = Post("app1", "/api/applications", {{"credit_code", code1_}, {"year", 2025}, {"claim", claim}});
    EXPECT_TRUE(created && created->status == 201) << (created ? created->body : "no answer");
    if (!created || created->status != 201) return 0;
    const int64_t id = Body(created)["id"];
    auto submitted = Post("app1", App(id, "/submission"), json::object());
    EXPECT_TRUE(submitted && submitted->status == 200) << (submitted ? submitted->body : "no answer");
    auto review = Post("officer", App(id, "/review"), {{"reviewers", {"alice"}}});
    EXPECT_TRUE(review && review->status == 200) << (review ? review->body : "no answer");
    return id;
  }

  std::unique_ptr<bursar::store::testing::TestDatabase> database_;
  std::string url_;
  fs::path dir_;
  std::unique_ptr<bursar::store::Store> store_;
  std::map<std::string, std::string> tokens_;
  std::unique_ptr<ServerProcess> server_;
  std::string code1_;
};

}  // namespace bursar_fault_test
