// bursar serve: the HTTP API (server/server.h) until SIGTERM or SIGINT.
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <cstdlib>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/options.h"
#include "server/server.h"

namespace bursar::cli {
namespace {

constexpr const char* kHelp =
    "usage: bursar serve [--policy DIR] [--also-policy DIR]... [--db URL] [--port N | --listen ADDR:PORT]\n"
    "                    [--web DIR] [--threads N] [--store-connections N] [--max-body BYTES] [--quiet]\n"
    "                    [--idempotency-retention SECONDS] [--insecure-dev-cookies]\n"
    "                    [--secret-file PATH] [--request-deadline SECONDS]\n"
    "                    [--trusted-proxy ADDR]...\n\n"
    "Serves the HTTP JSON API (docs/http-api.md; the OpenAPI document is at\n"
    "/api/openapi.json) and the web application's built files (web/dist), from\n"
    "one port. Stops on SIGTERM or SIGINT after answering the requests in flight,\n"
    "with exit status 0.\n\n"
    "  --policy DIR       the programme's policy folder, which the store decides by\n"
    "                     (default: the shipped Chaoyang policy)\n"
    "  --also-policy DIR  another policy to publish beside it: its text and its calculator\n"
    "                     (?policy=ID on /api/policy and /api/evaluations; GET /api/policies\n"
    "                     lists them); repeatable\n"
    "  --db URL           the store: a SQLite file or postgresql://...; accounts, sessions\n"
    "                     and tokens live there (default: bursar.db when it exists; without\n"
    "                     a store, the routes that need a login answer 503)\n"
    "  --port N           listen on 127.0.0.1:N; 0 picks a free port (default 8080)\n"
    "  --listen ADDR:PORT listen on this address (default 127.0.0.1:8080)\n"
    "  --web DIR          serve the files of DIR outside /api/; 'none' serves the API only\n"
    "                     (default: $BURSAR_WEB, else web/dist beside the build folder of\n"
    "                     this binary, else ./web/dist, whichever holds an index.html)\n"
    "  --threads N        worker threads; a kept-alive connection holds one (default 16)\n"
    "  --store-connections N  connections to the store, each serving one request at a\n"
    "                     time; a request waits for a free one (default 4)\n"
    "  --max-body BYTES   largest request body accepted (default 1048576)\n"
    "  --quiet            no request log\n"
    "  --idempotency-retention SECONDS  how long the answer to an Idempotency-Key is\n"
    "                     kept for retries (default 86400, one day)\n"
    "  --insecure-dev-cookies  session cookies without Secure, for http://127.0.0.1 only\n"
    "  --secret-file PATH the server secret, kept outside the database: sessions and API\n"
    "                     tokens are stored as HMAC-SHA256 under its key, so a row inserted\n"
    "                     in the database by hand is no session (made with mode 0600 when\n"
    "                     missing; refused when others may read it; every server of one\n"
    "                     database and `bursar user token` use the same file).\n"
    "                     Default: bursar.secret in the working directory\n"
    "  --request-deadline SECONDS  time from a request's first byte until all of its\n"
    "                     headers and body must have arrived; a slower client is cut off\n"
    "                     (default 30)\n"
    "  --trusted-proxy ADDR  a reverse proxy (nginx) in front: for requests from ADDR,\n"
    "                     the client is the last address in X-Forwarded-For that is not a\n"
    "                     trusted proxy (login throttling counts per client). Repeat for\n"
    "                     several; without it X-Forwarded-For is ignored\n\n"
    "Environment (tests only): BURSAR_FAULTS arms fault points in the store's\n"
    "database connection (docs/faults.md); the server then logs a\n"
    "{\"event\":\"faults_armed\"} line first.\n\n"
    "Procedural dates (a notice's days, finalisation, decisions, payments) are the\n"
    "server's own calendar day in Beijing (D-G9). BURSAR_TEST_CLOCK (a time, or\n"
    "file:PATH) sets the clock for tests only: with it, the server refuses to start\n"
    "unless BURSAR_TEST_MODE=1 is set too, and then says so in its log.\n\n"
    "Logs one JSON line per request on standard error (time, method, path,\n"
    "status, duration_us, request_id), and first a line with the address:\n"
    "  {\"event\":\"listening\",\"address\":\"127.0.0.1\",\"port\":8080,...,\"web\":\"DIR\"}\n"
    "and, once each year with a budget has been read into the server's cache\n"
    "(a district's scaled year is then not read whole by the first dashboard):\n"
    "  {\"event\":\"budgets_kept\",\"years\":[2025,2024],\"ms\":310}\n";

std::string JsonQuoted(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Where the built web application is when --web is not given: a newcomer who
// ran `npm run build` in web/ and then `build/bursar serve` gets the pages.
// "" when none is found (the API alone is served).
std::string DefaultWebDir() {
  namespace fs = std::filesystem;
  std::error_code ec;
  auto built = [&](const fs::path& dir) { return fs::is_regular_file(dir / "index.html", ec); };
  if (const char* env = std::getenv("BURSAR_WEB"); env && *env) return env;
  fs::path exe = fs::canonical("/proc/self/exe", ec);
  if (!ec) {
    fs::path candidate = exe.parent_path().parent_path() / "web" / "dist";
    if (built(candidate)) return candidate.string();
  }
  if (built("web/dist")) return fs::absolute("web/dist", ec).string();
  return "";
}

bool ParseCount(const std::string& text, size_t min, size_t max, size_t* out) {
  if (text.empty() || text.size() > 12 || text.find_first_not_of("0123456789") != std::string::npos) return false;
  size_t v = std::stoull(text);
  if (v < min || v > max) return false;
  *out = v;
  return true;
}

int RunServe(const std::vector<std::string>& args) {
  if (HasHelp(args)) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  server::ServeOptions options;
  options.policy_dir = DefaultPolicyDir();
  bool have_db = false, have_web = false;
  bool have_port = false, have_listen = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string* {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "bursar serve: %s needs a value\n", a.c_str());
        return nullptr;
      }
      return &args[++i];
    };
    const std::string* v = nullptr;
    size_t n = 0;
    if (a == "--quiet") {
      options.request_log = false;
      continue;
    }
    if (a == "--insecure-dev-cookies") {
      options.insecure_dev_cookies = true;
      continue;
    }
    if (a != "--policy" && a != "--also-policy" && a != "--db" && a != "--port" && a != "--listen" && a != "--web" && a != "--threads" && a != "--store-connections" &&
        a != "--max-body" && a != "--idempotency-retention" && a != "--secret-file" && a != "--request-deadline" &&
        a != "--trusted-proxy") {
      std::fprintf(stderr, "bursar serve: unknown argument '%s'\n\n%s", a.c_str(), kHelp);
      return kExitUsage;
    }
    if (!(v = value())) return kExitUsage;
    if (a == "--policy") {
      options.policy_dir = *v;
    } else if (a == "--also-policy") {
      options.also_policy_dirs.push_back(*v);
    } else if (a == "--secret-file") {
      options.secret_file = *v;
    } else if (a == "--trusted-proxy") {
      if (!server::IsIpAddress(*v)) {
        std::fprintf(stderr, "bursar serve: --trusted-proxy takes an IP address, e.g. 127.0.0.1; got '%s'\n",
                     v->c_str());
        return kExitUsage;
      }
      options.trusted_proxies.push_back(*v);
    } else if (a == "--request-deadline") {
      if (!ParseCount(*v, 1, 3600, &n)) {
        std::fprintf(stderr, "bursar serve: --request-deadline takes 1..3600 seconds, got '%s'\n", v->c_str());
        return kExitUsage;
      }
      options.request_deadline_seconds = static_cast<int64_t>(n);
    } else if (a == "--db") {
      options.db_url = *v;
      have_db = true;
    } else if (a == "--web") {
      options.web_dir = *v == "none" ? std::string() : *v;
      have_web = true;
    } else if (a == "--port") {
      if (!ParseCount(*v, 0, 65535, &n)) {
        std::fprintf(stderr, "bursar serve: --port takes 0..65535, got '%s'\n", v->c_str());
        return kExitUsage;
      }
      options.port = static_cast<int>(n);
      have_port = true;
    } else if (a == "--listen") {
      size_t colon = v->rfind(':');
      std::string host = colon == std::string::npos ? "" : v->substr(0, colon);
      if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
      if (host.empty() || !ParseCount(v->substr(colon + 1), 0, 65535, &n)) {
        std::fprintf(stderr, "bursar serve: --listen takes ADDR:PORT, e.g. 0.0.0.0:8080; got '%s'\n", v->c_str());
        return kExitUsage;
      }
      options.host = host;
      options.port = static_cast<int>(n);
      have_listen = true;
    } else if (a == "--threads") {
      if (!ParseCount(*v, 1, 1024, &options.threads)) {
        std::fprintf(stderr, "bursar serve: --threads takes 1..1024, got '%s'\n", v->c_str());
        return kExitUsage;
      }
    } else if (a == "--store-connections") {
      if (!ParseCount(*v, 1, 64, &options.store_connections)) {
        std::fprintf(stderr, "bursar serve: --store-connections takes 1..64, got '%s'\n", v->c_str());
        return kExitUsage;
      }
    } else if (a == "--idempotency-retention") {
      if (!ParseCount(*v, 1, size_t{10} * 366 * 24 * 3600, &n)) {
        std::fprintf(stderr, "bursar serve: --idempotency-retention takes 1..316224000 seconds, got '%s'\n",
                     v->c_str());
        return kExitUsage;
      }
      options.idempotency_retention_seconds = static_cast<int64_t>(n);
    } else if (a == "--max-body") {
      if (!ParseCount(*v, 1024, size_t{1} << 30, &options.max_body_bytes)) {
        std::fprintf(stderr, "bursar serve: --max-body takes 1024..1073741824 bytes, got '%s'\n", v->c_str());
        return kExitUsage;
      }
    }
  }
  if (have_port && have_listen) {
    std::fprintf(stderr, "bursar serve: give --port or --listen, not both\n");
    return kExitUsage;
  }
  if (!have_db && std::filesystem::exists("bursar.db")) options.db_url = "bursar.db";
  if (const char* faults = std::getenv("BURSAR_FAULTS"); faults && *faults) {
    options.store_faults = faults;
    std::fprintf(stderr, "%s\n", nlohmann::json{{"event", "faults_armed"}, {"points", faults}}.dump().c_str());
  }
  if (!have_web) {
    options.web_dir = DefaultWebDir();
    if (options.web_dir == "none") options.web_dir.clear();
  }

  // Signals are taken by a thread of our own with sigwait, so the shutdown
  // runs as ordinary code; every other thread (the workers inherit this mask)
  // has them blocked.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto created = server::Server::Create(options);
  if (!created.ok()) {
    std::fprintf(stderr, "bursar serve: %s\n", created.status().ToString().c_str());
    return kExitUsage;
  }
  server::Server& srv = **created;
  auto port = srv.Bind();
  if (!port.ok()) {
    std::fprintf(stderr, "bursar serve: %s\n", port.status().message().c_str());
    return kExitFailed;
  }
  std::fprintf(stderr,
               "{\"event\":\"listening\",\"address\":\"%s\",\"port\":%d,\"threads\":%zu,\"max_body\":%zu,"
               "\"store\":%s,\"secure_cookies\":%s,\"web\":%s}\n",
               options.host.c_str(), *port, options.threads, options.max_body_bytes,
               options.db_url.empty() ? "null" : "true", options.insecure_dev_cookies ? "false" : "true",
               options.web_dir.empty() ? "null" : JsonQuoted(options.web_dir).c_str());

  std::mutex mu;
  std::condition_variable done_cv;
  bool done = false;  // Run() has returned; guarded by mu
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    std::unique_lock<std::mutex> lock(mu);
    if (done) return;  // woken by us below: the server ended on its own
    srv.Stop();  // the listening socket is closed when this returns
    std::fprintf(stderr, "{\"event\":\"stopping\",\"signal\":\"%s\"}\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    // A stop that lands before the library marks itself running is lost, so
    // repeat until Run() has returned.
    while (!done) {
      srv.Stop();
      done_cv.wait_for(lock, std::chrono::milliseconds(50));
    }
  });

  Status status = srv.Run();
  {
    std::lock_guard<std::mutex> lock(mu);
    done = true;
  }
  done_cv.notify_all();
  pthread_kill(waiter.native_handle(), SIGTERM);  // no-op for the waiter once it has its signal
  waiter.join();
  if (!status.ok()) {
    std::fprintf(stderr, "bursar serve: %s\n", status.message().c_str());
    return kExitFailed;
  }
  std::fprintf(stderr, "{\"event\":\"stopped\"}\n");
  return kExitOk;
}

}  // namespace

BURSAR_COMMAND("serve", "serve the HTTP API (and the web app) until SIGTERM", RunServe);

}  // namespace bursar::cli

