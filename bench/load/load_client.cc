// bursar-load: a mixed-load client for `bursar serve` on loopback (issue 7,
// "Load"). N worker threads, each with one kept-alive connection, send a
// seeded mix of reads, evaluations and writes until the time is up, and the
// client prints throughput, latency percentiles (overall and per kind), every
// error, and how many rows its writes committed, so that run.sh can compare
// them with the store afterwards.
//
// Reads (officer token unless public): lists of applications, enterprises and
// notices with paging, the policy, one application, one decision, one
// enterprise's derived facts. Evaluations: POST /api/evaluations of the
// CASES.md example with the amounts varied. Writes, each with an
// Idempotency-Key: a new measure-11 application with its own project (201),
// or an upload of one new trade row (200, inserted 1); one write in ten is
// sent twice with the same key and must come back replayed, byte for byte,
// without a second row.
//
// An error is: no answer (connection, timeout), a status outside 2xx, a body
// that does not say what it must, or a retry that was not replayed.
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kHelp =
    "usage: bursar-load --port N --token TOKEN [--host ADDR] [--seconds S] [--connections C]\n"
    "                   [--seed N] [--mix READS,EVALS,WRITES] [--case FILE] [--interval S]\n"
    "                   [--json FILE]\n\n"
    "Sends a mixed load to a running `bursar serve` on loopback for S seconds (default 20)\n"
    "from C connections (default 8, each its own thread; keep C at or below the server's\n"
    "--threads), in the proportions of --mix (default 60,30,10), and prints throughput,\n"
    "p50/p90/p99/max latency, errors and the rows written. --token is an officer's bearer\n"
    "token (`bursar user token NAME --name load`); --evidence-token a data-bureau account's,\n"
    "which uploads the evidence (separation of duties). --case is the case evaluations send\n"
    "(default examples/cases-md-example.json). --interval prints a progress line every S\n"
    "seconds (default 60; 0: none). --json writes the summary as JSON too.\n"
    "Exit status: 0 no error, 1 at least one error, 2 bad usage or the server unusable.\n";

enum Kind { kRead, kEval, kWrite, kKinds };
const char* kKindNames[kKinds] = {"read", "evaluation", "write"};

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string token;
  std::string evidence_token;  // the data bureau's, for evidence uploads; --token when not given
  double seconds = 20;
  int connections = 8;
  uint64_t seed = 1;
  int mix[kKinds] = {60, 30, 10};
  std::string case_file = "examples/cases-md-example.json";
  double interval = 60;
  std::string json_out;
};

// What the client learnt about the store before the load: ids to read.
struct Population {
  std::vector<std::string> codes;            // enterprise credit codes
  std::vector<int64_t> application_ids;
  std::vector<int64_t> decision_ids;
  int64_t applications = 0, enterprises = 0, notices = 0;
  json eval_case;
};

struct WorkerResult {
  std::vector<uint32_t> latency_us[kKinds];
  uint64_t errors[kKinds] = {0, 0, 0};
  uint64_t applications_created = 0, trades_inserted = 0, replays = 0;
  std::vector<std::string> error_samples;
};

std::atomic<uint64_t> g_requests{0}, g_errors{0};
std::mutex g_print;

std::string Body(const httplib::Result& r) { return r ? r->body.substr(0, 300) : httplib::to_string(r.error()); }

class Worker {
 public:
  Worker(const Options& o, const Population& p, int index)
      : o_(o), p_(p), index_(index), rng_(o.seed * 1000003 + static_cast<uint64_t>(index)), client_(o.host, o.port) {
    client_.set_keep_alive(true);
    client_.set_tcp_nodelay(true);  // a POST is written as headers then body: without this, Nagle + delayed ACK add 40 ms
    client_.set_connection_timeout(5, 0);
    client_.set_read_timeout(30, 0);
    client_.set_write_timeout(30, 0);
    auth_ = {{"Authorization", "Bearer " + o.token}};
    evidence_auth_ = {{"Authorization", "Bearer " + (o.evidence_token.empty() ? o.token : o.evidence_token)}};
  }

  void Run(Clock::time_point until) {
    const int total = o_.mix[kRead] + o_.mix[kEval] + o_.mix[kWrite];
    while (Clock::now() < until) {
      const int pick = static_cast<int>(Uniform(0, total - 1));
      const Kind kind = pick < o_.mix[kRead] ? kRead : pick < o_.mix[kRead] + o_.mix[kEval] ? kEval : kWrite;
      if (kind == kRead) Read();
      else if (kind == kEval) Evaluate();
      else Write();
    }
  }

  WorkerResult& result() { return result_; }

 private:
  int64_t Uniform(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng_); }
  template <typename T>
  const T& Any(const std::vector<T>& v) { return v[static_cast<size_t>(Uniform(0, static_cast<int64_t>(v.size()) - 1))]; }
  int64_t Offset(int64_t total) { return total <= 20 ? 0 : Uniform(0, total - 20); }

  void Fail(Kind kind, const std::string& what) {
    ++result_.errors[kind];
    g_errors.fetch_add(1, std::memory_order_relaxed);
    if (result_.error_samples.size() < 10) result_.error_samples.push_back(what);
  }

  // Sends one request, records its latency under `kind`; the answer, or none.
  template <typename Send>
  httplib::Result Timed(Kind kind, Send send) {
    const auto start = Clock::now();
    httplib::Result r = send();
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
    result_.latency_us[kind].push_back(static_cast<uint32_t>(std::min<int64_t>(us, UINT32_MAX)));
    g_requests.fetch_add(1, std::memory_order_relaxed);
    return r;
  }

  // True when `r` is a 2xx answer; otherwise counts an error naming `what`.
  bool Ok(Kind kind, const std::string& what, const httplib::Result& r) {
    if (r && r->status >= 200 && r->status < 300) return true;
    Fail(kind, what + ": " + (r ? std::to_string(r->status) + " " : "no answer: ") + Body(r));
    return false;
  }

  void Read() {
    std::string path;
    bool with_token = true;
    switch (Uniform(0, 6)) {
      case 0: {
        static const char* kSorts[] = {"id", "-total", "updated_at", "-id"};
        path = "/api/applications?limit=20&offset=" + std::to_string(Offset(p_.applications)) +
               "&sort=" + kSorts[Uniform(0, 3)];
        break;
      }
      case 1: path = "/api/enterprises?limit=20&offset=" + std::to_string(Offset(p_.enterprises)); break;
      case 2:
        path = "/api/notices?year=2025&limit=20&offset=" + std::to_string(Offset(p_.notices));
        with_token = false;
        break;
      case 3:
        path = "/api/policy";
        with_token = false;
        break;
      case 4: path = "/api/applications/" + std::to_string(Any(p_.application_ids)); break;
      case 5: path = "/api/decisions/" + std::to_string(Any(p_.decision_ids)); break;
      default: path = "/api/enterprises/" + Any(p_.codes) + "/facts?year=2025"; break;
    }
    auto r = Timed(kRead, [&] { return with_token ? client_.Get(path, auth_) : client_.Get(path); });
    if (!Ok(kRead, "GET " + path, r)) return;
    if (r->body.empty() || r->body.front() != '{') Fail(kRead, "GET " + path + ": not a JSON object: " + Body(r));
  }

  void Evaluate() {
    json c = p_.eval_case;
    c["claims"][0]["assessed"] = std::to_string(Uniform(1, 900) * 10000);
    c["facts"]["exchange_trading_volume"] = std::to_string(Uniform(0, 5000) * 10000) + ".00";
    c["facts"]["listed_data_products"] = Uniform(0, 80);
    const std::string body = c.dump();
    auto r = Timed(kEval, [&] { return client_.Post("/api/evaluations", body, "application/json"); });
    if (!Ok(kEval, "POST /api/evaluations", r)) return;
    json out = json::parse(r->body, nullptr, false);
    if (out.is_discarded() || !out.contains("total") || !out["total"].is_string())
      Fail(kEval, "POST /api/evaluations: no total in " + Body(r));
  }

  void Write() {
    ++writes_;
    const std::string tag =
        "LOAD-" + std::to_string(o_.seed) + "-" + std::to_string(index_) + "-" + std::to_string(writes_);
    const bool application = Uniform(0, 1) == 0;
    httplib::Headers headers = application ? auth_ : evidence_auth_;
    headers.insert({"Idempotency-Key", tag});
    std::string path, body, type;
    if (application) {
      path = "/api/applications";
      type = "application/json";
      body = json{{"credit_code", Any(p_.codes)},
                  {"year", 2025},
                  {"claim",
                   {{"measure", "11"},
                    {"item", "scenario"},
                    {"project", tag},
                    {"investment", std::to_string(Uniform(100, 5000) * 10000)},
                    {"civil_construction", "0"}}}}
                 .dump();
    } else {
      path = "/api/evidence/trades";
      type = "text/csv";
      char date[16];
      std::snprintf(date, sizeof date, "2025-%02d-%02d", static_cast<int>(Uniform(1, 12)),
                    static_cast<int>(Uniform(1, 28)));
      body = "credit_code,exchange,trade_id,date,side,amount,legally_established\n" + Any(p_.codes) + ",BJIDE," +
             tag + "," + date + "," + (Uniform(0, 1) ? "seller" : "buyer") + "," +
             std::to_string(Uniform(1, 99999)) + ".50,true\n";
    }
    const std::string what = "POST " + path + " (" + tag + ")";
    auto r = Timed(kWrite, [&] { return client_.Post(path, headers, body, type.c_str()); });
    if (!Ok(kWrite, what, r)) return;
    if (r->has_header("Idempotent-Replayed")) {
      Fail(kWrite, what + ": a first request answered as a replay");
      return;
    }
    json out = json::parse(r->body, nullptr, false);
    if (application) {
      if (r->status != 201 || out.is_discarded() || !out.contains("id")) {
        Fail(kWrite, what + ": expected 201 with the new application: " + Body(r));
        return;
      }
      ++result_.applications_created;
    } else {
      if (out.is_discarded() || out.value("inserted", -1) != 1 || !out.value("committed", false)) {
        Fail(kWrite, what + ": expected one inserted row: " + Body(r));
        return;
      }
      ++result_.trades_inserted;
    }
    // One write in ten is retried with the same key: the stored answer, no new row.
    if (Uniform(0, 9) != 0) return;
    auto again = Timed(kWrite, [&] { return client_.Post(path, headers, body, type.c_str()); });
    if (!Ok(kWrite, what + " retried", again)) return;
    if (again->get_header_value("Idempotent-Replayed") != "true" || again->status != r->status ||
        again->body != r->body) {
      Fail(kWrite, what + " retried: not the stored answer: " + std::to_string(again->status) + " " + Body(again));
      return;
    }
    ++result_.replays;
  }

  const Options& o_;
  const Population& p_;
  int index_;
  std::mt19937_64 rng_;
  httplib::Client client_;
  httplib::Headers auth_;
  httplib::Headers evidence_auth_;
  uint64_t writes_ = 0;
  WorkerResult result_;
};

bool ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kHelp, stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "bursar-load: %s needs a value (--help for usage)\n", a.c_str());
      return false;
    }
    const std::string v = argv[++i];
    char* end = nullptr;
    if (a == "--host") o->host = v;
    else if (a == "--port") o->port = static_cast<int>(std::strtol(v.c_str(), &end, 10));
    else if (a == "--token") o->token = v;
    else if (a == "--evidence-token") o->evidence_token = v;
    else if (a == "--seconds") o->seconds = std::strtod(v.c_str(), &end);
    else if (a == "--connections") o->connections = static_cast<int>(std::strtol(v.c_str(), &end, 10));
    else if (a == "--seed") o->seed = std::strtoull(v.c_str(), &end, 10);
    else if (a == "--interval") o->interval = std::strtod(v.c_str(), &end);
    else if (a == "--case") o->case_file = v;
    else if (a == "--json") o->json_out = v;
    else if (a == "--mix") {
      if (std::sscanf(v.c_str(), "%d,%d,%d", &o->mix[0], &o->mix[1], &o->mix[2]) != 3 || o->mix[0] < 0 ||
          o->mix[1] < 0 || o->mix[2] < 0 || o->mix[0] + o->mix[1] + o->mix[2] == 0) {
        std::fprintf(stderr, "bursar-load: --mix takes three weights READS,EVALS,WRITES, got '%s'\n", v.c_str());
        return false;
      }
    } else {
      std::fprintf(stderr, "bursar-load: unknown option %s (--help for usage)\n", a.c_str());
      return false;
    }
    if (end && *end) {
      std::fprintf(stderr, "bursar-load: %s takes a number, got '%s'\n", a.c_str(), v.c_str());
      return false;
    }
  }
  if (o->port <= 0 || o->port > 65535 || o->token.empty() || o->seconds <= 0 || o->connections < 1 ||
      o->connections > 256) {
    std::fprintf(stderr, "bursar-load: --port (1-65535), --token, --seconds > 0 and --connections 1-256 are needed\n");
    return false;
  }
  return true;
}

// Reads what the load will touch; false with a message when the server cannot serve it.
bool Discover(const Options& o, Population* p) {
  std::ifstream in(o.case_file, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  p->eval_case = json::parse(s.str(), nullptr, false);
  if (!in || p->eval_case.is_discarded() || !p->eval_case.contains("claims")) {
    std::fprintf(stderr, "bursar-load: %s: not a case file\n", o.case_file.c_str());
    return false;
  }
  httplib::Client c(o.host, o.port);
  c.set_read_timeout(60, 0);
  const httplib::Headers auth = {{"Authorization", "Bearer " + o.token}};
  auto get = [&](const std::string& path, json* out) {
    auto r = c.Get(path, auth);
    if (!r || r->status != 200) {
      std::fprintf(stderr, "bursar-load: GET %s: %s\n", path.c_str(),
                   r ? (std::to_string(r->status) + " " + r->body).c_str() : httplib::to_string(r.error()).c_str());
      return false;
    }
    *out = json::parse(r->body, nullptr, false);
    return !out->is_discarded();
  };
  json j;
  for (int64_t offset = 0;; offset += 500) {
    if (!get("/api/enterprises?limit=500&offset=" + std::to_string(offset), &j)) return false;
    for (const auto& e : j["items"]) p->codes.push_back(e["credit_code"]);
    p->enterprises = j["total"];
    if (j["items"].size() < 500) break;
  }
  if (!get("/api/applications?limit=500", &j)) return false;
  p->applications = j["total"];
  for (const auto& a : j["items"]) p->application_ids.push_back(a["id"]);
  if (!get("/api/notices?year=2025&limit=1", &j)) return false;
  p->notices = j["total"];
  for (const char* state : {"decided", "notice", "final", "paid"}) {
    if (!get(std::string("/api/applications?limit=100&state=") + state, &j)) return false;
    for (const auto& a : j["items"]) {
      json one;
      if (p->decision_ids.size() >= 100) break;
      if (!get("/api/applications/" + std::to_string(a["id"].get<int64_t>()), &one)) return false;
      if (one["decision"].is_object()) p->decision_ids.push_back(one["decision"]["id"]);
    }
  }
  if (p->codes.empty() || p->application_ids.empty() || p->decision_ids.empty()) {
    std::fprintf(stderr, "bursar-load: the store needs enterprises, applications and decisions (scripts/demo-setup.sh)\n");
    return false;
  }
  return true;
}

uint32_t Percentile(const std::vector<uint32_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

json Latency(std::vector<uint32_t>& v) {
  std::sort(v.begin(), v.end());
  auto ms = [](uint32_t us) { return us / 1000.0; };
  return {{"requests", v.size()},
          {"p50_ms", ms(Percentile(v, 50))},
          {"p90_ms", ms(Percentile(v, 90))},
          {"p99_ms", ms(Percentile(v, 99))},
          {"max_ms", ms(v.empty() ? 0 : v.back())}};
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!ParseArgs(argc, argv, &o)) return 2;
  Population p;
  if (!Discover(o, &p)) return 2;
  std::printf("store: %lld enterprises, %lld applications, %lld on notice, %zu decisions to read\n",
              static_cast<long long>(p.enterprises), static_cast<long long>(p.applications),
              static_cast<long long>(p.notices), p.decision_ids.size());
  std::printf("load: %d connections, %.0f s, mix reads/evaluations/writes %d/%d/%d, seed %llu\n", o.connections,
              o.seconds, o.mix[0], o.mix[1], o.mix[2], static_cast<unsigned long long>(o.seed));
  std::fflush(stdout);

  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < o.connections; ++i) workers.push_back(std::make_unique<Worker>(o, p, i));
  const auto start = Clock::now();
  const auto until = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
  std::vector<std::thread> threads;
  for (auto& w : workers) threads.emplace_back([&w, until] { w->Run(until); });

  // Progress: one line per interval (requests and errors in it).
  std::atomic<bool> finished{false};
  std::thread progress([&] {
    if (o.interval <= 0) return;
    uint64_t last_requests = 0, last_errors = 0;
    auto next = start;
    while (!finished.load()) {
      next += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.interval));
      while (!finished.load() && Clock::now() < next) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (finished.load()) break;
      const uint64_t req = g_requests.load(), err = g_errors.load();
      const double t = std::chrono::duration<double>(Clock::now() - start).count();
      std::lock_guard<std::mutex> lock(g_print);
      std::printf("progress: t=%.0fs requests=%llu rate=%.0f/s errors=%llu\n", t,
                  static_cast<unsigned long long>(req), static_cast<double>(req - last_requests) / o.interval,
                  static_cast<unsigned long long>(err - last_errors));
      std::fflush(stdout);
      last_requests = req;
      last_errors = err;
    }
  });
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  finished = true;
  progress.join();

  std::vector<uint32_t> all, per_kind[kKinds];
  uint64_t errors = 0, kind_errors[kKinds] = {0, 0, 0}, created = 0, trades = 0, replays = 0;
  std::vector<std::string> samples;
  for (auto& w : workers) {
    WorkerResult& r = w->result();
    for (int k = 0; k < kKinds; ++k) {
      per_kind[k].insert(per_kind[k].end(), r.latency_us[k].begin(), r.latency_us[k].end());
      kind_errors[k] += r.errors[k];
      errors += r.errors[k];
    }
    created += r.applications_created;
    trades += r.trades_inserted;
    replays += r.replays;
    for (auto& s : r.error_samples)
      if (samples.size() < 20) samples.push_back(s);
  }
  for (auto& v : per_kind) all.insert(all.end(), v.begin(), v.end());
  json summary = {{"seconds", elapsed},
                  {"connections", o.connections},
                  {"requests", all.size()},
                  {"throughput_per_s", static_cast<double>(all.size()) / elapsed},
                  {"errors", errors},
                  {"all", Latency(all)},
                  {"applications_created", created},
                  {"trades_inserted", trades},
                  {"replays", replays}};
  for (int k = 0; k < kKinds; ++k) {
    summary[kKindNames[k]] = Latency(per_kind[k]);
    summary[kKindNames[k]]["errors"] = kind_errors[k];
  }

  std::printf("requests: %zu in %.1f s = %.0f req/s\n", all.size(), elapsed, summary["throughput_per_s"].get<double>());
  std::printf("%-11s %9s %9s %9s %9s %9s %7s\n", "kind", "requests", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors");
  auto row = [](const char* name, const json& l, uint64_t e) {
    std::printf("%-11s %9llu %9.2f %9.2f %9.2f %9.1f %7llu\n", name,
                static_cast<unsigned long long>(l["requests"].get<uint64_t>()), l["p50_ms"].get<double>(),
                l["p90_ms"].get<double>(), l["p99_ms"].get<double>(), l["max_ms"].get<double>(),
                static_cast<unsigned long long>(e));
  };
  for (int k = 0; k < kKinds; ++k) row(kKindNames[k], summary[kKindNames[k]], kind_errors[k]);
  row("all", summary["all"], errors);
  std::printf("written: %llu applications, %llu trade rows; %llu retries replayed\n",
              static_cast<unsigned long long>(created), static_cast<unsigned long long>(trades),
              static_cast<unsigned long long>(replays));
  std::printf("errors: %llu\n", static_cast<unsigned long long>(errors));
  for (auto& s : samples) std::printf("  error: %s\n", s.c_str());
  if (!o.json_out.empty()) std::ofstream(o.json_out) << summary.dump(2) << "\n";
  return errors == 0 ? 0 : 1;
}
