// The one error shape of the HTTP API, and the one place a Status becomes an
// HTTP status code.
//
//   {"error": {"code": "invalid_argument", "message": "...", "field": "facts.x"}}
//   {"error": {"code": "failed_precondition", "reason": "wrong_state",
//              "params": {"state": "draft", "action": "decide", "needs": "in_review"}, "message": "..."}}
//
// `code` is a StatusCodeName() for errors that come from a Status, or one of
// the protocol codes below for mistakes in the HTTP request itself (wrong
// method, wrong content type, body too large, unreadable request). `field` is
// present only when the offending input is known; `reason` and `params` only
// when the refusal names its rule (Status::reason).
//
// Thread-safety: free functions, no state.
#pragma once

#include <string>

#include "base/status.h"

namespace httplib {
struct Response;
}

namespace bursar::server {

struct ApiError {
  int http_status = 500;
  std::string code;     // "invalid_argument", "method_not_allowed", ...
  std::string message;  // for a person; never echoes a secret
  std::string field;    // "facts.exchange_trading_volume", "query.explain"; may be empty
  std::string reason = {};   // the rule that refused ("wrong_state"); may be empty
  ReasonParams params = {};  // its figures, by name
};

// THE mapping from a Status to HTTP. REQUIRES: !status.ok().
//   invalid_argument   → 422 when a field is named (the request was read but its
//                        content breaks the contract), else 400 (it could not be read)
//   out_of_range       → 422   not_found → 404   already_exists, conflict,
//   failed_precondition → 409  unauthenticated → 401   permission_denied → 403
//   unavailable → 503   internal (our bug) → 500
ApiError FromStatus(const Status& status);

// Protocol errors: the request's form, not its content, is wrong.
ApiError BadRequest(std::string message, std::string field = {});      // 400 invalid_argument
ApiError NotFound(std::string message);                                // 404 not_found
ApiError MethodNotAllowed(std::string message);                        // 405 method_not_allowed
ApiError PayloadTooLarge(std::string message);                         // 413 payload_too_large
ApiError UnsupportedMediaType(std::string message);                    // 415 unsupported_media_type
ApiError TooManyRequests(std::string message);                         // 429 too_many_requests

// The body of an error response: the JSON shape above, with a final newline.
std::string ErrorBody(const ApiError& error);

// Sets status, body and Content-Type of *res to the error.
void WriteError(const ApiError& error, httplib::Response* res);

}  // namespace bursar::server
