// The audit log: an append-only, hash-chained record of every change.
//
// Entry n holds: seq (1, 2, 3, ...), prev_digest (entry n-1's digest; 64 zeros
// for entry 1), actor, at (UTC, RFC 3339 with milliseconds), change (canonical
// JSON: sorted keys, no whitespace, UTF-8) and
//
//   digest = hex(SHA-256("bursar-audit-v1\n" seq "\n" prev_digest "\n" actor "\n" at "\n" change))
//
// audit_head holds the last seq and digest; it is updated in the same
// transaction as the entry, so deleting entries from the end is detected too.
// Every write transaction of the store locks audit_head first, which also
// serialises writers on PostgreSQL (see store.h).
//
// Invariants: seq has no gaps; each prev_digest equals the previous digest;
// each digest recomputes; audit_head equals the last entry.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"
#include "store/audit_derived.h"
#include "store/database.h"
#include "store/seal.h"

namespace bursar::store {

inline constexpr const char* kGenesisDigest = "0000000000000000000000000000000000000000000000000000000000000000";

struct AuditEntry {
  int64_t seq = 0;
  std::string prev_digest;
  std::string actor;
  std::string at;
  std::string change;  // canonical JSON
  std::string digest;
};

// The digest of an entry's fields, as defined above.
std::string AuditDigest(int64_t seq, const std::string& prev_digest, const std::string& actor, const std::string& at,
                        const std::string& change);

// Canonical JSON: keys sorted, no whitespace, UTF-8 kept as is.
std::string CanonicalJson(const nlohmann::json& value);

// The last entry, as audit_head records it.
struct AuditHead {
  int64_t seq = 0;
  std::string digest;
};

// Locks the audit head for this transaction (PostgreSQL: SELECT ... FOR UPDATE;
// SQLite's BEGIN IMMEDIATE already holds the only write lock) and reads it.
// `capture`: on PostgreSQL, also turns on the capture of row seals for this
// transaction (store/seal.h). REQUIRES: a transaction is open on `db`.
Result<AuditHead> LockAuditHead(Database& db, bool capture = false);

// Appends one entry. REQUIRES: a transaction is open and LockAuditHead was called.
// Actor must be non-empty and contain no line breaks.
Result<AuditEntry> AppendAudit(Database& db, const std::string& actor, const std::string& at,
                               const nlohmann::json& change);
// The same after `head` (what LockAuditHead read in this transaction).
Result<AuditEntry> AppendAudit(Database& db, const AuditHead& head, const std::string& actor, const std::string& at,
                               const nlohmann::json& change);
// The entry that follows `head`, not yet written (a run writes its group's
// entries at once with AppendAuditEntries).
Result<AuditEntry> NextAuditEntry(const AuditHead& head, const std::string& actor, const std::string& at,
                                  const nlohmann::json& change);
// Writes `entries` (each the one after the entry before it, the first after
// the head LockAuditHead read) and moves the head to the last: one round trip
// for the entries on PostgreSQL.
Status AppendAuditEntries(Database& db, const std::vector<AuditEntry>& entries);

struct AuditVerdict {
  bool ok = true;
  int64_t entries = 0;
  std::string head_digest;    // the digest to anchor outside the database
  // The first entry altered, inserted or deleted, or whose sealed row images
  // were altered; 0 when the chain and its seals are intact (rows may still
  // disagree: `rows`).
  int64_t first_bad_seq = 0;
  std::string problem;        // "entry 17 was altered: ...", empty when ok
  // The rows of the state tables that disagree with the chain's seals
  // (store/seal.h), at most 1000 of `rows_disagreeing`.
  std::vector<RowDisagreement> rows;
  int64_t rows_disagreeing = 0;
  int64_t rows_checked = 0;
  int64_t baseline_seq = 0;  // rows are reconciled from this entry on; 0: no seals
  // The rows of the derived tables (store/audit_derived.h) that differ from
  // their recomputation, at most 5 per table of `derived_disagreeing`.
  std::vector<DerivedDisagreement> derived;
  int64_t derived_disagreeing = 0;
  int64_t derived_checked = 0;
};

// Walks the whole chain and names the first entry that was altered, inserted
// or deleted; then reconciles the state tables with the chain's row seals and
// names every row that disagrees; then recomputes the derived tables and
// names every row that differs. A broken chain or a disagreeing row is a
// verdict, not an error status; a status is returned only when the database
// cannot be read.
Result<AuditVerdict> VerifyAudit(Database& db);
// The chain alone, without the reconciliation.
Result<AuditVerdict> VerifyChain(Database& db);

// The verdict as `audit verify --json` and GET /api/audit/verification show
// it: ok, entries, head_digest or first_bad_seq and problem, the row
// reconciliation (rows_checked, baseline_seq, rows_disagreeing, rows) and the
// derived tables' (derived_checked, derived_disagreeing, derived).
nlohmann::ordered_json AuditVerdictJson(const AuditVerdict& verdict);

Result<std::vector<AuditEntry>> ReadAudit(Database& db, int64_t from_seq, int64_t limit);

}  // namespace bursar::store
