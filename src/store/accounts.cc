#include "store/accounts.h"

#include <sodium.h>

#include <array>
#include <cstdio>
#include <ctime>

#include "base/text.h"
#include "store/digest.h"
#include "store/idempotency.h"
#include "store/store.h"

namespace bursar::store {

namespace {

constexpr std::array<const char*, kRoleCount> kRoleNames = {"applicant", "reviewer", "officer", "auditor", "admin",
                                                              "finance",   "data-bureau"};

bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

}  // namespace

const char* RoleName(Role role) { return kRoleNames[static_cast<size_t>(role)]; }

std::optional<Role> ParseRole(std::string_view name) {
  for (size_t i = 0; i < kRoleNames.size(); ++i) {
    if (name == kRoleNames[i]) return static_cast<Role>(i);
  }
  return std::nullopt;
}

Result<std::string> CanonicalUsername(std::string_view username, const std::string& field) {
  const std::string folded = FoldUsername(username);
  const std::string rule = "a username has " + std::to_string(kMinUsernameLength) + " to " +
                           std::to_string(kMaxUsernameLength) +
                           " characters: lower-case letters a-z, digits and - _ ., beginning and ending with a letter "
                           "or a digit";
  if (folded.size() < kMinUsernameLength || folded.size() > kMaxUsernameLength) {
    return InvalidArgument(rule + " (this one has " + std::to_string(folded.size()) + " bytes)", field);
  }
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  for (char c : folded) {
    if (!alnum(c) && c != '-' && c != '_' && c != '.') {
      const auto byte = static_cast<unsigned char>(c);
      return InvalidArgument(rule + (byte >= 0x80 ? " (no characters outside ASCII)"
                                                  : byte < 0x20 || byte == 0x7F
                                                        ? " (no control characters)"
                                                        : std::string(" ('") + c + "' is not one of them)"),
                             field);
    }
  }
  if (!alnum(folded.front()) || !alnum(folded.back())) return InvalidArgument(rule, field);
  return folded;
}

std::string FoldUsername(std::string_view username) {
  std::string out(username);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

namespace {

// Well-known weak passwords of 12 characters or more (shorter ones are
// refused by length already): the top of the public breach lists, and
// keyboard walks and pinyin favourites of the same kind. Compared in lower
// case. Kept modest on purpose: the length, repetition and username rules do
// most of the work.
constexpr const char* kCommonPasswords[] = {
    "123456789012",   "1234567890123",  "12345678901234", "123456123456",   "111111111111",
    "000000000000",   "123123123123",   "password1234",   "password123456", "passwordpassword",
    "password12345",  "p@ssw0rd1234",   "qwertyuiop12",   "qwertyuiop123",  "qwertyuiopasdf",
    "qwerty123456",   "1qaz2wsx3edc",   "1q2w3e4r5t6y",   "1q2w3e4r5t6y7u", "asdfghjkl123",
    "zxcvbnm12345",   "iloveyou1234",   "admin1234567",   "administrator",  "administrator1",
    "welcome12345",   "letmein12345",   "changeme1234",   "abc123456789",   "abcdefghijkl",
    "woaini1314520",  "woaini123456",   "5201314520131",  "aa123456789012", "qazwsxedcrfv",
    "1234qwerasdf",   "football1234",   "baseball1234",   "sunshine1234",   "princess1234",
};

// The password is a pattern of at most 4 characters repeated (a trailing
// partial repeat included): "aaaaaaaaaaaa", "abababababab", "abcdabcdabcd".
bool IsShortPatternRepeated(std::string_view password) {
  for (size_t period = 1; period <= 4 && period < password.size(); ++period) {
    bool repeats = true;
    for (size_t i = period; i < password.size() && repeats; ++i) repeats = password[i] == password[i - period];
    if (repeats) return true;
  }
  return false;
}

}  // namespace

Status CheckPasswordPolicy(std::string_view password, std::string_view username) {
  if (CodePoints(password) < kMinPasswordLength) {
    return InvalidArgument("a password has at least " + std::to_string(kMinPasswordLength) + " characters", "password")
        .WithReason("password_too_short", {{"min", std::to_string(kMinPasswordLength)}});
  }
  if (IsShortPatternRepeated(password)) {
    return InvalidArgument("a password is not one character or a short pattern repeated", "password")
        .WithReason("password_pattern");
  }
  const std::string lower_password = FoldUsername(password);
  const std::string lower_username = FoldUsername(username);
  if (lower_username.size() >= 3 && lower_password.find(lower_username) != std::string::npos) {
    return InvalidArgument("a password does not contain the username", "password").WithReason("password_has_username");
  }
  for (const char* common : kCommonPasswords) {
    if (lower_password == common) {
      return InvalidArgument("a password is not a common password", "password").WithReason("password_common");
    }
  }
  return OkStatus();
}

Result<std::string> HashPassword(std::string_view password) {
  if (password.size() < kMinPasswordLength) {
    return InvalidArgument("a password has at least " + std::to_string(kMinPasswordLength) + " characters", "password")
        .WithReason("password_too_short", {{"min", std::to_string(kMinPasswordLength)}});
  }
  if (password.size() > 1024) {
    return InvalidArgument("a password has at most 1024 bytes", "password").WithReason("too_long", {{"max", "1024"}});
  }
  if (!SodiumReady()) return Status(StatusCode::kInternal, "libsodium did not initialise");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return Status(StatusCode::kUnavailable, "out of memory while hashing a password");
  }
  return std::string(out);
}

bool VerifyPassword(const std::string& hash, std::string_view password) {
  if (!SodiumReady()) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

bool PasswordNeedsRehash(const std::string& hash) {
  return crypto_pwhash_str_needs_rehash(hash.c_str(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0;
}

std::string RandomToken(size_t bytes) {
  (void)SodiumReady();
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string out(sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()), raw.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(raw.data(), raw.size());
  out.resize(out.find('\0'));
  return out;
}

std::optional<int64_t> ParseStoreTime(std::string_view text) {
  // "2025-06-01T08:00:00.000Z" (milliseconds optional).
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text.back() != 'Z') {
    return std::nullopt;
  }
  std::tm tm{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  const std::string head(text.substr(0, 19));
  if (std::sscanf(head.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &year, &month, &day, &hour, &minute, &second) != 6) {
    return std::nullopt;
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<int64_t>(timegm(&tm));
}

std::string FormatStoreTime(int64_t epoch_seconds) {
  const std::time_t t = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.000Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

// ---------------------------------------------------------------------------
// Store methods.

namespace {

using json = nlohmann::json;

constexpr const char* kAccountColumns =
    "account.id, account.username, account.role, account.credit_code, account.disabled, account.created_at, "
    "account.password_changed_at, account.last_login_at";
constexpr size_t kAccountColumnCount = 8;

// Reads the kAccountColumnCount columns of kAccountColumns starting at `at`.
Account AccountFromRow(const Row& r, size_t at = 0) {
  Account a;
  a.id = r.Int(at);
  a.username = r.Text(at + 1);
  a.role = ParseRole(r.Text(at + 2)).value_or(Role::kApplicant);
  a.credit_code = r.Text(at + 3);
  a.disabled = r.Int(at + 4) != 0;
  a.created_at = r.Text(at + 5);
  a.password_changed_at = r.Text(at + 6);
  if (!r.IsNull(at + 7)) a.last_login_at = r.Text(at + 7);
  return a;
}

// The row of `username` with `tail` columns after the account's: the name as
// stored first (an account from before the username rule may have upper
// case), then folded to lower case (A6: `ADMIN` is `admin`).
Result<std::optional<Row>> FindAccountRow(Database& db, const std::string& username, const char* tail = "") {
  const std::string sql = std::string("SELECT ") + kAccountColumns + tail + " FROM account WHERE username = ?";
  BURSAR_ASSIGN_OR_RETURN(auto row, db.QueryOne(sql, {username}));
  const std::string folded = FoldUsername(username);
  if (!row && folded != username) {
    BURSAR_ASSIGN_OR_RETURN(row, db.QueryOne(sql, {folded}));
  }
  return row;
}

Result<Account> LoadAccount(Database& db, const std::string& username) {
  BURSAR_ASSIGN_OR_RETURN(auto row, FindAccountRow(db, username));
  if (!row) return Status(StatusCode::kNotFound, "no account '" + username + "'", "username");
  return AccountFromRow(*row);
}

// Seconds → a store time after `now`.
std::string Later(const std::string& now, int64_t seconds) {
  return FormatStoreTime(ParseStoreTime(now).value_or(0) + seconds);
}

// Stores a new account (the rules checked by the caller: username, role and
// enterprise) and returns its audit change. Unique whatever the case: an
// account stored before the rule (say `ADMIN`) takes `admin` too. Write()
// serialises writers, so no other account can be added between the look and
// the insert.
Result<json> InsertAccount(Database& db, const std::string& username, Role role, const std::string& credit_code,
                           const std::string& password_hash, const std::string& now, Account* account) {
  if (!credit_code.empty()) {
    BURSAR_ASSIGN_OR_RETURN(auto e, db.QueryOne("SELECT 1 FROM enterprise WHERE credit_code = ?", {credit_code}));
    if (!e) return Status(StatusCode::kNotFound, "no enterprise " + credit_code, "enterprise");
  }
  BURSAR_ASSIGN_OR_RETURN(auto taken, db.QueryOne("SELECT username FROM account WHERE lower(username) = ?",
                                                  {username}));
  if (taken) return Status(StatusCode::kAlreadyExists, "taken");
  Param code = credit_code.empty() ? Param(nullptr) : Param(std::string_view(credit_code));
  BURSAR_ASSIGN_OR_RETURN(auto row, db.QueryOne("INSERT INTO account (username, password_hash, role, credit_code, "
                                                "disabled, created_at, password_changed_at) "
                                                "VALUES (?, ?, ?, ?, 0, ?, ?) RETURNING id",
                                                {username, password_hash, RoleName(role), code, now, now}));
  if (!row) return Status(StatusCode::kInternal, "INSERT ... RETURNING gave no row");
  *account = {row->Int(0), username, role, credit_code, false, now, now, ""};
  json change = {{"op", "account.add"}, {"account", account->id}, {"username", username}, {"role", RoleName(role)}};
  if (!credit_code.empty()) change["credit_code"] = credit_code;
  return change;
}

// A new password for `account`: its sessions end and its tokens are revoked
// (a token issued to whoever knew the old password outlived the reset
// before: issue 14, A4). Returns the audit change.
Result<json> ReplacePasswordHash(Database& db, const Account& account, const std::string& password_hash,
                                 const std::string& now) {
  BURSAR_RETURN_IF_ERROR(db.Execute("UPDATE account SET password_hash = ?, password_changed_at = ? WHERE id = ?",
                                    {password_hash, now, account.id})
                             .status());
  BURSAR_ASSIGN_OR_RETURN(int64_t ended, db.Execute("DELETE FROM session WHERE account_id = ?", {account.id}));
  BURSAR_ASSIGN_OR_RETURN(int64_t revoked, db.Execute("UPDATE api_token SET revoked_at = ? "
                                                      "WHERE account_id = ? AND revoked_at IS NULL",
                                                      {now, account.id}));
  return json{{"op", "account.password"},
              {"account", account.id},
              {"username", account.username},
              {"sessions_ended", ended},
              {"tokens_revoked", revoked}};
}

constexpr const char* kChangeColumns =
    "id, kind, username, role, credit_code, requested_by, requested_at, state, decided_by, decided_at, reason";

AccountChange ChangeFromRow(const Row& r) {
  auto text = [&](size_t i) { return r.IsNull(i) ? std::string() : r.Text(i); };
  return {r.Int(0), text(1), text(2), text(3), text(4), text(5), text(6), text(7), text(8), text(9), text(10)};
}

// The pending change `id`, locked for the decision; `actor` may not decide
// its own request.
Result<AccountChange> PendingChange(Database& db, int64_t id, const std::string& actor) {
  BURSAR_ASSIGN_OR_RETURN(auto row, db.QueryOne(std::string("SELECT ") + kChangeColumns +
                                                    " FROM account_change WHERE id = ?" +
                                                    (db.dialect() == Dialect::kPostgres ? " FOR UPDATE" : ""),
                                                {id}));
  if (!row) return Status(StatusCode::kNotFound, "no account change " + std::to_string(id), "id");
  AccountChange c = ChangeFromRow(*row);
  if (c.state != "pending") {
    return Status(StatusCode::kFailedPrecondition,
                  "account change " + std::to_string(id) + " was " + c.state + " by " + c.decided_by)
        .WithReason("already_decided", {{"what", "account_change"}, {"id", std::to_string(id)}, {"state", c.state}, {"by", c.decided_by}});
  }
  if (c.requested_by == actor) {
    return Status(StatusCode::kPermissionDenied,
                  "two admins: the admin who asked for a privileged role or a password reset cannot approve or "
                  "reject it; another admin does")
        .WithReason("two_admins", {{"change", std::to_string(id)}, {"actor", actor}});
  }
  return c;
}

}  // namespace

bool IsPrivileged(Role role) {
  return role == Role::kAdmin || role == Role::kOfficer || role == Role::kFinance || role == Role::kDataBureau;
}

Result<AccountChange> Store::RequestAccountChange(const std::string& actor, const std::string& kind,
                                                  const std::string& requested_username, Role role,
                                                  const std::string& credit_code, const std::string& password_hash) {
  if (kind != "grant" && kind != "password") return InvalidArgument("kind is grant or password", "kind");
  BURSAR_ASSIGN_OR_RETURN(const std::string username, CanonicalUsername(requested_username));
  AccountChange out;
  auto written = Write(actor, [&](Database& db) -> Result<std::optional<json>> {
    std::string role_name = RoleName(role);
    if (kind == "grant") {
      BURSAR_ASSIGN_OR_RETURN(auto taken, db.QueryOne("SELECT username FROM account WHERE lower(username) = ?",
                                                      {username}));
      if (taken) return Status(StatusCode::kAlreadyExists, "the username '" + username + "' is taken", "username");
    } else {
      BURSAR_ASSIGN_OR_RETURN(const Account account, LoadAccount(db, username));
      role_name = RoleName(account.role);  // the account's own role, whatever the caller said
    }
    BURSAR_ASSIGN_OR_RETURN(auto asked, db.QueryOne("SELECT id FROM account_change WHERE username = ? AND "
                                                    "state = 'pending'",
                                                    {username}));
    if (asked) {
      return Status(StatusCode::kAlreadyExists,
                    "account change " + std::to_string(asked->Int(0)) + " for '" + username +
                        "' waits for a second admin already",
                    "username");
    }
    const std::string now = Now();
    Param code = credit_code.empty() ? Param(nullptr) : Param(std::string_view(credit_code));
    BURSAR_ASSIGN_OR_RETURN(auto row, db.QueryOne("INSERT INTO account_change (kind, username, role, credit_code, "
                                                  "password_hash, requested_by, requested_at, state) "
                                                  "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending') RETURNING id",
                                                  {kind, username, role_name, code, password_hash, actor, now}));
    if (!row) return Status(StatusCode::kInternal, "INSERT ... RETURNING gave no row");
    out = {row->Int(0), kind, username, role_name, credit_code, actor, now, "pending", "", "", ""};
    return std::optional<json>(json{{"op", "account.change.request"},
                                    {"change", out.id},
                                    {"kind", kind},
                                    {"username", username},
                                    {"role", role_name}});
  });
  if (!written.ok()) return written.status();
  return out;
}

Result<AccountChange> Store::ApproveAccountChange(const std::string& actor, int64_t id) {
  AccountChange out;
  auto written = Write(actor, [&](Database& db) -> Result<std::optional<json>> {
    BURSAR_ASSIGN_OR_RETURN(out, PendingChange(db, id, actor));
    BURSAR_ASSIGN_OR_RETURN(auto hash, db.QueryOne("SELECT password_hash FROM account_change WHERE id = ?", {id}));
    const std::string now = Now();
    json applied;
    if (out.kind == "grant") {
      auto role = ParseRole(out.role);
      if (!role) return Status(StatusCode::kInternal, "a stored change with an unknown role");
      Account account;
      auto added = InsertAccount(db, out.username, *role, out.credit_code, hash->Text(0), now, &account);
      if (!added.ok() && added.status().code() == StatusCode::kAlreadyExists) {
        return Status(StatusCode::kAlreadyExists, "the username '" + out.username + "' is taken", "username");
      }
      BURSAR_ASSIGN_OR_RETURN(applied, std::move(added));
    } else {
      BURSAR_ASSIGN_OR_RETURN(Account account, LoadAccount(db, out.username));
      BURSAR_ASSIGN_OR_RETURN(applied, ReplacePasswordHash(db, account, hash->Text(0), now));
    }
    BURSAR_RETURN_IF_ERROR(db.Execute("UPDATE account_change SET state = 'approved', decided_by = ?, decided_at = ? "
                                      "WHERE id = ?",
                                      {actor, now, id})
                               .status());
    out.state = "approved";
    out.decided_by = actor;
    out.decided_at = now;
    applied["change"] = id;
    applied["requested_by"] = out.requested_by;
    return std::optional<json>(std::move(applied));
  });
  if (!written.ok()) return written.status();
  return out;
}

Result<AccountChange> Store::RejectAccountChange(const std::string& actor, int64_t id, const std::string& reason) {
  if (reason.empty() || reason.size() > 2000) return InvalidArgument("a rejection states its reason (1 to 2000 bytes)", "reason");
  AccountChange out;
  auto written = Write(actor, [&](Database& db) -> Result<std::optional<json>> {
    BURSAR_ASSIGN_OR_RETURN(out, PendingChange(db, id, actor));
    const std::string now = Now();
    BURSAR_RETURN_IF_ERROR(db.Execute("UPDATE account_change SET state = 'rejected', decided_by = ?, decided_at = ?, "
                                      "reason = ? WHERE id = ?",
                                      {actor, now, reason, id})
                               .status());
    out.state = "rejected";
    out.decided_by = actor;
    out.decided_at = now;
    out.reason = reason;
    return std::optional<json>(json{{"op", "account.change.reject"}, {"change", id}, {"username", out.username},
                                    {"reason", reason}});
  });
  if (!written.ok()) return written.status();
  return out;
}

Result<std::vector<AccountChange>> Store::AccountChanges(const std::string& state) {
  if (!state.empty() && state != "pending" && state != "approved" && state != "rejected") {
    return InvalidArgument("state is pending, approved or rejected", "query.state");
  }
  std::string sql = std::string("SELECT ") + kChangeColumns + " FROM account_change";
  std::vector<Row> rows;
  if (state.empty()) {
    BURSAR_ASSIGN_OR_RETURN(rows, db_->Query(sql + " ORDER BY id"));
  } else {
    BURSAR_ASSIGN_OR_RETURN(rows, db_->Query(sql + " WHERE state = ? ORDER BY id", {state}));
  }
  std::vector<AccountChange> out;
  for (const Row& r : rows) out.push_back(ChangeFromRow(r));
  return out;
}

Result<Account> Store::AddAccount(const std::string& actor, const std::string& requested_username, Role role,
                                  const std::string& credit_code, const std::string& password_hash) {
  BURSAR_ASSIGN_OR_RETURN(const std::string username, CanonicalUsername(requested_username));
  if ((role == Role::kApplicant) != !credit_code.empty()) {
    return InvalidArgument(role == Role::kApplicant ? "an applicant is bound to one enterprise: give its credit code"
                                                    : "only an applicant is bound to an enterprise",
                           "enterprise");
  }
  Account account;
  auto result = Write(actor, [&](Database& db) -> Result<std::optional<json>> {
    BURSAR_ASSIGN_OR_RETURN(json change, InsertAccount(db, username, role, credit_code, password_hash, Now(), &account));
    return std::optional<json>(std::move(change));
  });
  if (!result.ok()) {
    if (result.status().code() == StatusCode::kAlreadyExists) {
      return Status(StatusCode::kAlreadyExists, "the username '" + username + "' is taken", "username");
    }
    return result.status();
  }
  return account;
}

Result<Account> Store::GetAccount(const std::string& username) { return LoadAccount(*db_, username); }

Result<std::vector<Account>> Store::ListAccounts() {
  BURSAR_ASSIGN_OR_RETURN(auto rows,
                          db_->Query(std::string("SELECT ") + kAccountColumns + " FROM account ORDER BY username"));
  std::vector<Account> out;
  for (const Row& r : rows) out.push_back(AccountFromRow(r));
  return out;
}

Result<std::optional<std::pair<Account, std::string>>> Store::LoginRecord(const std::string& username) {
  using Record = std::optional<std::pair<Account, std::string>>;
  BURSAR_ASSIGN_OR_RETURN(auto row, FindAccountRow(*db_, username, ", account.password_hash"));
  if (!row) return Record();
  return Record(std::make_pair(AccountFromRow(*row), row->Text(kAccountColumnCount)));
}

Status Store::SetPasswordHash(const std::string& actor, const std::string& username,
                              const std::string& password_hash) {
  return Write(actor,
               [&](Database& db) -> Result<std::optional<json>> {
                 BURSAR_ASSIGN_OR_RETURN(Account account, LoadAccount(db, username));
                 BURSAR_ASSIGN_OR_RETURN(json change, ReplacePasswordHash(db, account, password_hash, Now()));
                 return std::optional<json>(std::move(change));
               })
      .status();
}

Status Store::DisableAccount(const std::string& actor, const std::string& username) {
  return Write(actor,
               [&](Database& db) -> Result<std::optional<json>> {
                 BURSAR_ASSIGN_OR_RETURN(Account account, LoadAccount(db, username));
                 if (account.disabled) return std::optional<json>();  // nothing changes
                 const std::string now = Now();
                 BURSAR_RETURN_IF_ERROR(
                     db.Execute("UPDATE account SET disabled = 1 WHERE id = ?", {account.id}).status());
                 BURSAR_ASSIGN_OR_RETURN(int64_t ended,
                                         db.Execute("DELETE FROM session WHERE account_id = ?", {account.id}));
                 BURSAR_ASSIGN_OR_RETURN(int64_t revoked,
                                         db.Execute("UPDATE api_token SET revoked_at = ? "
                                                    "WHERE account_id = ? AND revoked_at IS NULL",
                                                    {now, account.id}));
                 return std::optional<json>(json{{"op", "account.disable"},
                                                 {"account", account.id},
                                                 {"username", username},
                                                 {"sessions_ended", ended},
                                                 {"tokens_revoked", revoked}});
               })
      .status();
}

// Only the flag changes: the sessions and tokens DisableAccount ended stay
// ended, so whoever held them signs in again.
Status Store::EnableAccount(const std::string& actor, const std::string& username) {
  return Write(actor,
               [&](Database& db) -> Result<std::optional<json>> {
                 BURSAR_ASSIGN_OR_RETURN(Account account, LoadAccount(db, username));
                 if (!account.disabled) return std::optional<json>();  // nothing changes
                 BURSAR_RETURN_IF_ERROR(
                     db.Execute("UPDATE account SET disabled = 0 WHERE id = ?", {account.id}).status());
                 return std::optional<json>(
                     json{{"op", "account.enable"}, {"account", account.id}, {"username", username}});
               })
      .status();
}

Result<std::string> Store::CredentialHash(std::string_view secret) const {
  if (credential_key_.empty()) {
    return Status(StatusCode::kFailedPrecondition,
                  "sessions and API tokens are bound to the server secret, and this store was opened without it "
                  "(bursar serve --secret-file, bursar user token --secret-file)",
                  "secret-file");
  }
  return HmacSha256Hex(credential_key_, secret);
}

Result<NewSession> Store::OpenSession(const std::string& actor, int64_t account_id, const SessionPolicy& policy) {
  NewSession session;
  session.id = RandomToken(32);
  session.csrf_token = RandomToken(32);
  BURSAR_ASSIGN_OR_RETURN(const std::string id_hash, CredentialHash(session.id));
  auto written = Write(actor,
            [&](Database& db) -> Result<std::optional<json>> {
              const std::string now = Now();
              session.expires_at = Later(now, policy.absolute_seconds);
              BURSAR_RETURN_IF_ERROR(db.Execute("INSERT INTO session (id_hash, account_id, csrf_token, created_at, "
                                                "expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)",
                                                {id_hash, account_id, session.csrf_token, now,
                                                 session.expires_at, now})
                                         .status());
              BURSAR_RETURN_IF_ERROR(
                  db.Execute("UPDATE account SET last_login_at = ? WHERE id = ?", {now, account_id}).status());
              return std::optional<json>(json{{"op", "session.open"},
                                              {"account", account_id},
                                              {"expires_at", session.expires_at}});
            });
  if (!written.ok()) return written.status();
  return session;
}

Result<std::optional<Authenticated>> Store::FindSession(const std::string& session_id, const SessionPolicy& policy) {
  using Found = std::optional<Authenticated>;
  BURSAR_ASSIGN_OR_RETURN(const std::string id_hash, CredentialHash(session_id));
  BURSAR_ASSIGN_OR_RETURN(auto row, db_->QueryOne(std::string("SELECT ") + kAccountColumns +
                                                      ", session.csrf_token, session.expires_at, session.last_seen_at "
                                                      "FROM session JOIN account ON account.id = session.account_id "
                                                      "WHERE session.id_hash = ?",
                                                  {id_hash}));
  if (!row) return Found();
  constexpr size_t kAt = kAccountColumnCount;
  Authenticated who{AccountFromRow(*row), row->Text(kAt), row->Text(kAt + 1)};
  const std::string now = Now();
  const std::string& last_seen = row->Text(kAt + 2);
  if (who.account.disabled || now >= who.expires_at || now >= Later(last_seen, policy.idle_seconds)) return Found();
  if (now >= Later(last_seen, 60)) {
    BURSAR_RETURN_IF_ERROR(
        db_->Execute("UPDATE session SET last_seen_at = ? WHERE id_hash = ?", {now, id_hash}).status());
  }
  return Found(std::move(who));
}

Status Store::EndSession(const std::string& actor, const std::string& session_id) {
  BURSAR_ASSIGN_OR_RETURN(const std::string id_hash, CredentialHash(session_id));
  return Write(actor,
               [&](Database& db) -> Result<std::optional<json>> {
                 BURSAR_ASSIGN_OR_RETURN(auto row,
                                         db.QueryOne("SELECT account_id FROM session WHERE id_hash = ?", {id_hash}));
                 if (!row) return Status(StatusCode::kNotFound, "no such session");
                 BURSAR_RETURN_IF_ERROR(db.Execute("DELETE FROM session WHERE id_hash = ?", {id_hash}).status());
                 return std::optional<json>(json{{"op", "session.end"}, {"account", row->Int(0)}});
               })
      .status();
}

Result<IssuedToken> Store::IssueToken(const std::string& actor, const std::string& username, const std::string& name,
                                      int64_t days) {
  if (name.empty() || name.size() > 100) return InvalidArgument("a token has a name of 1 to 100 characters", "name");
  if (days < 1 || days > kMaxTokenDays) {
    return InvalidArgument("a token lives 1 to " + std::to_string(kMaxTokenDays) + " days (every token expires), not " +
                               std::to_string(days),
                           "days");
  }
  IssuedToken issued;
  issued.token = "bst_" + RandomToken(32);
  BURSAR_ASSIGN_OR_RETURN(const std::string token_hash, CredentialHash(issued.token));
  auto written = Write(actor,
            [&](Database& db) -> Result<std::optional<json>> {
              BURSAR_ASSIGN_OR_RETURN(Account account, LoadAccount(db, username));
              if (account.disabled) {
                return Status(StatusCode::kFailedPrecondition, "the account '" + username + "' is disabled");
              }
              const std::string now = Now();
              issued.expires_at = Later(now, days * 86400);
              Param expires = Param(std::string_view(issued.expires_at));
              BURSAR_ASSIGN_OR_RETURN(auto row,
                                      db.QueryOne("INSERT INTO api_token (id_hash, account_id, name, created_at, "
                                                  "expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
                                                  {token_hash, account.id, name, now, expires}));
              if (!row) return Status(StatusCode::kInternal, "INSERT ... RETURNING gave no row");
              issued.id = row->Int(0);
              json change = {{"op", "token.issue"}, {"token", issued.id}, {"account", account.id},
                             {"username", username}, {"name", name}};
              change["expires_at"] = issued.expires_at;
              return std::optional<json>(change);
            });
  if (!written.ok()) return written.status();
  return issued;
}

Status Store::RevokeToken(const std::string& actor, int64_t token_id) {
  return Write(actor,
               [&](Database& db) -> Result<std::optional<json>> {
                 BURSAR_ASSIGN_OR_RETURN(auto row, db.QueryOne("SELECT account_id, revoked_at FROM api_token "
                                                               "WHERE id = ?",
                                                               {token_id}));
                 if (!row) return Status(StatusCode::kNotFound, "no token " + std::to_string(token_id), "token");
                 if (!row->IsNull(1)) return std::optional<json>();  // revoked already: nothing changes
                 BURSAR_RETURN_IF_ERROR(
                     db.Execute("UPDATE api_token SET revoked_at = ? WHERE id = ?", {Now(), token_id}).status());
                 return std::optional<json>(
                     json{{"op", "token.revoke"}, {"token", token_id}, {"account", row->Int(0)}});
               })
      .status();
}

Result<std::optional<Authenticated>> Store::FindToken(const std::string& token) {
  using Found = std::optional<Authenticated>;
  BURSAR_ASSIGN_OR_RETURN(const std::string token_hash, CredentialHash(token));
  BURSAR_ASSIGN_OR_RETURN(auto row, db_->QueryOne(std::string("SELECT ") + kAccountColumns +
                                                      ", api_token.expires_at, api_token.revoked_at, "
                                                      "api_token.created_at "
                                                      "FROM api_token JOIN account ON account.id = api_token.account_id "
                                                      "WHERE api_token.id_hash = ?",
                                                  {token_hash}));
  if (!row) return Found();
  Authenticated who{AccountFromRow(*row), "", row->IsNull(kAccountColumnCount) ? "" : row->Text(kAccountColumnCount)};
  if (who.account.disabled || !row->IsNull(kAccountColumnCount + 1)) return Found();
  // A token issued "without expiry" before every token had one ends
  // kMaxTokenDays after it was issued, like the longest-lived token now.
  if (who.expires_at.empty()) who.expires_at = Later(row->Text(kAccountColumnCount + 2), kMaxTokenDays * 86400);
  if (Now() >= who.expires_at) return Found();
  return Found(std::move(who));
}

namespace {

// The failures of a login_attempt row (window_start, failures) still in its
// window at `now`.
Store::LoginFailures InWindow(const std::string& window_start, int64_t failures, int64_t now,
                              int64_t window_seconds) {
  Store::LoginFailures out;
  const int64_t closes = ParseStoreTime(window_start).value_or(0) + window_seconds;
  if (now >= closes) return out;
  out.failures = failures;
  out.retry_after_seconds = closes - now;
  return out;
}

}  // namespace

Result<Store::LoginFailures> Store::RecentLoginFailures(const std::string& key, int64_t window_seconds) {
  BURSAR_ASSIGN_OR_RETURN(auto row,
                          db_->QueryOne("SELECT window_start, failures FROM login_attempt WHERE key = ?", {key}));
  if (!row) return LoginFailures{};
  return InWindow(row->Text(0), row->Int(1), ParseStoreTime(Now()).value_or(0), window_seconds);
}

Result<Store::LoginFailures> Store::CountLoginAttempt(const std::string& key, int64_t window_seconds) {
  const std::string now = Now();
  const int64_t now_seconds = ParseStoreTime(now).value_or(0);
  const std::string cutoff = FormatStoreTime(now_seconds - window_seconds);
  // One statement, so that parallel attempts (on any server of the store)
  // each see the others.
  BURSAR_ASSIGN_OR_RETURN(
      auto row,
      db_->QueryOne("INSERT INTO login_attempt (key, window_start, failures) VALUES (?, ?, 1) "
                    "ON CONFLICT (key) DO UPDATE SET "
                    "failures = CASE WHEN login_attempt.window_start <= ? THEN 1 ELSE login_attempt.failures + 1 END, "
                    "window_start = CASE WHEN login_attempt.window_start <= ? THEN excluded.window_start "
                    "ELSE login_attempt.window_start END "
                    "RETURNING window_start, failures",
                    {key, now, cutoff, cutoff}));
  if (!row) return Status(StatusCode::kInternal, "INSERT ... RETURNING gave no row");
  return InWindow(row->Text(0), row->Int(1), now_seconds, window_seconds);
}

Status Store::ReturnLoginAttempt(const std::string& key) {
  return db_->Execute("UPDATE login_attempt SET failures = failures - 1 WHERE key = ? AND failures > 0", {key})
      .status();
}

Status Store::ClearLoginFailures(const std::string& key) {
  return db_->Execute("DELETE FROM login_attempt WHERE key = ?", {key}).status();
}

Result<int64_t> PurgeIdempotencyKeys(Store& store, int64_t retention_seconds) {
  const std::optional<int64_t> now = ParseStoreTime(store.Now());
  if (!now) return Status(StatusCode::kInternal, "the store's clock gave an unreadable time");
  // created_at is the fixed-width UTC text of FormatStoreTime, so text order
  // is time order on both databases.
  return store.db().Execute("DELETE FROM idempotency_key WHERE created_at < ?",
                            {FormatStoreTime(*now - retention_seconds)});
}

}  // namespace bursar::store
