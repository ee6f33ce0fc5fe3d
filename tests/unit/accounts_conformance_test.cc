// Accounts, sessions, tokens and login throttling in the store, on SQLite and
// on a real PostgreSQL (the same conformance set-up as the rest of the store).
#include <gtest/gtest.h>

#include <memory>

#include "store/accounts.h"
#include "store/digest.h"
#include "store/store.h"
#include "store_test_support.h"

namespace bursar::store {
namespace {

using testing::Code;
using testing::TestDatabase;

const std::string kKey(32, 'k');  // the server secret's key (store/secret.h)

class AccountsTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database_ = std::make_unique<TestDatabase>(GetParam());
    ASSERT_TRUE(database_->Create());
    OpenOptions options;
    options.create = true;
    options.allow_pending = true;
    auto now = now_;
    options.clock = [now] { return *now; };
    options.credential_key = kKey;
    auto s = Store::Open(database_->url(), options);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    ASSERT_TRUE(store_->Migrate("test").ok());
    const std::string csv =
        "credit_code,name,registered_in_chaoyang,taxed_in_chaoyang,independent_legal_person,"
        "serious_dishonesty_record,tags\n" +
        Code(1) + ",Enterprise 1,true,true,true,false,data_vendor\n";
    ImportOptions import;
    import.actor = "test";
    ASSERT_TRUE(store_->Import(EvidenceKind::kEnterprises, database_->WriteFile("e.csv", csv), import).ok());
  }

  // One hash for the whole suite: argon2id takes 0.1 s a time.
  static const std::string& Hash() {
    static const std::string hash = HashPassword("correct horse battery").value();
    return hash;
  }

  std::string LastAuditChange() {
    auto row = store_->db().QueryOne("SELECT change FROM audit_log ORDER BY seq DESC LIMIT 1");
    EXPECT_TRUE(row.ok() && *row);
    return row.ok() && *row ? (*row)->Text(0) : "";
  }
  int64_t Count(const std::string& sql) {
    auto row = store_->db().QueryOne(sql);
    EXPECT_TRUE(row.ok() && *row);
    return row.ok() && *row ? (*row)->Int(0) : -1;
  }
  void Advance(int64_t seconds) { *now_ = FormatStoreTime(ParseStoreTime(*now_).value() + seconds); }

  std::shared_ptr<std::string> now_ = std::make_shared<std::string>("2025-06-01T08:00:00.000Z");
  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<Store> store_;
};

TEST_P(AccountsTest, PasswordsAreArgon2idAndAtLeastTwelveCharacters) {
  EXPECT_EQ(Hash().rfind("$argon2id$", 0), 0u) << Hash();
  EXPECT_TRUE(VerifyPassword(Hash(), "correct horse battery"));
  EXPECT_FALSE(VerifyPassword(Hash(), "correct horse batterY"));
  EXPECT_FALSE(PasswordNeedsRehash(Hash()));
  auto short_one = HashPassword("elevenchars");
  ASSERT_FALSE(short_one.ok());
  EXPECT_EQ(short_one.status().field(), "password");
}

TEST_P(AccountsTest, AddingAnAccountIsAuditedWithoutItsHash) {
  auto a = store_->AddAccount("admin1", "alice", Role::kApplicant, Code(1), Hash());
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->credit_code, Code(1));
  const std::string change = LastAuditChange();
  EXPECT_NE(change.find("account.add"), std::string::npos);
  EXPECT_NE(change.find("alice"), std::string::npos);
  EXPECT_EQ(change.find("argon2"), std::string::npos) << change;

  auto again = store_->AddAccount("admin1", "alice", Role::kOfficer, "", Hash());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);

  // An applicant needs a stored enterprise; the other roles take none.
  EXPECT_EQ(store_->AddAccount("a", "bob", Role::kApplicant, "", Hash()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->AddAccount("a", "bob", Role::kApplicant, Code(2), Hash()).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->AddAccount("a", "bob", Role::kOfficer, Code(1), Hash()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->AddAccount("a", "bad name", Role::kOfficer, "", Hash()).status().code(),
            StatusCode::kInvalidArgument);

  auto login = store_->LoginRecord("alice");
  ASSERT_TRUE(login.ok() && *login);
  EXPECT_EQ((*login)->second, Hash());
  EXPECT_FALSE(store_->LoginRecord("nobody")->has_value());
  auto v = store_->VerifyAudit();
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->problem;
}

// Sessions and tokens are bound to the server secret (issue 14 point 4): what
// is stored is HMAC-SHA256 under its key, so a row a database administrator
// inserts by hand -- with the plain SHA-256 of an id of their choosing, or
// with an HMAC under any other key -- is no session and no token; and a store
// opened without the key opens, issues and finds none.
TEST_P(AccountsTest, ARowInsertedByHandIsNoSessionAndNoToken) {
  auto a = store_->AddAccount("admin1", "olga", Role::kOfficer, "", Hash());
  ASSERT_TRUE(a.ok());
  auto genuine = store_->OpenSession("olga", a->id, {});
  ASSERT_TRUE(genuine.ok()) << genuine.status().ToString();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM session WHERE id_hash = '" + HmacSha256Hex(kKey, genuine->id) + "'"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM session WHERE id_hash = '" + Sha256Hex(genuine->id) + "'"), 0);

  auto dba = OpenDatabase(database_->url(), false);
  ASSERT_TRUE(dba.ok()) << dba.status().ToString();
  const std::string chosen = "forged-session-id-of-the-dbas-choosing";
  const std::string other_key(32, 'x');
  for (const std::string& id_hash : {Sha256Hex(chosen), HmacSha256Hex(other_key, chosen + "2")}) {
    ASSERT_TRUE((*dba)
                    ->Execute("INSERT INTO session (id_hash, account_id, csrf_token, created_at, expires_at, "
                              "last_seen_at) VALUES (?, ?, 'x', '2025-06-01T08:00:00.000Z', "
                              "'2999-01-01T00:00:00.000Z', '2025-06-01T08:00:00.000Z')",
                              {id_hash, a->id})
                    .ok());
  }
  for (const std::string& token_hash : {Sha256Hex("bst_forged"), HmacSha256Hex(other_key, "bst_forged2")}) {
    ASSERT_TRUE((*dba)
                    ->Execute("INSERT INTO api_token (id_hash, account_id, name, created_at, expires_at) "
                              "VALUES (?, ?, 'forged', '2025-06-01T08:00:00.000Z', NULL)",
                              {token_hash, a->id})
                    .ok());
  }
  auto plain = store_->FindSession(chosen, {});
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_FALSE(plain->has_value()) << "a row with the plain SHA-256 of an id is a session";
  EXPECT_FALSE(store_->FindSession(chosen + "2", {})->has_value()) << "an HMAC under another key is a session";
  EXPECT_FALSE(store_->FindToken("bst_forged")->has_value());
  EXPECT_FALSE(store_->FindToken("bst_forged2")->has_value());
  EXPECT_TRUE(store_->FindSession(genuine->id, {})->has_value());

  // Another key (a server started with another secret file) finds none of
  // the genuine ones either; no key at all is refused.
  for (const std::string& key : {other_key, std::string()}) {
    OpenOptions options;
    options.clock = [now = now_] { return *now; };
    options.credential_key = key;
    auto other = Store::Open(database_->url(), options);
    ASSERT_TRUE(other.ok()) << other.status().ToString();
    auto found = (*other)->FindSession(genuine->id, {});
    if (key.empty()) {
      EXPECT_EQ(found.status().code(), StatusCode::kFailedPrecondition);
      EXPECT_EQ((*other)->OpenSession("olga", a->id, {}).status().code(), StatusCode::kFailedPrecondition);
      EXPECT_EQ((*other)->IssueToken("admin1", "olga", "t", 1).status().code(), StatusCode::kFailedPrecondition);
    } else {
      ASSERT_TRUE(found.ok()) << found.status().ToString();
      EXPECT_FALSE(found->has_value());
    }
  }
}

TEST_P(AccountsTest, SessionsStoreOnlyTheHashAndExpireIdleAndAbsolute) {
  auto a = store_->AddAccount("admin1", "olga", Role::kOfficer, "", Hash());
  ASSERT_TRUE(a.ok());
  SessionPolicy policy;
  auto s = store_->OpenSession("olga", a->id, policy);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->expires_at, "2025-06-01T16:00:00.000Z");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM session WHERE id_hash = '" + s->id + "'"), 0);  // never the id itself
  EXPECT_EQ(LastAuditChange().find(s->id), std::string::npos);
  EXPECT_EQ(LastAuditChange().find(s->csrf_token), std::string::npos);

  auto found = store_->FindSession(s->id, policy);
  ASSERT_TRUE(found.ok() && *found);
  EXPECT_EQ((*found)->account.username, "olga");
  EXPECT_EQ((*found)->csrf_token, s->csrf_token);
  EXPECT_FALSE(store_->FindSession(s->id + "x", policy)->has_value());

  // Idle: each use within 30 minutes keeps it alive, 30 minutes without ends it.
  for (int i = 0; i < 20; ++i) {
    Advance(25 * 60);
    ASSERT_EQ(store_->FindSession(s->id, policy)->has_value(), i < 19) << i;  // 20 × 25 min > 8 h
  }
  auto s2 = store_->OpenSession("olga", a->id, policy);
  ASSERT_TRUE(s2.ok());
  Advance(30 * 60);
  EXPECT_FALSE(store_->FindSession(s2->id, policy)->has_value());

  auto s3 = store_->OpenSession("olga", a->id, policy);
  ASSERT_TRUE(s3.ok());
  ASSERT_TRUE(store_->EndSession("olga", s3->id).ok());
  EXPECT_FALSE(store_->FindSession(s3->id, policy)->has_value());
  EXPECT_EQ(store_->EndSession("olga", s3->id).code(), StatusCode::kNotFound);
}

TEST_P(AccountsTest, PasswordChangeAndDisableEndSessionsAndTokens) {
  auto a = store_->AddAccount("admin1", "ivan", Role::kAuditor, "", Hash());
  ASSERT_TRUE(a.ok());
  auto s = store_->OpenSession("ivan", a->id, {});
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(store_->SetPasswordHash("admin1", "ivan", HashPassword("another long password").value()).ok());
  EXPECT_FALSE(store_->FindSession(s->id, {})->has_value());
  EXPECT_EQ(LastAuditChange().find("argon2"), std::string::npos);

  auto t = store_->IssueToken("admin1", "ivan", "finance system", 30);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->token.rfind("bst_", 0), 0u);
  EXPECT_EQ(LastAuditChange().find(t->token), std::string::npos);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM api_token WHERE id_hash = '" + t->token + "'"), 0);
  auto who = store_->FindToken(t->token);
  ASSERT_TRUE(who.ok() && *who);
  EXPECT_EQ((*who)->account.role, Role::kAuditor);
  EXPECT_FALSE(store_->FindToken(t->token + "x")->has_value());

  auto s2 = store_->OpenSession("ivan", a->id, {});
  ASSERT_TRUE(s2.ok());
  ASSERT_TRUE(store_->DisableAccount("admin1", "ivan").ok());
  EXPECT_NE(LastAuditChange().find("\"tokens_revoked\":1"), std::string::npos) << LastAuditChange();
  EXPECT_FALSE(store_->FindToken(t->token)->has_value());
  EXPECT_FALSE(store_->FindSession(s2->id, {})->has_value());
  EXPECT_TRUE(store_->GetAccount("ivan")->disabled);
  EXPECT_EQ(store_->IssueToken("admin1", "ivan", "x", 1).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->DisableAccount("admin1", "nobody").code(), StatusCode::kNotFound);
}

TEST_P(AccountsTest, TokensExpire) {
  ASSERT_TRUE(store_->AddAccount("admin1", "feed", Role::kOfficer, "", Hash()).ok());
  auto t = store_->IssueToken("admin1", "feed", "exchange feed", 1);
  ASSERT_TRUE(t.ok());
  auto longest = store_->IssueToken("admin1", "feed", "a year", Store::kMaxTokenDays);
  ASSERT_TRUE(longest.ok()) << longest.status().ToString();
  Advance(86400 - 1);
  EXPECT_TRUE(store_->FindToken(t->token)->has_value());
  Advance(1);
  EXPECT_FALSE(store_->FindToken(t->token)->has_value());
  EXPECT_TRUE(store_->FindToken(longest->token)->has_value());
  Advance(Store::kMaxTokenDays * 86400);
  EXPECT_FALSE(store_->FindToken(longest->token)->has_value());
}

// Issue 14, A4: a token outlived a password reset, and `--days 0` tokens
// never expired. Now a password change or reset revokes the account's tokens,
// every token lives 1 to 365 days (one from before without expiry ends 365
// days after it was issued), and a token can be revoked by itself.
TEST_P(AccountsTest, TokensEndWithAPasswordResetExpireWithinAYearAndAreRevokedOneByOne) {
  ASSERT_TRUE(store_->AddAccount("admin1", "feed", Role::kOfficer, "", Hash()).ok());
  for (int64_t days : {int64_t{0}, int64_t{-1}, Store::kMaxTokenDays + 1, int64_t{3660}}) {
    auto refused = store_->IssueToken("admin1", "feed", "forever", days);
    ASSERT_FALSE(refused.ok()) << days;
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument) << days;
    EXPECT_EQ(refused.status().field(), "days") << days;
    EXPECT_NE(refused.status().message().find("1 to 365 days"), std::string::npos) << refused.status().message();
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM api_token"), 0);

  auto reset = store_->IssueToken("admin1", "feed", "reset", 30);
  ASSERT_TRUE(reset.ok());
  ASSERT_TRUE(store_->SetPasswordHash("admin1", "feed", Hash()).ok());
  EXPECT_FALSE(store_->FindToken(reset->token)->has_value()) << "the token outlived the password reset";
  EXPECT_NE(LastAuditChange().find("\"tokens_revoked\":1"), std::string::npos) << LastAuditChange();

  auto one = store_->IssueToken("admin1", "feed", "one", 30);
  auto other = store_->IssueToken("admin1", "feed", "other", 30);
  ASSERT_TRUE(one.ok() && other.ok());
  ASSERT_TRUE(store_->RevokeToken("admin1", one->id).ok());
  EXPECT_FALSE(store_->FindToken(one->token)->has_value());
  EXPECT_TRUE(store_->FindToken(other->token)->has_value()) << "only the one revoked ends";
  EXPECT_NE(LastAuditChange().find("token.revoke"), std::string::npos) << LastAuditChange();
  EXPECT_TRUE(store_->RevokeToken("admin1", one->id).ok()) << "revoked already: nothing changes";
  EXPECT_EQ(store_->RevokeToken("admin1", 999999).code(), StatusCode::kNotFound);

  // A token stored "without expiry" before the maximum lifetime.
  ASSERT_TRUE(store_->db().Execute("UPDATE api_token SET expires_at = NULL WHERE id = ?", {other->id}).ok());
  Advance(Store::kMaxTokenDays * 86400 - 1);
  EXPECT_TRUE(store_->FindToken(other->token)->has_value());
  Advance(1);
  EXPECT_FALSE(store_->FindToken(other->token)->has_value()) << "a token without expiry lived over a year";
}

// Issue 14, A5: `aaaaaaaaaaaa` was accepted as a password.
TEST(PasswordPolicy, RefusesRepeatsTheUsernameAndCommonPasswordsNamingTheRule) {
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"aaaaaaaaaaaa", "repeated"},         {"abababababab", "repeated"},       {"abcabcabcabcab", "repeated"},
      {"12341234123412", "repeated"},       {"xx-olga-2025-xx", "username"},    {"OLGA-2025-spring", "username"},
      {"password123456", "common"},         {"123456789012", "common"},         {"QwertyUiop12", "common"},
      {"short", "at least 12"},
  };
  for (const auto& [password, rule] : refused) {
    Status s = CheckPasswordPolicy(password, "olga");
    ASSERT_FALSE(s.ok()) << password;
    EXPECT_EQ(s.field(), "password") << password;
    EXPECT_NE(s.message().find(rule), std::string::npos) << password << ": " << s.message();
  }
  for (const char* fine : {"correct horse battery", "a long enough password", "zhao-2025-spring-rain"}) {
    EXPECT_TRUE(CheckPasswordPolicy(fine, "olga").ok()) << fine;
  }
}

// Issue 14, A6: `ADMIN` and `admin.` sat beside `admin`. A new username keeps
// the rule (3-32 of a-z 0-9 - _ ., a letter or digit at each end), is folded
// to lower case, and is unique whatever the case; `ADMIN` finds `admin`; an
// account stored before the rule keeps its name and is found by it.
TEST_P(AccountsTest, UsernamesAreUniqueWhateverTheCaseAndKeepTheRule) {
  auto admin = store_->AddAccount("root", "admin", Role::kAdmin, "", Hash());
  ASSERT_TRUE(admin.ok()) << admin.status().ToString();
  auto upper = store_->AddAccount("root", "ADMIN", Role::kAdmin, "", Hash());
  ASSERT_FALSE(upper.ok());
  EXPECT_EQ(upper.status().code(), StatusCode::kAlreadyExists) << upper.status().ToString();
  for (const std::string bad : {"admin.", ".admin", "ad", "a-very-long-username-of-33-chars1", "ad min", "admin@x",
                                "\xEF\xBD\x81\xEF\xBD\x84min" /* fullwidth ａｄ */, "adm\xE2\x80\xAEin", "adm\tin"}) {
    auto refused = store_->AddAccount("root", bad, Role::kAdmin, "", Hash());
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(refused.status().field(), "username") << bad;
    EXPECT_NE(refused.status().message().find("3 to 32 characters"), std::string::npos) << refused.status().message();
  }
  auto folded = store_->AddAccount("root", "Officer-Zhao", Role::kOfficer, "", Hash());
  ASSERT_TRUE(folded.ok()) << folded.status().ToString();
  EXPECT_EQ(folded->username, "officer-zhao");
  EXPECT_EQ(store_->GetAccount("OFFICER-ZHAO")->id, folded->id);
  auto login = store_->LoginRecord("ADMIN");
  ASSERT_TRUE(login.ok() && *login);
  EXPECT_EQ((*login)->first.username, "admin");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM account WHERE lower(username) = 'admin'"), 1);

  // Stored before the rule (by SQL, as an older bursar did): kept, found by
  // its own name, and it takes its lower-case name from newcomers.
  ASSERT_TRUE(store_->db()
                  .Execute("INSERT INTO account (username, password_hash, role, disabled, created_at, "
                           "password_changed_at) VALUES ('Legacy', ?, 'auditor', 0, ?, ?)",
                           {Hash(), *now_, *now_})
                  .ok());
  auto legacy = store_->LoginRecord("Legacy");
  ASSERT_TRUE(legacy.ok() && *legacy);
  EXPECT_EQ((*legacy)->first.username, "Legacy");
  auto taken = store_->AddAccount("root", "legacy", Role::kAuditor, "", Hash());
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.status().code(), StatusCode::kAlreadyExists);
}

TEST_P(AccountsTest, LoginFailuresAreCountedPerKeyInAWindow) {
  constexpr int64_t kWindow = 900;
  for (int i = 1; i <= 5; ++i) {
    auto counted = store_->CountLoginAttempt("u:olga|127.0.0.1", kWindow);
    ASSERT_TRUE(counted.ok());
    EXPECT_EQ(counted->failures, i);  // this attempt included
    EXPECT_EQ(counted->retry_after_seconds, kWindow);
  }
  ASSERT_TRUE(store_->CountLoginAttempt("u:other|127.0.0.1", kWindow).ok());
  EXPECT_EQ(store_->RecentLoginFailures("u:other|127.0.0.1", kWindow)->failures, 1);  // keys are apart
  auto f = store_->RecentLoginFailures("u:olga|127.0.0.1", kWindow);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->failures, 5);
  EXPECT_EQ(f->retry_after_seconds, kWindow);
  Advance(600);
  EXPECT_EQ(store_->RecentLoginFailures("u:olga|127.0.0.1", kWindow)->retry_after_seconds, 300);
  EXPECT_EQ(store_->CountLoginAttempt("u:olga|127.0.0.1", kWindow)->failures, 6);
  // A successful attempt is given back; never below none.
  ASSERT_TRUE(store_->ReturnLoginAttempt("u:olga|127.0.0.1").ok());
  EXPECT_EQ(store_->RecentLoginFailures("u:olga|127.0.0.1", kWindow)->failures, 5);
  Advance(300);  // the window closed: the count starts again
  EXPECT_EQ(store_->RecentLoginFailures("u:olga|127.0.0.1", kWindow)->failures, 0);
  EXPECT_EQ(store_->CountLoginAttempt("u:olga|127.0.0.1", kWindow)->failures, 1);
  ASSERT_TRUE(store_->ReturnLoginAttempt("u:olga|127.0.0.1").ok());
  ASSERT_TRUE(store_->ReturnLoginAttempt("u:olga|127.0.0.1").ok());
  EXPECT_EQ(store_->RecentLoginFailures("u:olga|127.0.0.1", kWindow)->failures, 0);
  EXPECT_EQ(store_->CountLoginAttempt("u:olga|127.0.0.1", kWindow)->failures, 1);
  ASSERT_TRUE(store_->ClearLoginFailures("u:olga|127.0.0.1").ok());
  EXPECT_EQ(store_->RecentLoginFailures("u:olga|127.0.0.1", kWindow)->failures, 0);
  EXPECT_EQ(store_->RecentLoginFailures("u:other|127.0.0.1", kWindow)->failures, 0);  // its window closed too
  // Bookkeeping only: none of this reached the audit log.
  EXPECT_EQ(LastAuditChange().find("login"), std::string::npos);
}

// The way back from disabling: the account signs in again (a new session, a
// new token), while what DisableAccount ended stays ended. Enabling an enabled
// account, like disabling a disabled one, changes nothing and is not audited.
TEST_P(AccountsTest, EnablingADisabledAccountLetsItSignInAgainButRevivesNothing) {
  auto a = store_->AddAccount("admin1", "rita", Role::kReviewer, "", Hash());
  ASSERT_TRUE(a.ok());
  auto old_session = store_->OpenSession("rita", a->id, {});
  ASSERT_TRUE(old_session.ok());
  auto old_token = store_->IssueToken("admin1", "rita", "scoring sheet", 30);
  ASSERT_TRUE(old_token.ok());
  ASSERT_TRUE(store_->DisableAccount("admin1", "rita").ok());
  const int64_t entries_after_disable = Count("SELECT COUNT(*) FROM audit_log");

  ASSERT_TRUE(store_->EnableAccount("admin2", "rita").ok());
  EXPECT_FALSE(store_->GetAccount("rita")->disabled);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log"), entries_after_disable + 1);
  const std::string change = LastAuditChange();
  EXPECT_NE(change.find("\"op\":\"account.enable\""), std::string::npos) << change;
  EXPECT_NE(change.find("\"username\":\"rita\""), std::string::npos) << change;
  auto actor = store_->db().QueryOne("SELECT actor FROM audit_log ORDER BY seq DESC LIMIT 1");
  ASSERT_TRUE(actor.ok() && *actor);
  EXPECT_EQ((*actor)->Text(0), "admin2");

  // The old session and token stay dead.
  EXPECT_FALSE(store_->FindSession(old_session->id, {})->has_value());
  EXPECT_FALSE(store_->FindToken(old_token->token)->has_value());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM session WHERE account_id = " + std::to_string(a->id)), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM api_token WHERE revoked_at IS NULL AND account_id = " + std::to_string(a->id)),
            0);

  // The login route's record: enabled, same password; a new session and a new
  // token work.
  auto record = store_->LoginRecord("rita");
  ASSERT_TRUE(record.ok() && *record);
  EXPECT_FALSE((*record)->first.disabled);
  EXPECT_TRUE(VerifyPassword((*record)->second, "correct horse battery"));
  auto new_session = store_->OpenSession("rita", a->id, {});
  ASSERT_TRUE(new_session.ok());
  auto found = store_->FindSession(new_session->id, {});
  ASSERT_TRUE(found.ok() && *found);
  EXPECT_EQ((*found)->account.username, "rita");
  auto new_token = store_->IssueToken("admin1", "rita", "scoring sheet", 30);
  ASSERT_TRUE(new_token.ok()) << new_token.status().ToString();
  EXPECT_TRUE(store_->FindToken(new_token->token)->has_value());

  // Again: nothing changes, nothing is written to the audit log.
  const int64_t entries = Count("SELECT COUNT(*) FROM audit_log");
  ASSERT_TRUE(store_->EnableAccount("admin1", "rita").ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log"), entries);
  EXPECT_TRUE(store_->FindSession(new_session->id, {})->has_value());
  EXPECT_EQ(store_->EnableAccount("admin1", "nobody").code(), StatusCode::kNotFound);

  // Disabled a second time, the new session and token end as the first did.
  ASSERT_TRUE(store_->DisableAccount("admin1", "rita").ok());
  EXPECT_FALSE(store_->FindSession(new_session->id, {})->has_value());
  EXPECT_FALSE(store_->FindToken(new_token->token)->has_value());
  auto v = store_->VerifyAudit();
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->problem;
}

// last_login_at (migration 9) is the start of the latest session opened; using
// a session does not move it.
TEST_P(AccountsTest, LastLoginIsWhenTheLatestSessionWasOpened) {
  auto a = store_->AddAccount("admin1", "sam", Role::kOfficer, "", Hash());
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->last_login_at, "");
  EXPECT_EQ(store_->GetAccount("sam")->last_login_at, "");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM account WHERE username = 'sam' AND last_login_at IS NULL"), 1);

  auto s = store_->OpenSession("sam", a->id, {});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(store_->GetAccount("sam")->last_login_at, "2025-06-01T08:00:00.000Z");
  Advance(600);
  ASSERT_TRUE(store_->FindSession(s->id, {})->has_value());  // a request, not a login
  EXPECT_EQ(store_->GetAccount("sam")->last_login_at, "2025-06-01T08:00:00.000Z");

  Advance(3600);
  ASSERT_TRUE(store_->OpenSession("sam", a->id, {}).ok());
  auto listed = store_->ListAccounts();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].last_login_at, "2025-06-01T09:10:00.000Z");
  auto record = store_->LoginRecord("sam");
  ASSERT_TRUE(record.ok() && *record);
  EXPECT_EQ((*record)->first.last_login_at, "2025-06-01T09:10:00.000Z");
  EXPECT_EQ((*record)->second, Hash());  // the hash still follows the account's columns
}

// Accounts made before migration 9 gain last_login_at as NULL: never signed in
// as far as the store knows.
TEST_P(AccountsTest, AccountsFromBeforeMigration9HaveNoLastLogin) {
  TestDatabase older(GetParam());
  ASSERT_TRUE(older.Create());
  OpenOptions options;
  options.create = true;
  options.allow_pending = true;
  options.credential_key = kKey;
  auto s = Store::Open(older.url(), options);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  Store& st = **s;
  ASSERT_TRUE(st.Migrate("test", 8).ok());
  ASSERT_TRUE(st.AddAccount("admin1", "old", Role::kAuditor, "", Hash()).ok());
  auto migrated = st.Migrate("test");
  ASSERT_TRUE(migrated.ok()) << migrated.status().ToString();
  EXPECT_GE(*migrated, 1);
  auto old = st.GetAccount("old");
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(old->last_login_at, "");
  ASSERT_TRUE(st.OpenSession("old", old->id, {}).ok());
  EXPECT_NE(st.GetAccount("old")->last_login_at, "");
}

INSTANTIATE_TEST_SUITE_P(Backends, AccountsTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
}  // namespace bursar::store
