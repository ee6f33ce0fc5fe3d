// Accounts, sessions, API tokens and login throttling (docs/http-api.md,
// "Accounts and roles"), kept in the store beside the programme's data.
//
// Secrets: a password is kept only as its argon2id hash (libsodium's
// crypto_pwhash_str); a session id and an API token only as their SHA-256, so a
// copy of the database holds no live credential. No secret and no hash is ever
// written to the audit log: entries name the account, the role and what changed.
//
// Audited: every change to an account, every session opened or ended, every
// token issued or revoked (an account's last_login_at is written in the same
// transaction as its session.open entry). Not audited (bookkeeping an
// anonymous client could otherwise use to write to the permanent log at will):
// a session's last_seen_at and the login_attempt counters.
//
// Times are the store's clock (UTC "2025-06-01T08:00:00.000Z" strings, which
// order as text); a store opened with a fixed clock sees fixed times.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace bursar::store {

// Separation of duties (docs/security.md): the officer runs the procedure and
// decides; finance records payments and a second finance account approves
// them; the data bureau imports evidence from official sources.
enum class Role { kApplicant, kReviewer, kOfficer, kAuditor, kAdmin, kFinance, kDataBureau };
inline constexpr int kRoleCount = 7;

const char* RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);

// Roles that move money, evidence or accounts (docs/security.md, "Two
// admins"): granting one, or resetting the password of an account that has
// one, is a change a second admin approves (Store::RequestAccountChange).
bool IsPrivileged(Role role);

// A grant of a privileged role (a new account) or a password reset of a
// privileged account, as one admin asked for it, waiting for a second.
struct AccountChange {
  int64_t id = 0;
  std::string kind;  // "grant" or "password"
  std::string username;
  std::string role;
  std::string credit_code;
  std::string requested_by, requested_at;
  std::string state;  // "pending", "approved", "rejected"
  std::string decided_by, decided_at, reason;
};

struct Account {
  int64_t id = 0;
  std::string username;
  Role role = Role::kApplicant;
  std::string credit_code;  // the applicant's enterprise; "" for the other roles
  bool disabled = false;
  std::string created_at;
  std::string password_changed_at;
  std::string last_login_at;  // of the latest session opened; "" before the first
};

// The lifetimes of a session (docs/http-api.md, "Sessions").
struct SessionPolicy {
  int64_t absolute_seconds = 8 * 3600;  // from login
  int64_t idle_seconds = 30 * 60;       // since the last request
};

// What login hands the browser once: the session id goes into the cookie, the
// CSRF token into the page. Only the id's SHA-256 is stored.
struct NewSession {
  std::string id;
  std::string csrf_token;
  std::string expires_at;
};

// A caller recognised by its session or token.
struct Authenticated {
  Account account;
  std::string csrf_token;  // "" for a bearer token
  std::string expires_at;  // of the session or token (every token expires, A4)
};

struct IssuedToken {
  int64_t id = 0;
  std::string token;  // "bst_..." shown once, never stored
  std::string expires_at;
};

// --- Usernames (issue 14, A6) -------------------------------------------------

// A new username has 3 to 32 characters: lower-case ASCII letters, digits,
// '-', '_' and '.', beginning and ending with a letter or a digit. Upper-case
// letters are folded to lower case (at creation and at login, so `ADMIN` is
// `admin`); anything else, non-ASCII included, is refused: no two names that
// look alike (fullwidth `ａｄｍｉｎ`, `admin.`) can sit beside each other.
// Accounts stored before the rule keep their names and sign in with them.
inline constexpr size_t kMinUsernameLength = 3;
inline constexpr size_t kMaxUsernameLength = 32;

// `username` folded to lower case when it keeps the rule; InvalidArgument
// naming `field` and the rule broken otherwise.
Result<std::string> CanonicalUsername(std::string_view username, const std::string& field = "username");
// ASCII upper case folded to lower case, nothing else changed (the login's
// and look-up's folding; it does not check the rule).
std::string FoldUsername(std::string_view username);

// --- Passwords (issue 14, A5) --------------------------------------------------

// The policy for a password being set (account creation, change, reset):
// at least kMinPasswordLength characters; not one character or a short
// pattern (up to 4 characters) repeated ("aaaaaaaaaaaa", "abcabcabcabc");
// not containing the username (folded to lower case, when it has 3 characters
// or more); not one of a list of common passwords (kCommonPasswords in
// accounts.cc), compared in lower case. InvalidArgument naming "password" and
// the rule otherwise. Passwords stored before the policy still sign in.
Status CheckPasswordPolicy(std::string_view password, std::string_view username);

// --- Secrets (libsodium) -------------------------------------------------------

inline constexpr size_t kMinPasswordLength = 12;

// argon2id (OPSLIMIT/MEMLIMIT_INTERACTIVE: about 0.1 s and 64 MiB). A password
// shorter than kMinPasswordLength, or longer than 1024 bytes, is InvalidArgument.
Result<std::string> HashPassword(std::string_view password);
// Constant-time check of `password` against a crypto_pwhash_str hash.
bool VerifyPassword(const std::string& hash, std::string_view password);
// The hash was made with weaker parameters than today's.
bool PasswordNeedsRehash(const std::string& hash);
// `bytes` random bytes as unpadded base64url.
std::string RandomToken(size_t bytes);

// Whole seconds since the epoch of a store time, and back (UTC, ".000Z").
// ParseStoreTime gives nullopt for anything else.
std::optional<int64_t> ParseStoreTime(std::string_view text);
std::string FormatStoreTime(int64_t epoch_seconds);

}  // namespace bursar::store
