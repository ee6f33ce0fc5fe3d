// Idempotency keys: a client that may retry a write (POST, PUT, PATCH or
// DELETE under /api/, except logging in) sends `Idempotency-Key: <key>`. The
// first request with a key runs and its answer is stored (idempotency_key,
// migration 6); a retry with the same key, method, target and body gets the
// stored answer back (with `Idempotent-Replayed: true`) and changes nothing
// again; the same key with another request is 422. Keys belong to the
// account that sent them. A 5xx answer (e.g. 503 while the database is away)
// is not kept, so the retry runs. While the first request runs, a retry is
// 409; a claim left behind by a crashed server is taken over after
// kStaleSeconds.
#include <cstdio>
#include <ctime>

#include "server/server_impl.h"
#include "store/digest.h"
#include "store/idempotency.h"

namespace bursar::server {

namespace {

constexpr int64_t kStaleSeconds = 60;

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
                                         req.get_header_value("Content-Type") + "\n" + req.body)};
  std::optional<store::Row> existing;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    PurgeIdempotencyKeysIfDue(st);
    const std::string now = store::UtcNow();
    BURSAR_ASSIGN_OR_RETURN(
        int64_t inserted,
        st.db().Execute("INSERT INTO idempotency_key (owner, key, fingerprint, status, headers, body, created_at) "
                        "VALUES (?, ?, ?, 0, '', '', ?) ON CONFLICT (owner, key) DO NOTHING",
                        {mine.owner, mine.key, mine.fingerprint, now}));
    if (inserted == 1) return OkStatus();
    // A claim left by a server that died before answering is taken over
    // after kStaleSeconds; one this process could not settle, at once.
    bool abandoned = false;
    {
      std::lock_guard<std::mutex> lock(unsettled_mu);
      abandoned = unsettled.erase({mine.owner, mine.key}) > 0;
    }
    const std::string cutoff = abandoned ? now : IsoUtc(std::time(nullptr) - kStaleSeconds);
    BURSAR_ASSIGN_OR_RETURN(
        int64_t taken,
        st.db().Execute("UPDATE idempotency_key SET created_at = ?, fingerprint = ? WHERE owner = ? AND key = ? "
                        "AND status = 0 AND fingerprint = ? AND created_at <= ?",
                        {now, mine.fingerprint, mine.owner, mine.key, mine.fingerprint, cutoff}));
    if (taken == 1) return OkStatus();
    BURSAR_ASSIGN_OR_RETURN(existing, st.db().QueryOne("SELECT fingerprint, status, headers, body FROM idempotency_key "
                                                       "WHERE owner = ? AND key = ?",
                                                       {mine.owner, mine.key}));
    return OkStatus();
  }));
  if (!existing) {
    *claim = std::move(mine);
    return OkStatus();
  }
  if (existing->Text(0) != mine.fingerprint) {
    return InvalidArgument("this Idempotency-Key was used for another request (method, path or body differ): "
                           "use a new key for a new request",
                           "Idempotency-Key");
  }
  if (existing->Int(1) == 0) {
    return Status(StatusCode::kConflict, "the first request with this Idempotency-Key is still running; retry later");
  }
  res.status = static_cast<int>(existing->Int(1));
  const OJson headers = OJson::parse(existing->Text(2), nullptr, false);
  std::string content_type = "application/json";
  if (headers.is_object()) {
    for (auto it = headers.begin(); it != headers.end(); ++it) {
      if (!it.value().is_string()) continue;
      if (it.key() == "Content-Type") content_type = it.value().get<std::string>();
      else res.set_header(it.key(), it.value().get<std::string>());
    }
  }
  res.set_header("Idempotent-Replayed", "true");
  res.set_content(existing->Text(3), content_type);
  *replayed = true;
  return OkStatus();
}

void Server::Impl::PurgeIdempotencyKeysIfDue(store::Store& st) {
  const auto now = std::chrono::steady_clock::now();
  const auto every = std::chrono::seconds(std::clamp<int64_t>(options.idempotency_retention_seconds, 1, 3600));
  if (last_idempotency_purge && now - *last_idempotency_purge < every) return;
  last_idempotency_purge = now;
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
      // Not an answer to keep: the retry should run.
      return st.db()
          .Execute("DELETE FROM idempotency_key WHERE owner = ? AND key = ?", {claim.owner, claim.key})
          .status();
    }
    OJson headers = OJson::object();
    for (const char* name : {"Content-Type", "ETag", "Location"}) {
      if (res.has_header(name)) headers[name] = res.get_header_value(name);
    }
    return st.db()
        .Execute("UPDATE idempotency_key SET status = ?, headers = ?, body = ? WHERE owner = ? AND key = ?",
                 {int64_t{res.status}, headers.dump(), res.body, claim.owner, claim.key})
        .status();
  });
  // The answer is sent either way; a claim that could not be settled is taken
  // over by a retry after kStaleSeconds.
  if (!settled.ok()) {
    {
      std::lock_guard<std::mutex> lock(unsettled_mu);
      unsettled.insert({claim.owner, claim.key});
    }
    const std::string line =
        nlohmann::json{{"event", "idempotency_key_unsettled"}, {"error", settled.message()}}.dump(
            -1, ' ', false, nlohmann::json::error_handler_t::replace) +
        "\n";
    log->Write(line);
  }
}

}  // namespace bursar::server
