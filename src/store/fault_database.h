// Fault points for tests: a Database that fails chosen statements, either
// before running them (the connection was lost on the way) or after running
// them (the database did the work, committed it if it was outside a
// transaction, and the answer was lost on the way back). The second is the
// case a retry must survive: the effect is there, the caller saw an error.
//
// A spec is a list of points separated by ';', each
//   before|<statement prefix>|<n>   or   after|<statement prefix>|<n>
// which fails the n-th statement (counting from 1) whose SQL starts with the
// prefix, once. Begin, Commit and Rollback are the statements "BEGIN",
// "COMMIT" and "ROLLBACK"; a COPY is "COPY <table>". Example:
//   after|INSERT INTO idempotency_key|1;before|COMMIT|3
//
// Test-only: `bursar serve` takes a spec from $BURSAR_FAULTS and logs that
// faults are injected (docs/faults.md). Thread-safety: as the Database it wraps.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/database.h"

namespace bursar::store {

struct FaultPoint {
  bool after = false;  // run the statement, then fail
  std::string prefix;  // matched against the start of the statement's SQL
  int occurrence = 1;  // which matching statement fails (1 = the first)
};

// Parses a spec; an empty spec is no points. InvalidArgument naming the point.
Result<std::vector<FaultPoint>> ParseFaultPoints(const std::string& spec);

// `inner` with the points armed. Each point fires once.
std::unique_ptr<Database> WithFaultPoints(std::unique_ptr<Database> inner, std::vector<FaultPoint> points);

}  // namespace bursar::store
