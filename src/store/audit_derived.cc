#include "store/audit_derived.h"

#include "money/exact.h"
#include "store/migrations.h"

namespace bursar::store {

namespace {

std::string Joined(const std::vector<const char*>& names, const std::string& prefix, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) out += (i ? separator : "") + prefix + names[i];
  return out;
}

std::string Trimmed(const std::string& s) {
  const size_t begin = s.find_first_not_of(" \n");
  const size_t end = s.find_last_not_of(" \n");
  return begin == std::string::npos ? "" : s.substr(begin, end - begin + 1);
}

bool IsMoney(const std::string& column) { return column.ends_with("_fen"); }

// The value columns of one side of the join, starting at cell `first`: money
// in yuan under the column's name without "_fen", as the budget reads it.
nlohmann::ordered_json Values(const DerivedTable& table, const Row& r, size_t first) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (size_t i = 0; i < table.values.size(); ++i) {
    const std::string column = table.values[i];
    const int64_t v = r.Int(first + i);
    if (IsMoney(column)) {
      out[column.substr(0, column.size() - 4)] = FenToMoneyString(v);
    } else {
      out[column] = v;
    }
  }
  return out;
}

// A value as a person reads it: money without its JSON quotes.
std::string Shown(const nlohmann::ordered_json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// "committed 1234.50, payments 1"
std::string ValuesText(const nlohmann::ordered_json& values) {
  std::string out;
  for (const auto& [name, v] : values.items()) out += (out.empty() ? "" : ", ") + name + " " + Shown(v);
  return out;
}

// One statement: the differing rows of `table` against `fill`, in key
// order, at most `limit` (a bound parameter), each with the count of all of
// them; columns: the key, whether each side has the row, the stored values,
// the recomputed values, the count. A value table differs where a value does,
// a missing row reading as zeros; an index where a row is on one side only.
std::string CompareQuery(const DerivedTable& table, const std::string& fill) {
  std::vector<const char*> columns = table.key;
  columns.insert(columns.end(), table.values.begin(), table.values.end());
  std::string keys, on;
  for (size_t i = 0; i < table.key.size(); ++i) {
    const std::string k = table.key[i];
    keys += (i ? ", " : "") + ("COALESCE(s." + k + ", r." + k + ")");
    on += (i ? " AND " : "") + ("r." + k + " = s." + k);
  }
  std::string differs;
  for (size_t i = 0; i < table.values.size(); ++i) {
    const std::string v = table.values[i];
    differs += (i ? " OR " : "") + ("COALESCE(s." + v + ", 0) <> COALESCE(r." + v + ", 0)");
  }
  const std::string k0 = table.key[0];
  if (differs.empty()) differs = "s." + k0 + " IS NULL OR r." + k0 + " IS NULL";
  std::string sql = "WITH recomputed (" + Joined(columns, "", ", ") + ") AS (\n" + fill + "\n)\nSELECT " + keys +
                    ", CASE WHEN s." + k0 + " IS NULL THEN 0 ELSE 1 END, CASE WHEN r." + k0 +
                    " IS NULL THEN 0 ELSE 1 END";
  if (!table.values.empty()) sql += ", " + Joined(table.values, "s.", ", ") + ", " + Joined(table.values, "r.", ", ");
  // The recomputation leads the join so that each of its rows is a lookup in
  // the table's primary key.
  sql += ", COUNT(*) OVER () FROM recomputed r FULL JOIN " + std::string(table.name) + " s ON " + on + " WHERE " +
         differs + " ORDER BY ";
  for (size_t i = 0; i < table.key.size(); ++i) sql += (i ? ", " : "") + std::to_string(i + 1);
  return sql + " LIMIT ?";
}

DerivedDisagreement Disagreement(const DerivedTable& table, const Row& r) {
  DerivedDisagreement d;
  d.table = table.name;
  const size_t n = table.key.size();
  for (size_t i = 0; i < n; ++i) {
    d.key += (i ? "/" : "") + r.Text(i);
    d.key_text += (i ? ", " : "") + std::string(table.key[i]) + "=" + r.Text(i);
  }
  const bool stored = r.Int(n) == 1, recomputed = r.Int(n + 1) == 1;
  if (stored) d.stored = Values(table, r, n + 2);
  if (recomputed) d.recomputed = Values(table, r, n + 2 + table.values.size());
  const std::string where = d.table + " " + d.key_text + ": ";
  const std::string from = std::string(table.sources);
  if (!stored) {
    d.kind = "missing";
    const std::string values = ValuesText(d.recomputed);
    d.message = where + "missing from the table, recomputed from " + from + (values.empty() ? "" : ": " + values);
  } else if (!recomputed) {
    d.kind = "spurious";
    const std::string values = ValuesText(d.stored);
    d.message = where + "in the table" + (values.empty() ? "" : " (" + values + ")") + ", not recomputed from " + from;
  } else {
    d.kind = "altered";
    std::string diffs;
    for (const auto& [name, v] : d.stored.items()) {
      const auto& w = d.recomputed.at(name);
      if (v == w) continue;
      diffs += (diffs.empty() ? "" : "; ") + name + " is " + Shown(v) + " in the table, " + Shown(w) + " recomputed";
    }
    d.message = where + diffs + " from " + from;
  }
  return d;
}

}  // namespace

const std::vector<DerivedTable>& DerivedTables() {
  static const std::vector<DerivedTable> tables = {
      {"year_committed", kProgrammesMigration, {"year"}, {"committed_fen", "payments"}, "decision, recovery and payment"},
      {"audit_application", kAuditByApplicationMigration, {"application_id", "seq"}, {}, "audit_log"},
      {"measure_committed", kProgrammesMigration, {"year", "measure"}, {"committed_fen", "paid_fen", "payments"},
       "decision, recovery and payment"},
      {"programme_committed", kProgrammeBudgetsMigration, {"policy", "year", "measure"},
       {"committed_fen", "paid_fen", "payments"}, "decision, recovery and payment"},
  };
  return tables;
}

Result<std::string> DerivedFillQuery(const DerivedTable& table, Dialect dialect) {
  const Migration* migration = nullptr;
  for (const Migration& m : Migrations()) {
    if (m.version == table.migration) migration = &m;
  }
  if (migration == nullptr) {
    return Status(StatusCode::kInternal, "no migration " + std::to_string(table.migration) + " for " + table.name);
  }
  const std::string sql = MigrationSql(*migration, dialect);
  std::vector<const char*> columns = table.key;
  columns.insert(columns.end(), table.values.begin(), table.values.end());
  std::vector<std::string> fills;
  // At the start of a line: the triggers' own INSERTs into the table are
  // indented, or follow a function's "$$".
  for (const char* verb : {"INSERT INTO ", "INSERT OR IGNORE INTO "}) {
    const std::string head = "\n" + std::string(verb) + table.name + " (" + Joined(columns, "", ", ") + ")";
    for (size_t at = sql.find(head); at != std::string::npos; at = sql.find(head, at + 1)) {
      const size_t from = at + head.size(), end = sql.find(';', from);
      if (end == std::string::npos) break;
      fills.push_back(Trimmed(sql.substr(from, end - from)));
    }
  }
  // Totals add up across statements; only an index's are a union.
  if (fills.empty() || (fills.size() > 1 && !table.values.empty())) {
    return Status(StatusCode::kInternal, "migration " + std::to_string(table.migration) + " has " +
                                             std::to_string(fills.size()) + " statements filling " + table.name +
                                             ", not the one expected");
  }
  std::string out;
  for (size_t i = 0; i < fills.size(); ++i) out += (i ? "\nUNION\n" : "") + fills[i];
  return out;
}

Result<DerivedReconciliation> ReconcileDerived(Database& db, size_t limit) {
  DerivedReconciliation out;
  BURSAR_ASSIGN_OR_RETURN(auto schema, db.QueryOne("SELECT MAX(version) FROM schema_migrations"));
  const int64_t version = schema ? schema->Int(0) : 0;
  for (const DerivedTable& table : DerivedTables()) {
    if (version < table.migration) continue;  // a store not yet migrated has no such table
    BURSAR_ASSIGN_OR_RETURN(std::string fill, DerivedFillQuery(table, db.dialect()));
    BURSAR_ASSIGN_OR_RETURN(auto rows, db.Query(CompareQuery(table, fill), {static_cast<int64_t>(limit)}));
    if (!rows.empty()) out.disagreeing += rows.front().Int(rows.front().size() - 1);
    for (const Row& r : rows) out.rows.push_back(Disagreement(table, r));
    BURSAR_ASSIGN_OR_RETURN(auto count, db.QueryOne("SELECT COUNT(*) FROM " + std::string(table.name)));
    if (count) out.rows_checked += count->Int(0);
  }
  return out;
}

nlohmann::ordered_json DerivedJson(const std::vector<DerivedDisagreement>& rows) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& d : rows) {
    out.push_back({{"table", d.table},
                   {"key", d.key},
                   {"kind", d.kind},
                   {"stored", d.stored},
                   {"recomputed", d.recomputed},
                   {"message", d.message}});
  }
  return out;
}

}  // namespace bursar::store
