// `bursar serve`: the HTTP JSON API over the engine, and the web application's
// built files, from one port. Built on cpp-httplib (Debian's libcpp-httplib).
//
// Model: one listening socket; accepted connections go to a fixed pool of
// worker threads, one connection per worker for as long as it is kept alive.
// The engine is immutable and shared, so workers never lock on the hot path
// (only the what-if engine cache takes a short lock).
//
// Shutdown: Stop() closes the listening socket; each worker finishes the
// request it is serving, answers it, and closes its connection; Run() returns
// when all have. Stop() is safe from any thread (not from a signal handler:
// the CLI waits for signals on a thread of its own).
//
// Every request is logged as one JSON line on stderr:
//   {"time":"2025-01-02T03:04:05.678Z","method":"POST","path":"/api/evaluations",
//    "status":200,"duration_us":84,"request_id":"5f0c2a91-17"}
// The request id is the client's X-Request-Id when it is a plain token of at
// most 64 characters, else generated; it is echoed in X-Request-Id. The worker
// only formats the line; a writer thread writes the lines in batches, at
// least every 100 ms (log_writer.h), and Run() writes out every line still
// buffered before it returns, so a stop loses none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/accounts.h"

namespace bursar::server {

struct ServeOptions {
  std::string policy_dir;          // REQUIRED: the programme's policy folder
  // Policies published beside the programme's (`serve --also-policy`): their
  // text and their calculator (`?policy=ID` on the policy and evaluation
  // routes, GET /api/policies). The store and its procedure run the
  // programme's policy only.
  std::vector<std::string> also_policy_dirs;
  // The store: accounts, sessions and tokens. Empty: none; every route that
  // needs a login then answers 503.
  std::string db_url;
  std::string host = "127.0.0.1";  // address to listen on
  int port = 8080;                 // 0: any free port (Bind() says which)
  std::string web_dir;             // folder of built web files; "" serves none
  // Worker threads. Default 16: a connection holds a worker while kept alive,
  // so the pool is wider than the 2 cores; CPU work is still bounded by cores.
  size_t threads = 16;
  size_t max_body_bytes = 1 << 20;  // larger bodies get 413
  size_t engine_cache_size = 32;    // what-if override sets kept (LRU)
  bool request_log = true;          // one JSON line per request on stderr
  // Stored Idempotency-Key answers older than this are purged (by the
  // server, at most once an hour and at its first keyed write). Default 24 h.
  int64_t idempotency_retention_seconds = 24 * 3600;
  // Session cookies without `Secure`, for local development over plain HTTP
  // (browsers drop Secure cookies there). Default false.
  bool insecure_dev_cookies = false;
  store::SessionPolicy sessions;  // 8 h absolute, 30 min idle
  // Login throttling: failures counted in a window that opens with the first.
  int64_t login_window_seconds = 15 * 60;
  int64_t login_failures_per_user = 5;       // per username and client address
  int64_t login_failures_per_address = 50;   // per client address, any username
  int64_t login_failures_per_account = 20;   // per username, from any address
  // Addresses of reverse proxies whose X-Forwarded-For names the client
  // (ClientAddress); empty: the connecting address is the client.
  std::vector<std::string> trusted_proxies;
  // Seconds from a request's first byte until its headers and body must all
  // have arrived (guarded_http.h).
  int64_t request_deadline_seconds = 30;
  // Connections to the store, each used by one request at a time: requests
  // wait for a free one, not for every other request (SQLite in WAL mode
  // reads on several at once and queues writers on its lock; PostgreSQL
  // serialises writers on the audit head). Default 4. Test fault points
  // (store_faults) count one connection's statements: with them set, one.
  size_t store_connections = 4;
  // Test-only fault points in the store's connection (store/fault_database.h).
  std::string store_faults;
  // The server secret (store/secret.h), kept outside the database: session
  // ids and API tokens are stored as HMAC-SHA256 under its key. Made (mode
  // 0600) when missing; refused when others may read it. Read only with a
  // store. Default: bursar.secret in the working directory.
  std::string secret_file = "bursar.secret";
};

// One route of the API, as the OpenAPI document names it, with who may call
// it: `public_route` (anyone, no credentials read) or the roles named.
struct RouteSpec {
  std::string method;  // "get", "post" (lower case, as in OpenAPI)
  std::string path;    // "/api/policy/measures/{id}"
  bool public_route = false;
  std::vector<store::Role> roles;  // empty when public
};

// Every route the server answers (static files aside), in registration order.
std::vector<RouteSpec> RouteTable();

// Whether `text` is an IPv4 or IPv6 address as inet_pton reads one.
bool IsIpAddress(std::string_view text);

// The client of a request that came from `remote`: `remote` itself unless it
// is one of `trusted` (proxies); then the last address of `forwarded_for`
// (X-Forwarded-For, to which each proxy appends the address it saw) that is
// not a trusted proxy, or the first when all are. `remote` when the header is
// empty or one of the entries read is not an address.
std::string ClientAddress(const std::string& remote, std::string_view forwarded_for,
                          const std::vector<std::string>& trusted);

// The OpenAPI 3 document (src/server/openapi.json, embedded at build time).
std::string_view OpenApiDocument();

class Server {
 public:
  // Loads the policy (and the web folder, if any). Policy errors and an
  // unreadable web folder are InvalidArgument.
  static Result<std::unique_ptr<Server>> Create(const ServeOptions& options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listening socket; returns the port (useful with port 0).
  Result<int> Bind();
  // Serves until Stop(). REQUIRES: Bind() succeeded.
  Status Run();
  // Stops accepting; in-flight requests finish. Thread-safe, idempotent. A
  // Stop() that races with the start of Run() may be missed by the library:
  // call it again until Run() has returned (the CLI does).
  void Stop();

 private:
  struct Impl;
  friend std::vector<RouteSpec> RouteTable();

// Whether `text` is an IPv4 or IPv6 address as inet_pton reads one.
bool IsIpAddress(std::string_view text);

// The client of a request that came from `remote`: `remote` itself unless it
// is one of `trusted` (proxies); then the last address of `forwarded_for`
// (X-Forwarded-For, to which each proxy appends the address it saw) that is
// not a trusted proxy, or the first when all are. `remote` when the header is
// empty or one of the entries read is not an address.
std::string ClientAddress(const std::string& remote, std::string_view forwarded_for,
                          const std::vector<std::string>& trusted);
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bursar::server
