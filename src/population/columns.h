// Loads a population file (docs/population-format.md) straight into the batch
// evaluator's columns (eval/batch.h), one CaseColumns per programme year.
//
// Two paths, one answer:
//   - the reference path reads every record with PopulationReader, validates
//     it with ReadCase and appends it with CaseColumns::Append.
//   - the fast path (CSV and JSON Lines) parses the file in memory, values
//     straight to fen and indices through a small JSON scanner, with no
//     nlohmann::json per case. It accepts only what ReadCase accepts, and
//     builds exactly the columns Append would. On anything it does not
//     recognise as valid (a bad cell, an unusual but legal spelling such as a
//     JSON escape, a date or earlier years' figures), it gives up and the
//     whole file is read again by the reference path, which either accepts it
//     or reports the error. So every error message, with its file and line,
//     is the reference path's.
//
// Errors read "pop.csv:17: claims[0].assessed: expected a money string ...".
//
// Thread-safety: LoadColumns is a free function over its arguments; calls on
// different files may run at once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "eval/batch.h"
#include "lang/checked_policy.h"

namespace bursar::population {

// The cases of one programme year.
struct LoadedYear {
  CaseColumns columns;
  std::vector<int64_t> line;  // by row: the 1-based line of the file where the case starts
};

struct LoadedPopulation {
  std::vector<LoadedYear> years;  // ascending by year, one entry per year the file holds
  bool fast_path = false;         // true when the fast path read the file
};

struct ColumnsOptions {
  // When > 0, cases of later years are not read: the file is sorted by year,
  // so reading stops at the first such case. Default: read everything.
  int last_year = 0;
  // When false, always take the reference path (tests compare the two).
  bool allow_fast_path = true;
  // The fast path reads a file larger than this in two halves on two threads.
  size_t split_above_bytes = size_t{4} << 20;
};

// Reads `path` (.csv or .jsonl) into columns for `policy`.
Result<LoadedPopulation> LoadColumns(const CheckedPolicy& policy, const std::string& path,
                                     const ColumnsOptions& options = {});

// The reference path on its own, from an open file name (used by LoadColumns
// and by tests).
Result<LoadedPopulation> LoadColumnsByReader(const CheckedPolicy& policy, const std::string& path,
                                             const ColumnsOptions& options = {});

}  // namespace bursar::population
