// Evidence digests: the audit chain's record of the bulk evidence tables
// (trades, listings, certificates, ...), so that `bursar audit verify` names
// the enterprise whose evidence a database administrator changed by hand — a
// trade's amount, a declared row's `verified_by`, a row's `source` turned to
// `official`, a row inserted or deleted (docs/store-schema.md, "Evidence
// digests").
//
// Evidence is too bulky to seal row by row (an import of a million trades
// would write a million seals), so the table `evidence_digest` holds, for
// every evidence table and enterprise, how many rows it has and a *set
// digest* of them: the sum, modulo 2^512, of BLAKE2b-512 of each row's line
//
//   line = for each of the table's columns, sorted by name: value "\x1f"  (NULL: "\x1d\x1f")
//
// A sum is updated by what a write changes alone — plus the line of a row
// inserted, minus the old line and plus the new of a row updated — so a write
// never reads back the rows it did not touch, and it starts from the digest
// the *chain* holds, not from the table: an edit made outside bursar is never
// folded into a later digest. `evidence_digest` is itself a sealed table
// (seal.h): the new digests are sealed under the write's entry.
// Reconciliation recomputes every sum from the rows and names each table and
// enterprise whose rows disagree with the chain.
//
// Why a sum and not a hash of the sorted lines: a write would otherwise
// read back every row of every enterprise it touches (an import of a million
// trades took twice as long). Forging a sum needs many rows chosen together
// (Wagner's generalised birthday problem); at 512 bits even 2^16 inserted
// rows leave about 2^60 work, and each inserted row is itself visible in the
// table. The cost per row stored: one BLAKE2b of a line of about 80 bytes.
//
// Thread-safety: EvidenceDelta is not thread-safe; functions take the
// connection they use.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "store/database.h"
#include "store/seal.h"

namespace bursar::store {

// The migration that introduced evidence digests; its entry seals the
// digests of the evidence stored before it (their baseline).
inline constexpr int kEvidenceDigestMigration = 20;

// The evidence tables.
const std::vector<std::string>& DigestedEvidenceTables();
// Whether the evidence table exists yet (figure: from migration 28).
Result<bool> EvidenceTableExists(Database& db, const std::string& table);

// One row's columns, each name with its value as text (nullopt: NULL).
using EvidenceColumns = std::vector<std::pair<std::string_view, std::optional<std::string_view>>>;

// The line of a row whose columns are `columns` (any order: sorted here).
std::string EvidenceLine(EvidenceColumns columns);
// The same, into `out`, for columns already sorted by name.
void EvidenceLineSorted(const EvidenceColumns& columns, std::string* out);

// A row's line as the table holds it now, and its enterprise; nullopt when
// no row matches. `where` names the key columns ("a = ? AND b = ?").
struct StoredEvidenceRow {
  std::string credit_code;
  std::string line;
};
Result<std::optional<StoredEvidenceRow>> ReadEvidenceRow(Database& db, const std::string& table,
                                                         const std::string& where, std::span<const Param> key);

// What one write changes in one evidence table's digests.
class EvidenceDelta {
 public:
  explicit EvidenceDelta(std::string table) : table_(std::move(table)) {}
  void Add(std::string_view credit_code, std::string_view line);     // a row stored
  void Remove(std::string_view credit_code, std::string_view line);  // a row's old state
  bool empty() const { return sums_.empty(); }
  // Inside the write, after its change: each enterprise's digest becomes the
  // one the chain holds plus this change.
  Status Apply(Database& db) const;

  struct Sum {
    int64_t rows = 0;
    std::array<uint64_t, 8> limbs{};  // little-endian, modulo 2^512
  };

 private:
  Sum& SumOf(std::string_view credit_code);

  std::string table_;
  std::map<std::string, Sum, std::less<>> sums_;
  Sum* last_ = nullptr;  // the last enterprise's (rows come grouped by enterprise)
  std::string last_code_;
};

// Every digest of every evidence table, computed from the rows (the
// migration's baseline).
Status RefreshAllEvidenceDigests(Database& db);

// Compares each enterprise's evidence in each table with the digest the
// chain holds for it, adding to `out` one disagreement per table and
// enterprise that differs: "altered" (rows changed, inserted or deleted
// outside bursar), "inserted" (rows of an enterprise the chain has no digest
// for), "deleted" (the chain has a digest, the table has no row).
Status ReconcileEvidence(Database& db, size_t limit, Reconciliation* out);

}  // namespace bursar::store
