// Idempotency keys: a client that may retry a write (POST, PUT, PATCH or
// DELETE under /api/, except logging in) sends `Idempotency-Key: <key>`. The
// first request with a key runs and its answer is stored (idempotency_key,
// migrations 6 and 12); a retry with the same key, method, target and body
// gets the stored answer back (with `Idempotent-Replayed: true`) and changes
// nothing again; the same key with another request is 422. Keys belong to
// the account that sent them.
//
// Invariants (docs/faults.md, "Retries after an outage"):
//  - A claim row holds the random token of the request that claimed it.
//    Status 0: that request is running or was left behind; -1: its change
//    committed (the store marks the claim in the change's own transaction,
//    Store::SetClaimMarker) but its answer was not stored; otherwise the
//    stored answer's HTTP status.
//  - A request runs its handler only while its token is on the row, and its
//    change commits only if the token is still there: a change never runs
//    twice, even when a retry took the claim over.
//  - A retry takes a status-0 claim over at once when this process left it
//    behind (its token is in `unsettled`: the store call of the claim or of
//    the settlement failed), and after kStaleSeconds otherwise (a server that
//    died). A -1 claim is never taken over: its change is done.
//  - A 5xx answer is not kept (the change did not commit), so the retry runs.
#include <cstdio>
#include <ctime>

#include <sodium.h>

#include "server/server_impl.h"
#include "store/digest.h"
#include "store/idempotency.h"

namespace bursar::server {

thread_local const store::ClaimMarker* Server::Impl::request_claim = nullptr;

namespace {

constexpr int64_t kStaleSeconds = 60;
constexpr size_t kMaxUnsettled = 10000;  // memory bound; beyond it, the stale rule applies

std::string NewToken() {
  unsigned char raw[16];
  randombytes_buf(raw, sizeof raw);
  static const char* hex = "0123456789abcdef";
  std::string t;
  for (unsigned char b : raw) {
    t += hex[b >> 4];
    t += hex[b & 15];
  }
  return t;
}

std::string IsoUtc(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
  return buf;
}

bool IsWrite(const std::string& method) {
  return method == "post" || method == "put" || method == "patch" || method == "delete";
}

}  // namespace

Status Server::Impl::ClaimIdempotencyKey(const Route& route, const httplib::Request& req, const Caller& caller,
                                         httplib::Response& res, std::optional<IdempotencyClaim>* claim,
                                         bool* replayed) {
  *replayed = false;
  const std::string path = route.path;
  if (!IsWrite(route.method) || path.rfind("/api/", 0) != 0 || path.rfind("/api/sessions", 0) == 0) {
    return OkStatus();
  }
  const std::string key = req.get_header_value("Idempotency-Key");
  if (key.empty() || !caller.who) return OkStatus();
  if (key.size() > 200) {
    return InvalidArgument("an Idempotency-Key is at most 200 characters", "header.Idempotency-Key");
  }
  for (char c : key) {
    if (c < 0x21 || c > 0x7e) {
      return InvalidArgument("an Idempotency-Key is printable ASCII without spaces, e.g. a UUID",
                             "header.Idempotency-Key");
    }
  }
  IdempotencyClaim mine{caller.who->account.username, key,
                        store::Sha256Hex(req.method + " " + req.target + "\n" +
                                         req.get_header_value("Content-Type") + "\n" + req.body),
                        {}};
  mine.marker = {mine.owner, mine.key, NewToken()};
  // What this process left behind for the key, if anything.
  std::optional<LeftClaim> left;
  {
    std::lock_guard<std::mutex> lock(unsettled_mu);
    if (auto it = unsettled.find({mine.owner, mine.key}); it != unsettled.end()) left = it->second;
  }
  auto left_behind = [&](const std::string& token) {
    return left && std::find(left->tokens.begin(), left->tokens.end(), token) != left->tokens.end();
  };
  std::optional<store::Row> existing;
  bool ours = false, answer_stored = false;
  Status claimed = WithStore([&](store::Store& st) -> Status {
    PurgeIdempotencyKeysIfDue(st);
    const std::string now = store::UtcNow();
    BURSAR_ASSIGN_OR_RETURN(
        int64_t inserted,
        st.db().Execute("INSERT INTO idempotency_key (owner, key, fingerprint, status, headers, body, created_at, "
                        "token) VALUES (?, ?, ?, 0, '', '', ?, ?) ON CONFLICT (owner, key) DO NOTHING",
                        {mine.owner, mine.key, mine.fingerprint, now, mine.marker.token}));
    if (inserted == 1) {
      ours = true;
      return OkStatus();
    }
    BURSAR_ASSIGN_OR_RETURN(existing, st.db().QueryOne("SELECT fingerprint, status, headers, body, token, created_at "
                                                       "FROM idempotency_key WHERE owner = ? AND key = ?",
                                                       {mine.owner, mine.key}));
    if (!existing || existing->Text(0) != mine.fingerprint) return OkStatus();
    const int64_t status = existing->Int(1);
    const std::string row_token = existing->Text(4);
    if (left && left->status != 0 && (status == 0 || status == -1) && left_behind(row_token)) {
      // The request ran and was answered; only storing its answer failed.
      // Store it now; the retry replays it (below) either way.
      BURSAR_ASSIGN_OR_RETURN(int64_t stored,
                              st.db().Execute("UPDATE idempotency_key SET status = ?, headers = ?, body = ? "
                                              "WHERE owner = ? AND key = ? AND token = ?",
                                              {int64_t{left->status}, left->headers, left->body, mine.owner,
                                               mine.key, row_token}));
      answer_stored = stored == 1;
      return OkStatus();
    }
    // A claim this process left behind is taken over at once; another
    // request's only when stale (its server died). Compare-and-set on the
    // token, so two retries never both take it.
    if (status == 0 && (left_behind(row_token) || existing->Text(5) <= IsoUtc(std::time(nullptr) - kStaleSeconds))) {
      BURSAR_ASSIGN_OR_RETURN(int64_t taken,
                              st.db().Execute("UPDATE idempotency_key SET created_at = ?, token = ? WHERE owner = ? "
                                              "AND key = ? AND token = ? AND status = 0",
                                              {now, mine.marker.token, mine.owner, mine.key, row_token}));
      ours = taken == 1;
    }
    return OkStatus();
  });
  if (!claimed.ok()) {
    // The claim's INSERT or takeover may have committed with the answer
    // lost: remember this token too, so the retry here takes the claim at once.
    Leave(mine.marker.token, mine.owner, mine.key, nullptr);
    return claimed;
  }
  if (ours) {
    if (left) Forget(mine.owner, mine.key);
    *claim = std::move(mine);
    return OkStatus();
  }
  if (!existing) {
    // Gone between the INSERT and the read (purged, or a 5xx claim deleted): run again.
    return Status(StatusCode::kConflict, "the first request with this Idempotency-Key has just ended; retry now");
  }
  if (existing->Text(0) != mine.fingerprint) {
    return InvalidArgument("this Idempotency-Key was used for another request (method, path or body differ): "
                           "use a new key for a new request",
                           "Idempotency-Key");
  }
  int status = static_cast<int>(existing->Int(1));
  std::string headers_text = existing->Text(2), body = existing->Text(3);
  if (left && left->status != 0 && left_behind(existing->Text(4))) {
    // This process holds the answer: replay it (it is stored now, or will be by the next retry).
    status = left->status;
    headers_text = left->headers;
    body = left->body;
    if (answer_stored) Forget(mine.owner, mine.key);
  }
  if (status == 0) {
    return Status(StatusCode::kConflict, "the first request with this Idempotency-Key is still running; retry later");
  }
  if (status == -1) {
    return Status(StatusCode::kConflict,
                  "the first request with this Idempotency-Key was carried out, but its answer was lost in a "
                  "database outage; read the resource to see the result instead of retrying");
  }
  res.status = status;
  const OJson headers = OJson::parse(headers_text, nullptr, false);
  std::string content_type = "application/json";
  if (headers.is_object()) {
    for (auto it = headers.begin(); it != headers.end(); ++it) {
      if (!it.value().is_string()) continue;
      if (it.key() == "Content-Type") content_type = it.value().get<std::string>();
      else res.set_header(it.key(), it.value().get<std::string>());
    }
  }
  res.set_header("Idempotent-Replayed", "true");
  res.set_content(body, content_type);
  *replayed = true;
  return OkStatus();
}

void Server::Impl::Leave(const std::string& token, const std::string& owner, const std::string& key,
                         const httplib::Response* answered) {
  std::lock_guard<std::mutex> lock(unsettled_mu);
  auto it = unsettled.find({owner, key});
  if (it == unsettled.end()) {
    if (unsettled.size() >= kMaxUnsettled) return;
    it = unsettled.emplace(std::make_pair(owner, key), LeftClaim{}).first;
  }
  LeftClaim& left = it->second;
  if (answered) {
    // The claim's request ran: only its token matters now.
    OJson headers = OJson::object();
    for (const char* name : {"Content-Type", "ETag", "Location"}) {
      if (answered->has_header(name)) headers[name] = answered->get_header_value(name);
    }
    left.tokens = {token};
    left.status = answered->status;
    left.headers = headers.dump();
    left.body = answered->body;
  } else if (left.status == 0 && left.tokens.size() < 16) {
    left.tokens.push_back(token);
  }
}

void Server::Impl::Forget(const std::string& owner, const std::string& key) {
  std::lock_guard<std::mutex> lock(unsettled_mu);
  unsettled.erase({owner, key});
}

void Server::Impl::PurgeIdempotencyKeysIfDue(store::Store& st) {
  const auto now = std::chrono::steady_clock::now();
  const auto every = std::chrono::seconds(std::clamp<int64_t>(options.idempotency_retention_seconds, 1, 3600));
  {
    std::lock_guard<std::mutex> lock(purge_mu);
    if (last_idempotency_purge && now - *last_idempotency_purge < every) return;
    last_idempotency_purge = now;
  }
  // A failed purge costs nothing but space: the request goes on, the next
  // purge is due in `every`, and the failure is logged.
  auto purged = store::PurgeIdempotencyKeys(st, options.idempotency_retention_seconds);
  if (!purged.ok()) {
    log->Write(nlohmann::json{{"event", "idempotency_purge_failed"}, {"error", purged.status().message()}}.dump(
                   -1, ' ', false, nlohmann::json::error_handler_t::replace) +
               "\n");
  } else if (*purged > 0) {
    log->Write("{\"event\":\"idempotency_keys_purged\",\"count\":" + std::to_string(*purged) + "}\n");
  }
}

void Server::Impl::SettleIdempotencyKey(const IdempotencyClaim& claim, const httplib::Response& res) {
  Status settled = WithStore([&](store::Store& st) -> Status {
    if (res.status >= 500) {
      // Not an answer to keep: the retry should run. Unless the change
      // committed after all (-1, its answer lost): then the row stays.
      return st.db()
          .Execute("DELETE FROM idempotency_key WHERE owner = ? AND key = ? AND token = ? AND status = 0",
                   {claim.owner, claim.key, claim.marker.token})
          .status();
    }
    OJson headers = OJson::object();
    for (const char* name : {"Content-Type", "ETag", "Location"}) {
      if (res.has_header(name)) headers[name] = res.get_header_value(name);
    }
    return st.db()
        .Execute("UPDATE idempotency_key SET status = ?, headers = ?, body = ? WHERE owner = ? AND key = ? "
                 "AND token = ?",
                 {int64_t{res.status}, headers.dump(), res.body, claim.owner, claim.key, claim.marker.token})
        .status();
  });
  // The answer is sent either way; a claim that could not be settled is
  // left to a retry on this server (with the answer, if it is one to keep).
  if (!settled.ok()) {
    Leave(claim.marker.token, claim.owner, claim.key, res.status >= 500 ? nullptr : &res);
    const std::string line =
        nlohmann::json{{"event", "idempotency_key_unsettled"}, {"error", settled.message()}}.dump(
            -1, ' ', false, nlohmann::json::error_handler_t::replace) +
        "\n";
    log->Write(line);
  }
}

}  // namespace bursar::server
