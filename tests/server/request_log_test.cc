// The request log, written off the request path (src/server/log_writer.h):
// a real server answers N requests from several connections at once and is
// stopped with SIGTERM right after the last answer; exactly N request lines
// come out, each one parseable JSON naming its own request, all before the
// "stopped" line. Then the writer alone: order, whole lines through a pipe,
// the interval flush, and the count of lines dropped when nobody reads.
#include <poll.h>

#include <atomic>
#include <map>

#include "server/log_writer.h"
#include "server_test_support.h"

namespace {

using namespace bursar_server_test;
using bursar::server::LogWriter;

TEST(RequestLog, SigtermLosesNoLineOfAnAnsweredRequest) {
  ServerProcess server({});
  ASSERT_GT(server.port(), 0);
  const std::string body = ReadFile(kSource + "/examples/cases-md-example.json");

  struct Expected {
    std::string method, path;
    int status = 0;
  };
  constexpr int kThreads = 4;
  constexpr int kPerThread = 400;
  std::vector<std::map<std::string, Expected>> expected(kThreads);  // request id → what it was
  std::atomic<int> failures{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < kThreads; ++t) {
    clients.emplace_back([&, t] {
      httplib::Client c("127.0.0.1", server.port());
      c.set_keep_alive(true);
      c.set_read_timeout(30, 0);
      for (int i = 0; i < kPerThread; ++i) {
        const std::string id = "log-" + std::to_string(t) + "-" + std::to_string(i);
        httplib::Headers headers = {{"X-Request-Id", id}};
        Expected e;
        std::string target;  // as sent; the log has the decoded path
        switch (i % 4) {
          case 0: e = {"POST", "/api/evaluations", 200}; break;
          case 1: e = {"GET", "/healthz", 200}; break;
          case 2: e = {"GET", "/api/nothing-" + std::to_string(i), 404}; break;
          default:
            // A path that needs escaping in the log: a quote, a backslash and
            // a non-ASCII letter, sent percent-encoded, logged decoded.
            e = {"GET", "/api/q\"b\\\xC3\xA9" + std::to_string(i), 404};
            target = "/api/q%22b%5C%C3%A9" + std::to_string(i);
            break;
        }
        if (target.empty()) target = e.path;
        httplib::Result r = e.method == "POST" ? c.Post(target.c_str(), headers, body, "application/json")
                                               : c.Get(target.c_str(), headers);
        if (!r || r->status != e.status || r->get_header_value("X-Request-Id") != id) {
          ++failures;
          continue;
        }
        expected[t][id] = e;
      }
    });
  }
  for (auto& c : clients) c.join();
  ASSERT_EQ(failures.load(), 0);

  // Every request has been answered; its line may still be in the buffer.
  ASSERT_EQ(kill(server.pid(), SIGTERM), 0);
  ASSERT_EQ(server.WaitExit(30s), 0);

  std::map<std::string, Expected> all;
  for (auto& part : expected) all.insert(part.begin(), part.end());
  ASSERT_EQ(all.size(), size_t{kThreads * kPerThread});

  std::vector<std::string> lines = server.Lines();
  size_t request_lines = 0, last_request_line = 0, stopped_line = 0;
  std::set<std::string> seen;
  for (size_t n = 0; n < lines.size(); ++n) {
    json log = json::parse(lines[n], nullptr, false);
    ASSERT_TRUE(log.is_object()) << "line " << n << " is not a JSON object: " << lines[n];
    if (log.value("event", "") == "stopped") stopped_line = n;
    if (!log.contains("method")) continue;
    ++request_lines;
    last_request_line = n;
    const std::string id = log["request_id"].get<std::string>();
    auto it = all.find(id);
    ASSERT_NE(it, all.end()) << "a line for a request never sent: " << lines[n];
    EXPECT_TRUE(seen.insert(id).second) << "logged twice: " << id;
    EXPECT_EQ(log["method"], it->second.method) << lines[n];
    EXPECT_EQ(log["path"], it->second.path) << lines[n];
    EXPECT_EQ(log["status"], it->second.status) << lines[n];
    EXPECT_GE(log["duration_us"].get<long long>(), 0) << lines[n];
    const std::string time = log["time"].get<std::string>();
    EXPECT_EQ(time.size(), 24u) << time;  // 2025-01-02T03:04:05.678Z
    EXPECT_EQ(time.back(), 'Z') << time;
  }
  EXPECT_EQ(request_lines, all.size());
  EXPECT_EQ(seen.size(), all.size());
  EXPECT_GT(stopped_line, last_request_line) << "\"stopped\" came before the last request line";
}

// Reads everything from `fd` until EOF.
std::string Drain(int fd) {
  std::string got;
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) got.append(buf, static_cast<size_t>(n));
  return got;
}

TEST(LogWriter, LinesFromManyThreadsComeOutWholeAndInOrderPerThread) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  std::string out;
  std::thread reader([&] { out = Drain(fds[0]); });
  constexpr int kThreads = 6, kLines = 3000;
  {
    LogWriter writer(fds[1]);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kLines; ++i) {
          // Some lines longer than PIPE_BUF, so chunks are cut at line ends.
          std::string pad(i % 500 == 0 ? 9000 : static_cast<size_t>(i % 37), 'x');
          ASSERT_TRUE(writer.Write(std::to_string(t) + " " + std::to_string(i) + " " + pad + "\n"));
        }
      });
    }
    for (auto& th : threads) th.join();
    writer.Flush();
    EXPECT_EQ(writer.dropped(), 0u);
  }
  close(fds[1]);
  reader.join();
  close(fds[0]);

  std::vector<int> next(kThreads, 0);
  std::istringstream in(out);
  std::string line;
  int count = 0;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    int t = -1, i = -1;
    std::string pad;
    fields >> t >> i >> pad;
    ASSERT_TRUE(t >= 0 && t < kThreads) << line.substr(0, 80);
    ASSERT_EQ(i, next[t]) << "thread " << t << " out of order";
    EXPECT_EQ(pad.size(), i % 500 == 0 ? 9000u : static_cast<size_t>(i % 37));
    ++next[t];
    ++count;
  }
  EXPECT_EQ(count, kThreads * kLines);
}

TEST(LogWriter, ALineIsWrittenWithinTheIntervalWithoutAFlush) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  LogWriter writer(fds[1], LogWriter::Options{std::chrono::milliseconds(50), size_t{1} << 20});
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(writer.Write("one line\n"));
  pollfd p{fds[0], POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 10000), 1) << "the line was not written within 10 s";
  auto waited = std::chrono::steady_clock::now() - start;
  char buf[64];
  ssize_t n = read(fds[0], buf, sizeof buf);
  EXPECT_EQ(std::string(buf, static_cast<size_t>(std::max<ssize_t>(n, 0))), "one line\n");
  // Generous for a loaded machine; without the interval it would wait forever.
  EXPECT_LT(waited, std::chrono::seconds(5));
  close(fds[0]);
  close(fds[1]);
}

TEST(LogWriter, AFullBufferDropsLinesAndSaysHowMany) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  uint64_t dropped = 0;
  int accepted = 0;
  std::string out;
  std::thread reader;
  {
    LogWriter writer(fds[1], LogWriter::Options{std::chrono::milliseconds(10), size_t{64} << 10});
    // Nobody reads the pipe yet: it fills, the writer blocks in write(2), the
    // buffer fills, and lines are dropped rather than blocking the caller.
    const std::string line(99, 'y');
    for (int i = 0; i < 20000; ++i) {
      if (writer.Write(line + "\n")) ++accepted;
    }
    dropped = writer.dropped();
    EXPECT_GT(dropped, 0u);
    EXPECT_EQ(static_cast<uint64_t>(accepted) + dropped, 20000u);
    reader = std::thread([&] { out = Drain(fds[0]); });
    writer.Flush();
  }
  close(fds[1]);
  reader.join();
  close(fds[0]);

  std::istringstream in(out);
  std::string line;
  int lines = 0;
  uint64_t reported = 0;
  while (std::getline(in, line)) {
    if (line[0] == '{') {
      json event = json::parse(line);
      ASSERT_EQ(event["event"], "log_lines_dropped");
      reported += event["count"].get<uint64_t>();
    } else {
      ASSERT_EQ(line, std::string(99, 'y'));
      ++lines;
    }
  }
  EXPECT_EQ(lines, accepted);
  EXPECT_EQ(reported, dropped);
}

}  // namespace
