// An enterprise's ledger: every award in force, line by line, at its net
// amount — what D-G7's limits and D-G8 count (INTERPRETATION.md).
//
// A line is one award line of a decision in force that belongs to its
// application (the application's measure, and its item when it names one: a
// decision's output may award other measures from the same facts, which their
// own applications carry). Its net amount is
//
//   decided line, scaled by the year's D-G6 factor once a payment of the
//   award has been recorded (floor to the fen, as it may be paid),
//   less what has been recovered of the award.
//
// A recovery is of the application's money, not of one line: it is taken
// from the application's lines from the last to the first, each down to zero
// at most, so a partial recovery frees exactly the part recovered. A line
// whose net amount is zero (all of it recovered) is not in the ledger.
//
// Lines are in D-G7's order: by year, then by the application's submission
// (submitted_at, then id), then in the decision's order of awards.
//
// docs/store-schema.md ("The ledger") specifies all of this.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "store/queries.h"

namespace bursar::store {

struct LedgerLine {
  int64_t year = 0;
  std::string measure;
  std::string item;
  std::string project;   // "" when the line and its claim name none
  std::string solution;  // "" when the line and its claim name none
  std::string condition;  // "" when none: the named condition of a `once per condition` line (D-04a)
  int64_t net_fen = 0;      // what counts against every limit and the budget
  int64_t decided_fen = 0;  // the line as the engine decided it
  int64_t application_id = 0;
  int64_t decision_id = 0;
  // What the award counted of its item's `draw`s (its `drawn`: a loan's
  // principal), by draw name, in fen, as the decision gave it: a later case
  // of the year draws what it left, and `audit limits` sums them.
  std::vector<std::pair<std::string, int64_t>> drawn;
};

// One enterprise's ledger, as read for every enterprise of a year at once
// (Store::LedgersOfYear).
struct EnterpriseLedger {
  EnterpriseRecord enterprise;
  std::vector<LedgerLine> lines;
};

// The statement the ledgers are read with (Store::ReadLedgers) for the
// applications `condition` selects (a condition on application `a`, without
// WHERE): its rows in credit-code order, then D-G7's. Tests read its plan.
std::string LedgerSql(const std::string& condition);

}  // namespace bursar::store
