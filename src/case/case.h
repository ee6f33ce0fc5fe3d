// A case (one applicant in one programme year, CASES.md) read and validated
// against a checked policy: every field resolved to the policy's declarations,
// every amount exact. Produced by ReadCase; consumed by the evaluator.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "lang/checked_policy.h"
#include "money/exact.h"

namespace bursar {

struct Claim {
  int index = 0;  // position in the case's claims array
  int measure = -1, item = -1;
  std::vector<Value> fields;  // by CheckedPolicy::claim_field_index
  std::string project;        // "" when none
  std::string solution;       // "" when none (D-11b)
  Exact external_support;     // zero when none
};

// An award already made to the applicant, at its net amount (D-G8): an
// earlier year's, or the same year's by another decision (D-G7).
struct HistoryEntry {
  int year = 0;
  int measure = -1, item = -1;
  Exact amount;
  std::string project;    // "" when none
  std::string solution;   // "" when none
  std::string condition;  // "" when none: the milestone condition of a `once per condition` item
  // What the award counted of each `draw` of its item: (global draw index, amount).
  std::vector<std::pair<int, Exact>> drawn;
};

struct Case {
  int year = 0;
  std::string applicant_id;
  std::vector<bool> applicant;  // by applicant_index
  std::vector<bool> tags;       // by tag_index
  std::vector<Value> facts;     // by fact_index; missing facts are zero / false / none
  std::vector<Claim> claims;
  std::vector<HistoryEntry> history;
};

// Validates `input` against the case format and the policy's declarations.
// The first violation found is returned as InvalidArgument with its field
// path ("claims[1].assessed"); the message says what was expected.
Result<Case> ReadCase(const CheckedPolicy& policy, const nlohmann::json& input);

// A value a case must give when it is left out: declared without '?' and
// neither a quantity (zero) nor a flag (false). (The fast population loader
// applies the same rule.)
bool MustBeGiven(const Type& type);

// Parses a value written in the policy language's literal syntax for `type`
// ("4%", "RMB 2,000,000", "2000000", "true", "per_year", "none"); used by --set.
Result<Value> ParseLiteralValue(const CheckedPolicy& policy, const Type& type, const std::string& text);

}  // namespace bursar
