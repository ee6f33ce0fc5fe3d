// Evidence digests: the audit chain's record of the bulk evidence tables
// (trades, listings, certificates, ...), so that `bursar audit verify` names
// the enterprise whose evidence a database administrator changed by hand — a
// trade's amount, a declared row's `verified_by`, a row's `source` turned to
// `official`, a row inserted or deleted (docs/store-schema.md, "Evidence
// digests").
//
// Evidence is too bulky to seal row by row (an import of a million trades
// would write a million seals). Instead the table `evidence_digest` holds,
// for every evidence table and enterprise, how many rows it has and the
// SHA-256 of their images:
//
//   sha256 = hex(SHA-256("bursar-evidence-v1\n" || tbl || "\n" || lines))
//
// where `lines` are "row_key \x1f image \n" of each of the enterprise's rows,
// sorted bytewise; images and keys are those of the row seals (seal.h), so an
// image holds every column, provenance included. Every write that changes
// evidence (an import, an officer's verification) recomputes the digests of
// the enterprises it touched in the same transaction, and `evidence_digest`
// is itself a sealed table: the new digests are sealed under the write's
// entry. Reconciliation recomputes every digest from the rows and compares it
// with the one the chain holds.
//
// Thread-safety: functions take the connection they use; no state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/database.h"
#include "store/seal.h"

namespace bursar::store {

// The migration that introduced evidence digests; its entry seals the
// digests of the evidence stored before it (their baseline).
inline constexpr int kEvidenceDigestMigration = 20;

// The evidence tables, with their keys (the natural keys of evidence.cc).
const std::vector<SealedTable>& DigestedEvidenceTables();

// Inside a write, before it changes evidence: those of `codes` whose rows of
// `table` no longer match the digest the chain holds for them (edited
// outside bursar since it was sealed). The write passes them to
// RefreshEvidenceDigests as `keep`: it does not seal the edit, and `audit
// verify` goes on naming the enterprise.
Result<std::vector<std::string>> EvidenceDisagreeing(Database& db, const std::string& table,
                                                     const std::vector<std::string>& codes);

// Inside a write, after its change: recomputes the digests of `table`'s rows
// of each of `codes` but those in `keep`, and stores those that changed (a
// digest whose enterprise has no row left is deleted). `table` is one of
// DigestedEvidenceTables().
Status RefreshEvidenceDigests(Database& db, const std::string& table, const std::vector<std::string>& codes,
                              const std::vector<std::string>& keep = {});

// Every digest of every evidence table, recomputed (the migration's baseline).
Status RefreshAllEvidenceDigests(Database& db);

// Compares each enterprise's evidence in each table with the digest the
// chain holds for it, adding to `out` one disagreement per table and
// enterprise that differs: "altered" (rows changed, inserted or deleted
// outside bursar), "inserted" (rows of an enterprise the chain has no digest
// for), "deleted" (the chain has a digest, the table has no row).
Status ReconcileEvidence(Database& db, size_t limit, Reconciliation* out);

}  // namespace bursar::store
