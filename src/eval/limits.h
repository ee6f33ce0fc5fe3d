// The limits of a policy over an enterprise's awards (D-G7, D-G8): once-rules,
// consecutive-year limits, support periods, and caps that hold over a scope
// (a claim, a project, a solution, the enterprise) and a span of years (the
// programme year, the item's support period, every year).
//
// This is the one place these rules are counted. The single-case evaluator
// (evaluator.cc), the batch evaluator (batch.cc) and the ledger check
// (Engine::CheckLedger) all call it; each evaluates the policy's expressions
// its own way and hands this module plain numbers: the value of every limit
// for the enterprise, the support period and consecutive-year limit of every
// item, and the lines.
//
// A line is an award already made (history, at its net amount, D-G8; the
// same year's awards of other decisions included) or a line of the case being
// decided. A limit that binds on several lines is filled in submission order
// (D-G7): the history first, in the order given (it was decided earlier),
// then the case's lines in the order the caller gives them (input order; for
// a total over several items, item by item in the order the total lists
// them). A line takes what room is left: min(its amount, limit - what the
// lines before it in the scope and span took).
//
// Scope keys (project, solution, condition) are small integers the caller
// interns; -1 means the line has none. A line without a project (solution) is
// alone in its project (solution): a cap per project holds on it by itself,
// with nothing before it.
//
// Thread-safety: the functions are pure; they share no state.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "lang/checked_policy.h"

namespace bursar::limits {

// What `once per X` resolved to for one evaluation (a parameter may choose it).
enum class Once { kNone, kEnterprise, kYear, kProject, kSolution, kCondition };

// "enterprise" → kEnterprise, ...; kNone for anything else.
Once OnceFromName(const std::string& name);
const char* OnceName(Once once);

// An item's multi-year rules for one enterprise and year, as the caller
// evaluated them (they may depend on tags and parameters).
struct ItemRules {
  Once once = Once::kNone;
  int64_t period_years = -1;       // `period N years from first award`; -1 for none
  int64_t consecutive_years = -1;  // `limit N consecutive years`; -1 for none
  bool apply_free = false;         // `from facts`: decided once a year from the year's facts
};

struct Line {
  int item = -1;  // global item index (CheckedPolicy::items)
  int year = 0;
  int32_t project = -1, solution = -1, condition = -1;
  int64_t fen = 0;    // the amount, in fen
  bool open = true;   // a case line still in play (not refused); history lines always count
};

// ---- before the amount: may the line be awarded at all? ----

struct Gate {
  enum Kind {
    kOpen,
    kDecided,      // an apply-free item already decided for this year by another decision
    kOnce,         // awarded to the same enterprise / project / solution / condition in another year
    kConsecutive,  // awarded in each of the N preceding years
    kPeriodOver,   // the support period from the first award is over
  };
  Kind kind = kOpen;
  int year = 0;             // kDecided, kOnce: the year of the award found
  int first = 0, last = 0;  // kPeriodOver: the period; kConsecutive: the preceding years
  int64_t years = 0;        // kConsecutive, kPeriodOver: N
};

// The first refusal that applies to `line` (of the case year), checked in
// the order: decided this year, once, consecutive years, support period.
// `once` of a line without the scope's key (no project, solution or
// condition) never refuses.
Gate CheckGate(const ItemRules& rules, const Line& line, std::span<const Line> history, int case_year);

// The first year of the item's support period: its first award in `history`
// (the same year included), or `case_year` when it has none.
int PeriodFirst(int item, std::span<const Line> history, int case_year);

// ---- after the amounts: caps over scopes and spans ----

// A case line that a cap lowered, and why.
struct Fill {
  int limit = -1;            // index into CheckedPolicy::limits
  int line = -1;             // index into the case lines
  int64_t limit_fen = 0;     // the cap
  int64_t before_fen = 0;    // the line's amount before
  int64_t after_fen = 0;     // and after (the room that was left, or the amount if lower)
  int64_t history_earlier_fen = 0;  // taken in the scope and span by awards of earlier years
  int64_t history_same_year_fen = 0;  // by awards of the case year (other decisions)
  std::vector<std::pair<int, int64_t>> taken;  // by the case lines before it: (line, amount)
  int span_first = 0, span_last = 0;  // the years counted
};

// Applies every cap of `stage` (LimitStage::kItem or kTotal) to `lines`.
// `limit_fen[k]` is the value of CheckedPolicy::limits[k] for this
// enterprise and year, floored to the fen (a cap below zero leaves no room).
// `rules[g]` are item g's rules (for the support period of a cap per
// period). Lines are taken in their order in `lines` (a total: its items in
// its order, then line order). Appends a Fill for every line lowered.
void ApplyCaps(const CheckedPolicy& policy, LimitStage stage, const std::vector<int64_t>& limit_fen,
               const std::vector<ItemRules>& rules, int case_year, std::span<const Line> history,
               std::span<Line> lines, std::vector<Fill>* fills);

// ---- draws: a figure of a claim counted from a limit in fill order ----

// Whether `other` (a history line or an earlier line of the case) draws from
// the same pool as `line` under a `draw ... per SCOPE per year`: the same
// item and year, and the same project or solution (a line without one is
// alone in its pool), or any line of the enterprise.
bool SameDrawPool(LimitScope scope, const Line& other, const Line& line);

// What a line counts of `figure_fen`: the figure up to what is left of
// `limit_fen` after `taken_fen` (what the lines before it in the pool
// counted); never below zero.
int64_t DrawCounted(int64_t figure_fen, int64_t limit_fen, __int128 taken_fen);

// ---- the ledger: which limits do awards already made exceed? ----

struct Excess {
  enum Kind { kCap, kDecidedTwice, kOnce, kConsecutive, kPeriodOver };
  Kind kind = kCap;
  int limit = -1;  // kCap: index into CheckedPolicy::limits
  int item = -1;   // the other kinds: the global item
  LimitScope scope = LimitScope::kEnterprise;
  int32_t key = -1;                   // the scope's key (project, solution, condition), -1 for none
  int span_first = 0, span_last = 0;  // the years counted
  // kCap: fen. kOnce: years with an award (limit 1). kDecidedTwice: lines of
  // the year (limit 1). kConsecutive: consecutive years awarded (limit N).
  // kPeriodOver: years since the first award, this one included (limit N).
  int64_t limit_value = 0, total = 0, over = 0;
  std::vector<size_t> lines;  // the ledger lines involved, in ledger order
};

// Every limit that the lines of `ledger` (awards in force: net amounts,
// every year up to `year`; later years are ignored) exceed in `year`: a cap
// whose scope and span hold a line of `year` and whose total is above it; an
// item awarded to one scope key in `year` and in an earlier year against its
// once-rule; an apply-free item decided twice in `year`; an award in `year`
// past the consecutive-year limit or the support period. Caps per claim
// whose value reads a claim's fields or the year's facts are not checked
// (the ledger does not hold them).
std::vector<Excess> CheckLedger(const CheckedPolicy& policy, const std::vector<int64_t>& limit_fen,
                                const std::vector<ItemRules>& rules, int year, std::span<const Line> ledger);

}  // namespace bursar::limits
