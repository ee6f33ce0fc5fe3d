// The HTTP server with the guards a public service needs that cpp-httplib
// 0.11 (Debian 12) lacks: a deadline for receiving each request, so a client
// that trickles a header line every few seconds is cut off instead of holding
// a worker for ever (issue 14: 20 such clients held all 16 workers), and
// strict message framing (one plain-digits Content-Length, or
// Transfer-Encoding exactly "chunked" and no length), refused with 400 and
// the connection closed so that the rest of a smuggled message is never read
// as a request of its own.
//
// The library still parses and routes; only the socket loop is ours: it
// reads through a stream whose every read waits at most until the request's
// deadline.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <string>

namespace bursar::server {

class GuardedHttpServer : public httplib::Server {
 public:
  // Seconds from a request's first byte until its headers and body must all
  // have arrived (default 30). Time spent answering is not counted.
  void set_request_deadline(int64_t seconds) { deadline_seconds_ = seconds; }

  // Widens the bound socket's listen backlog to the system's maximum; call
  // after binding, before listen_after_bind(). The library's backlog is 5: a
  // burst of connections while the accept loop waits for the CPU overflowed
  // it, the kernel answered with SYN cookies, dropped the request it could
  // not queue, and reset the connection at the client's next segment (some
  // of 16 parallel logins got no answer).
  bool WidenListenBacklog();

 private:
  bool process_and_close_socket(socket_t sock) override;

  int64_t deadline_seconds_ = 30;
};

// Why the framing headers of a request cannot be trusted, or "" when they
// can: more than one Content-Length, a length that is not plain digits, a
// Transfer-Encoding other than exactly "chunked", or both. Called before the
// body is read (the pre-routing handler).
std::string FramingProblem(const httplib::Request& req);

// Marks the response so that the connection closes once it is written
// (GuardedHttpServer reads no further request on it).
void CloseAfterResponse(httplib::Response* res);

}  // namespace bursar::server
