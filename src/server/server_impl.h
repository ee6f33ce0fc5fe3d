// The server's insides, shared by the files that define its routes:
// server.cc (the core: engine, sessions, accounts, authorisation, wiring),
// programme_routes.cc (applications through payment), evidence_routes.cc
// (enterprises, facts, evidence), analysis_routes.cc (proposals, budgets,
// audit, simulations) and export_routes.cc (spreadsheets, letters).
// Internal to src/server; nothing outside includes it.
#pragma once

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <condition_variable>
#include <mutex>
#include <set>
#include <functional>
#include <optional>
#include <semaphore>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/engine.h"
#include "server/api_error.h"
#include "server/engine_cache.h"
#include "server/guarded_http.h"
#include "server/log_writer.h"
#include "server/server.h"
#include "server/static_files.h"
#include "store/store.h"

// BURSAR_RETURN_IF_ERROR for a WithStore(...) call whose lambda uses
// BURSAR_RETURN_IF_ERROR itself (the macro's variable would shadow).
#define BURSAR_RETURN_IF_STORE_ERROR(expr)                          \
  do {                                                              \
    ::bursar::Status bursar_store_status_ = (expr);                 \
    if (!bursar_store_status_.ok()) return bursar_store_status_;    \
  } while (0)

namespace bursar::server {

using OJson = nlohmann::ordered_json;
inline constexpr const char* kJson = "application/json";

inline std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

inline std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// The media type of a Content-Type header, without parameters, lower case.
inline std::string MediaType(const std::string& content_type) {
  std::string type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
  size_t start = type.find_first_not_of(" \t");
  return Lower(start == std::string::npos ? std::string() : type.substr(start));
}

// The query of a request target, as ordered (name, value) pairs. The HTTP
// library's own parameter map splits "set=a=1" at every '=' and drops
// repeats, so the raw target is split here: at '&', then at the first '='.
inline std::vector<std::pair<std::string, std::string>> QueryPairs(const std::string& target) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t q = target.find('?');
  if (q == std::string::npos) return out;
  std::string query = target.substr(q + 1);
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    std::string pair = query.substr(start, end - start);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string name = httplib::detail::decode_url(pair.substr(0, eq), true);
      std::string value = eq == std::string::npos ? "" : httplib::detail::decode_url(pair.substr(eq + 1), true);
      out.emplace_back(std::move(name), std::move(value));
    }
    start = end + 1;
  }
  return out;
}

// Every application of `year` in public notice, all pages (the notice
// export and the notice as an official document read the same list); of one
// programme when `policy` is given ("" the served one's).
inline Result<std::vector<store::NoticeRecord>> AllNotices(store::Store& st, int64_t year,
                                                           std::optional<std::string> policy = std::nullopt) {
  store::NoticeQuery q;
  q.year = year;
  q.policy = std::move(policy);
  q.page.limit = 500;
  std::vector<store::NoticeRecord> all;
  while (true) {
    BURSAR_ASSIGN_OR_RETURN(auto page, st.ListNotices(q));
    for (auto& n : page.items) all.push_back(std::move(n));
    q.page.offset += q.page.limit;
    if (q.page.offset >= page.total || page.items.empty()) break;
  }
  return all;
}

// Sets the body without copying it (Response::set_content copies).
inline void SetBody(httplib::Response& res, std::string&& body, const char* content_type) {
  res.body = std::move(body);
  res.set_header("Content-Type", content_type);
}

// A string member of a JSON body, or InvalidArgument naming it; absent or
// null gives "" when not required.
inline Result<std::string> StringField(const nlohmann::json& body, const char* key, bool required = true) {
  if (!body.contains(key) || body[key].is_null()) {
    if (required) return InvalidArgument(std::string("expected a string \"") + key + "\"", key).WithReason("required");
    return std::string();
  }
  if (!body[key].is_string()) {
    return InvalidArgument(std::string("expected a string \"") + key + "\"", key).WithReason("not_text");
  }
  return body[key].get<std::string>();
}

// Refuses a member of a JSON body that is not in `known`, naming it.
inline Status OnlyKnownFields(const nlohmann::json& body, std::initializer_list<const char*> known) {
  for (const auto& item : body.items()) {
    if (std::none_of(known.begin(), known.end(), [&](const char* k) { return item.key() == k; })) {
      std::string list;
      for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      return InvalidArgument("unknown field \"" + item.key() + "\" (" +
                                 (list.empty() ? std::string("this step takes none") : "known: " + list) + ")",
                             item.key())
          .WithReason("unknown_field");
    }
  }
  return OkStatus();
}

// D-G9: every procedural date (a notice's days, finalisation, a decision, a
// payment) is the server's own calendar day in Beijing, never one a user
// sends. The names a client might send one under; a body of a procedural step
// that has any of them is refused with 400 naming it, before anything changes.
inline constexpr std::initializer_list<const char*> kProceduralDateFields = {
    "today", "date", "on", "until", "notice_until", "notice_from", "notice_published_on",
    "finalised_on", "decided_at", "decided_on", "paid_on", "paid_at"};

struct SimulationCache;  // analysis_routes.cc
std::shared_ptr<SimulationCache> NewSimulationCache();

struct Server::Impl {
  // Who is calling: nobody (public routes never read credentials), or an
  // account recognised by its session cookie or bearer token.
  struct Caller {
    std::optional<store::Authenticated> who;
    bool by_cookie = false;
    std::string session_id;  // the cookie's value, when by_cookie
  };
  using Handler = Status (Impl::*)(const httplib::Request&, httplib::Response&, const Caller&);
  // Who may call a route: everyone, or a set of roles (a bit per store::Role).
  static constexpr unsigned kPublic = 1u << 31;
  static constexpr unsigned kAnyRole = (1u << store::kRoleCount) - 1;
  static constexpr unsigned Only(std::initializer_list<store::Role> roles) {
    unsigned bits = 0;
    for (store::Role r : roles) bits |= 1u << static_cast<unsigned>(r);
    return bits;
  }
  struct Route {
    const char* method;  // lower case
    const char* path;
    Handler handler;
    unsigned access;  // kPublic or role bits
  };

  ServeOptions options;
  // The request log and the server's own events, written off the request
  // path. Declared before `http` so that it outlives the workers.
  std::unique_ptr<LogWriter> log;
  // A policy this server publishes: its engine, its what-if engines and its
  // pages, rendered once at start.
  struct Published {
    std::shared_ptr<const Engine> engine;
    std::shared_ptr<EngineCache> engines;
    std::string policy_json, clauses_json;
    std::map<std::string, std::string> measure_json;
  };
  // The programme's policy: what the store decides by.
  std::shared_ptr<const Engine> engine;
  std::shared_ptr<EngineCache> engines;
  // Every published policy by id, the programme's first in `policies_json`
  // (GET /api/policies).
  std::map<std::string, Published> published;
  std::string programme_policy_id, policies_json;
  std::optional<StaticFiles> web;
  // The policy a request names with `?policy=ID` (the programme's without
  // one); 404 naming query.policy for one this server does not publish.
  Result<const Published*> PolicyOf(const std::string& id) const;
  // The engine of a programme as the store names it (store::Application::
  // policy: "" the served policy's), or null when this server does not run it.
  const Engine* EngineOf(const std::string& policy) const;
  // The policy of an application's programme; FailedPrecondition when this
  // server does not run it (`serve --also-policy` not given for it).
  Result<const CheckedPolicy*> PolicyOfApplication(const store::Application& a) const;
  // The published engine whose policy has `digest` (a stored decision's),
  // nullptr when this server runs no such version of any policy.
  const Engine* EngineOfDigest(const std::string& digest) const;
  // The programme a request names, as the store names it ("" the served
  // policy's, the default): `?policy=ID` (404 `query.policy`), or a body's
  // `policy` member (404 `policy`) for one this server does not run.
  Result<std::string> QueryProgramme(const httplib::Request& req) const;
  // The policy id of a stored Application::policy ("" is the served one's).
  std::string ProgrammeId(const std::string& stored) const {
    return stored.empty() ? programme_policy_id : stored;
  }
  Result<std::string> BodyProgramme(const nlohmann::json& body) const;
  Result<const Published*> PolicyOf(const httplib::Request& req) const;
  GuardedHttpServer http;
  std::string request_id_prefix;
  std::atomic<uint64_t> request_counter{0};
  bool bound = false;
  std::atomic<bool> stop_requested{false};

  // The client's address: the connecting one, or through a trusted proxy the
  // one its X-Forwarded-For names (server.h's ClientAddress).
  std::string ClientAddress(const httplib::Request& req) const {
    if (options.trusted_proxies.empty()) return req.remote_addr;
    std::string forwarded;
    for (size_t i = 0, n = req.get_header_value_count("X-Forwarded-For"); i < n; ++i) {
      forwarded += (i ? "," : "") + req.get_header_value("X-Forwarded-For", i);
    }
    return server::ClientAddress(req.remote_addr, forwarded, options.trusted_proxies);
  }

  // The store: ServeOptions::store_connections connections, each used by
  // one request at a time (WithStore). Password hashing (0.1 s, 64 MiB)
  // runs outside them, at most two at once.
  std::vector<std::unique_ptr<store::Store>> stores;
  std::mutex stores_mu;
  std::condition_variable stores_cv;
  std::vector<store::Store*> free_stores;  // guarded by stores_mu
  // Connections go to waiting requests in the order they asked (guarded by
  // stores_mu): without the queue a request woken for a freed connection
  // lost it to one just arriving, again and again (PostgreSQL, 8 clients on
  // 4 connections: 0.2 % of the requests waited 50–460 ms).
  uint64_t store_tickets = 0;  // handed out
  uint64_t store_served = 0;   // the ticket whose turn it is
  std::counting_semaphore<2> hashing{2};
  // One argon2id hash or check at a time per slot of `hashing`.
  Result<std::string> HashPassword(const std::string& password) {
    hashing.acquire();
    Result<std::string> hash = store::HashPassword(password);
    hashing.release();
    return hash;
  }
  bool VerifyPassword(const std::string& hash, const std::string& password) {
    hashing.acquire();
    const bool ok = store::VerifyPassword(hash, password);
    hashing.release();
    return ok;
  }
  std::string dummy_hash;  // verified against for unknown usernames: same time, same answer

  // Runs `f` on a free connection of the store (waiting for one), alone on it.
  template <typename F>
  auto WithStore(F&& f) -> decltype(f(std::declval<store::Store&>())) {
    if (stores.empty()) {
      return Status(StatusCode::kUnavailable, "this server runs without a store (bursar serve --db URL)");
    }
    store::Store* st = nullptr;
    {
      std::unique_lock<std::mutex> lock(stores_mu);
      const uint64_t ticket = store_tickets++;
      stores_cv.wait(lock, [&] { return ticket == store_served && !free_stores.empty(); });
      ++store_served;
      st = free_stores.back();
      free_stores.pop_back();
      // The next in line may take another free connection.
      if (!free_stores.empty()) stores_cv.notify_all();
    }
    // The connection goes back, and an If-Match expectation (CheckIfMatch)
    // lives for this call only.
    struct Release {
      Impl& impl;
      store::Store& st;
      ~Release() {
        st.ClearExpectedVersion();
        st.SetClaimMarker(nullptr);
        {
          std::lock_guard<std::mutex> lock(impl.stores_mu);
          impl.free_stores.push_back(&st);
        }
        impl.stores_cv.notify_all();  // the one whose turn it is
      }
    } release{*this, *st};
    st->SetClaimMarker(request_claim);
    return f(*st);
  }

  static const std::vector<Route>& Routes();


  // ---- handlers: each returns a Status, which becomes the one error shape ----
  Status Health(const httplib::Request&, httplib::Response& res, const Caller&);
  Status OpenApi(const httplib::Request&, httplib::Response& res, const Caller&);
  Status Policies(const httplib::Request&, httplib::Response& res, const Caller&);
  Status Policy(const httplib::Request&, httplib::Response& res, const Caller&);
  Status Clauses(const httplib::Request&, httplib::Response& res, const Caller&);
  Status Measure(const httplib::Request& req, httplib::Response& res, const Caller&);
  Status Evaluate(const httplib::Request& req, httplib::Response& res, const Caller&);
  Status Static(const httplib::Request& req, httplib::Response& res, const Caller&);
  // ---- accounts: sessions (login, logout, who am I), accounts, audit ----
  std::string SessionCookie(const std::string& value, int64_t max_age) const;
  Status Login(const httplib::Request& req, httplib::Response& res, const Caller&);
  Status CurrentSession(const httplib::Request&, httplib::Response& res, const Caller& caller);
  Status Logout(const httplib::Request&, httplib::Response& res, const Caller& caller);
  Status Accounts(const httplib::Request&, httplib::Response& res, const Caller&);
  Status Reviewers(const httplib::Request&, httplib::Response& res, const Caller&);
  Status AuditVerification(const httplib::Request&, httplib::Response& res, const Caller&);
  // Account administration (admin): add, disable, set a password.
  Status CreateAccount(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status ChangeAccount(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status ResetPassword(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  // Two admins: privileged grants and resets waiting for a second admin.
  Status AccountChanges(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status DecideAccountChange(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  // ---- authentication and authorisation, before every handler ----
  Status Authenticate(const httplib::Request& req, Caller* caller);
  // A state-changing request that authenticates by cookie carries the
  // session's CSRF token, and comes from our own origin when it says.
  static Status CheckCsrf(const httplib::Request& req, const Caller& caller);
  Status Authorize(const Route& route, const httplib::Request& req, Caller* caller);
  // ---- wiring ----
  httplib::Server::Handler Wrap(const Route& route);
  std::string NextRequestId();
  void Install();

  // ---- shared by the programme's routes (programme_routes.cc) ----
  // The query of a list: ?limit=&offset=&sort= and the filters named in
  // `filters`; anything else is 400 naming the parameter. A whole report or
  // a file (`paged` false) takes its filters only: a page asked of it is 400
  // naming the parameter, never silently the whole.
  struct ListParams {
    store::PageRequest page;
    std::map<std::string, std::string> filters;
  };
  // A list's `policy=ID` filter: nullopt when not given (every programme),
  // else the programme as the store names it (QueryProgramme).
  Result<std::optional<std::string>> ListProgramme(const httplib::Request& req, const ListParams& list) const;
  static Result<ListParams> ParseList(const httplib::Request& req, std::initializer_list<const char*> filters,
                                      bool paged = true);
  // A query parameter as a year (1900..2999), 0 when absent.
  static Result<int64_t> QueryYear(const ListParams& list, const char* name = "year");
  // The body as a JSON object. nullopt: an error answer (415) was written.
  // `optional`: an empty body reads as {}.
  static Result<std::optional<nlohmann::json>> JsonObjectBody(const httplib::Request& req, httplib::Response& res,
                                                              bool optional = false);
  // A second account's decision on a request (a payment order, an account
  // change): {"approve": true}, or {"approve": false, "reason": "..."}.
  // The reason when rejected, nullopt when approved; `what` says what
  // approving does, for the error.
  static Result<std::optional<std::string>> ApprovalBody(const nlohmann::json& body, const char* what);
  // Writes 400 naming the first of kProceduralDateFields that `body` has and
  // returns true; false (nothing written) when it has none.
  static bool RefusedProceduralDate(const nlohmann::json& body, httplib::Response& res);
  // Path parameter `index` as a positive id; NotFound naming `what` otherwise.
  static Result<int64_t> PathId(const httplib::Request& req, size_t index, const char* what);
  // If-Match against the current version: absent is fine, a different one is 409 conflict.
  // 409 when If-Match names another version than `version`; otherwise hands
  // the version to the store, which checks it again inside the write
  // transaction of the change (so it holds across server processes).
  // Idempotency-Key (idempotency.cc): before the handler, either claims the
  // key for this request, or answers with the stored answer (*replayed), or
  // refuses (422 another request, 409 still running); after it, stores the
  // answer of a claimed key.
  struct IdempotencyClaim {
    std::string owner, key, fingerprint;
    store::ClaimMarker marker;  // owner, key and this claim's own random token
  };
  Status ClaimIdempotencyKey(const Route& route, const httplib::Request& req, const Caller& caller,
                             httplib::Response& res, std::optional<IdempotencyClaim>* claim, bool* replayed);
  void SettleIdempotencyKey(const IdempotencyClaim& claim, const httplib::Response& res);
  // Purges keys older than options.idempotency_retention_seconds when the
  // last purge of this process is older than that (at most hourly).
  // REQUIRES: called inside WithStore, on the request's store connection.
  void PurgeIdempotencyKeysIfDue(store::Store& st);
  // Claims this process may have left behind: a claim whose store call
  // failed (its INSERT may have committed though the answer was lost), or
  // one whose answer could not be stored. No request of this process runs
  // them any more, so a retry here takes over the claim with this token at
  // once; a claim with another token (another request's) it never takes.
  // The answer is kept when the request was answered below 500 (its change,
  // if any, committed): the retry replays it instead of running anything.
  struct LeftClaim {
    std::vector<std::string> tokens;  // of the claims left; one when an answer is kept
    int status = 0;  // 0: no answer kept
    std::string headers, body;  // as the idempotency_key columns hold them
  };
  std::mutex unsettled_mu;
  std::map<std::pair<std::string, std::string>, LeftClaim> unsettled;  // (owner, key) →
  // The claim of the request this thread is handling, set around the
  // handler; WithStore hands it to the store, which marks it applied in the
  // transaction of every change it commits (Store::SetClaimMarker).
  static thread_local const store::ClaimMarker* request_claim;
  // Remembers a claim of this process left behind (`answered`: its kept answer, or null).
  void Leave(const std::string& token, const std::string& owner, const std::string& key,
             const httplib::Response* answered);
  void Forget(const std::string& owner, const std::string& key);
  // When this process last purged old keys (steady clock); purges
  // run from ClaimIdempotencyKey, on the request's store connection.
  std::mutex purge_mu;
  std::optional<std::chrono::steady_clock::time_point> last_idempotency_purge;  // guarded by purge_mu

  static Status CheckIfMatch(store::Store& st, const httplib::Request& req, int64_t application_id,
                             int64_t version);
  static std::string Actor(const Caller& caller) { return caller.who->account.username; }
  static store::Role RoleOf(const Caller& caller) { return caller.who->account.role; }
  // NotFound unless the caller may see the application: an applicant its own
  // enterprise's, a reviewer those assigned to it, the other roles all.
  static Status CheckVisible(store::Store& st, const Caller& caller, const store::ApplicationRow& row);
  OJson ApplicationJson(const store::ApplicationRow& row) const;
  OJson DecisionJson(const store::Decision& d, bool explain) const;
  // Answers the application (status 200 or 201) with its ETag.
  static void AnswerApplication(httplib::Response& res, const OJson& body, int64_t version, int status = 200);
  // Loads, checks visibility and If-Match, runs `change`, answers the
  // application as it is afterwards, all on one store connection (WithStore);
  // the store's write checks the If-Match version inside its transaction.
  // A refusal of the store's separation of duties (PermissionDenied naming
  // the rule) stays 403 with `duties`; otherwise a store's PermissionDenied is
  // about the application's state and answers 409. `status` may be changed by
  // `change` through the pointer (a payment order answers 202).
  Status ChangeApplication(const httplib::Request& req, httplib::Response& res, const Caller& caller,
                           const std::function<Status(store::Store&, const store::ApplicationRow&)>& change,
                           int status = 200, bool duties = false, const int* status_after = nullptr);
  static void AnswerJson(httplib::Response& res, const OJson& body, int status = 200);
  static OJson ListJson(OJson items, int64_t total, const store::PageRequest& page);
  // Answers one page of a list: runs `list` with `query` under the store
  // lock, turns each row into an item with `to_json`, and answers ListJson.
  template <typename Query, typename Row, typename ToJson>
  Status AnswerPage(httplib::Response& res, const Query& query,
                    Result<store::Page<Row>> (store::Store::*list)(const Query&), ToJson to_json) {
    store::Page<Row> page;
    BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
      BURSAR_ASSIGN_OR_RETURN(page, (st.*list)(query));
      return OkStatus();
    }));
    OJson items = OJson::array();
    for (const auto& row : page.items) items.push_back(to_json(row));
    AnswerJson(res, ListJson(std::move(items), page.total, query.page));
    return OkStatus();
  }
  // A list of two-person changes (account changes, master-data changes):
  // `?state=` is its only parameter; answers {items} oldest first.
  template <typename Change, typename ToJson>
  Status AnswerChanges(const httplib::Request& req, httplib::Response& res,
                       Result<std::vector<Change>> (store::Store::*list)(const std::string&), ToJson to_json) {
    std::string state;
    for (const auto& [name, value] : QueryPairs(req.target)) {
      if (name != "state") {
        return InvalidArgument("unknown query parameter '" + name + "' (known: state)", "query." + name);
      }
      state = value;
    }
    std::vector<Change> changes;
    BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
      BURSAR_ASSIGN_OR_RETURN(changes, (st.*list)(state));
      return OkStatus();
    }));
    OJson items = OJson::array();
    for (const auto& c : changes) items.push_back(to_json(c));
    AnswerJson(res, OJson{{"items", std::move(items)}});
    return OkStatus();
  }
  // A second account's decision on change {id} of the path (ApprovalBody):
  // `approve` or `reject` as the caller; answers the change.
  template <typename Change, typename ToJson>
  Status DecideChange(const httplib::Request& req, httplib::Response& res, const Caller& caller,
                      const char* what, const char* approving,
                      Result<Change> (store::Store::*approve)(const std::string&, int64_t),
                      Result<Change> (store::Store::*reject)(const std::string&, int64_t, const std::string&),
                      ToJson to_json) {
    BURSAR_ASSIGN_OR_RETURN(int64_t id, PathId(req, 1, what));
    BURSAR_ASSIGN_OR_RETURN(auto body, JsonObjectBody(req, res));
    if (!body) return OkStatus();
    BURSAR_ASSIGN_OR_RETURN(const std::optional<std::string> rejected, ApprovalBody(*body, approving));
    Change after;
    BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
      BURSAR_ASSIGN_OR_RETURN(after, !rejected ? (st.*approve)(Actor(caller), id)
                                               : (st.*reject)(Actor(caller), id, *rejected));
      return OkStatus();
    }));
    AnswerJson(res, to_json(after));
    return OkStatus();
  }
  // The filter value a caller may use for a field it may only ask about its
  // own value of (an applicant's enterprise, a reviewer's name): `own` when
  // `requested` is empty or `own`, else a value that matches nothing.
  static std::string OnlyOwn(const std::string& requested, const std::string& own) {
    return requested.empty() || requested == own ? own : "\x01none";
  }

  // ---- the programme: applications through payment (programme_routes.cc) ----
  Status ListApplications(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status CreateApplication(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status GetApplication(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status SubmitApplication(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status EditDraft(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status WithdrawDraft(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status StartReview(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status PutReview(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status DeclareConflict(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status Decide(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status GetDecision(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status ReplayDecision(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status PublishNotice(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status ListNotices(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status FileObjection(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status ListObjections(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status ResolveObjection(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status Finalise(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status RecordPayment(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status ListPaymentOrders(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status DecidePaymentOrder(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status ListPayments(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status Recover(const httplib::Request& req, httplib::Response& res, const Caller& caller);

  // ---- an application's files (attachment_routes.cc) ----
  Status ListAttachments(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status AddAttachment(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status GetAttachment(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status RemoveAttachment(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  static OJson AttachmentJson(const store::Attachment& a);
  // POST /api/applications/{id}/attachments: the one request whose body may
  // pass max_body_bytes (up to store::kMaxAttachmentBytes).
  static bool IsAttachmentUpload(const httplib::Request& req);

  // ---- enterprises, facts, evidence (evidence_routes.cc) ----
  Status ListEnterprises(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status GetEnterprise(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status EnterpriseFacts(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status EnterpriseEvidence(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status UploadEvidence(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status VerifyEvidence(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  store::FigureReader ProgrammeFigures() const;
  Status MasterChanges(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status DecideMasterChange(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  // A sample file of one kind for one enterprise and year, valid for upload.
  Status EvidenceSample(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  // NotFound unless the caller may see the enterprise.
  static Status CheckEnterpriseVisible(store::Store& st, const Caller& caller, const std::string& code);

  // ---- proposals, budgets, audit, simulations (analysis_routes.cc) ----
  Status Propose(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status GetBudget(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status PutBudget(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status AuditLimits(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status AuditDeclarations(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status ListAudit(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status Simulate(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  std::shared_ptr<SimulationCache> simulations;
  // The budget of a year as of an audit head: the answer is kept until the
  // store changes (every change of the store appends an audit entry), and a
  // year whose awards the budget scales keeps their lines, so that after a
  // change only the applications it named are read again. One request reads
  // a year at a time; the others wait for its answer.
  struct KeptBudget {
    std::mutex mu;  // held while the year is read
    int64_t seq = -1;
    store::BudgetSummary summary;
    store::YearAwards awards;
  };
  std::mutex budget_cache_mu;  // guards the map only
  std::map<std::pair<std::string, int64_t>, std::shared_ptr<KeptBudget>> budget_cache;
  // The budget of `programme`'s `year` as of the store's head, from the kept one.
  Result<store::BudgetSummary> KeptBudgetOf(store::Store& st, const std::string& programme, int64_t year);
  // Reads the own programme's budget of each year that has one into the
  // cache, as the server starts: the first dashboard finds a district's
  // year kept rather than read whole (0.3 s at 100,000 awards).
  void WarmBudgets();

  // ---- exports (export_routes.cc) ----
  Status NoticesCsv(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status NoticesXlsx(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status PaymentsCsv(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status PaymentsXlsx(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status DecisionLetter(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  // The official documents (document_routes.cc): the public notice of a
  // year's publication and the notice of one payment, HTML or PDF.
  Status NoticeDocument(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  Status PaymentNotice(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  // What the office publishes about itself (document settings): issuer,
  // programme, where objections go, and the guides' window and contact.
  Status Office(const httplib::Request& req, httplib::Response& res, const Caller& caller);

  // The routes of each file, in the order they are registered.
  static std::vector<Route> CoreRoutes();
  static std::vector<Route> ProgrammeRoutes();
};

}  // namespace bursar::server
