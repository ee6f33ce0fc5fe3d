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
#include "store/database.h"

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

// Locks the audit head for this transaction (PostgreSQL: SELECT ... FOR UPDATE;
// SQLite's BEGIN IMMEDIATE already holds the only write lock).
// REQUIRES: a transaction is open on `db`.
Status LockAuditHead(Database& db);

// Appends one entry. REQUIRES: a transaction is open and LockAuditHead was called.
// Actor must be non-empty and contain no line breaks.
Result<AuditEntry> AppendAudit(Database& db, const std::string& actor, const std::string& at,
                               const nlohmann::json& change);

struct AuditVerdict {
  bool ok = true;
  int64_t entries = 0;
  std::string head_digest;    // the digest to anchor outside the database
  int64_t first_bad_seq = 0;  // 0 when ok
  std::string problem;        // "entry 17 was altered: ...", empty when ok
};

// Walks the whole chain and names the first entry that was altered, inserted
// or deleted. A broken chain is a verdict, not an error status; a status is
// returned only when the database cannot be read.
Result<AuditVerdict> VerifyAudit(Database& db);

Result<std::vector<AuditEntry>> ReadAudit(Database& db, int64_t from_seq, int64_t limit);

}  // namespace bursar::store
