// Every case of a population file decided by the single-case evaluator
// (eval/engine.h), one decision per line: what `bursar eval --batch` runs.
//
// Each output line is compact JSON: the decision exactly as Engine::Evaluate
// gives it (the same keys, order and values as `bursar eval`, without the
// indentation), or, for a case that breaks the case contract, an error
// record:
//   {"line":17,"year":2025,"applicant":"9111...","error":{"field":"claims[0].assessed","message":"..."}}
// (`year` and `applicant` are present when the case has them).
//
// History: when a case's `history` is empty, it is given the history its
// enterprise (by applicant id) ran with in its previous case of the file,
// followed by that case's awards ({year, measure, item, amount, project?}),
// as tests/unit/batch_test.cc carries it. A case that brings its own history
// keeps it (and its awards are added to that for the next year). A refused
// case carries nothing forward.
//
// Thread-safety: one call owns its state; cases of one year are decided on
// `threads` threads, and lines come out in file order whatever the count.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "eval/engine.h"

namespace bursar::simulation {

struct EvalPopulationOptions {
  EvaluateOptions evaluate;  // --explain
  int threads = 2;
  // Called after each chunk of cases with the count so far and the total the
  // file's header promises (-1 when it has none).
  std::function<void(int64_t done, int64_t total)> progress;
  // Called for every refused case with "FILE:LINE: field: message".
  std::function<void(const std::string&)> on_refused;
};

struct EvalPopulationSummary {
  int64_t cases = 0;    // lines written
  int64_t refused = 0;  // of which error records
};

// Reads `path` (.jsonl or .csv), writes one line (with its "\n") per case
// through `write`. A fault of the file itself (unreadable, bad JSON, a bad
// CSV cell, years out of order, a truncated file) stops the run with its
// status, naming file and line; the lines before it have been written.
Result<EvalPopulationSummary> EvaluatePopulation(const Engine& engine, const std::string& path,
                                                 const EvalPopulationOptions& options,
                                                 const std::function<void(std::string_view)>& write);

}  // namespace bursar::simulation
