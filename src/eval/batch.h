// The batch evaluator: one checked policy compiled once for a programme year
// and one set of parameter values, then run over many cases laid out as
// columns. It decides the same amounts as the single-case evaluator
// (eval/engine.h) on every case — the differential test holds it to that —
// but produces amounts only: no reasons, no trace. The limits over an
// enterprise's lines (eval/limits.h) are the same module both call: cases
// with history or claims are filled through it case by case; the lines of a
// case with neither are filled column by column, which is the same rule on
// lines that have nothing before them.
//
// Layout (DuckDB-style): facts, flags and claim fields are columns of int64
// (money in fen, counts, flags 0/1, choices as their index, -1 for none);
// claims and history are flattened tables that point back at their case.
// Formulas run as flat step lists over vectors of up to kBatchSize lines, with
// every intermediate value exact: a column of int128 numerators over one
// denominator fixed at compile time.
//
// Thread-safety: a compiled BatchProgram is immutable; Run may be called from
// several threads on different columns and results.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "case/case.h"
#include "lang/checked_policy.h"

namespace bursar {

inline constexpr size_t kBatchSize = 2048;

// A population of cases of ONE programme year, as columns.
struct CaseColumns {
  int year = 0;
  std::vector<std::string> applicant_id;
  // applicant[f][row]: the policy's applicant flags, by applicant_index.
  std::vector<std::vector<uint8_t>> applicant;
  std::vector<uint64_t> tags;  // bit t set when the applicant has tag t (tag_index); at most 64 tags
  // facts[f][row], by fact_index: money in fen, counts, flags 0/1, choice index or -1 for none.
  std::vector<std::vector<int64_t>> facts;

  // Claims, grouped by case in case order and, within a case, in input order.
  std::vector<uint32_t> claim_case;
  std::vector<int16_t> claim_measure, claim_item;
  std::vector<int32_t> claim_index;    // position in its case's claims array
  std::vector<std::vector<int64_t>> claim_fields;  // [field][claim], by claim_field_index; project: interned id or -1
  std::vector<int32_t> claim_project;  // interned id, -1 for none
  // Solutions and conditions may be left short by a reader: an index past
  // the end has none. Append keeps them aligned with the rows before.
  std::vector<int32_t> claim_solution;  // interned id, -1 for none

  // Awards already made (earlier years, and the same year's by other
  // decisions), grouped by case in case order.
  std::vector<uint32_t> history_case;
  std::vector<int16_t> history_year, history_measure, history_item;
  std::vector<int64_t> history_amount;  // fen
  std::vector<int32_t> history_project;  // interned id, -1 for none
  std::vector<int32_t> history_solution;  // interned id, -1 for none
  std::vector<int16_t> history_condition;  // index of the item's named condition, -1 for none
  // history_drawn[d][h]: what award h counted of draw d (CheckedPolicy::draws),
  // in fen. A reader may leave a column short, or leave it out: past its end
  // the award counted nothing.
  std::vector<std::vector<int64_t>> history_drawn;

  std::vector<std::string> projects;  // interned project and solution ids
  std::unordered_map<std::string, int32_t> project_ids;

  size_t size() const { return applicant_id.size(); }
  // Sizes the columns for `policy`. REQUIRES: called before the first Append.
  void Reset(const CheckedPolicy& policy, int programme_year);
  // Appends a validated case. REQUIRES: c.year == year.
  void Append(const CheckedPolicy& policy, const Case& c);
  int32_t InternProject(const std::string& id);
  // Recomputes the facts the policy derives from the history
  // (`received(ITEM)`) after the history columns changed, as a simulation
  // does when one year's awards become the next year's history. OutOfRange
  // when a sum leaves the range of amounts a case may hold.
  Status DeriveFromHistory(const CheckedPolicy& policy);
};

// One paid award line.
struct BatchAward {
  uint32_t case_row;
  int16_t measure, item;
  int32_t claim_index;  // -1 for an apply-free item
  int64_t computed_fen, amount_fen;
  int16_t condition = -1;  // the named condition of a `once per condition` line, -1 for none
};

// What a `recover` rule turns into an amount to recover: every award the case's
// history holds under the rule's item, when its conditions hold in the case
// year (and within its years of the first award).
struct BatchRecovery {
  uint32_t case_row;
  int16_t measure, item;
  int64_t amount_fen;
};

struct BatchWorkspace;  // buffers a run reuses; opaque

struct BatchResult {
  std::vector<uint8_t> eligible;   // per case
  std::vector<int64_t> total_fen;  // per case
  std::vector<BatchAward> awards;  // paid lines, by case, then in decision order
  std::vector<BatchRecovery> recoveries;  // by case, then in the policy's order of rules
  void Clear();

  BatchResult();
  ~BatchResult();
  BatchResult(BatchResult&&) noexcept;
  BatchResult& operator=(BatchResult&&) noexcept;
  // Reusing one BatchResult for many runs reuses its buffers too.
  std::unique_ptr<BatchWorkspace> workspace;
};

struct RunOptions {
  size_t batch_size = kBatchSize;  // 1..kBatchSize lines per step; the result does not depend on it
  bool awards = true;              // false: totals only, no award lines
};

class BatchProgram {
 public:
  // Compiles `policy` for `params` (the value of every parameter, by
  // param_index, as ParameterValues gives them). Fails with kUnimplemented-like
  // InvalidArgument naming the construct if a formula cannot run in batch.
  static Result<std::unique_ptr<BatchProgram>> Compile(std::shared_ptr<const CheckedPolicy> policy,
                                                       std::vector<Value> params);
  ~BatchProgram();

  // Decides every case of `cases` into *out (cleared first). An amount that
  // leaves the exact range is an OutOfRange status naming the case row.
  Status Run(const CaseColumns& cases, BatchResult* out, const RunOptions& options = {}) const;

  struct Impl;

 private:
  explicit BatchProgram(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Offsets of a table grouped by case (claims, history): the rows of case r are
// [result[r], result[r+1]). REQUIRES: `owner` is sorted.
std::vector<uint32_t> CaseOffsets(const std::vector<uint32_t>& owner, size_t cases);

// The value of every parameter in force on 1 January of `year`, with the
// policy's --set overrides applied.
Result<std::vector<Value>> ParameterValues(const CheckedPolicy& policy, int year);

// The value of parameter `index` in force on `day` ("YYYY-MM-DD"), as
// `PARAM on DATE` reads it: a --set override if there is one, else the last
// value whose effective date is on or before the day; a day before every
// effective date reads the earliest value.
Value ParameterValueOn(const CheckedPolicy& policy, int index, const std::string& day);

// The length of the public notice (公示) in days: the policy's `notice_days`
// (D-P1) in force on 1 January of `year`. InvalidArgument when the policy has
// no such parameter or its value is not a whole number from 1 to 366.
Result<int64_t> NoticeDays(const CheckedPolicy& policy, int year);

}  // namespace bursar
