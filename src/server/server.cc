#include "server/server.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <optional>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "eval/engine.h"
#include "server/api_error.h"
#include "server/engine_cache.h"
#include "server/policy_view.h"
#include "server/static_files.h"

namespace bursar::server {
namespace {

using Clock = std::chrono::steady_clock;
using OJson = nlohmann::ordered_json;

constexpr const char* kJson = "application/json";
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

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// The media type of a Content-Type header, without parameters, lower case.
std::string MediaType(const std::string& content_type) {
  std::string type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
  size_t start = type.find_first_not_of(" \t");
  return Lower(start == std::string::npos ? std::string() : type.substr(start));
}

// The query of a request target, as ordered (name, value) pairs. The HTTP
// library's own parameter map splits "set=a=1" at every '=' and drops
// repeats, so the raw target is split here: at '&', then at the first '='.
std::vector<std::pair<std::string, std::string>> QueryPairs(const std::string& target) {
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

std::string UtcNow() {
  auto now = std::chrono::system_clock::now();
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

// Sets the body without copying it (Response::set_content copies).
void SetBody(httplib::Response& res, std::string&& body, const char* content_type) {
  res.body = std::move(body);
  res.set_header("Content-Type", content_type);
}

void LogLine(const std::string& line) {
  // One write per line: lines from different workers never interleave.
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace

// ---------------------------------------------------------------------------

struct Server::Impl {
  using Handler = Status (Impl::*)(const httplib::Request&, httplib::Response&);
  struct Route {
    const char* method;  // lower case
    const char* path;
    Handler handler;
  };

  ServeOptions options;
  std::shared_ptr<const Engine> engine;
  std::unique_ptr<EngineCache> engines;
  std::optional<StaticFiles> web;
  std::string policy_json, clauses_json;
  std::map<std::string, std::string> measure_json;
  httplib::Server http;
  std::string request_id_prefix;
  std::atomic<uint64_t> request_counter{0};
  bool bound = false;
  std::atomic<bool> stop_requested{false};

  static const std::vector<Route>& Routes();

  // ---- handlers: each returns a Status, which becomes the one error shape ----
  Status Health(const httplib::Request&, httplib::Response& res) {
    OJson body{{"status", "ok"}, {"policy", {{"id", engine->policy_id()}, {"version", engine->policy_version()},
                                            {"digest", engine->digest()}}}};
    res.set_content(body.dump() + "\n", kJson);
    return OkStatus();
  }

  Status OpenApi(const httplib::Request&, httplib::Response& res) {
    std::string_view doc = OpenApiDocument();
    res.set_content(doc.data(), doc.size(), kJson);
    return OkStatus();
  }

  Status Policy(const httplib::Request&, httplib::Response& res) {
    res.set_content(policy_json, kJson);
    return OkStatus();
  }

  Status Clauses(const httplib::Request&, httplib::Response& res) {
    res.set_content(clauses_json, kJson);
    return OkStatus();
  }

  Status Measure(const httplib::Request& req, httplib::Response& res) {
    std::string id = req.matches.size() > 1 ? req.matches[1].str() : "";
    auto it = measure_json.find(id);
    if (it == measure_json.end()) {
      return Status(StatusCode::kNotFound, "no measure '" + id + "' in policy " + engine->policy_id(), "id");
    }
    res.set_content(it->second, kJson);
    return OkStatus();
  }

  Status Evaluate(const httplib::Request& req, httplib::Response& res) {
    std::string type = MediaType(req.get_header_value("Content-Type"));
    if (type != "application/json") {
      WriteError(UnsupportedMediaType("a case is sent as application/json, not '" +
                                      (type.empty() ? std::string("(none)") : type) + "'"),
                 &res);
      return OkStatus();
    }
    EvaluateOptions eval_options;
    std::vector<ParameterOverride> overrides;
    for (const auto& [name, value] : QueryPairs(req.target)) {
      if (name == "explain") {
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
        WriteError(BadRequest("unknown query parameter '" + name + "' (known: explain, set)", "query." + name),
                   &res);
        return OkStatus();
      }
    }
    auto chosen = engines->Get(overrides);
    if (!chosen.ok()) return chosen.status();
    auto decision = (*chosen)->EvaluateText(req.body, eval_options);
    if (!decision.ok()) return decision.status();
    SetBody(res, std::move(decision).value(), kJson);
    return OkStatus();
  }

  Status Static(const httplib::Request& req, httplib::Response& res) {
    auto file = web->Serve(req.path);
    if (!file.ok()) return file.status();
    res.set_header("Cache-Control", file->immutable_asset ? "public, max-age=31536000, immutable" : "no-cache");
    SetBody(res, std::move(file->body), file->content_type.c_str());
    return OkStatus();
  }

  // ---- wiring ----
  httplib::Server::Handler Wrap(Handler handler) {
    return [this, handler](const httplib::Request& req, httplib::Response& res) {
      Status status = (this->*handler)(req, res);
      if (!status.ok()) WriteError(FromStatus(status), &res);
    };
  }

  std::string NextRequestId() {
    return request_id_prefix + std::to_string(request_counter.fetch_add(1, std::memory_order_relaxed) + 1);
  }

  void Install() {
    http.new_task_queue = [n = options.threads] { return new httplib::ThreadPool(n); };
    http.set_payload_max_length(options.max_body_bytes);
    http.set_tcp_nodelay(true);
    // A kept-alive connection is reused for many requests (wrk, browsers, the
    // web app); it still holds a worker, so idle ones are dropped after 5 s.
    http.set_keep_alive_max_count(10000);
    http.set_keep_alive_timeout(5);
    http.set_read_timeout(10);
    http.set_write_timeout(10);
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
        case 413: WriteError(PayloadTooLarge("the request body is larger than the server accepts"), &res); break;
        case 414: WriteError(ApiError{414, "invalid_argument", "the request target is too long", {}}, &res); break;
        default:
          WriteError(ApiError{res.status, res.status >= 500 ? "internal" : "invalid_argument",
                              res.status >= 500 ? "internal error" : "the request could not be read",
                              {}},
                     &res);
      }
      return httplib::Server::HandlerResponse::Handled;
    }));

    http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
      std::string what = "unknown exception";
      try {
        if (ep) std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
      }
      LogLine("{\"event\":\"exception\",\"what\":" + JsonEscape(what) + "}\n");
      WriteError(FromStatus(Status(StatusCode::kInternal, "internal error")), &res);
    });

    if (options.request_log) {
      http.set_logger([](const httplib::Request& req, const httplib::Response& res) {
        long long us = -1;
        if (t_request_started) {
          us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t_request_start).count();
          t_request_started = false;
        }
        std::string line = "{\"time\":\"" + UtcNow() + "\",\"method\":" + JsonEscape(req.method) +
                           ",\"path\":" + JsonEscape(req.path) + ",\"status\":" + std::to_string(res.status) +
                           ",\"duration_us\":" + std::to_string(us) +
                           ",\"request_id\":" + JsonEscape(res.get_header_value("X-Request-Id")) + "}\n";
        LogLine(line);
      });
    }

    // The routes, then 405 for the other methods on the same paths.
    std::map<std::string, std::set<std::string>> allowed;  // path → methods
    for (const Route& r : Routes()) {
      std::string pattern = PathRegex(r.path);
      std::string method = r.method;
      allowed[r.path].insert(method);
      if (method == "get") http.Get(pattern, Wrap(r.handler));
      else if (method == "post") http.Post(pattern, Wrap(r.handler));
      else if (method == "put") http.Put(pattern, Wrap(r.handler));
      else if (method == "patch") http.Patch(pattern, Wrap(r.handler));
      else if (method == "delete") http.Delete(pattern, Wrap(r.handler));
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
    if (web) http.Get(R"(/(?!api/|api$|healthz$).*)", Wrap(&Impl::Static));
  }
};

const std::vector<Server::Impl::Route>& Server::Impl::Routes() {
  static const std::vector<Route> kRoutes = {
      {"get", "/healthz", &Impl::Health},
      {"get", "/api/openapi.json", &Impl::OpenApi},
      {"get", "/api/policy", &Impl::Policy},
      {"get", "/api/policy/clauses", &Impl::Clauses},
      {"get", "/api/policy/measures/{id}", &Impl::Measure},
      {"post", "/api/evaluations", &Impl::Evaluate},
  };
  return kRoutes;
}

std::vector<RouteSpec> RouteTable() {
  std::vector<RouteSpec> out;
  for (const auto& r : Server::Impl::Routes()) out.push_back({r.method, r.path});
  return out;
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

Result<std::unique_ptr<Server>> Server::Create(const ServeOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (impl->options.threads == 0) impl->options.threads = 1;
  BURSAR_ASSIGN_OR_RETURN(impl->engine, Engine::Load(options.policy_dir));
  impl->engines = std::make_unique<EngineCache>(options.policy_dir, impl->engine, options.engine_cache_size);
  if (!options.web_dir.empty()) {
    BURSAR_ASSIGN_OR_RETURN(StaticFiles files, StaticFiles::Open(options.web_dir));
    impl->web.emplace(std::move(files));
  }
  const CheckedPolicy& cp = impl->engine->policy();
  impl->policy_json = PolicySummary(cp, options.policy_dir).dump(2) + "\n";
  impl->clauses_json = PolicyClauses(cp).dump(2) + "\n";
  for (auto& [id, doc] : MeasureDocuments(cp, options.policy_dir)) impl->measure_json[id] = doc.dump(2) + "\n";
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
  s.bound = true;
  return port;
}

Status Server::Run() {
  if (!impl_->bound) return Status(StatusCode::kFailedPrecondition, "Run() before Bind()");
  if (impl_->stop_requested.load()) return OkStatus();
  if (!impl_->http.listen_after_bind()) {
    // listen_after_bind() is false also after a clean Stop(); only a failure
    // while still meant to be running is an error.
    if (impl_->http.is_running()) return Status(StatusCode::kUnavailable, "the server stopped accepting");
  }
  return OkStatus();
}

void Server::Stop() {
  impl_->stop_requested.store(true);
  impl_->http.stop();
}

}  // namespace bursar::server
