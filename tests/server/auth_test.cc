// Accounts against a real running `bursar serve`, on SQLite and on a real
// PostgreSQL: login, logout, expiry, CSRF, throttling, bearer tokens, and the
// role-by-route walk of the whole route table for every role and for nobody.
#include <sys/stat.h>

#include <map>
#include <optional>
#include <set>

#include "server_test_support.h"
#include "../unit/store_test_support.h"
#include "store/digest.h"

namespace {

using namespace bursar_server_test;
using bursar::store::Role;
using nlohmann::json;

const std::vector<std::string> kRoles = {"applicant", "reviewer", "officer", "auditor", "admin", "finance", "data-bureau"};

class AuthTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database_ = std::make_unique<bursar::store::testing::TestDatabase>(GetParam());
    ASSERT_TRUE(database_->Create());
    Ran init = RunCommand({kExe, "db", "init", "--db", database_->url()});
    ASSERT_EQ(init.exit, 0) << init.err;
    const std::string csv = database_->WriteFile(
        "enterprises.csv",
        "credit_code,name,registered_in_chaoyang,taxed_in_chaoyang,independent_legal_person,"
        "serious_dishonesty_record,tags\n" +
            bursar::store::testing::Code(1) + ",Enterprise 1,true,true,true,false,data_vendor\n");
    Ran import = RunCommand({kExe, "import", "enterprises", csv, "--db", database_->url()});
    ASSERT_EQ(import.exit, 0) << import.err;

    auto opened = bursar::store::Store::Open(database_->url(), TestStoreOptions());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    static const std::string hash = bursar::store::HashPassword(kPassword).value();
    for (const std::string& name : kRoles) {
      Role role = *bursar::store::ParseRole(name);
      auto a = store_->AddAccount("test", name, role, role == Role::kApplicant ? bursar::store::testing::Code(1) : "",
                                  hash);
      ASSERT_TRUE(a.ok()) << a.status().ToString();
      auto t = store_->IssueToken("test", name, "walk", 1);
      ASSERT_TRUE(t.ok()) << t.status().ToString();
      tokens_[name] = t->token;
    }
    auto app = store_->CreateApplication("test", bursar::store::testing::Code(1), 2025,
                                         json{{"measure", "03"}, {"assessed", "1000"}});
    ASSERT_TRUE(app.ok()) << app.status().ToString();
    application_ = *app;
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{"--db", database_->url()});
    ASSERT_GT(server_->port(), 0) << "the server did not start";
  }
  void TearDown() override {
    server_.reset();
    store_.reset();
    database_.reset();
  }

  httplib::Client Client() {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(30, 0);
    return c;
  }
  httplib::Result Login(const std::string& username, const std::string& password) {
    return Client().Post("/api/sessions", json{{"username", username}, {"password", password}}.dump(),
                         "application/json");
  }

  struct Session {
    std::string cookie;  // "bursar_session=..."
    std::string csrf;
  };
  Session LogIn(const std::string& username) {
    auto r = Login(username, kPassword);
    EXPECT_TRUE(r);
    if (!r) return {};
    EXPECT_EQ(r->status, 201) << r->body;
    std::string set_cookie = r->get_header_value("Set-Cookie");
    return {set_cookie.substr(0, set_cookie.find(';')), json::parse(r->body)["csrf_token"].get<std::string>()};
  }
  httplib::Result WhoAmI(const Session& s) { return Client().Get("/api/sessions/current", {{"Cookie", s.cookie}}); }

  std::unique_ptr<bursar::store::testing::TestDatabase> database_;
  std::unique_ptr<bursar::store::Store> store_;
  std::map<std::string, std::string> tokens_;
  std::unique_ptr<ServerProcess> server_;
  int64_t application_ = 0;
};

// Sessions and tokens are bound to the server secret (issue 14 point 4): a
// session row and a token row a database administrator inserts by SQL, for
// the officer, with the SHA-256 of an id of their choosing (what the store
// kept before), sign nobody in; the genuine ones do.
TEST_P(AuthTest, ASessionOrTokenRowInsertedBySqlSignsNobodyIn) {
  auto officer = store_->GetAccount("officer");
  ASSERT_TRUE(officer.ok());
  auto dba = bursar::store::OpenDatabase(database_->url(), false);
  ASSERT_TRUE(dba.ok()) << dba.status().ToString();
  const std::string chosen = "a-session-id-the-dba-chose";
  ASSERT_TRUE((*dba)
                  ->Execute("INSERT INTO session (id_hash, account_id, csrf_token, created_at, expires_at, "
                            "last_seen_at) VALUES (?, ?, 'x', '2020-01-01T00:00:00.000Z', '2999-01-01T00:00:00.000Z', "
                            "'2999-01-01T00:00:00.000Z')",
                            {bursar::store::Sha256Hex(chosen), officer->id})
                  .ok());
  ASSERT_TRUE((*dba)
                  ->Execute("INSERT INTO api_token (id_hash, account_id, name, created_at, expires_at) "
                            "VALUES (?, ?, 'forged', '2020-01-01T00:00:00.000Z', NULL)",
                            {bursar::store::Sha256Hex("bst_forged"), officer->id})
                  .ok());
  auto forged_session = WhoAmI({"bursar_session=" + chosen, ""});
  ASSERT_TRUE(forged_session);
  EXPECT_EQ(forged_session->status, 401) << forged_session->body;
  auto forged_token = Client().Get("/api/sessions/current", {{"Authorization", "Bearer bst_forged"}});
  ASSERT_TRUE(forged_token);
  EXPECT_EQ(forged_token->status, 401) << forged_token->body;

  auto genuine = WhoAmI(LogIn("officer"));
  ASSERT_TRUE(genuine);
  EXPECT_EQ(genuine->status, 200) << genuine->body;
  auto token = Client().Get("/api/sessions/current", {{"Authorization", "Bearer " + tokens_["officer"]}});
  ASSERT_TRUE(token);
  EXPECT_EQ(token->status, 200) << token->body;
}

// The secret file: a server refuses one that others may read, and names it.
TEST_P(AuthTest, TheServerRefusesASecretFileOthersMayRead) {
  const std::string path = database_->WriteFile("readable.secret", std::string(64, 'a') + "\n");
  ASSERT_EQ(chmod(path.c_str(), 0644), 0);
  Ran refused = RunCommand({kExe, "serve", "--port", "0", "--policy", kPolicy, "--db", database_->url(),
                            "--secret-file", path});
  EXPECT_EQ(refused.exit, 2);
  EXPECT_NE(refused.err.find(path), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("chmod 600"), std::string::npos) << refused.err;

  // A missing one is made, for the server's owner only, and the log says so.
  const std::string fresh = database_->WriteFile("placeholder", "") + ".secret";
  ServerProcess made({"--db", database_->url(), "--secret-file", fresh});
  ASSERT_GT(made.port(), 0);
  EXPECT_NE(made.WaitForLine("\"event\":\"secret_created\""), "");
  struct stat st {};
  ASSERT_EQ(stat(fresh.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_P(AuthTest, LoginSetsAStrictSecureHttpOnlyCookieAndWhoAmIAnswers) {
  auto r = Login("officer", kPassword);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 201) << r->body;
  const std::string cookie = r->get_header_value("Set-Cookie");
  EXPECT_EQ(cookie.rfind("bursar_session=", 0), 0u) << cookie;
  for (const char* attribute : {"; HttpOnly", "; Secure", "; SameSite=Strict", "; Path=/", "; Max-Age=28800"}) {
    EXPECT_NE(cookie.find(attribute), std::string::npos) << attribute << " in " << cookie;
  }
  json body = json::parse(r->body);
  EXPECT_EQ(body["account"]["username"], "officer");
  EXPECT_EQ(body["account"]["role"], "officer");
  EXPECT_GE(body["csrf_token"].get<std::string>().size(), 43u);

  Session s{cookie.substr(0, cookie.find(';')), body["csrf_token"]};
  auto me = WhoAmI(s);
  ASSERT_TRUE(me);
  ASSERT_EQ(me->status, 200) << me->body;
  json who = json::parse(me->body);
  EXPECT_EQ(who["account"]["username"], "officer");
  EXPECT_EQ(who["authenticated_by"], "session");
  EXPECT_EQ(who["csrf_token"], s.csrf);

  auto applicant = Login("applicant", kPassword);
  ASSERT_TRUE(applicant);
  EXPECT_EQ(json::parse(applicant->body)["account"]["credit_code"], bursar::store::testing::Code(1));

  auto nobody = Client().Get("/api/sessions/current");
  ASSERT_TRUE(nobody);
  EXPECT_EQ(nobody->status, 401);
  EXPECT_EQ(ErrorOf(nobody)["code"], "unauthenticated");
  EXPECT_EQ(nobody->get_header_value("WWW-Authenticate"), "Bearer realm=\"bursar\"");
  auto forged = WhoAmI({"bursar_session=forged", ""});
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 401);

  // Bad requests are the client's mistakes, not failed logins.
  auto not_json = Client().Post("/api/sessions", "username=officer", "application/x-www-form-urlencoded");
  ASSERT_TRUE(not_json);
  EXPECT_EQ(not_json->status, 415);
  auto no_password = Client().Post("/api/sessions", R"({"username":"officer"})", "application/json");
  ASSERT_TRUE(no_password);
  EXPECT_EQ(no_password->status, 422);
  EXPECT_EQ(ErrorOf(no_password)["field"], "password");
}

TEST_P(AuthTest, LogoutNeedsTheCsrfTokenFromOurOwnOriginAndEndsTheSession) {
  Session s = LogIn("reviewer");
  const std::string host = "127.0.0.1:" + std::to_string(server_->port());
  auto no_token = Client().Delete("/api/sessions/current", {{"Cookie", s.cookie}});
  ASSERT_TRUE(no_token);
  EXPECT_EQ(no_token->status, 403);
  EXPECT_EQ(ErrorOf(no_token)["field"], "header.X-CSRF-Token");
  auto wrong = Client().Delete("/api/sessions/current", {{"Cookie", s.cookie}, {"X-CSRF-Token", s.csrf + "x"}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 403);
  auto elsewhere = Client().Delete("/api/sessions/current", {{"Cookie", s.cookie},
                                                             {"X-CSRF-Token", s.csrf},
                                                             {"Origin", "https://evil.example"}});
  ASSERT_TRUE(elsewhere);
  EXPECT_EQ(elsewhere->status, 403);
  EXPECT_EQ(ErrorOf(elsewhere)["field"], "header.Origin");
  ASSERT_EQ(WhoAmI(s)->status, 200);  // none of those ended it

  auto out = Client().Delete("/api/sessions/current",
                             {{"Cookie", s.cookie}, {"X-CSRF-Token", s.csrf}, {"Origin", "http://" + host}});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 204) << out->body;
  EXPECT_NE(out->get_header_value("Set-Cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(WhoAmI(s)->status, 401);
}

TEST_P(AuthTest, ExpiredAndIdleSessionsAre401) {
  Session absolute = LogIn("auditor");
  Session idle = LogIn("auditor");
  ASSERT_EQ(WhoAmI(absolute)->status, 200);
  ASSERT_EQ(WhoAmI(idle)->status, 200);
  // The clock cannot be moved in a running server; the rows can.
  ASSERT_TRUE(store_->db()
                  .Execute("UPDATE session SET expires_at = '2000-01-01T00:00:00.000Z' WHERE id_hash = ?",
                           {StoredCredentialHash(absolute.cookie.substr(absolute.cookie.find('=') + 1))})
                  .ok());
  ASSERT_TRUE(store_->db()
                  .Execute("UPDATE session SET last_seen_at = '2000-01-01T00:00:00.000Z' WHERE id_hash = ?",
                           {StoredCredentialHash(idle.cookie.substr(idle.cookie.find('=') + 1))})
                  .ok());
  EXPECT_EQ(WhoAmI(absolute)->status, 401);
  EXPECT_EQ(WhoAmI(idle)->status, 401);

  // A password change ends every session of the account.
  Session third = LogIn("auditor");
  ASSERT_EQ(WhoAmI(third)->status, 200);
  ASSERT_TRUE(store_->SetPasswordHash("test", "auditor", bursar::store::HashPassword("a new long password").value())
                  .ok());
  EXPECT_EQ(WhoAmI(third)->status, 401);
}

TEST_P(AuthTest, FailedLoginsAreThrottledPerUsernameAndAddress) {
  auto unknown = Login("nobody", kPassword);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 401);
  for (int i = 0; i < 5; ++i) {
    auto r = Login("admin", "not the password at all");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401) << i;
    // A wrong password and an unknown name get the same answer.
    EXPECT_EQ(ErrorOf(r)["message"], ErrorOf(unknown)["message"]);
  }
  auto throttled = Login("admin", kPassword);  // even the right password
  ASSERT_TRUE(throttled);
  EXPECT_EQ(throttled->status, 429);
  EXPECT_EQ(ErrorOf(throttled)["code"], "too_many_requests");
  const int retry = std::stoi(throttled->get_header_value("Retry-After"));
  EXPECT_GT(retry, 0);
  EXPECT_LE(retry, 900);
  // Another username from the same address is not locked out by them.
  auto other = Login("officer", kPassword);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 201);
}

TEST_P(AuthTest, BearerTokensActAsTheirAccountWithoutCsrf) {
  auto me = Client().Get("/api/sessions/current", {{"Authorization", "Bearer " + tokens_["officer"]}});
  ASSERT_TRUE(me);
  ASSERT_EQ(me->status, 200) << me->body;
  EXPECT_EQ(json::parse(me->body)["authenticated_by"], "token");
  EXPECT_EQ(json::parse(me->body)["account"]["role"], "officer");

  for (const std::string& bad :
       std::vector<std::string>{"Bearer bst_unknown", "Bearer ", "Basic b2ZmaWNlcjpwdw==", tokens_["officer"]}) {
    auto r = Client().Get("/api/sessions/current", {{"Authorization", bad}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401) << bad;
  }
  // No ambient credential, so no CSRF check: a DELETE reaches the handler,
  // which says a token is not a session.
  auto logout = Client().Delete("/api/sessions/current", {{"Authorization", "Bearer " + tokens_["officer"]}});
  ASSERT_TRUE(logout);
  EXPECT_EQ(logout->status, 409) << logout->body;

  ASSERT_TRUE(store_->DisableAccount("test", "officer").ok());
  auto disabled = Client().Get("/api/sessions/current", {{"Authorization", "Bearer " + tokens_["officer"]}});
  ASSERT_TRUE(disabled);
  EXPECT_EQ(disabled->status, 401);
  auto login = Login("officer", kPassword);
  ASSERT_TRUE(login);
  EXPECT_EQ(login->status, 401);
}

// The admin screen's routes, from a browser session: add a reviewer who then
// logs in, set a new password (its sessions end), disable it (login fails);
// every change is in the audit log under the admin's name, and nobody but
// the admin, and no request without the CSRF token, gets that far.
TEST_P(AuthTest, TheAdminAddsResetsDisablesAndEnablesAccounts) {
  Session admin = LogIn("admin");
  const httplib::Headers as_admin = {{"Cookie", admin.cookie}, {"X-CSRF-Token", admin.csrf}};
  const std::string first = "first password of the new reviewer";
  auto added = Client().Post("/api/accounts", as_admin,
                             json{{"username", "rev-new"}, {"role", "reviewer"}, {"password", first}}.dump(),
                             "application/json");
  ASSERT_TRUE(added);
  ASSERT_EQ(added->status, 201) << added->body;
  EXPECT_EQ(added->get_header_value("Location"), "/api/accounts/rev-new");
  json account = json::parse(added->body);
  EXPECT_EQ(account["username"], "rev-new");
  EXPECT_EQ(account["role"], "reviewer");
  EXPECT_EQ(account["disabled"], false);
  EXPECT_FALSE(account.contains("password"));
  EXPECT_FALSE(account.contains("password_hash"));
  EXPECT_TRUE(account.contains("last_login_at") && account["last_login_at"].is_null()) << added->body;

  auto listed = Client().Get("/api/accounts", as_admin);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->status, 200);
  bool found = false;
  const json listed_body = json::parse(listed->body);
  for (const auto& a : listed_body["items"]) {
    if (a["username"] == "rev-new") found = a["role"] == "reviewer" && a.contains("password_changed_at");
  }
  EXPECT_TRUE(found) << listed->body;
  EXPECT_EQ(listed->body.find("argon2"), std::string::npos) << "no hash leaves the store";

  auto rev_login = Login("rev-new", first);
  ASSERT_TRUE(rev_login);
  ASSERT_EQ(rev_login->status, 201) << rev_login->body;
  const std::string rev_cookie = rev_login->get_header_value("Set-Cookie").substr(
      0, rev_login->get_header_value("Set-Cookie").find(';'));
  ASSERT_EQ(Client().Get("/api/sessions/current", {{"Cookie", rev_cookie}})->status, 200);
  // The admin's list: when rev-new last signed in (null before the first).
  auto last_login = [&]() -> json {
    auto r = Client().Get("/api/accounts", as_admin);
    EXPECT_TRUE(r && r->status == 200);
    if (!r) return nullptr;
    const json body = json::parse(r->body);
    for (const auto& a : body["items"]) {
      if (a["username"] == "rev-new") return a.value("last_login_at", json("absent"));
    }
    return "not listed";
  };
  const json first_login = last_login();
  ASSERT_TRUE(first_login.is_string()) << first_login;
  EXPECT_TRUE(bursar::store::ParseStoreTime(first_login.get<std::string>())) << first_login;
  // The list's earlier read, before any login of rev-new, had it null.
  for (const auto& a : listed_body["items"]) {
    if (a["username"] == "rev-new") {
      EXPECT_TRUE(a["last_login_at"].is_null()) << a;
    }
  }

  // Refusals: each names its field, none creates anything.
  auto post = [&](const json& body) {
    return Client().Post("/api/accounts", as_admin, body.dump(), "application/json");
  };
  auto taken = post({{"username", "rev-new"}, {"role", "reviewer"}, {"password", first}});
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->status, 409) << taken->body;
  auto short_password = post({{"username", "rev-short"}, {"role", "reviewer"}, {"password", "short"}});
  ASSERT_TRUE(short_password);
  EXPECT_EQ(short_password->status, 422) << short_password->body;
  EXPECT_EQ(ErrorOf(short_password)["field"], "password");
  // The rule and its figure, for a page to word (issue 15).
  EXPECT_EQ(ErrorOf(short_password)["reason"], "password_too_short");
  EXPECT_EQ(ErrorOf(short_password)["params"]["min"], "12");
  auto no_enterprise = post({{"username", "app-new"}, {"role", "applicant"}, {"password", first}});
  ASSERT_TRUE(no_enterprise);
  EXPECT_EQ(no_enterprise->status, 422);
  EXPECT_EQ(ErrorOf(no_enterprise)["field"], "credit_code");
  auto unknown_enterprise = post(
      {{"username", "app-new"}, {"role", "applicant"}, {"credit_code", bursar::store::testing::Code(2)}, {"password", first}});
  ASSERT_TRUE(unknown_enterprise);
  EXPECT_EQ(unknown_enterprise->status, 404) << unknown_enterprise->body;
  auto bad_role = post({{"username", "x-new"}, {"role", "king"}, {"password", first}});
  ASSERT_TRUE(bad_role);
  EXPECT_EQ(ErrorOf(bad_role)["field"], "role");
  auto extra = post({{"username", "x-new"}, {"role", "officer"}, {"password", first}, {"admin", true}});
  ASSERT_TRUE(extra);
  EXPECT_EQ(ErrorOf(extra)["field"], "admin");
  EXPECT_EQ(ErrorOf(extra)["reason"], "unknown_field");
  auto applicant = post({{"username", "app-new"},
                         {"role", "applicant"},
                         {"credit_code", bursar::store::testing::Code(1)},
                         {"password", first}});
  ASSERT_TRUE(applicant);
  EXPECT_EQ(applicant->status, 201) << applicant->body;
  EXPECT_EQ(json::parse(applicant->body)["credit_code"], bursar::store::testing::Code(1));
  auto without_csrf = Client().Post("/api/accounts", {{"Cookie", admin.cookie}},
                                    json{{"username", "x-new"}, {"role", "officer"}, {"password", first}}.dump(),
                                    "application/json");
  ASSERT_TRUE(without_csrf);
  EXPECT_EQ(without_csrf->status, 403);
  auto by_officer = Client().Post("/api/accounts", {{"Authorization", "Bearer " + tokens_["officer"]}},
                                  json{{"username", "x-new"}, {"role", "officer"}, {"password", first}}.dump(),
                                  "application/json");
  ASSERT_TRUE(by_officer);
  EXPECT_EQ(by_officer->status, 403);

  // A new password: the old one stops working and the reviewer's session ends.
  const std::string second = "second password of the new reviewer";
  auto reset = Client().Put("/api/accounts/rev-new/password", as_admin, json{{"password", second}}.dump(),
                            "application/json");
  ASSERT_TRUE(reset);
  EXPECT_EQ(reset->status, 204) << reset->body;
  EXPECT_EQ(Client().Get("/api/sessions/current", {{"Cookie", rev_cookie}})->status, 401);
  EXPECT_EQ(Login("rev-new", first)->status, 401);
  auto again = Login("rev-new", second);
  ASSERT_TRUE(again);
  ASSERT_EQ(again->status, 201);
  const std::string again_cookie =
      again->get_header_value("Set-Cookie").substr(0, again->get_header_value("Set-Cookie").find(';'));
  const json second_login = last_login();
  ASSERT_TRUE(second_login.is_string()) << second_login;
  EXPECT_GT(second_login.get<std::string>(), first_login.get<std::string>()) << "a login moves last_login_at";
  EXPECT_EQ(Login("rev-new", first)->status, 401);
  EXPECT_EQ(last_login(), second_login) << "a failed login does not";
  auto reset_unknown = Client().Put("/api/accounts/nobody-here/password", as_admin,
                                    json{{"password", second}}.dump(), "application/json");
  ASSERT_TRUE(reset_unknown);
  EXPECT_EQ(reset_unknown->status, 404);

  // Disabled: its session ends and login fails.
  auto self = Client().Patch("/api/accounts/admin", as_admin, json{{"disabled", true}}.dump(), "application/json");
  ASSERT_TRUE(self);
  EXPECT_EQ(self->status, 409) << "an admin does not lock itself out";
  auto disabled = Client().Patch("/api/accounts/rev-new", as_admin, json{{"disabled", true}}.dump(), "application/json");
  ASSERT_TRUE(disabled);
  ASSERT_EQ(disabled->status, 200) << disabled->body;
  EXPECT_EQ(json::parse(disabled->body)["disabled"], true);
  EXPECT_EQ(Client().Get("/api/sessions/current", {{"Cookie", again_cookie}})->status, 401);
  EXPECT_EQ(Login("rev-new", second)->status, 401);
  auto twice = Client().Patch("/api/accounts/rev-new", as_admin, json{{"disabled", true}}.dump(), "application/json");
  ASSERT_TRUE(twice);
  EXPECT_EQ(twice->status, 200) << "disabling a disabled account changes nothing";
  EXPECT_EQ(json::parse(twice->body)["disabled"], true);

  // Enabled again (admin only): the old session stays ended, the password
  // signs in anew, and that login is the new last_login_at.
  auto by_officer_enable = Client().Patch("/api/accounts/rev-new", {{"Authorization", "Bearer " + tokens_["officer"]}},
                                          json{{"disabled", false}}.dump(), "application/json");
  ASSERT_TRUE(by_officer_enable);
  EXPECT_EQ(by_officer_enable->status, 403);
  auto enable_unknown =
      Client().Patch("/api/accounts/nobody-here", as_admin, json{{"disabled", false}}.dump(), "application/json");
  ASSERT_TRUE(enable_unknown);
  EXPECT_EQ(enable_unknown->status, 404);
  auto not_boolean =
      Client().Patch("/api/accounts/rev-new", as_admin, json{{"disabled", "no"}}.dump(), "application/json");
  ASSERT_TRUE(not_boolean);
  EXPECT_EQ(not_boolean->status, 422);
  EXPECT_EQ(ErrorOf(not_boolean)["field"], "disabled");
  EXPECT_EQ(Login("rev-new", second)->status, 401) << "still disabled after the refusals";
  auto enable = Client().Patch("/api/accounts/rev-new", as_admin, json{{"disabled", false}}.dump(), "application/json");
  ASSERT_TRUE(enable);
  ASSERT_EQ(enable->status, 200) << enable->body;
  EXPECT_EQ(json::parse(enable->body)["disabled"], false);
  EXPECT_EQ(json::parse(enable->body)["last_login_at"], second_login);
  auto enable_twice =
      Client().Patch("/api/accounts/rev-new", as_admin, json{{"disabled", false}}.dump(), "application/json");
  ASSERT_TRUE(enable_twice);
  EXPECT_EQ(enable_twice->status, 200) << "enabling an enabled account changes nothing";
  EXPECT_EQ(json::parse(enable_twice->body)["disabled"], false);
  EXPECT_EQ(Client().Get("/api/sessions/current", {{"Cookie", again_cookie}})->status, 401)
      << "enabling does not bring the old session back";
  auto after_enable = Login("rev-new", second);
  ASSERT_TRUE(after_enable);
  ASSERT_EQ(after_enable->status, 201) << after_enable->body;
  const std::string after_enable_cookie = after_enable->get_header_value("Set-Cookie").substr(
      0, after_enable->get_header_value("Set-Cookie").find(';'));
  auto who = Client().Get("/api/sessions/current", {{"Cookie", after_enable_cookie}});
  ASSERT_TRUE(who);
  EXPECT_EQ(who->status, 200);
  EXPECT_EQ(json::parse(who->body)["account"]["username"], "rev-new");
  const json third_login = last_login();
  ASSERT_TRUE(third_login.is_string()) << third_login;
  EXPECT_GT(third_login.get<std::string>(), second_login.get<std::string>());

  // The audit log names the admin for each change, and holds no secret.
  auto audit = Client().Get("/api/audit?limit=100", {{"Authorization", "Bearer " + tokens_["auditor"]}});
  ASSERT_TRUE(audit);
  ASSERT_EQ(audit->status, 200);
  std::map<std::string, int> by_admin;
  const json entries = json::parse(audit->body);
  for (const auto& e : entries["items"]) {
    json change = e["change"].is_string() ? json::parse(e["change"].get<std::string>()) : e["change"];
    if (e["actor"] == "admin" && change.value("username", "") != "admin") by_admin[change["op"].get<std::string>()]++;
  }
  EXPECT_EQ(by_admin["account.add"], 2);
  EXPECT_EQ(by_admin["account.password"], 1);
  EXPECT_EQ(by_admin["account.disable"], 1) << "the second disable changed nothing";
  EXPECT_EQ(by_admin["account.enable"], 1) << "the second enable changed nothing";
  EXPECT_EQ(audit->body.find(first), std::string::npos);
  EXPECT_EQ(audit->body.find(second), std::string::npos);
}

// Issue 14: one admin could create two finance accounts, or reset two
// finance accounts' passwords, and pay alone. Two admins now: one asks,
// another approves; until then nothing signs in with what was asked.
TEST_P(AuthTest, APrivilegedGrantOrResetWaitsForASecondAdmin) {
  ASSERT_TRUE(
      store_->AddAccount("test", "admin-two", Role::kAdmin, "", bursar::store::HashPassword(kPassword).value()).ok());
  const std::string second = store_->IssueToken("test", "admin-two", "walk", 1)->token;
  const httplib::Headers as_admin = {{"Authorization", "Bearer " + tokens_["admin"]}};
  const httplib::Headers as_second = {{"Authorization", "Bearer " + second}};
  const std::string pass = "a finance passphrase of length";
  auto asked = Client().Post("/api/accounts", as_admin,
                             json{{"username", "caiwu-new"}, {"role", "finance"}, {"password", pass}}.dump(),
                             "application/json");
  ASSERT_TRUE(asked);
  ASSERT_EQ(asked->status, 202) << asked->body;
  const json change = json::parse(asked->body);
  EXPECT_EQ(change["state"], "pending");
  EXPECT_EQ(change["requested_by"], "admin");
  EXPECT_FALSE(change.contains("password_hash"));
  EXPECT_EQ(Login("caiwu-new", pass)->status, 401) << "not an account until a second admin approves";
  const std::string approval = "/api/account-changes/" + std::to_string(change["id"].get<int64_t>()) + "/approval";
  auto own = Client().Post(approval, as_admin, json{{"approve", true}}.dump(), "application/json");
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 403) << own->body;
  EXPECT_NE(ErrorOf(own)["message"].get<std::string>().find("two admins"), std::string::npos) << own->body;
  auto listed = Client().Get("/api/account-changes?state=pending", as_second);
  ASSERT_TRUE(listed);
  ASSERT_EQ(json::parse(listed->body)["items"].size(), 1u) << listed->body;
  auto approved = Client().Post(approval, as_second, json{{"approve", true}}.dump(), "application/json");
  ASSERT_TRUE(approved);
  ASSERT_EQ(approved->status, 200) << approved->body;
  EXPECT_EQ(json::parse(approved->body)["decided_by"], "admin-two");
  EXPECT_EQ(Login("caiwu-new", pass)->status, 201);

  // A reset of a privileged account: the old password works until approved.
  const std::string next = "another passphrase, just as long";
  auto reset = Client().Put("/api/accounts/caiwu-new/password", as_admin, json{{"password", next}}.dump(),
                            "application/json");
  ASSERT_TRUE(reset);
  ASSERT_EQ(reset->status, 202) << reset->body;
  EXPECT_EQ(Login("caiwu-new", next)->status, 401);
  EXPECT_EQ(Login("caiwu-new", pass)->status, 201);
  const std::string reset_approval =
      "/api/account-changes/" + std::to_string(json::parse(reset->body)["id"].get<int64_t>()) + "/approval";
  auto no_reason = Client().Post(reset_approval, as_second, json{{"approve", false}}.dump(), "application/json");
  ASSERT_TRUE(no_reason);
  EXPECT_EQ(ErrorOf(no_reason)["field"], "reason") << no_reason->body;
  auto rejected = Client().Post(reset_approval, as_second,
                                json{{"approve", false}, {"reason", "the holder did not ask"}}.dump(), "application/json");
  ASSERT_TRUE(rejected);
  ASSERT_EQ(rejected->status, 200) << rejected->body;
  EXPECT_EQ(json::parse(rejected->body)["state"], "rejected");
  EXPECT_EQ(Login("caiwu-new", next)->status, 401);

  // A role that moves no money, nor evidence, nor accounts: one admin, at once.
  auto reviewer = Client().Post("/api/accounts", as_admin,
                                json{{"username", "rev-zhou"}, {"role", "reviewer"}, {"password", pass}}.dump(),
                                "application/json");
  ASSERT_TRUE(reviewer);
  EXPECT_EQ(reviewer->status, 201) << reviewer->body;
}

// Every route of the route table, for every role and for nobody, by bearer
// token and by session cookie (with its CSRF token): allowed ⇔ the answer is
// 2xx or a 4xx other than 401/403; forbidden ⇔ 401 (nobody) or 403 (a role).
// Issue 14, A4–A6 through the API: an admin's password reset ends the
// account's bearer tokens too; weak passwords are refused naming the rule;
// `ADMIN` is `admin` (taken, and it signs in as `admin`), `admin.` breaks the
// username rule.
TEST_P(AuthTest, AnAdminsResetEndsTokensAndWeakPasswordsAndLookalikeNamesAreRefused) {
  Session admin = LogIn("admin");
  const httplib::Headers as_admin = {{"Cookie", admin.cookie}, {"X-CSRF-Token", admin.csrf}};
  auto whoami = [&](const std::string& token) {
    return Client().Get("/api/sessions/current", {{"Authorization", "Bearer " + token}});
  };
  ASSERT_EQ(whoami(tokens_["auditor"])->status, 200);
  auto put_password = [&](const std::string& user, const std::string& password) {
    return Client().Put("/api/accounts/" + user + "/password", as_admin, json{{"password", password}}.dump(),
                        "application/json");
  };
  for (const auto& [password, rule] : std::vector<std::pair<std::string, std::string>>{
           {"aaaaaaaaaaaa", "repeated"},
           {"abcabcabcabc", "repeated"},
           {"auditor-2025-spring", "username"},
           {"password123456", "common"},
           {"qwertyuiop12", "common"}}) {
    auto weak = put_password("auditor", password);
    ASSERT_TRUE(weak);
    EXPECT_EQ(weak->status, 422) << password << ": " << weak->body;
    EXPECT_EQ(ErrorOf(weak)["field"], "password");
    EXPECT_NE(ErrorOf(weak)["message"].get<std::string>().find(rule), std::string::npos) << weak->body;
    EXPECT_EQ(ErrorOf(weak)["reason"], std::string(rule) == "repeated" ? "password_pattern"
                                       : std::string(rule) == "username" ? "password_has_username"
                                                                         : "password_common")
        << weak->body;
  }
  EXPECT_EQ(whoami(tokens_["auditor"])->status, 200) << "a refused reset changes nothing";
  auto reset = put_password("auditor", "a new and longer passphrase");
  ASSERT_TRUE(reset);
  ASSERT_EQ(reset->status, 204) << reset->body;
  EXPECT_EQ(whoami(tokens_["auditor"])->status, 401) << "the token outlived the password reset";
  EXPECT_EQ(whoami(tokens_["officer"])->status, 200) << "another account's token lives on";

  auto post = [&](const json& body) {
    return Client().Post("/api/accounts", as_admin, body.dump(), "application/json");
  };
  auto upper = post({{"username", "ADMIN"}, {"role", "admin"}, {"password", "a new and longer passphrase"}});
  ASSERT_TRUE(upper);
  EXPECT_EQ(upper->status, 409) << upper->body;
  for (const std::string name : {"admin.", "ad", "\xEF\xBD\x81" "dmin", "adm\xE2\x80\xAEin"}) {
    auto bad = post({{"username", name}, {"role", "admin"}, {"password", "a new and longer passphrase"}});
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->status, 422) << name << ": " << bad->body;
    EXPECT_EQ(ErrorOf(bad)["field"], "username") << bad->body;
  }
  auto weak_new = post({{"username", "rev-gao"}, {"role", "reviewer"}, {"password", "rev-gao-password"}});
  ASSERT_TRUE(weak_new);
  EXPECT_EQ(weak_new->status, 422) << weak_new->body;
  EXPECT_EQ(ErrorOf(weak_new)["field"], "password");
  auto folded = post({{"username", "Rev-Gao"}, {"role", "reviewer"}, {"password", "a new and longer passphrase"}});
  ASSERT_TRUE(folded);
  ASSERT_EQ(folded->status, 201) << folded->body;
  EXPECT_EQ(json::parse(folded->body)["username"], "rev-gao");
  auto as_upper = Login("ADMIN", kPassword);
  ASSERT_TRUE(as_upper);
  ASSERT_EQ(as_upper->status, 201) << as_upper->body;
  EXPECT_EQ(json::parse(as_upper->body)["account"]["username"], "admin");
}

TEST_P(AuthTest, EveryRouteForEveryRole) {
  // The rules themselves, written out here so that loosening one fails a test.
  const std::map<std::string, std::set<std::string>> expected_rules = {
      {"get /api/sessions/current", {"applicant", "reviewer", "officer", "auditor", "admin", "finance", "data-bureau"}},
      {"delete /api/sessions/current", {"applicant", "reviewer", "officer", "auditor", "admin", "finance", "data-bureau"}},
      {"get /api/accounts", {"admin"}},
      {"post /api/accounts", {"admin"}},
      {"patch /api/accounts/{username}", {"admin"}},
      {"put /api/accounts/{username}/password", {"admin"}},
      {"get /api/account-changes", {"admin"}},
      {"post /api/account-changes/{id}/approval", {"admin"}},
      {"get /api/audit/verification", {"officer", "auditor"}},
      // The programme (docs/http-api.md): readers are applicants (own
      // enterprise), reviewers (assigned), officers and auditors.
      {"get /api/applications", {"applicant", "reviewer", "officer", "auditor", "finance"}},
      {"post /api/applications", {"applicant", "officer"}},
      {"get /api/applications/{id}", {"applicant", "reviewer", "officer", "auditor", "finance"}},
      {"patch /api/applications/{id}", {"applicant"}},
      {"delete /api/applications/{id}", {"applicant"}},
      {"post /api/applications/{id}/submission", {"applicant", "officer"}},
      // Files: the applicant adds them; its reviewers and officers read them,
      // auditors see their list and digests.
      {"get /api/applications/{id}/attachments", {"applicant", "reviewer", "officer", "auditor"}},
      {"post /api/applications/{id}/attachments", {"applicant"}},
      {"get /api/applications/{id}/attachments/{attachment}", {"applicant", "reviewer", "officer"}},
      {"delete /api/applications/{id}/attachments/{attachment}", {"applicant"}},
      {"post /api/applications/{id}/review", {"officer"}},
      {"get /api/reviewers", {"officer"}},
      {"put /api/applications/{id}/reviews/{reviewer}", {"reviewer"}},
      {"post /api/applications/{id}/conflicts", {"reviewer"}},
      {"post /api/applications/{id}/decisions", {"officer"}},
      {"get /api/decisions/{id}", {"applicant", "reviewer", "officer", "auditor", "finance"}},
      {"post /api/decisions/{id}/replays", {"officer", "auditor"}},
      {"get /api/decisions/{id}/letter", {"applicant", "officer", "auditor"}},
      {"post /api/applications/{id}/notice", {"officer"}},
      {"post /api/applications/{id}/objections", {"applicant", "reviewer", "officer"}},
      {"get /api/objections", {"officer", "auditor"}},
      {"post /api/objections/{id}/resolution", {"officer"}},
      {"post /api/applications/{id}/finalisation", {"officer"}},
      // Separation of duties: finance pays, a second finance account approves.
      {"post /api/applications/{id}/payments", {"finance"}},
      {"get /api/payment-orders", {"finance", "officer", "auditor"}},
      {"post /api/payment-orders/{id}/approval", {"finance"}},
      {"get /api/applications/{id}/payments/{instalment}/notice", {"applicant", "officer", "auditor", "finance"}},
      {"get /api/payments", {"applicant", "officer", "auditor", "finance"}},
      {"get /api/payments.csv", {"officer", "auditor"}},
      {"get /api/payments.xlsx", {"officer", "auditor"}},
      {"post /api/applications/{id}/recovery", {"officer"}},
      {"get /api/enterprises", {"applicant", "reviewer", "officer", "auditor", "finance", "data-bureau"}},
      {"get /api/enterprises/{code}", {"applicant", "reviewer", "officer", "auditor", "finance", "data-bureau"}},
      {"get /api/enterprises/{code}/facts", {"applicant", "reviewer", "officer", "auditor", "finance"}},
      {"get /api/enterprises/{code}/evidence", {"applicant", "reviewer", "officer", "auditor", "finance"}},
      {"post /api/evidence/{kind}", {"applicant", "data-bureau"}},
      {"post /api/evidence/{kind}/verification", {"officer"}},
      {"get /api/evidence/{kind}/sample", {"applicant", "data-bureau"}},
      {"get /api/master-changes", {"auditor", "data-bureau", "officer"}},
      {"post /api/master-changes/{id}/approval", {"data-bureau", "officer"}},
      {"post /api/proposals", {"officer"}},
      {"get /api/budgets/{year}", {"officer", "auditor"}},
      {"put /api/budgets/{year}", {"officer"}},
      {"post /api/simulations", {"officer", "auditor"}},
      {"get /api/audit", {"officer", "auditor"}},
      {"get /api/audit/limits/{year}", {"officer", "auditor"}},
      {"get /api/audit/declarations", {"officer", "auditor"}},
  };
  // Public: the notice (公示) and its exports, the office's contact, besides the engine's routes.
  std::set<std::string> public_routes;
  for (const auto& route : bursar::server::RouteTable()) {
    if (route.public_route) public_routes.insert(route.method + " " + route.path);
  }
  EXPECT_EQ(public_routes, (std::set<std::string>{"get /healthz", "get /api/openapi.json", "get /api/policies", "get /api/policy",
                                                  "get /api/policy/clauses", "get /api/policy/measures/{id}",
                                                  "post /api/evaluations", "post /api/sessions", "get /api/notices",
                                                  "get /api/notices.csv", "get /api/notices.xlsx",
                                                  "get /api/notices/document", "get /api/office"}));
  std::map<std::string, std::set<std::string>> rules;
  for (const auto& route : bursar::server::RouteTable()) {
    if (route.public_route) continue;
    auto& roles = rules[route.method + " " + route.path];
    for (Role r : route.roles) roles.insert(bursar::store::RoleName(r));
  }
  EXPECT_EQ(rules, expected_rules);

  const std::string example = ReadFile(kSource + "/examples/cases-md-example.json");
  std::vector<std::string> callers = {""};  // nobody
  callers.insert(callers.end(), kRoles.begin(), kRoles.end());
  for (const char* mode : {"bearer", "cookie"}) {
    for (const std::string& role : callers) {
      // One session per role, signed in again after the walk's logout ends it
      // (each sign-in is an Argon2id hash of 64 MiB: one per request made
      // this test a minute and a half).
      std::optional<Session> session;
      for (const auto& route : bursar::server::RouteTable()) {
        httplib::Headers headers;
        if (!role.empty() && std::string(mode) == "bearer") headers.insert({"Authorization", "Bearer " + tokens_[role]});
        if (!role.empty() && std::string(mode) == "cookie") {
          if (!session) session = LogIn(role);
          headers.insert({"Cookie", session->cookie});
          headers.insert({"X-CSRF-Token", session->csrf});
          if (route.method == "delete" && route.path == "/api/sessions/current") session.reset();
        }
        // Path parameters name real things: the applicant's own application
        // and enterprise (ownership is walked in programme_test.cc).
        std::string path = route.path;
        const std::string id = path.rfind("/api/applications/", 0) == 0 ? std::to_string(application_) : "04";
        for (const auto& [param, value] : std::vector<std::pair<std::string, std::string>>{
                 {"{id}", id},
                 {"{code}", bursar::store::testing::Code(1)},
                 {"{kind}", "trades"},
                 {"{reviewer}", "reviewer"},
                 {"{instalment}", "1"},
                 // No such account: the walk must not disable or re-key its own callers.
                 {"{username}", "nobody-here"},
                 {"{year}", "2025"}}) {
          if (size_t brace = path.find(param); brace != std::string::npos) path.replace(brace, param.size(), value);
        }
        httplib::Result r = [&] {
          if (route.method == "get") return Client().Get(path, headers);
          if (route.method == "delete") return Client().Delete(path, headers);
          const std::string body = route.path == "/api/sessions" ? "{}" : example;
          if (route.method == "put") return Client().Put(path, headers, body, "application/json");
          if (route.method == "patch") return Client().Patch(path, headers, body, "application/json");
          return Client().Post(path, headers, body, "application/json");
        }();
        const std::string what = std::string(mode) + " " + (role.empty() ? "nobody" : role) + " " + route.method +
                                 " " + route.path;
        ASSERT_TRUE(r) << what;
        bool allowed = route.public_route;
        for (Role allowed_role : route.roles) allowed = allowed || role == bursar::store::RoleName(allowed_role);
        if (allowed) {
          EXPECT_TRUE(r->status / 100 == 2 || (r->status / 100 == 4 && r->status != 401 && r->status != 403))
              << what << ": " << r->status << " " << r->body;
        } else {
          EXPECT_EQ(r->status, role.empty() ? 401 : 403) << what << ": " << r->body;
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, AuthTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

TEST(AuthWithoutStore, RoutesBehindALoginAre503) {
  ServerProcess server({});
  ASSERT_GT(server.port(), 0);
  httplib::Client c("127.0.0.1", server.port());
  auto r = c.Get("/api/sessions/current", {{"Authorization", "Bearer bst_x"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  auto health = c.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

}  // namespace
