// Status and Result: how bursar reports failures of the system (I/O, database,
// bad options, bad input files). Mistakes in a policy are Diagnostics instead
// (lang/diagnostic.h); they are collected, not returned one at a time.
//
// The success path costs nothing beyond an empty string; propagate with
// BURSAR_RETURN_IF_ERROR / BURSAR_ASSIGN_OR_RETURN, never ignore.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace bursar {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,   // the caller's input is wrong (a case, an option, a file's contents)
  kNotFound,          // a named thing does not exist (file, enterprise, decision)
  kAlreadyExists,     // a natural key is taken
  kFailedPrecondition,// the operation is not allowed in the current state
  kConflict,          // a concurrent change won (optimistic versions)
  kOutOfRange,        // an exact value left the representable range (money overflow)
  kPermissionDenied,  // the actor may not do this
  kUnauthenticated,   // no valid credentials
  kInternal,          // a bug of ours or a broken invariant
  kUnavailable,       // a resource (database, disk) cannot be reached now
};

const char* StatusCodeName(StatusCode code);

// A refusal's parameters, by name, as text: {"state", "notice"}.
using ReasonParams = std::vector<std::pair<std::string, std::string>>;

class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message, std::string field = {})
      : code_(code), message_(std::move(message)), field_(std::move(field)) {}

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // The offending input field as a path ("facts.exchange_trading_volume"), if any.
  const std::string& field() const { return field_; }
  // "field: message" when a field is known, else the message.
  std::string ToString() const;

  // Why, for a program and for a translation: a stable code naming the rule
  // that refused ("wrong_state", "reviews_pending"; "" when none is given)
  // and the figures of this refusal. The HTTP API sends them beside the
  // message (docs/http-api.md, "Errors") and the web app words them.
  const std::string& reason() const { return reason_; }
  const ReasonParams& params() const { return params_; }
  Status WithReason(std::string reason, ReasonParams params = {}) && {
    reason_ = std::move(reason);
    params_ = std::move(params);
    return std::move(*this);
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string field_;
  std::string reason_;
  ReasonParams params_;
};

inline Status OkStatus() { return Status(); }
inline Status InvalidArgument(std::string message, std::string field = {}) {
  return Status(StatusCode::kInvalidArgument, std::move(message), std::move(field));
}

// A value or the Status that explains why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT
  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace bursar

#define BURSAR_RETURN_IF_ERROR(expr)            \
  do {                                          \
    ::bursar::Status bursar_status_ = (expr);   \
    if (!bursar_status_.ok()) return bursar_status_; \
  } while (0)

#define BURSAR_CONCAT_INNER(a, b) a##b
#define BURSAR_CONCAT(a, b) BURSAR_CONCAT_INNER(a, b)
#define BURSAR_ASSIGN_OR_RETURN(lhs, expr)                        \
  auto BURSAR_CONCAT(bursar_result_, __LINE__) = (expr);          \
  if (!BURSAR_CONCAT(bursar_result_, __LINE__).ok())              \
    return BURSAR_CONCAT(bursar_result_, __LINE__).status();      \
  lhs = std::move(BURSAR_CONCAT(bursar_result_, __LINE__)).value()
