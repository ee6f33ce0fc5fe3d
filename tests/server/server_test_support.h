// Test support for tests against a real running `bursar serve`: the test
// starts the built binary on a free port (--port 0; the port is read from its
// first log line) and talks HTTP to it with cpp-httplib's client, or with raw
// bytes where the client would tidy a request.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server/server.h"
#include "store/digest.h"
#include "store/secret.h"
#include "store/store.h"

extern char** environ;

namespace bursar_server_test {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

inline const std::string kSource = BURSAR_SOURCE_DIR;
inline const std::string kExe = BURSAR_EXE;
inline const std::string kPolicy = kSource + "/policies/chaoyang-data-element";
// The password of every account the tests make.
inline constexpr const char* kPassword = "correct horse battery staple";

// The server secret (store/secret.h) of this test process: every server it
// starts reads it (--secret-file), and its fixtures' stores open with its key
// (TestStoreOptions()), so that the tokens a fixture issues sign in. Removed
// when the process ends.
inline const std::string& TestSecretFile() {
  struct Removed {
    std::string path;
    ~Removed() {
      std::error_code ec;
      fs::remove(path, ec);
    }
  };
  static const Removed file{(fs::temp_directory_path() / ("bursar_test_secret_" + std::to_string(getpid()))).string()};
  return file.path;
}

// Options of a store that issues sessions and tokens the test's servers take.
inline bursar::store::OpenOptions TestStoreOptions() {
  bursar::store::OpenOptions options;
  auto secret = bursar::store::LoadServerSecret(TestSecretFile(), true, "--secret-file");
  if (!secret.ok()) {
    ADD_FAILURE() << secret.status().ToString();
    return options;
  }
  options.credential_key = secret->key;
  return options;
}

// What the servers of this test process store of a session id or token.
inline std::string StoredCredentialHash(const std::string& secret) {
  return bursar::store::HmacSha256Hex(TestStoreOptions().credential_key, secret);
}

inline std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void WriteFile(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// Runs a command to completion; returns its exit status, stdout and stderr.
struct Ran {
  int exit = -1;
  std::string out, err;
};
// Starts `args` (args[0] the program) with stdout to the file `out` and
// stderr to `out` + ".err"; the child's pid, or -1.
inline pid_t SpawnToFiles(const std::vector<std::string>& args, const std::string& out) {
  const std::string err = out + ".err";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

inline Ran RunCommand(const std::vector<std::string>& args) {
  static int counter = 0;
  fs::path dir = fs::temp_directory_path() / ("bursar-server-test-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::string out = (dir / ("out" + std::to_string(++counter))).string();
  std::string err = out + ".err";
  Ran ran;
  const pid_t pid = SpawnToFiles(args, out);
  if (pid > 0) {
    int status = 0;
    waitpid(pid, &status, 0);
    ran.exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  ran.out = ReadFile(out);
  ran.err = ReadFile(err);
  return ran;
}

// A `bursar serve` process. Its stderr (the request log) is read line by line
// on a thread of its own; tests wait for lines with a deadline, never sleep.
class ServerProcess {
 public:
  explicit ServerProcess(std::vector<std::string> extra) {
    int fds[2];
    if (pipe(fds) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    std::vector<std::string> args = {kExe,      "serve",   "--port",        "0",
                                     "--policy", kPolicy,   "--threads",     "8",
                                     "--secret-file", TestSecretFile()};  // a later --secret-file in extra wins
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, kExe.c_str(), &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    read_fd_ = fds[0];
    reader_ = std::thread([this] { ReadLines(); });
    std::string listening = WaitForLine("\"event\":\"listening\"", 30s);
    if (!listening.empty()) port_ = json::parse(listening)["port"].get<int>();
  }
  ~ServerProcess() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (reader_.joinable()) reader_.join();
    if (read_fd_ >= 0) close(read_fd_);
  }

  int port() const { return port_; }
  pid_t pid() const { return pid_; }

  // The first line containing `needle` (waiting up to `timeout`), or "".
  std::string WaitForLine(const std::string& needle, std::chrono::seconds timeout = 10s) {
    std::unique_lock<std::mutex> lock(mu_);
    std::string found;
    cv_.wait_for(lock, timeout, [&] {
      for (const auto& l : lines_) {
        if (l.find(needle) != std::string::npos) {
          found = l;
          return true;
        }
      }
      return eof_;
    });
    return found;
  }

  // Every line read so far.
  std::vector<std::string> Lines() {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }

  // Exit status after a signal, or -1 when it does not exit within the timeout.
  int WaitExit(std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    // EOF on stderr comes when the process (and everything it spawned) is gone.
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (!cv_.wait_until(lock, deadline, [&] { return eof_; })) return -1;
    }
    int status = 0;
    if (waitpid(pid_, &status, 0) != pid_) return -1;
    exited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  void ReadLines() {
    std::string pending;
    char buf[4096];
    while (true) {
      ssize_t n = read(read_fd_, buf, sizeof buf);
      if (n <= 0) break;
      pending.append(buf, static_cast<size_t>(n));
      size_t nl;
      std::lock_guard<std::mutex> lock(mu_);
      while ((nl = pending.find('\n')) != std::string::npos) {
        lines_.push_back(pending.substr(0, nl));
        pending.erase(0, nl + 1);
      }
      cv_.notify_all();
    }
    std::lock_guard<std::mutex> lock(mu_);
    eof_ = true;
    cv_.notify_all();
  }

  pid_t pid_ = -1;
  int port_ = 0;
  int read_fd_ = -1;
  bool exited_ = false;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
  bool eof_ = false;
};

inline int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

inline void SendAll(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

inline std::string ReadUntil(int fd, const std::function<bool(const std::string&)>& enough) {
  std::string got;
  char buf[4096];
  while (!enough(got)) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

// Sends raw request bytes (the request should say Connection: close) and
// returns everything the server answers.
inline std::string RawExchange(int port, const std::string& request) {
  int fd = Connect(port);
  if (fd < 0) return "";
  SendAll(fd, request);
  std::string got = ReadUntil(fd, [](const std::string&) { return false; });
  close(fd);
  return got;
}

inline json ErrorOf(const httplib::Result& r) {
  EXPECT_TRUE(r);
  if (!r) return json();
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  json body = json::parse(r->body, nullptr, false);
  EXPECT_TRUE(body.is_object() && body.contains("error")) << r->body;
  if (!body.is_object() || !body.contains("error")) return json();
  const json& e = body["error"];
  EXPECT_TRUE(e["code"].is_string());
  EXPECT_TRUE(e["message"].is_string());
  for (auto it = e.begin(); it != e.end(); ++it) {
    EXPECT_TRUE(it.key() == "code" || it.key() == "message" || it.key() == "field" || it.key() == "reason" ||
                it.key() == "params")
        << it.key();
  }
  // A named rule comes with its figures, each as text (docs/http-api.md, "Errors").
  EXPECT_EQ(e.contains("reason"), e.contains("params")) << r->body;
  if (e.contains("reason")) {
    EXPECT_TRUE(e["reason"].is_string() && e["params"].is_object()) << r->body;
    for (const auto& [name, value] : e["params"].items()) EXPECT_TRUE(value.is_string()) << name;
  }
  return e;
}

}  // namespace bursar_server_test
