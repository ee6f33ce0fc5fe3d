#include "server/guarded_http.h"

#include "server/server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

namespace bursar::server {
namespace {

using Clock = std::chrono::steady_clock;

// Set by CloseAfterResponse on the worker that runs the request.
thread_local bool t_close_after_response = false;

// Waits for `events` on the socket for at most `ms` milliseconds.
bool Wait(socket_t sock, short events, int64_t ms) {
  if (ms < 0) ms = 0;
  pollfd p{sock, events, 0};
  for (;;) {
    int n = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(ms, 1 << 30)));
    if (n < 0 && errno == EINTR) continue;
    return n > 0;
  }
}

void Address(socket_t sock, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  int rc = peer ? ::getpeername(sock, reinterpret_cast<sockaddr*>(&addr), &len)
                : ::getsockname(sock, reinterpret_cast<sockaddr*>(&addr), &len);
  if (rc != 0) return;
  char host[NI_MAXHOST], serv[NI_MAXSERV];
  if (::getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
    ip = host;
    port = std::atoi(serv);
  }
}

// A socket whose reads wait at most the read timeout, and never past the
// current request's deadline.
class DeadlineStream : public httplib::Stream {
 public:
  DeadlineStream(socket_t sock, int64_t read_ms, int64_t write_ms)
      : sock_(sock), read_ms_(read_ms), write_ms_(write_ms) {}

  void StartRequest(int64_t deadline_seconds) { deadline_ = Clock::now() + std::chrono::seconds(deadline_seconds); }

  // Whether a read ran out of time (the deadline or the read timeout): the
  // library then answers 400 and would read on; the connection ends instead.
  bool TimedOut() const { return timed_out_; }

  // Whether a byte is buffered or arrives within `ms` (the keep-alive wait).
  bool WaitForRequest(int64_t ms) { return begin_ < end_ || Wait(sock_, POLLIN, ms); }

  bool is_readable() const override { return begin_ < end_ || Wait(sock_, POLLIN, ReadBudget()); }
  bool is_writable() const override { return Wait(sock_, POLLOUT, write_ms_); }

  ssize_t read(char* ptr, size_t size) override {
    if (begin_ == end_) {
      if (!Wait(sock_, POLLIN, ReadBudget())) {
        timed_out_ = true;
        return -1;
      }
      ssize_t n;
      do {
        n = ::recv(sock_, buffer_, sizeof buffer_, 0);
      } while (n < 0 && errno == EINTR);
      if (n <= 0) return n;
      begin_ = 0;
      end_ = static_cast<size_t>(n);
    }
    const size_t take = std::min(size, end_ - begin_);
    std::memcpy(ptr, buffer_ + begin_, take);
    begin_ += take;
    return static_cast<ssize_t>(take);
  }

  // All of it or -1: some of the library's callers write once and take a
  // short count for a failure.
  ssize_t write(const char* ptr, size_t size) override {
    size_t done = 0;
    while (done < size) {
      if (!is_writable()) return -1;
      const ssize_t n = ::send(sock_, ptr + done, size - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return -1;
      done += static_cast<size_t>(n);
    }
    return static_cast<ssize_t>(size);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override { Address(sock_, true, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { Address(sock_, false, ip, port); }
  socket_t socket() const override { return sock_; }

 private:
  // Milliseconds a read may wait: the read timeout, cut short by the deadline.
  int64_t ReadBudget() const {
    const int64_t left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now()).count();
    return std::max<int64_t>(0, std::min(read_ms_, left));
  }

  socket_t sock_;
  int64_t read_ms_, write_ms_;
  Clock::time_point deadline_ = Clock::time_point::max();
  char buffer_[4096];
  size_t begin_ = 0, end_ = 0;
  bool timed_out_ = false;
};

bool AllDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

bool GuardedHttpServer::process_and_close_socket(socket_t sock) {
  DeadlineStream stream(sock, read_timeout_sec_ * 1000 + read_timeout_usec_ / 1000,
                        write_timeout_sec_ * 1000 + write_timeout_usec_ / 1000);
  bool ok = true;
  for (size_t left = keep_alive_max_count_; left > 0 && svr_sock_ != INVALID_SOCKET; --left) {
    // The wait for a kept-alive connection's next request is not the
    // request's: its deadline starts with the first byte.
    if (!stream.WaitForRequest(keep_alive_timeout_sec_ * 1000)) break;
    stream.StartRequest(deadline_seconds_);
    t_close_after_response = false;
    bool connection_closed = false;
    ok = process_request(stream, left == 1, connection_closed, nullptr);
    if (!ok || connection_closed || t_close_after_response || stream.TimedOut()) break;
  }
  t_close_after_response = false;
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

bool GuardedHttpServer::WidenListenBacklog() {
  // listen() on a listening socket only sets its backlog; the kernel caps it
  // at net.core.somaxconn.
  const socket_t sock = svr_sock_;
  return sock != INVALID_SOCKET && ::listen(sock, SOMAXCONN) == 0;
}

std::string FramingProblem(const httplib::Request& req) {
  const size_t lengths = req.get_header_value_count("Content-Length");
  const size_t encodings = req.get_header_value_count("Transfer-Encoding");
  if (lengths > 1) return "more than one Content-Length header";
  if (lengths == 1 && !AllDigits(req.get_header_value("Content-Length"))) {
    return "Content-Length is not a number of bytes";
  }
  if (encodings > 1) return "more than one Transfer-Encoding header";
  if (encodings == 1) {
    std::string te = req.get_header_value("Transfer-Encoding");
    std::transform(te.begin(), te.end(), te.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (te != "chunked") return "Transfer-Encoding other than chunked";
    if (lengths == 1) return "both Content-Length and Transfer-Encoding";
  }
  return "";
}

bool IsIpAddress(std::string_view text) {
  if (text.empty() || text.size() > 45) return false;
  const std::string s(text);
  unsigned char buf[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, s.c_str(), buf) == 1 || ::inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

std::string ClientAddress(const std::string& remote, std::string_view forwarded_for,
                          const std::vector<std::string>& trusted) {
  auto is_trusted = [&](std::string_view a) { return std::find(trusted.begin(), trusted.end(), a) != trusted.end(); };
  if (!is_trusted(remote)) return remote;
  std::string_view last;
  while (!forwarded_for.empty()) {
    const size_t comma = forwarded_for.rfind(',');
    std::string_view entry = comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1);
    forwarded_for = comma == std::string_view::npos ? std::string_view() : forwarded_for.substr(0, comma);
    while (!entry.empty() && (entry.front() == ' ' || entry.front() == '\t')) entry.remove_prefix(1);
    while (!entry.empty() && (entry.back() == ' ' || entry.back() == '\t')) entry.remove_suffix(1);
    if (!IsIpAddress(entry)) return remote;
    last = entry;
    if (!is_trusted(entry)) break;
  }
  return last.empty() ? remote : std::string(last);
}

void CloseAfterResponse(httplib::Response* res) {
  res->set_header("Connection", "close");
  t_close_after_response = true;
}

}  // namespace bursar::server
