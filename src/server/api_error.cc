#include "server/api_error.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

namespace bursar::server {

ApiError FromStatus(const Status& status) {
  int http = 500;
  switch (status.code()) {
    case StatusCode::kInvalidArgument: http = status.field().empty() ? 400 : 422; break;
    case StatusCode::kOutOfRange: http = 422; break;
    case StatusCode::kNotFound: http = 404; break;
    case StatusCode::kAlreadyExists:
    case StatusCode::kConflict:
    case StatusCode::kFailedPrecondition: http = 409; break;
    case StatusCode::kUnauthenticated: http = 401; break;
    case StatusCode::kPermissionDenied: http = 403; break;
    case StatusCode::kUnavailable: http = 503; break;
    case StatusCode::kInternal:
    case StatusCode::kOk: http = 500; break;
  }
  return ApiError{http, StatusCodeName(status.code()), status.message(), status.field(), status.reason(), status.params()};
}

ApiError BadRequest(std::string message, std::string field) {
  return ApiError{400, "invalid_argument", std::move(message), std::move(field)};
}
ApiError NotFound(std::string message) { return ApiError{404, "not_found", std::move(message), {}}; }
ApiError MethodNotAllowed(std::string message) {
  return ApiError{405, "method_not_allowed", std::move(message), {}};
}
ApiError PayloadTooLarge(std::string message) {
  return ApiError{413, "payload_too_large", std::move(message), {}};
}
ApiError UnsupportedMediaType(std::string message) {
  return ApiError{415, "unsupported_media_type", std::move(message), {}};
}

ApiError TooManyRequests(std::string message) {
  return ApiError{429, "too_many_requests", std::move(message), {}};
}

std::string ErrorBody(const ApiError& error) {
  nlohmann::ordered_json inner;
  inner["code"] = error.code;
  if (!error.reason.empty()) {
    inner["reason"] = error.reason;
    nlohmann::ordered_json params = nlohmann::ordered_json::object();
    for (const auto& [name, value] : error.params) params[name] = value;
    inner["params"] = std::move(params);
  }
  inner["message"] = error.message;
  if (!error.field.empty()) inner["field"] = error.field;
  nlohmann::ordered_json body;
  body["error"] = std::move(inner);
  // Messages may quote a user's bytes; replace invalid UTF-8 rather than throw.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

void WriteError(const ApiError& error, httplib::Response* res) {
  res->status = error.http_status;
  res->set_content(ErrorBody(error), "application/json");
}

}  // namespace bursar::server
