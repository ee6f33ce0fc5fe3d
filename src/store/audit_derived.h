// Derived tables: the running totals and the index that triggers keep from
// other rows, reconciled by `bursar audit verify` with a recomputation from
// those rows (docs/store-schema.md, "Derived tables").
//
// The derived tables are not sealed (a decision would seal its year's total
// row, and every entry would seal its index rows), so the chain does not say
// what they hold; but each is a function of rows the chain does cover:
//
//   year_committed(year; committed_fen, payments)            decision, recovery, payment (migration 11)
//   measure_committed(year, measure; committed_fen, paid_fen, payments)   the same (migration 26)
//   audit_application(application_id, seq)                  audit_log (migration 25)
//
// A database administrator who edits one changes what the budget check and
// the dashboard read without touching a sealed row. Reconciliation runs the
// query with which the table's migration filled it from the rows already
// stored — read from the migration's own SQL, so there is one definition of
// each table and it cannot drift (a released migration never changes: its
// checksum is recorded) — and compares it with the table in one statement,
// a full join of the two on the key. A row of zeros and no row are the same
// total (a decision withdrawn leaves its year's row at zero).
//
// Thread-safety: functions take the connection they use; no state.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/database.h"

namespace bursar::store {

struct DerivedTable {
  const char* name;
  int migration;                    // the migration whose fill statement recomputes it (the last to fill it)
  std::vector<const char*> key;     // the columns that name a row, in order
  std::vector<const char*> values;  // the columns compared ("_fen": money); none for an index
  const char* sources;              // what it is derived from, for a person
};

// Every derived table.
const std::vector<DerivedTable>& DerivedTables();

// The SELECT with which `table`'s migration fills it (its key and value
// columns, in order), for `dialect`: the migration's fill statements at the
// start of a line, `INSERT [OR IGNORE] INTO table (columns) SELECT ...;`,
// more than one of an index joined by UNION (each inserts what the others
// did not). Internal error when the migration has none.
Result<std::string> DerivedFillQuery(const DerivedTable& table, Dialect dialect);

// A row of a derived table that its recomputation does not give.
struct DerivedDisagreement {
  std::string table;
  std::string key;       // "2025/03"
  std::string key_text;  // "year=2025, measure=03"
  // "altered" (a value differs), "missing" (recomputed, not stored),
  // "spurious" (stored, not recomputed).
  std::string kind;
  // The value columns of each side ("_fen" columns as money in yuan, named
  // without the suffix: {"committed": "1234.50", "payments": 3}); null when
  // that side has no row.
  nlohmann::ordered_json stored;
  nlohmann::ordered_json recomputed;
  std::string message;  // one line for a person
};

struct DerivedReconciliation {
  std::vector<DerivedDisagreement> rows;  // at most `limit` per table
  int64_t disagreeing = 0;                // all of them
  int64_t rows_checked = 0;               // the rows of the derived tables
};

// Recomputes every derived table the schema has and names the rows that
// differ, at most `limit` of each table.
Result<DerivedReconciliation> ReconcileDerived(Database& db, size_t limit = 5);

// The rows as `audit verify --json` and GET /api/audit/verification show
// them: table, key, kind, stored, recomputed, message.
nlohmann::ordered_json DerivedJson(const std::vector<DerivedDisagreement>& rows);

}  // namespace bursar::store
