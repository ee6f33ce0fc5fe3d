#include "store/audit.h"

#include "store/digest.h"

namespace bursar::store {

std::string AuditDigest(int64_t seq, const std::string& prev_digest, const std::string& actor, const std::string& at,
                        const std::string& change) {
  Sha256 sha;
  sha.Update("bursar-audit-v1\n");
  sha.Update(std::to_string(seq));
  sha.Update("\n");
  sha.Update(prev_digest);
  sha.Update("\n");
  sha.Update(actor);
  sha.Update("\n");
  sha.Update(at);
  sha.Update("\n");
  sha.Update(change);
  return sha.FinishHex();
}

std::string CanonicalJson(const nlohmann::json& value) {
  // nlohmann::json (not ordered_json) keeps object keys sorted; dump() without
  // indent writes no whitespace; replace keeps invalid UTF-8 from throwing.
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<AuditHead> LockAuditHead(Database& db, bool capture) {
  const bool pg = db.dialect() == Dialect::kPostgres;
  // The capture setting rides on the lock's own round trip.
  const std::string sql = !pg      ? "SELECT seq, digest FROM audit_head WHERE id = 1"
                          : capture ? "SELECT seq, digest, set_config('bursar.capture', 'on', true) FROM audit_head "
                                      "WHERE id = 1 FOR UPDATE"
                                    : "SELECT seq, digest FROM audit_head WHERE id = 1 FOR UPDATE";
  BURSAR_ASSIGN_OR_RETURN(auto row, db.QueryOne(sql));
  if (!row) return Status(StatusCode::kInternal, "audit_head is missing: the database was not initialised by bursar");
  return AuditHead{row->Int(0), row->Text(1)};
}

Result<AuditEntry> AppendAudit(Database& db, const std::string& actor, const std::string& at,
                               const nlohmann::json& change) {
  BURSAR_ASSIGN_OR_RETURN(auto head, db.QueryOne("SELECT seq, digest FROM audit_head WHERE id = 1"));
  if (!head) return Status(StatusCode::kInternal, "audit_head is missing");
  return AppendAudit(db, AuditHead{head->Int(0), head->Text(1)}, actor, at, change);
}

Result<AuditEntry> NextAuditEntry(const AuditHead& head, const std::string& actor, const std::string& at,
                                  const nlohmann::json& change) {
  if (actor.empty() || actor.find_first_of("\r\n") != std::string::npos) {
    return InvalidArgument("an actor is a non-empty name without line breaks", "actor");
  }
  AuditEntry entry;
  entry.seq = head.seq + 1;
  entry.prev_digest = head.digest;
  entry.actor = actor;
  entry.at = at;
  entry.change = CanonicalJson(change);
  entry.digest = AuditDigest(entry.seq, entry.prev_digest, entry.actor, entry.at, entry.change);
  return entry;
}

Status AppendAuditEntries(Database& db, const std::vector<AuditEntry>& entries) {
  if (entries.empty()) return OkStatus();
  std::vector<Param> params;
  params.reserve(entries.size() * 6);
  for (const AuditEntry& e : entries) {
    params.insert(params.end(), {e.seq, std::string_view(e.prev_digest), std::string_view(e.actor),
                                 std::string_view(e.at), std::string_view(e.change), std::string_view(e.digest)});
  }
  static const std::string kInsert =
      "INSERT INTO audit_log (seq, prev_digest, actor, at, change, digest) VALUES (?, ?, ?, ?, ?, ?)";
  std::vector<int64_t> changed;
  if (entries.size() == 1) {
    BURSAR_RETURN_IF_ERROR(db.ExecuteSpan(kInsert, params).status());
  } else {
    BURSAR_RETURN_IF_ERROR(db.ExecuteBatch(kInsert, params, 6, &changed, nullptr));
  }
  return db.Execute("UPDATE audit_head SET seq = ?, digest = ? WHERE id = 1", {entries.back().seq, entries.back().digest})
      .status();
}

Result<AuditEntry> AppendAudit(Database& db, const AuditHead& head, const std::string& actor, const std::string& at,
                               const nlohmann::json& change) {
  BURSAR_ASSIGN_OR_RETURN(AuditEntry entry, NextAuditEntry(head, actor, at, change));
  BURSAR_RETURN_IF_ERROR(AppendAuditEntries(db, {entry}));
  return entry;
}

Result<std::vector<AuditEntry>> ReadAudit(Database& db, int64_t from_seq, int64_t limit) {
  BURSAR_ASSIGN_OR_RETURN(auto rows, db.Query("SELECT seq, prev_digest, actor, at, change, digest FROM audit_log "
                                              "WHERE seq >= ? ORDER BY seq LIMIT ?",
                                              {from_seq, limit}));
  std::vector<AuditEntry> entries;
  entries.reserve(rows.size());
  for (const Row& r : rows) {
    entries.push_back({r.Int(0), r.Text(1), r.Text(2), r.Text(3), r.Text(4), r.Text(5)});
  }
  return entries;
}

Result<AuditVerdict> VerifyAudit(Database& db) {
  BURSAR_ASSIGN_OR_RETURN(AuditVerdict verdict, VerifyChain(db));
  BURSAR_ASSIGN_OR_RETURN(Reconciliation r, ReconcileSeals(db));
  verdict.baseline_seq = r.baseline_seq;
  verdict.rows_checked = r.rows_checked;
  verdict.rows_disagreeing = r.disagreeing;
  verdict.rows = std::move(r.rows);
  if (verdict.ok && r.bad_seal_seq != 0) {
    verdict.ok = false;
    verdict.first_bad_seq = r.bad_seal_seq;
    verdict.problem = r.seal_problem;
  }
  if (verdict.ok && verdict.rows_disagreeing > 0) {
    verdict.ok = false;
    verdict.problem = std::to_string(verdict.rows_disagreeing) +
                      (verdict.rows_disagreeing == 1 ? " row disagrees" : " rows disagree") +
                      " with the audit chain; the first: " + verdict.rows.front().message;
  }
  BURSAR_ASSIGN_OR_RETURN(DerivedReconciliation derived, ReconcileDerived(db));
  verdict.derived_checked = derived.rows_checked;
  verdict.derived_disagreeing = derived.disagreeing;
  verdict.derived = std::move(derived.rows);
  if (verdict.ok && verdict.derived_disagreeing > 0) {
    verdict.ok = false;
    verdict.problem = std::to_string(verdict.derived_disagreeing) +
                      (verdict.derived_disagreeing == 1 ? " row of a derived table differs"
                                                        : " rows of derived tables differ") +
                      " from its recomputation; the first: " + verdict.derived.front().message;
  }
  if (!verdict.ok) verdict.head_digest.clear();
  return verdict;
}

nlohmann::ordered_json AuditVerdictJson(const AuditVerdict& verdict) {
  nlohmann::ordered_json out = {{"ok", verdict.ok}, {"entries", verdict.entries}};
  if (verdict.ok) {
    out["head_digest"] = verdict.head_digest;
  } else {
    out["first_bad_seq"] = verdict.first_bad_seq;
    out["problem"] = verdict.problem;
  }
  out["rows_checked"] = verdict.rows_checked;
  out["baseline_seq"] = verdict.baseline_seq;
  out["rows_disagreeing"] = verdict.rows_disagreeing;
  out["rows"] = DisagreementsJson(verdict.rows);
  out["derived_checked"] = verdict.derived_checked;
  out["derived_disagreeing"] = verdict.derived_disagreeing;
  out["derived"] = DerivedJson(verdict.derived);
  return out;
}

Result<AuditVerdict> VerifyChain(Database& db) {
  AuditVerdict verdict;
  std::string expected_prev = kGenesisDigest;
  std::string before_prev;  // the digest of the entry before the previous one
  int64_t expected_seq = 1;
  // Entries are read in pages so that a long log does not sit in memory at once.
  constexpr int64_t kPage = 10000;
  std::vector<AuditEntry> page;
  size_t index = 0;
  auto next = [&]() -> Result<std::optional<AuditEntry>> {
    if (index == page.size()) {
      BURSAR_ASSIGN_OR_RETURN(page, ReadAudit(db, expected_seq, kPage));
      index = 0;
      if (page.empty()) return std::optional<AuditEntry>();
    }
    return std::optional<AuditEntry>(page[index++]);
  };
  auto fail = [&](int64_t seq, std::string problem) {
    verdict.ok = false;
    verdict.first_bad_seq = seq;
    verdict.problem = std::move(problem);
    return verdict;
  };
  while (true) {
    BURSAR_ASSIGN_OR_RETURN(auto entry, next());
    if (!entry) break;
    if (entry->seq != expected_seq) {
      if (entry->seq > expected_seq) {
        return fail(expected_seq, "entry " + std::to_string(expected_seq) + " was deleted (the sequence jumps from " +
                                      std::to_string(expected_seq - 1) + " to " + std::to_string(entry->seq) + ")");
      }
      return fail(entry->seq, "entry " + std::to_string(entry->seq) + " is out of sequence");
    }
    const std::string recomputed = AuditDigest(entry->seq, entry->prev_digest, entry->actor, entry->at, entry->change);
    const std::string k = std::to_string(entry->seq);
    if (entry->prev_digest != expected_prev) {
      // Chains to the entry two back: the one just before was slipped in
      // (with its own digest recomputed and this one renumbered).
      if (entry->seq > 1 && entry->prev_digest == before_prev) {
        return fail(entry->seq - 1, "entry " + std::to_string(entry->seq - 1) + " was inserted (entry " + k +
                                        " chains past it to entry " + std::to_string(entry->seq - 2) + ")");
      }
      // The next entry chains to the one before this: this one was slipped in.
      BURSAR_ASSIGN_OR_RETURN(auto after,
                              db.QueryOne("SELECT prev_digest FROM audit_log WHERE seq = ?", {entry->seq + 1}));
      if (after && after->Text(0) == expected_prev) {
        return fail(entry->seq, "entry " + k + " was inserted (entry " + std::to_string(entry->seq + 1) +
                                    " chains past it to entry " + std::to_string(entry->seq - 1) + ")");
      }
      if (recomputed != entry->digest) {
        return fail(entry->seq, "entry " + k + " was altered (its digest does not match its contents)");
      }
      // This entry is intact but records another digest for its predecessor:
      // the predecessor was altered and its digest recomputed to hide it.
      if (entry->seq == 1) return fail(1, "entry 1 was altered (it does not start from the genesis digest)");
      return fail(entry->seq - 1, "entry " + std::to_string(entry->seq - 1) +
                                      " was altered (its digest was recomputed, but entry " + k +
                                      " recorded a different one)");
    }
    if (recomputed != entry->digest) {
      return fail(entry->seq, "entry " + k + " was altered (its digest does not match its contents)");
    }
    before_prev = expected_prev;
    expected_prev = entry->digest;
    ++expected_seq;
    ++verdict.entries;
  }
  BURSAR_ASSIGN_OR_RETURN(auto head, db.QueryOne("SELECT seq, digest FROM audit_head WHERE id = 1"));
  if (!head) return fail(0, "audit_head is missing");
  if (head->Int(0) != verdict.entries || head->Text(1) != expected_prev) {
    if (head->Int(0) > verdict.entries) {
      return fail(verdict.entries + 1, "entry " + std::to_string(verdict.entries + 1) +
                                           " was deleted (the log ends at " + std::to_string(verdict.entries) +
                                           " but its head records " + std::to_string(head->Int(0)) + ")");
    }
    if (head->Int(0) == verdict.entries) {
      // The count agrees, the digest does not: the last entry is not the one
      // the head recorded (it was replaced, or entries after it were cut off
      // and the head's count moved back).
      return fail(verdict.entries + 1, "the audit head's digest is not entry " + std::to_string(verdict.entries) +
                                           "'s: entry " + std::to_string(verdict.entries + 1) +
                                           " or later was deleted, or the head was altered");
    }
    return fail(head->Int(0) + 1, "the audit head records entry " + std::to_string(head->Int(0)) +
                                      " but the log holds " + std::to_string(verdict.entries) +
                                      " entries: the head or the last entries were altered or inserted");
  }
  verdict.head_digest = expected_prev;
  return verdict;
}

}  // namespace bursar::store
