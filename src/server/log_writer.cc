#include "server/log_writer.h"

#include <limits.h>
#include <unistd.h>

#include <cerrno>

namespace bursar::server {
namespace {

// Past this many pending bytes the writer is woken at once rather than at
// its next interval, so a busy server writes in batches of about this size.
constexpr size_t kHighWater = size_t{256} << 10;
// A write(2) of at most this many bytes to a pipe is never split.
constexpr size_t kAtomicWrite = PIPE_BUF;

}  // namespace

LogWriter::LogWriter(int fd, Options options) : fd_(fd), options_(options) {
  pending_.reserve(kHighWater * 2);
  thread_ = std::thread([this] { Run(); });
}

LogWriter::~LogWriter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

bool LogWriter::Write(std::string_view line) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (pending_.size() + line.size() > options_.max_pending) {
      ++dropped_;
      return false;
    }
    wake = pending_.size() < kHighWater && pending_.size() + line.size() >= kHighWater;
    pending_.append(line);
    accepted_bytes_ += line.size();
  }
  if (wake) wake_.notify_one();
  return true;
}

void LogWriter::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t target = accepted_bytes_;
  if (written_bytes_ >= target) return;
  flush_wanted_ = true;
  wake_.notify_one();
  written_.wait(lock, [&] { return written_bytes_ >= target; });
}

uint64_t LogWriter::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

void LogWriter::Run() {
  std::string batch;
  batch.reserve(kHighWater * 2);
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    wake_.wait_for(lock, options_.flush_interval,
                   [&] { return stopping_ || flush_wanted_ || pending_.size() >= kHighWater; });
    flush_wanted_ = false;
    const bool stop = stopping_;
    batch.swap(pending_);  // pending_ takes the empty buffer, capacity kept
    const uint64_t newly_dropped = dropped_ - dropped_reported_;
    dropped_reported_ = dropped_;
    lock.unlock();

    WriteOut(batch);
    if (newly_dropped > 0) {
      WriteOut("{\"event\":\"log_lines_dropped\",\"count\":" + std::to_string(newly_dropped) + "}\n");
    }
    const size_t n = batch.size();
    batch.clear();

    lock.lock();
    written_bytes_ += n;
    written_.notify_all();
    if (stop && pending_.empty()) break;
  }
}

void LogWriter::WriteOut(const std::string& bytes) {
  size_t start = 0;
  while (start < bytes.size()) {
    // At most PIPE_BUF bytes, ending at a line end; a longer line alone.
    size_t end = bytes.size();
    if (end - start > kAtomicWrite) {
      size_t nl = bytes.rfind('\n', start + kAtomicWrite - 1);
      if (nl == std::string::npos || nl < start) nl = bytes.find('\n', start + kAtomicWrite);
      end = nl == std::string::npos ? bytes.size() : nl + 1;
    }
    while (start < end) {
      ssize_t n = ::write(fd_, bytes.data() + start, end - start);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // the descriptor is gone; nothing to tell it with
      start += static_cast<size_t>(n);
    }
  }
}

}  // namespace bursar::server
