// The server's log, off the request path: workers hand finished lines to a
// LogWriter, whose one background thread writes them to a file descriptor
// (standard error) in the order they were handed over.
//
// Model: a double buffer. Write() appends the line to the pending buffer under
// a short lock (a memcpy; no system call, no wake-up); the writer thread swaps
// the pending buffer for its empty one at least every `flush_interval` (and
// sooner when it passes a high-water mark), then writes it out with the lock
// released. Lines are written whole, in chunks of at most PIPE_BUF bytes cut at
// line ends, so a line never interleaves with another writer's (the CLI's own
// lines on the same descriptor) even when the descriptor is a pipe.
//
// Full buffer: a line that would take the pending buffer past `max_pending`
// bytes is dropped and counted, and the writer then logs
//   {"event":"log_lines_dropped","count":N}
// Dropping rather than blocking is deliberate: the buffer fills only when the
// descriptor does not take what is written (a reader that stopped reading a
// pipe, a full disk), and blocking there would stop every worker, so a stuck
// log would take the API down with it. At 4 MiB the buffer holds about
// 25,000 request lines, over two seconds of the server's full rate.
//
// Flush() returns when every line accepted before it has been written (the
// server calls it when it stops, so SIGTERM loses no line already accepted);
// the destructor flushes and joins the thread.
//
// Thread-safety: Write() and Flush() from any thread, concurrently.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace bursar::server {

class LogWriter {
 public:
  struct Options {
    std::chrono::milliseconds flush_interval{100};  // the longest a line waits
    size_t max_pending = size_t{4} << 20;           // bytes; past it lines are dropped
  };
  explicit LogWriter(int fd) : LogWriter(fd, Options()) {}
  LogWriter(int fd, Options options);
  ~LogWriter();
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // REQUIRES: `line` is one or more whole lines, each ending in '\n'.
  // Returns false when the line was dropped (the buffer is full).
  bool Write(std::string_view line);
  // Blocks until every line Write() accepted before this call is written.
  void Flush();
  // Lines dropped so far because the buffer was full.
  uint64_t dropped() const;

 private:
  void Run();
  void WriteOut(const std::string& bytes);

  const int fd_;
  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;     // the writer: work, a flush, or the end
  std::condition_variable written_;  // Flush(): the writer caught up
  // Guarded by mu_.
  std::string pending_;
  uint64_t accepted_bytes_ = 0;  // ever appended to pending_
  uint64_t written_bytes_ = 0;   // ever handed to write(2), or given up on
  uint64_t dropped_ = 0;         // lines dropped, ever
  uint64_t dropped_reported_ = 0;
  bool flush_wanted_ = false;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace bursar::server
