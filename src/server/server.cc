#include "server/server.h"
#include "server/server_impl.h"

#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <optional>
#include <random>
#include <mutex>
#include <semaphore>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>
#include <sodium.h>

#include "base/json_text.h"
#include "eval/engine.h"
#include "server/api_error.h"
#include "server/engine_cache.h"
#include "server/log_writer.h"
#include "server/policy_view.h"
#include "server/static_files.h"
#include "store/secret.h"
#include "store/store.h"

namespace bursar::server {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxOverrides = 64;

// Per worker thread: when the request now being served started. A worker
// serves one request at a time, so this needs no lock.
thread_local Clock::time_point t_request_start;
thread_local bool t_request_started = false;

// "/api/policy/measures/{id}" → "/api/policy/measures/([^/]+)"
std::string PathRegex(const std::string& path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '{') {
      i = path.find('}', i);
      out += "([^/]+)";
    } else if (std::string_view(".^$|()[]*+?\\").find(c) != std::string_view::npos) {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}





bool IsToken(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
  });
}

std::string JsonEscape(const std::string& s) {
  // dump() of a string is its JSON literal, quotes included.
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Appends `s` as a JSON string literal. Printable ASCII (all a request line
// usually holds) is copied with '"' and '\\' escaped; anything else goes
// through nlohmann::json, which escapes control characters and replaces
// invalid UTF-8.
void AppendJsonString(std::string* out, std::string_view s) {
  bool plain = std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
  if (!plain) {
    *out += JsonEscape(std::string(s));
    return;
  }
  out->push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') out->push_back('\\');
    out->push_back(c);
  }
  out->push_back('"');
}

// Appends the UTC time as 2025-01-02T03:04:05.678Z. The text up to the
// second is formatted once a second per thread, not once a request.
void AppendUtcNow(std::string* out) {
  thread_local std::time_t cached_second = -1;
  thread_local char cached[64];  // "2025-01-02T03:04:05."
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  if (secs != cached_second) {
    std::tm tm{};
    gmtime_r(&secs, &tm);
    std::snprintf(cached, sizeof cached, "%04d-%02d-%02dT%02d:%02d:%02d.", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    cached_second = secs;
  }
  int milli = static_cast<int>(ms % 1000);
  out->append(cached);
  out->push_back(static_cast<char>('0' + milli / 100));
  out->push_back(static_cast<char>('0' + milli / 10 % 10));
  out->push_back(static_cast<char>('0' + milli % 10));
  out->push_back('Z');
}

// The value of cookie `name` in a Cookie header, or "".
std::string CookieValue(const std::string& header, std::string_view name) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    std::string_view pair(header.data() + pos, end - pos);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name && pair[name.size()] == '=') {
      return std::string(pair.substr(name.size() + 1));
    }
    pos = end + 1;
  }
  return "";
}

bool ConstantTimeEqual(const std::string& a, const std::string& b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

OJson AccountJson(const store::Account& a) {
  OJson j = {{"username", a.username}, {"role", store::RoleName(a.role)}};
  if (!a.credit_code.empty()) j["credit_code"] = a.credit_code;
  return j;
}

// An account as the admin sees it: AccountJson and its bookkeeping.
OJson AdminAccountJson(const store::Account& a) {
  OJson j = AccountJson(a);
  j["disabled"] = a.disabled;
  j["created_at"] = a.created_at;
  j["password_changed_at"] = a.password_changed_at;
  j["last_login_at"] = a.last_login_at.empty() ? OJson(nullptr) : OJson(a.last_login_at);
  return j;
}

// A grant or reset waiting for (or decided by) a second admin; never the hash.
OJson AccountChangeJson(const store::AccountChange& c) {
  auto text = [](const std::string& s) { return s.empty() ? OJson(nullptr) : OJson(s); };
  return OJson{{"id", c.id},
               {"kind", c.kind},
               {"username", c.username},
               {"role", c.role},
               {"credit_code", text(c.credit_code)},
               {"state", c.state},
               {"requested_by", c.requested_by},
               {"requested_at", c.requested_at},
               {"decided_by", text(c.decided_by)},
               {"decided_at", text(c.decided_at)},
               {"reason", text(c.reason)}};
}

constexpr const char* kSessionCookie = "bursar_session";


}  // namespace

// ---------------------------------------------------------------------------

// ---------------------------------------------------------------------------

// ---- handlers: each returns a Status, which becomes the one error shape ----
Status Server::Impl::Health(const httplib::Request&, httplib::Response& res, const Caller&) {
  OJson body{{"status", "ok"}, {"policy", {{"id", engine->policy_id()}, {"version", engine->policy_version()},
                                          {"digest", engine->digest()}}}};
  res.set_content(body.dump() + "\n", kJson);
  return OkStatus();
}

Status Server::Impl::OpenApi(const httplib::Request&, httplib::Response& res, const Caller&) {
  std::string_view doc = OpenApiDocument();
  res.set_content(doc.data(), doc.size(), kJson);
  return OkStatus();
}

Result<const Server::Impl::Published*> Server::Impl::PolicyOf(const std::string& id) const {
  auto it = published.find(id.empty() ? programme_policy_id : id);
  if (it != published.end()) return &it->second;
  std::string served;
  for (const auto& [name, p] : published) served += (served.empty() ? "" : ", ") + name;
  return Status(StatusCode::kNotFound, "no policy '" + id + "' on this server (it publishes " + served + ")",
                "query.policy");
}

const Engine* Server::Impl::EngineOf(const std::string& policy) const {
  auto it = published.find(policy.empty() ? programme_policy_id : policy);
  return it == published.end() ? nullptr : it->second.engine.get();
}

Result<const CheckedPolicy*> Server::Impl::PolicyOfApplication(const store::Application& a) const {
  const Engine* e = EngineOf(a.policy);
  if (e == nullptr) {
    return Status(StatusCode::kFailedPrecondition, "application " + std::to_string(a.id) + " is of policy " + a.policy +
                                                       ", which this server does not run (serve --also-policy DIR)");
  }
  return &e->policy();
}

const Engine* Server::Impl::EngineOfDigest(const std::string& digest) const {
  for (const auto& [id, p] : published) {
    if (p.engine->digest() == digest) return p.engine.get();
  }
  return nullptr;
}

Result<const Server::Impl::Published*> Server::Impl::PolicyOf(const httplib::Request& req) const {
  std::string id;
  for (const auto& [name, value] : QueryPairs(req.target)) {
    if (name == "policy") id = value;
  }
  return PolicyOf(id);
}

Status Server::Impl::Policies(const httplib::Request&, httplib::Response& res, const Caller&) {
  res.set_content(policies_json, kJson);
  return OkStatus();
}

Status Server::Impl::Policy(const httplib::Request& req, httplib::Response& res, const Caller&) {
  BURSAR_ASSIGN_OR_RETURN(const Published* p, PolicyOf(req));
  res.set_content(p->policy_json, kJson);
  return OkStatus();
}

Status Server::Impl::Clauses(const httplib::Request& req, httplib::Response& res, const Caller&) {
  BURSAR_ASSIGN_OR_RETURN(const Published* p, PolicyOf(req));
  res.set_content(p->clauses_json, kJson);
  return OkStatus();
}

Status Server::Impl::Measure(const httplib::Request& req, httplib::Response& res, const Caller&) {
  BURSAR_ASSIGN_OR_RETURN(const Published* p, PolicyOf(req));
  std::string id = req.matches.size() > 1 ? req.matches[1].str() : "";
  auto it = p->measure_json.find(id);
  if (it == p->measure_json.end()) {
    return Status(StatusCode::kNotFound, "no measure '" + id + "' in policy " + p->engine->policy_id(), "id");
  }
  res.set_content(it->second, kJson);
  return OkStatus();
}

Status Server::Impl::Evaluate(const httplib::Request& req, httplib::Response& res, const Caller&) {
  std::string type = MediaType(req.get_header_value("Content-Type"));
  if (type != "application/json") {
    WriteError(UnsupportedMediaType("a case is sent as application/json, not '" +
                                    (type.empty() ? std::string("(none)") : type) + "'"),
               &res);
    return OkStatus();
  }
  EvaluateOptions eval_options;
  std::vector<ParameterOverride> overrides;
  std::string policy_id;
  for (const auto& [name, value] : QueryPairs(req.target)) {
    if (name == "policy") {
      policy_id = value;
    } else if (name == "explain") {
      if (value == "true" || value == "1" || value.empty()) {
        eval_options.explain = true;
      } else if (value == "false" || value == "0") {
        eval_options.explain = false;
      } else {
        WriteError(BadRequest("explain is true or false, not '" + value + "'", "query.explain"), &res);
        return OkStatus();
      }
    } else if (name == "set") {
      size_t eq = value.find('=');
      if (eq == std::string::npos || eq == 0 || value.find('\n') != std::string::npos) {
        WriteError(BadRequest("set takes NAME=VALUE, e.g. set=trading_rate%3D4%25; got '" + value + "'",
                              "query.set"),
                   &res);
        return OkStatus();
      }
      if (overrides.size() == kMaxOverrides) {
        WriteError(BadRequest("at most " + std::to_string(kMaxOverrides) + " overrides", "query.set"), &res);
        return OkStatus();
      }
      overrides.push_back({value.substr(0, eq), value.substr(eq + 1)});
    } else {
      WriteError(BadRequest("unknown query parameter '" + name + "' (known: explain, set, policy)", "query." + name),
                 &res);
      return OkStatus();
    }
  }
  BURSAR_ASSIGN_OR_RETURN(const Published* policy, PolicyOf(policy_id));
  auto chosen = policy->engines->Get(overrides);
  if (!chosen.ok()) return chosen.status();
  auto decision = (*chosen)->EvaluateText(req.body, eval_options);
  if (!decision.ok()) return decision.status();
  SetBody(res, std::move(decision).value(), kJson);
  return OkStatus();
}

Status Server::Impl::Static(const httplib::Request& req, httplib::Response& res, const Caller&) {
  auto file = web->Serve(req.path);
  if (!file.ok()) return file.status();
  res.set_header("Cache-Control", file->immutable_asset ? "public, max-age=31536000, immutable" : "no-cache");
  SetBody(res, std::move(file->body), file->content_type.c_str());
  return OkStatus();
}

// ---- accounts: sessions (login, logout, who am I), accounts, audit ----
std::string Server::Impl::SessionCookie(const std::string& value, int64_t max_age) const {
  return std::string(kSessionCookie) + "=" + value + "; Path=/; HttpOnly" +
         (options.insecure_dev_cookies ? "" : "; Secure") + "; SameSite=Strict; Max-Age=" +
         std::to_string(max_age);
}

Status Server::Impl::Login(const httplib::Request& req, httplib::Response& res, const Caller&) {
  std::string type = MediaType(req.get_header_value("Content-Type"));
  if (type != "application/json") {
    WriteError(UnsupportedMediaType("credentials are sent as application/json"), &res);
    return OkStatus();
  }
  auto parsed = ParseJsonText(req.body);
  if (!parsed.ok()) {
    return InvalidArgument("the body is not a JSON object: " + parsed.status().message(), parsed.status().field());
  }
  nlohmann::json body = std::move(*parsed);
  if (!body.is_object()) return InvalidArgument("the body is not a JSON object");
  BURSAR_RETURN_IF_ERROR(OnlyKnownFields(body, {"username", "password"}));
  BURSAR_ASSIGN_OR_RETURN(const std::string username, StringField(body, "username"));
  BURSAR_ASSIGN_OR_RETURN(const std::string password, StringField(body, "password"));
  // `ADMIN` signs in as `admin` (A6), so it shares `admin`'s count. The
  // address is the client's, through a trusted proxy too (ClientAddress).
  const std::string client = ClientAddress(req);
  const std::string folded = store::FoldUsername(username);
  const std::string pair_key = "u:" + folded + "|" + client;  // this account from this address
  const std::string address_key = "a:" + client;              // any account from this address
  const std::string account_key = "n:" + folded;              // this account from anywhere
  const std::pair<const std::string*, int64_t> limits[] = {
      {&pair_key, options.login_failures_per_user},
      {&address_key, options.login_failures_per_address},
      {&account_key, options.login_failures_per_account},
  };

  // Each attempt is counted before its password is checked, so parallel
  // attempts cannot all be checked: the one over a limit is answered 429
  // unchecked (and not counted against the wider keys after it, so one
  // address alone cannot lock an account out for everyone).
  int64_t retry_after = 0;
  BURSAR_RETURN_IF_ERROR(WithStore([&](store::Store& st) -> Status {
    for (const auto& [key, limit] : limits) {
      BURSAR_ASSIGN_OR_RETURN(auto counted, st.CountLoginAttempt(*key, options.login_window_seconds));
      if (counted.failures > limit) {
        retry_after = std::max<int64_t>(1, counted.retry_after_seconds);
        break;
      }
    }
    return OkStatus();
  }));
  if (retry_after > 0) {
    res.set_header("Retry-After", std::to_string(retry_after));
    WriteError(TooManyRequests("too many failed logins; try again in " + std::to_string(retry_after) + " s"), &res);
    return OkStatus();
  }

  std::optional<std::pair<store::Account, std::string>> record;
  BURSAR_RETURN_IF_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(record, st.LoginRecord(username));
    return OkStatus();
  }));
  const bool verified = VerifyPassword(record ? record->second : dummy_hash, password);
  if (!record || !verified || record->first.disabled) {
    return Status(StatusCode::kUnauthenticated, "wrong username or password");  // counted above
  }
  store::NewSession session;
  Status opened = WithStore([&](store::Store& st) -> Status {
    // Success: this address's failures for the account end; the wider
    // counts get this attempt back.
    BURSAR_RETURN_IF_ERROR(st.ClearLoginFailures(pair_key));
    BURSAR_RETURN_IF_ERROR(st.ReturnLoginAttempt(address_key));
    BURSAR_RETURN_IF_ERROR(st.ReturnLoginAttempt(account_key));
    BURSAR_ASSIGN_OR_RETURN(session, st.OpenSession(record->first.username, record->first.id, options.sessions));
    return OkStatus();
  });
  if (!opened.ok()) return opened;
  res.status = 201;
  res.set_header("Set-Cookie", SessionCookie(session.id, options.sessions.absolute_seconds));
  OJson out = {{"csrf_token", session.csrf_token},
               {"expires_at", session.expires_at},
               {"account", AccountJson(record->first)}};
  res.set_content(out.dump(2) + "\n", kJson);
  return OkStatus();
}

Status Server::Impl::CurrentSession(const httplib::Request&, httplib::Response& res, const Caller& caller) {
  OJson out = {{"account", AccountJson(caller.who->account)},
               {"authenticated_by", caller.by_cookie ? "session" : "token"}};
  if (caller.by_cookie) out["csrf_token"] = caller.who->csrf_token;
  if (!caller.who->expires_at.empty()) out["expires_at"] = caller.who->expires_at;
  res.set_content(out.dump(2) + "\n", kJson);
  return OkStatus();
}

Status Server::Impl::Logout(const httplib::Request&, httplib::Response& res, const Caller& caller) {
  if (!caller.by_cookie) {
    return Status(StatusCode::kFailedPrecondition,
                  "a bearer token is not a session: it ends when it expires or is revoked");
  }
  BURSAR_RETURN_IF_ERROR(
      WithStore([&](store::Store& st) { return st.EndSession(caller.who->account.username, caller.session_id); }));
  res.status = 204;
  res.set_header("Set-Cookie", SessionCookie("", 0));
  return OkStatus();
}

Status Server::Impl::Accounts(const httplib::Request&, httplib::Response& res, const Caller&) {
  std::vector<store::Account> accounts;
  BURSAR_RETURN_IF_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(accounts, st.ListAccounts());
    return OkStatus();
  }));
  OJson items = OJson::array();
  for (const auto& a : accounts) items.push_back(AdminAccountJson(a));
  res.set_content(OJson{{"items", std::move(items)}}.dump(2) + "\n", kJson);
  return OkStatus();
}

// The reviewers an officer may assign: usernames and open reviews only (the
// account list itself is the admin's).
Status Server::Impl::Reviewers(const httplib::Request&, httplib::Response& res, const Caller&) {
  std::vector<std::pair<std::string, int64_t>> reviewers;
  BURSAR_RETURN_IF_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(reviewers, st.AssignableReviewers());
    return OkStatus();
  }));
  OJson items = OJson::array();
  for (const auto& [username, open] : reviewers) items.push_back(OJson{{"username", username}, {"open_reviews", open}});
  res.set_content(OJson{{"items", std::move(items)}}.dump(2) + "\n", kJson);
  return OkStatus();
}

// The password is hashed (argon2id, as `bursar user add`) outside the store
// lock, at most two at a time, like a login's check.
Status Server::Impl::CreateAccount(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(auto body, JsonObjectBody(req, res));
  if (!body) return OkStatus();
  BURSAR_RETURN_IF_ERROR(OnlyKnownFields(*body, {"username", "role", "credit_code", "password"}));
  BURSAR_ASSIGN_OR_RETURN(std::string requested_username, StringField(*body, "username"));
  // The rule of usernames (A6), folded to lower case: `ADMIN` is `admin`.
  BURSAR_ASSIGN_OR_RETURN(const std::string username, store::CanonicalUsername(requested_username));
  BURSAR_ASSIGN_OR_RETURN(std::string role_name, StringField(*body, "role"));
  BURSAR_ASSIGN_OR_RETURN(std::string password, StringField(*body, "password"));
  BURSAR_ASSIGN_OR_RETURN(std::string code, StringField(*body, "credit_code", false));
  auto role = store::ParseRole(role_name);
  if (!role) return InvalidArgument("role is applicant, reviewer, officer, auditor or admin", "role");
  if ((*role == store::Role::kApplicant) != !code.empty()) {
    return InvalidArgument(*role == store::Role::kApplicant
                               ? "an applicant is bound to one enterprise: give its credit code"
                               : "only an applicant is bound to an enterprise",
                           "credit_code");
  }
  // Fail on the account's other fields before spending a hash on it.
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    if (st.GetAccount(username).ok()) {
      return Status(StatusCode::kAlreadyExists, "the username '" + username + "' is taken", "username");
    }
    if (!code.empty()) {
      BURSAR_ASSIGN_OR_RETURN(auto e, st.FindEnterprise(code));
      if (!e) return Status(StatusCode::kNotFound, "no enterprise " + code, "credit_code");
    }
    return OkStatus();
  }));
  BURSAR_RETURN_IF_ERROR(store::CheckPasswordPolicy(password, username));
  Result<std::string> hash = HashPassword(password);
  if (!hash.ok()) return InvalidArgument(hash.status().message(), "password").WithReason(hash.status().reason(), hash.status().params());
  if (store::IsPrivileged(*role)) {
    // Two admins: the grant waits for a second admin (202).
    store::AccountChange change;
    BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
      BURSAR_ASSIGN_OR_RETURN(change, st.RequestAccountChange(Actor(caller), "grant", username, *role, code, *hash));
      return OkStatus();
    }));
    res.set_header("Location", "/api/account-changes/" + std::to_string(change.id));
    AnswerJson(res, AccountChangeJson(change), 202);
    return OkStatus();
  }
  store::Account account;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(account, st.AddAccount(Actor(caller), username, *role, code, *hash));
    return OkStatus();
  }));
  res.set_header("Location", "/api/accounts/" + account.username);
  AnswerJson(res, AdminAccountJson(account), 201);
  return OkStatus();
}

Status Server::Impl::AccountChanges(const httplib::Request& req, httplib::Response& res, const Caller&) {
  return AnswerChanges(req, res, &store::Store::AccountChanges, AccountChangeJson);
}

// {"approve": true} applies the change; {"approve": false, "reason"} rejects
// it. Never by the admin who asked for it (403).
Status Server::Impl::DecideAccountChange(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  return DecideChange(req, res, caller, "account change", "apply the change", &store::Store::ApproveAccountChange,
                      &store::Store::RejectAccountChange, AccountChangeJson);
}

// PATCH {disabled: true} disables (ends sessions, revokes tokens); {disabled:
// false} enables again, without bringing those sessions or tokens back. Either
// on an account already in that state is 200 and changes nothing, so a retry
// of either is harmless.
Status Server::Impl::ChangeAccount(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  const std::string username = req.matches.size() > 1 ? req.matches[1].str() : "";
  BURSAR_ASSIGN_OR_RETURN(auto body, JsonObjectBody(req, res));
  if (!body) return OkStatus();
  BURSAR_RETURN_IF_ERROR(OnlyKnownFields(*body, {"disabled"}));
  if (!body->contains("disabled") || !(*body)["disabled"].is_boolean()) {
    return InvalidArgument("expected a boolean \"disabled\"", "disabled");
  }
  const bool disable = (*body)["disabled"].get<bool>();
  if (disable && username == Actor(caller)) {
    return Status(StatusCode::kFailedPrecondition,
                  "an admin does not disable its own account (another admin can)", "disabled");
  }
  store::Account account;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(account, st.GetAccount(username));
    // Compared with the account found: `ADMIN` in the path is `admin` (A6).
    if (disable && account.username == Actor(caller)) {
      return Status(StatusCode::kFailedPrecondition,
                    "an admin does not disable its own account (another admin can)", "disabled");
    }
    if (account.disabled == disable) return OkStatus();
    BURSAR_RETURN_IF_ERROR(disable ? st.DisableAccount(Actor(caller), username)
                                   : st.EnableAccount(Actor(caller), username));
    BURSAR_ASSIGN_OR_RETURN(account, st.GetAccount(username));
    return OkStatus();
  }));
  AnswerJson(res, AdminAccountJson(account));
  return OkStatus();
}

Status Server::Impl::ResetPassword(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  const std::string username = req.matches.size() > 1 ? req.matches[1].str() : "";
  BURSAR_ASSIGN_OR_RETURN(auto body, JsonObjectBody(req, res));
  if (!body) return OkStatus();
  BURSAR_RETURN_IF_ERROR(OnlyKnownFields(*body, {"password"}));
  BURSAR_ASSIGN_OR_RETURN(std::string password, StringField(*body, "password"));
  // An unknown account is refused before a hash is spent on it.
  store::Account account;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(account, st.GetAccount(username));
    return OkStatus();
  }));
  BURSAR_RETURN_IF_ERROR(store::CheckPasswordPolicy(password, account.username));
  Result<std::string> hash = HashPassword(password);
  if (!hash.ok()) return InvalidArgument(hash.status().message(), "password").WithReason(hash.status().reason(), hash.status().params());
  if (store::IsPrivileged(account.role)) {
    // Two admins: one admin alone could otherwise take over a finance or
    // officer account by resetting its password.
    store::AccountChange change;
    BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
      BURSAR_ASSIGN_OR_RETURN(change, st.RequestAccountChange(Actor(caller), "password", account.username,
                                                              account.role, "", *hash));
      return OkStatus();
    }));
    res.set_header("Location", "/api/account-changes/" + std::to_string(change.id));
    AnswerJson(res, AccountChangeJson(change), 202);
    return OkStatus();
  }
  BURSAR_RETURN_IF_ERROR(
      WithStore([&](store::Store& st) { return st.SetPasswordHash(Actor(caller), username, *hash); }));
  res.status = 204;
  return OkStatus();
}

Status Server::Impl::AuditVerification(const httplib::Request&, httplib::Response& res, const Caller&) {
  store::AuditVerdict verdict;
  BURSAR_RETURN_IF_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(verdict, st.VerifyAudit());
    return OkStatus();
  }));
  res.set_content(store::AuditVerdictJson(verdict).dump(2) + "\n", kJson);
  return OkStatus();
}

// ---- authentication and authorisation, before every handler ----
Status Server::Impl::Authenticate(const httplib::Request& req, Caller* caller) {
  const std::string authorization = req.get_header_value("Authorization");
  if (!authorization.empty()) {
    if (authorization.rfind("Bearer ", 0) != 0) {
      return Status(StatusCode::kUnauthenticated, "Authorization takes a bearer token: \"Bearer bst_...\"");
    }
    const std::string token = authorization.substr(7);
    BURSAR_RETURN_IF_ERROR(WithStore([&](store::Store& st) -> Status {
      BURSAR_ASSIGN_OR_RETURN(caller->who, st.FindToken(token));
      return OkStatus();
    }));
    if (!caller->who) return Status(StatusCode::kUnauthenticated, "the bearer token is unknown, expired or revoked");
    return OkStatus();
  }
  const std::string session_id = CookieValue(req.get_header_value("Cookie"), kSessionCookie);
  if (session_id.empty()) {
    return Status(StatusCode::kUnauthenticated, "log in (POST /api/sessions) or send Authorization: Bearer");
  }
  BURSAR_RETURN_IF_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(caller->who, st.FindSession(session_id, options.sessions));
    return OkStatus();
  }));
  if (!caller->who) return Status(StatusCode::kUnauthenticated, "the session has expired or ended: log in again");
  caller->by_cookie = true;
  caller->session_id = session_id;
  return OkStatus();
}

// A state-changing request that authenticates by cookie carries the
// session's CSRF token, and comes from our own origin when it says.
Status Server::Impl::CheckCsrf(const httplib::Request& req, const Caller& caller) {
  if (!caller.by_cookie || req.method == "GET" || req.method == "HEAD") return OkStatus();
  if (!ConstantTimeEqual(req.get_header_value("X-CSRF-Token"), caller.who->csrf_token)) {
    return Status(StatusCode::kPermissionDenied, "missing or wrong X-CSRF-Token", "header.X-CSRF-Token");
  }
  const std::string origin = req.get_header_value("Origin");
  if (!origin.empty()) {
    size_t scheme = origin.find("://");
    std::string host = scheme == std::string::npos ? "" : origin.substr(scheme + 3);
    if (host != req.get_header_value("Host")) {
      return Status(StatusCode::kPermissionDenied, "a request from another origin", "header.Origin");
    }
  }
  return OkStatus();
}

Status Server::Impl::Authorize(const Route& route, const httplib::Request& req, Caller* caller) {
  if (route.access & kPublic) return OkStatus();
  BURSAR_RETURN_IF_ERROR(Authenticate(req, caller));
  BURSAR_RETURN_IF_ERROR(CheckCsrf(req, *caller));
  const store::Role role = caller->who->account.role;
  if (!(route.access & (1u << static_cast<unsigned>(role)))) {
    return Status(StatusCode::kPermissionDenied,
                  std::string("the role ") + store::RoleName(role) + " may not " + Upper(route.method) + " " +
                      route.path)
        .WithReason("role_may_not", {{"role", store::RoleName(role)}, {"method", Upper(route.method)}, {"path", route.path}});
  }
  return OkStatus();
}

namespace {
ApiError BodyTooLarge(size_t max) {
  return PayloadTooLarge("the request body is larger than the server accepts (" + std::to_string(max) +
                         " bytes; only an attachment's upload may be larger, up to " +
                         std::to_string(store::kMaxAttachmentBytes >> 20) + " MiB)");
}
}  // namespace

// ---- wiring ----
httplib::Server::Handler Server::Impl::Wrap(const Route& route) {
  return [this, &route](const httplib::Request& req, httplib::Response& res) {
    Caller caller;
    std::optional<IdempotencyClaim> claim;
    bool replayed = false;
    if (req.body.size() > options.max_body_bytes && route.handler != &Impl::AddAttachment) {
      WriteError(BodyTooLarge(options.max_body_bytes), &res);
      return;
    }
    Status status = Authorize(route, req, &caller);
    if (status.ok()) status = ClaimIdempotencyKey(route, req, caller, res, &claim, &replayed);
    if (status.ok() && !replayed) {
      // Every change the handler commits also marks the claim applied (Store::SetClaimMarker).
      request_claim = claim ? &claim->marker : nullptr;
      status = (this->*route.handler)(req, res, caller);
      request_claim = nullptr;
    }
    if (!status.ok()) {
      if (status.code() == StatusCode::kUnauthenticated) res.set_header("WWW-Authenticate", "Bearer realm=\"bursar\"");
      ApiError error = FromStatus(status);
      // A malformed query parameter or header is a request that could not
      // be read (400), even though its field is known.
      if (status.code() == StatusCode::kInvalidArgument &&
          (status.field().rfind("query.", 0) == 0 || status.field().rfind("header.", 0) == 0)) {
        error.http_status = 400;
      }
      WriteError(error, &res);
    }
    if (claim) SettleIdempotencyKey(*claim, res);
  };
}

std::string Server::Impl::NextRequestId() {
  return request_id_prefix + std::to_string(request_counter.fetch_add(1, std::memory_order_relaxed) + 1);
}

void Server::Impl::Install() {
  http.new_task_queue = [n = options.threads] { return new httplib::ThreadPool(n); };
  // An attachment's upload may be larger than any other request; every other
  // request is held to max_body_bytes once read (Wrap). (Refusing one by its
  // Content-Length before reading it would close the connection under a
  // client still sending, which then may never see the 413.)
  http.set_payload_max_length(std::max(options.max_body_bytes, static_cast<size_t>(store::kMaxAttachmentBytes)));
  http.set_tcp_nodelay(true);
  // A kept-alive connection is reused for many requests (wrk, browsers, the
  // web app); it still holds a worker, so idle ones are dropped after 5 s.
  http.set_keep_alive_max_count(10000);
  http.set_keep_alive_timeout(5);
  http.set_read_timeout(10);
  http.set_write_timeout(10);
  http.set_request_deadline(options.request_deadline_seconds);
  http.set_default_headers({
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
  });

  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    t_request_start = Clock::now();
    t_request_started = true;
    std::string id = req.get_header_value("X-Request-Id");
    res.set_header("X-Request-Id", IsToken(id) ? id : NextRequestId());
    if (req.path.rfind("/api/", 0) == 0) res.set_header("Cache-Control", "no-store");
    // Before the body is read: a message whose length is ambiguous is
    // refused and its connection closed, so no part of it is read as a
    // request of its own (request smuggling).
    if (const std::string framing = FramingProblem(req); !framing.empty()) {
      WriteError(ApiError{400, "invalid_argument", "the request's length cannot be trusted: " + framing, {}}, &res);
      CloseAfterResponse(&res);
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  // Errors the library answers itself (no route, body too large, an
  // unreadable request) get the one error shape too; bodies our handlers
  // wrote are kept.
  http.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req,
                                                                  httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    switch (res.status) {
      case 404: WriteError(NotFound("no route for " + req.method + " " + req.path), &res); break;
      case 413:
        WriteError(PayloadTooLarge(IsAttachmentUpload(req) ? "a file has at most " +
                                                                  std::to_string(store::kMaxAttachmentBytes >> 20) +
                                                                  " MiB"
                                                            : "the request body is larger than the server accepts"),
                   &res);
        break;
      case 414: WriteError(ApiError{414, "invalid_argument", "the request target is too long", {}}, &res); break;
      default:
        WriteError(ApiError{res.status, res.status >= 500 ? "internal" : "invalid_argument",
                            res.status >= 500 ? "internal error" : "the request could not be read",
                            {}},
                   &res);
    }
    return httplib::Server::HandlerResponse::Handled;
  }));

  http.set_exception_handler([this](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    log->Write("{\"event\":\"exception\",\"what\":" + JsonEscape(what) + "}\n");
    WriteError(FromStatus(Status(StatusCode::kInternal, "internal error")), &res);
  });

  if (options.request_log) {
    // The worker only formats the line, into a buffer it keeps; the writer
    // thread does the writing (log_writer.h).
    http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      long long us = -1;
      if (t_request_started) {
        us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t_request_start).count();
        t_request_started = false;
      }
      thread_local std::string line;
      line.clear();
      line += "{\"time\":\"";
      AppendUtcNow(&line);
      line += "\",\"method\":";
      AppendJsonString(&line, req.method);
      line += ",\"path\":";
      AppendJsonString(&line, req.path);
      char numbers[64];
      int n = std::snprintf(numbers, sizeof numbers, ",\"status\":%d,\"duration_us\":%lld,\"request_id\":",
                            res.status, us);
      line.append(numbers, static_cast<size_t>(n));
      auto id = res.headers.find("X-Request-Id");
      AppendJsonString(&line, id == res.headers.end() ? std::string_view() : std::string_view(id->second));
      line += "}\n";
      log->Write(line);
    });
  }

  // The routes, then 405 for the other methods on the same paths.
  std::map<std::string, std::set<std::string>> allowed;  // path → methods
  for (const Route& r : Routes()) {
    std::string pattern = PathRegex(r.path);
    std::string method = r.method;
    allowed[r.path].insert(method);
    if (method == "get") http.Get(pattern, Wrap(r));
    else if (method == "post") http.Post(pattern, Wrap(r));
    else if (method == "put") http.Put(pattern, Wrap(r));
    else if (method == "patch") http.Patch(pattern, Wrap(r));
    else if (method == "delete") http.Delete(pattern, Wrap(r));
  }
  for (const auto& [path, methods] : allowed) {
    std::string allow;
    for (const auto& m : methods) allow += (allow.empty() ? "" : ", ") + Upper(m) + (m == "get" ? ", HEAD" : "");
    auto refuse = [allow](const httplib::Request& req, httplib::Response& res) {
      res.set_header("Allow", allow);
      WriteError(MethodNotAllowed(req.method + " is not allowed here; allowed: " + allow), &res);
    };
    std::string pattern = PathRegex(path);
    if (!methods.count("get")) http.Get(pattern, refuse);
    if (!methods.count("post")) http.Post(pattern, refuse);
    if (!methods.count("put")) http.Put(pattern, refuse);
    if (!methods.count("patch")) http.Patch(pattern, refuse);
    if (!methods.count("delete")) http.Delete(pattern, refuse);
    http.Options(pattern, refuse);
  }
  // Everything outside /api/ and /healthz may be a file of the web app.
  static const Route kStatic = {"get", "/*", &Impl::Static, kPublic};
  if (web) http.Get(R"(/(?!api/|api$|healthz$).*)", Wrap(kStatic));
}


std::vector<Server::Impl::Route> Server::Impl::CoreRoutes() {
  using R = store::Role;
  return {
      {"get", "/healthz", &Impl::Health, kPublic},
      {"get", "/api/openapi.json", &Impl::OpenApi, kPublic},
      {"get", "/api/policies", &Impl::Policies, kPublic},
      {"get", "/api/policy", &Impl::Policy, kPublic},
      {"get", "/api/policy/clauses", &Impl::Clauses, kPublic},
      {"get", "/api/policy/measures/{id}", &Impl::Measure, kPublic},
      {"post", "/api/evaluations", &Impl::Evaluate, kPublic},
      {"post", "/api/sessions", &Impl::Login, kPublic},
      {"get", "/api/sessions/current", &Impl::CurrentSession, kAnyRole},
      {"delete", "/api/sessions/current", &Impl::Logout, kAnyRole},
      {"get", "/api/accounts", &Impl::Accounts, Only({R::kAdmin})},
      {"get", "/api/reviewers", &Impl::Reviewers, Only({R::kOfficer})},
      {"post", "/api/accounts", &Impl::CreateAccount, Only({R::kAdmin})},
      {"patch", "/api/accounts/{username}", &Impl::ChangeAccount, Only({R::kAdmin})},
      {"put", "/api/accounts/{username}/password", &Impl::ResetPassword, Only({R::kAdmin})},
      {"get", "/api/account-changes", &Impl::AccountChanges, Only({R::kAdmin})},
      {"post", "/api/account-changes/{id}/approval", &Impl::DecideAccountChange, Only({R::kAdmin})},
      {"get", "/api/audit/verification", &Impl::AuditVerification, Only({R::kOfficer, R::kAuditor})},
  };
}

const std::vector<Server::Impl::Route>& Server::Impl::Routes() {
  // THE authorisation table: every route says who may call it. The core's
  // routes are above; the programme's are in programme_routes.cc.
  static const std::vector<Route> kRoutes = [] {
    std::vector<Route> all = CoreRoutes();
    for (const Route& r : ProgrammeRoutes()) all.push_back(r);
    return all;
  }();
  return kRoutes;
}

std::vector<RouteSpec> RouteTable() {
  std::vector<RouteSpec> out;
  for (const auto& r : Server::Impl::Routes()) {
    RouteSpec spec{r.method, r.path, (r.access & Server::Impl::kPublic) != 0, {}};
    for (int i = 0; i < store::kRoleCount; ++i) {
      if (!spec.public_route && (r.access & (1u << i))) spec.roles.push_back(static_cast<store::Role>(i));
    }
    out.push_back(std::move(spec));
  }
  return out;
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

Result<std::unique_ptr<Server>> Server::Create(const ServeOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (impl->options.threads == 0) impl->options.threads = 1;
  impl->log = std::make_unique<LogWriter>(STDERR_FILENO);
  BURSAR_ASSIGN_OR_RETURN(impl->engine, Engine::Load(options.policy_dir));
  impl->engines = std::make_shared<EngineCache>(options.policy_dir, impl->engine, options.engine_cache_size);
  impl->simulations = NewSimulationCache();
  if (!options.web_dir.empty()) {
    BURSAR_ASSIGN_OR_RETURN(StaticFiles files, StaticFiles::Open(options.web_dir));
    impl->web.emplace(std::move(files));
  }
  // A clock override is a test setting: without BURSAR_TEST_MODE=1 the
  // server refuses to start on one, with or without a store (D-G9).
  bool test_clock = false;
  BURSAR_RETURN_IF_ERROR(store::ProcessClock(&test_clock).status());
  if (test_clock) {
    impl->log->Write(
        "{\"event\":\"test_clock\",\"warning\":\"BURSAR_TEST_MODE=1: the store's clock is BURSAR_TEST_CLOCK, "
        "not the system's; never in production\"}\n");
  }
  if (!options.db_url.empty()) {
    store::OpenOptions open;
    open.faults = options.store_faults;
    BURSAR_ASSIGN_OR_RETURN(store::ServerSecret secret,
                            store::LoadServerSecret(options.secret_file, true, "--secret-file"));
    open.credential_key = std::move(secret.key);
    if (secret.created) {
      impl->log->Write(OJson{{"event", "secret_created"},
                             {"path", options.secret_file},
                             {"note", "a new server secret: sessions and API tokens from before it no longer sign in"}}
                           .dump() +
                       "\n");
    }
    const size_t connections = options.store_faults.empty() ? std::max<size_t>(options.store_connections, 1) : 1;
    // The connections keep their list counts and anchors together.
    open.list_cache = std::make_shared<store::ListCache>();
    for (size_t i = 0; i < connections; ++i) {
      BURSAR_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> st, store::Store::Open(options.db_url, open));
      // The published policies (below) read declared figures for its cases.
      st->SetFigureReader(impl->ProgrammeFigures());
      impl->free_stores.push_back(st.get());
      impl->stores.push_back(std::move(st));
    }
    BURSAR_ASSIGN_OR_RETURN(impl->dummy_hash, store::HashPassword("not a password of anyone's"));
  }
  // The published policies: the programme's, then each --also-policy.
  impl->programme_policy_id = impl->engine->policy_id();
  OJson list = OJson::array();
  auto publish = [&](const std::string& dir, std::shared_ptr<const Engine> engine,
                     std::shared_ptr<EngineCache> engines) -> Status {
    const CheckedPolicy& cp = engine->policy();
    if (impl->published.count(engine->policy_id())) {
      return InvalidArgument("policy '" + engine->policy_id() + "' of " + dir + " is published twice", "--also-policy");
    }
    Impl::Published& p = impl->published[engine->policy_id()];
    p.policy_json = PolicySummary(cp, dir).dump(2) + "\n";
    p.clauses_json = PolicyClauses(cp).dump(2) + "\n";
    for (auto& [id, doc] : MeasureDocuments(cp, dir)) p.measure_json[id] = doc.dump(2) + "\n";
    OJson entry{{"id", engine->policy_id()}, {"version", engine->policy_version()}, {"title", cp.policy.title}};
    if (!cp.policy.title_zh.empty()) entry["title_zh"] = cp.policy.title_zh;
    entry["digest"] = engine->digest();
    entry["programme"] = list.empty();
    list.push_back(std::move(entry));
    p.engine = std::move(engine);
    p.engines = std::move(engines);
    return OkStatus();
  };
  BURSAR_RETURN_IF_ERROR(publish(options.policy_dir, impl->engine, impl->engines));
  for (const std::string& dir : options.also_policy_dirs) {
    BURSAR_ASSIGN_OR_RETURN(std::shared_ptr<const Engine> also, Engine::Load(dir));
    auto cache = std::make_shared<EngineCache>(dir, also, options.engine_cache_size);
    BURSAR_RETURN_IF_ERROR(publish(dir, std::move(also), std::move(cache)));
  }
  impl->policies_json = OJson{{"policies", std::move(list)}}.dump(2) + "\n";
  // Request ids: a random prefix per process and a counter, so ids from two
  // servers behind one balancer do not collide.
  std::random_device rd;
  char prefix[16];
  std::snprintf(prefix, sizeof prefix, "%08x-", static_cast<unsigned>(rd()));
  impl->request_id_prefix = prefix;
  impl->Install();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Result<int> Server::Bind() {
  Impl& s = *impl_;
  int port = s.options.port;
  if (port == 0) {
    port = s.http.bind_to_any_port(s.options.host);
    if (port < 0) port = 0;
  } else if (!s.http.bind_to_port(s.options.host, port)) {
    port = 0;
  }
  if (port <= 0) {
    return Status(StatusCode::kUnavailable,
                  "cannot listen on " + s.options.host + ":" + std::to_string(s.options.port) +
                      " (address in use, or not an address of this machine)",
                  "--listen");
  }
  if (!s.http.WidenListenBacklog()) {
    return Status(StatusCode::kUnavailable, std::string("cannot widen the listen backlog: ") + std::strerror(errno),
                  "--listen");
  }
  s.bound = true;
  return port;
}

Status Server::Run() {
  if (!impl_->bound) return Status(StatusCode::kFailedPrecondition, "Run() before Bind()");
  if (impl_->stop_requested.load()) return OkStatus();
  // The budgets read while the server starts answering (WarmBudgets); not
  // without a store, nor with test fault points, which count one
  // connection's statements.
  std::jthread warm;
  if (!impl_->stores.empty() && impl_->options.store_faults.empty()) {
    warm = std::jthread([this] { impl_->WarmBudgets(); });
  }
  if (!impl_->http.listen_after_bind()) {
    // listen_after_bind() is false also after a clean Stop(); only a failure
    // while still meant to be running is an error.
    if (impl_->http.is_running()) {
      impl_->log->Flush();
      return Status(StatusCode::kUnavailable, "the server stopped accepting");
    }
  }
  // Every worker has finished (the library joins them before returning), so
  // every line of every request answered is in the writer: write them out
  // before the caller says the server stopped.
  impl_->log->Flush();
  return OkStatus();
}

void Server::Stop() {
  impl_->stop_requested.store(true);
  impl_->http.stop();
}

}  // namespace bursar::server
