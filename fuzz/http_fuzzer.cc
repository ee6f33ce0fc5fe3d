// Fuzz target: HTTP request handling of `bursar serve` (src/server), from
// raw bytes on a loopback socket to the answer: request parsing, routing,
// authentication (cookies, bearer tokens, CSRF), query and JSON bodies, the
// one error shape.
//
// One server runs in this process for the whole run, with a SQLite store
// holding an officer account, a session and an API token. Input: the bytes
// sent on one connection (one or more requests); the write side is then shut
// so the server sees the end. Before sending, "@TOKEN@", "@SESSION@" and
// "@CSRF@" are replaced by the real token, session id and CSRF token, so
// seeds reach the routes behind the login.
//
// Invariants besides "no crash, no sanitizer report":
//  - no answer is a 5xx: bad input is the client's error;
//  - every answer carries the security headers (CSP, nosniff, frame denial);
//  - the server answers or closes within the read timeout (no hang).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "fuzz/fuzz_support.h"
#include "server/server.h"
#include "store/secret.h"
#include "store/store.h"

namespace {

namespace fs = std::filesystem;

struct Running {
  std::unique_ptr<bursar::server::Server> server;
  std::thread thread;
  int port = 0;
  std::string token, session, csrf;
};

Running& TheServer() {
  static Running* running = [] {
    auto* r = new Running;
    const fs::path db = bursar_fuzz::ScratchDir() / "http.db";
    fs::remove(db);
    // The server secret the server and this set-up's store share.
    const std::string secret_file = (bursar_fuzz::ScratchDir() / "http.secret").string();
    auto secret = bursar::store::LoadServerSecret(secret_file, true, "--secret-file");
    if (!secret.ok()) bursar_fuzz::Broken("secret: " + secret.status().message());
    {
      bursar::store::OpenOptions open = bursar_fuzz::CreateOptions();
      open.credential_key = secret->key;
      auto store = bursar::store::Store::Open(db.string(), open);
      if (!store.ok()) bursar_fuzz::Broken("store: " + store.status().message());
      if (!(*store)->Migrate("fuzz").ok()) bursar_fuzz::Broken("migrate");
      auto hash = bursar::store::HashPassword("fuzz-password-1");
      if (!hash.ok()) bursar_fuzz::Broken("hash");
      auto account = (*store)->AddAccount("fuzz", "olga", bursar::store::Role::kOfficer, "", *hash);
      if (!account.ok()) bursar_fuzz::Broken("account: " + account.status().message());
      auto token = (*store)->IssueToken("fuzz", "olga", "fuzz", 30);
      if (!token.ok()) bursar_fuzz::Broken("token: " + token.status().message());
      r->token = token->token;
      auto session = (*store)->OpenSession("olga", account->id, bursar::store::SessionPolicy{});
      if (!session.ok()) bursar_fuzz::Broken("session: " + session.status().message());
      r->session = session->id;
      r->csrf = session->csrf_token;
    }
    bursar::server::ServeOptions options;
    options.policy_dir = bursar_fuzz::PolicyDir();
    options.db_url = db.string();
    options.secret_file = secret_file;
    options.port = 0;
    options.threads = 4;
    options.request_log = false;
    options.web_dir = bursar_fuzz::SourceDir() + "/fuzz/web-root";
    auto server = bursar::server::Server::Create(options);
    if (!server.ok()) bursar_fuzz::Broken("server: " + server.status().message());
    r->server = std::move(*server);
    auto port = r->server->Bind();
    if (!port.ok()) bursar_fuzz::Broken("bind: " + port.status().message());
    r->port = *port;
    r->thread = std::thread([r] { (void)r->server->Run(); });
    // Stopped before the process's other statics go (and before the leak
    // checker looks): Stop() until Run() has returned, as the CLI does.
    std::atexit([] {
      Running& s = TheServer();
      std::atomic<bool> done{false};
      std::thread joiner([&] {
        s.thread.join();
        done = true;
      });
      while (!done) {
        s.server->Stop();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      joiner.join();
      s.server.reset();
    });
    return r;
  }();
  return *running;
}

void ReplaceAll(std::string* s, const std::string& from, const std::string& to) {
  for (size_t at = s->find(from); at != std::string::npos; at = s->find(from, at + to.size())) {
    s->replace(at, from.size(), to);
  }
}

// Sends `request` on a fresh connection and reads until the server closes it.
std::string Exchange(int port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) bursar_fuzz::Broken("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int attempt = 0; connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0; ++attempt) {
    if (attempt == 100) bursar_fuzz::Broken("cannot connect to the server");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close early (a request it refused)
    sent += static_cast<size_t>(n);
  }
  shutdown(fd, SHUT_WR);
  std::string answer;
  char buffer[16384];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (true) {
    pollfd p{fd, POLLIN, 0};
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    if (left <= 0) bursar_fuzz::Broken("the server neither answered nor closed within 20 s");
    if (poll(&p, 1, left) <= 0) continue;
    ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    answer.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return answer;
}

void CheckAnswers(const std::string& answer) {
  // Answers follow one another; each has a Content-Length (the server never
  // chunks), so walk them in order.
  size_t at = 0;
  while (at < answer.size()) {
    if (answer.compare(at, 7, "HTTP/1.") != 0) {
      bursar_fuzz::Broken("bytes that are not an answer:\n" + answer.substr(at, 200));
    }
    size_t head_end = answer.find("\r\n\r\n", at);
    if (head_end == std::string::npos) bursar_fuzz::Broken("an answer without the end of its headers");
    const std::string head = answer.substr(at, head_end - at);
    if (head.size() < 12) bursar_fuzz::Broken("a short status line");
    const int status = std::atoi(head.c_str() + 9);
    if (status >= 500) bursar_fuzz::Broken("a 5xx answer to client input:\n" + head);
    for (const char* header : {"Content-Security-Policy:", "X-Content-Type-Options: nosniff", "X-Frame-Options: DENY"}) {
      if (head.find(header) == std::string::npos) {
        bursar_fuzz::Broken(std::string("an answer without ") + header + ":\n" + head);
      }
    }
    size_t cl = head.find("Content-Length: ");
    if (cl == std::string::npos) break;  // nothing after can be told apart
    const size_t body = head_end + 4;
    const size_t next = body + std::strtoull(head.c_str() + cl + 16, nullptr, 10);
    if (next >= answer.size()) break;  // the last answer
    if (answer.compare(next, 7, "HTTP/1.") == 0) {
      at = next;
    } else if (answer.compare(body, 7, "HTTP/1.") == 0) {
      at = body;  // an answer to HEAD: a length but no body
    } else {
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return -1;
  Running& server = TheServer();
  std::string request(reinterpret_cast<const char*>(data), size);
  ReplaceAll(&request, "@TOKEN@", server.token);
  ReplaceAll(&request, "@SESSION@", server.session);
  ReplaceAll(&request, "@CSRF@", server.csrf);
  CheckAnswers(Exchange(server.port, request));
  return 0;
}
