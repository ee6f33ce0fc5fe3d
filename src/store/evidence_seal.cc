#include "store/evidence_seal.h"

#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "store/digest.h"

namespace bursar::store {

namespace {

using json = nlohmann::json;

// Enterprises whose rows are read in one query: bounded memory, and a
// parameter list any engine takes.
constexpr size_t kCodesPerQuery = 1000;

const SealedTable kDigestTable = {"evidence_digest", {"tbl", "credit_code"}, {}, {}};

struct Digest {
  int64_t rows = 0;
  std::string sha256;
};

const SealedTable* Find(const std::string& name) {
  for (const SealedTable& t : DigestedEvidenceTables()) {
    if (name == t.name) return &t;
  }
  return nullptr;
}

// The digest of each of `codes` that has rows in `table` (codes without rows
// are absent).
Result<std::map<std::string, Digest>> Compute(Database& db, const SealedTable& table,
                                              const std::vector<std::string>& codes) {
  std::map<std::string, Digest> out;
  for (size_t from = 0; from < codes.size(); from += kCodesPerQuery) {
    const std::vector<std::string> part(codes.begin() + static_cast<std::ptrdiff_t>(from),
                                        codes.begin() + static_cast<std::ptrdiff_t>(
                                                            std::min(codes.size(), from + kCodesPerQuery)));
    BURSAR_ASSIGN_OR_RETURN(auto rows, ImagesOfEnterprises(db, table, part));
    std::map<std::string, std::vector<std::string>> lines;
    for (const Row& r : rows) lines[r.Text(0)].push_back(r.Text(1) + '\x1f' + r.Text(2) + '\n');
    for (auto& [code, ls] : lines) {
      std::sort(ls.begin(), ls.end());
      Sha256 sha;
      sha.Update("bursar-evidence-v1\n");
      sha.Update(table.name);
      sha.Update("\n");
      for (const std::string& l : ls) sha.Update(l);
      out[code] = {static_cast<int64_t>(ls.size()), sha.FinishHex()};
    }
  }
  return out;
}

// The digest the chain holds for each of `codes` in `table` (the latest seal
// of its evidence_digest row; absent when none, or sealed as deleted).
Result<std::map<std::string, Digest>> Sealed(Database& db, const SealedTable& table,
                                             const std::vector<std::string>& codes) {
  std::map<std::string, Digest> out;
  const bool pg = db.dialect() == Dialect::kPostgres;
  const std::string prefix = std::string(table.name) + "/";
  for (size_t from = 0; from < codes.size(); from += kCodesPerQuery) {
    std::vector<std::string> keys;
    for (size_t i = from; i < std::min(codes.size(), from + kCodesPerQuery); ++i) keys.push_back(prefix + codes[i]);
    std::string list;
    if (pg) {
      list = "{";
      for (size_t i = 0; i < keys.size(); ++i) list += (i ? "," : "") + keys[i];
      list += "}";
    } else {
      list = json(keys).dump();
    }
    BURSAR_ASSIGN_OR_RETURN(
        auto rows,
        db.Query(std::string("SELECT a.row_key, a.image FROM audit_row a WHERE a.tbl = 'evidence_digest' AND a.row_key ") +
                     (pg ? "= ANY(CAST(? AS TEXT[]))" : "IN (SELECT value FROM json_each(?))") +
                     " AND a.seq = (SELECT MAX(b.seq) FROM audit_row b WHERE b.tbl = a.tbl AND b.row_key = a.row_key)",
                 {std::string_view(list)}));
    for (const Row& r : rows) {
      if (r.IsNull(1)) continue;
      const json image = json::parse(r.Text(1), nullptr, false);
      if (!image.is_object()) continue;
      out[r.Text(0).substr(prefix.size())] = {image.value("row_count", int64_t{0}), image.value("sha256", "")};
    }
  }
  return out;
}

std::vector<std::string> SortedUnique(std::vector<std::string> codes) {
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
  return codes;
}

Result<std::vector<std::string>> CodesIn(Database& db, const SealedTable& table) {
  BURSAR_ASSIGN_OR_RETURN(auto rows, db.Query(std::string("SELECT DISTINCT credit_code FROM ") + table.name +
                                              " UNION SELECT credit_code FROM evidence_digest WHERE tbl = ?",
                                              {std::string_view(table.name)}));
  std::vector<std::string> out;
  out.reserve(rows.size());
  for (const Row& r : rows) out.push_back(r.Text(0));
  return out;
}

std::string Shown(int64_t rows, const std::string& sha256) {
  return std::to_string(rows) + (rows == 1 ? " row" : " rows") + ", sha256 " + sha256.substr(0, 16);
}

}  // namespace

const std::vector<SealedTable>& DigestedEvidenceTables() {
  // The natural keys of evidence.cc's kinds (docs/store-schema.md).
  static const std::vector<SealedTable> tables = {
      {"listing", {"exchange", "listing_id"}, {}, {}},
      {"certificate", {"platform", "number"}, {}, {}},
      {"fs_inclusion", {"credit_code", "year"}, {}, {}},
      {"trade", {"credit_code", "exchange", "trade_id"}, {}, {}},
      {"filing", {"credit_code", "filing_id"}, {}, {}},
      {"export_clearance", {"route", "number"}, {}, {}},
      {"scenario_project", {"credit_code", "project_id"}, {}, {}},
      {"platform_operation", {"credit_code", "platform_id"}, {}, {}},
  };
  return tables;
}

Result<std::vector<std::string>> EvidenceDisagreeing(Database& db, const std::string& table,
                                                     const std::vector<std::string>& codes) {
  const SealedTable* spec = Find(table);
  if (spec == nullptr) return Status(StatusCode::kInternal, "no evidence digest for the table " + table);
  const std::vector<std::string> sorted = SortedUnique(codes);
  BURSAR_ASSIGN_OR_RETURN(auto now, Compute(db, *spec, sorted));
  BURSAR_ASSIGN_OR_RETURN(auto sealed, Sealed(db, *spec, sorted));
  std::vector<std::string> out;
  for (const std::string& code : sorted) {
    auto a = now.find(code), b = sealed.find(code);
    const bool same = a == now.end() ? b == sealed.end()
                                     : b != sealed.end() && a->second.rows == b->second.rows &&
                                           a->second.sha256 == b->second.sha256;
    if (!same) out.push_back(code);
  }
  return out;
}

Status RefreshEvidenceDigests(Database& db, const std::string& table, const std::vector<std::string>& codes,
                              const std::vector<std::string>& keep) {
  const SealedTable* spec = Find(table);
  if (spec == nullptr) return Status(StatusCode::kInternal, "no evidence digest for the table " + table);
  std::vector<std::string> sorted = SortedUnique(codes);
  if (!keep.empty()) {
    const std::set<std::string> kept(keep.begin(), keep.end());
    std::erase_if(sorted, [&](const std::string& code) { return kept.count(code) > 0; });
  }
  BURSAR_ASSIGN_OR_RETURN(auto digests, Compute(db, *spec, sorted));
  std::vector<Param> upsert, remove;
  for (const std::string& code : sorted) {
    auto it = digests.find(code);
    if (it == digests.end()) {
      remove.insert(remove.end(), {std::string_view(spec->name), std::string_view(code)});
    } else {
      upsert.insert(upsert.end(), {std::string_view(spec->name), std::string_view(code), it->second.rows,
                                   std::string_view(it->second.sha256)});
    }
  }
  std::vector<int64_t> changed;
  if (!upsert.empty()) {
    // Only a digest that changed is written (and so sealed again).
    BURSAR_RETURN_IF_ERROR(db.ExecuteBatch(
        "INSERT INTO evidence_digest (tbl, credit_code, row_count, sha256) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (tbl, credit_code) DO UPDATE SET row_count = excluded.row_count, sha256 = excluded.sha256 "
        "WHERE evidence_digest.row_count <> excluded.row_count OR evidence_digest.sha256 <> excluded.sha256",
        upsert, 4, &changed));
  }
  if (!remove.empty()) {
    BURSAR_RETURN_IF_ERROR(
        db.ExecuteBatch("DELETE FROM evidence_digest WHERE tbl = ? AND credit_code = ?", remove, 2, &changed));
  }
  return OkStatus();
}

Status RefreshAllEvidenceDigests(Database& db) {
  for (const SealedTable& table : DigestedEvidenceTables()) {
    BURSAR_ASSIGN_OR_RETURN(auto codes, CodesIn(db, table));
    BURSAR_RETURN_IF_ERROR(RefreshEvidenceDigests(db, table.name, codes));
  }
  return OkStatus();
}

Status ReconcileEvidence(Database& db, size_t limit, Reconciliation* out) {
  BURSAR_ASSIGN_OR_RETURN(auto exists,
                          db.QueryOne("SELECT 1 FROM schema_migrations WHERE version = ?",
                                      {int64_t{kEvidenceDigestMigration}}));
  if (!exists) return OkStatus();
  BURSAR_ASSIGN_OR_RETURN(auto chain, ChainImages(db, kDigestTable));
  for (const SealedTable& table : DigestedEvidenceTables()) {
    // Every enterprise the table or the chain knows for this table.
    BURSAR_ASSIGN_OR_RETURN(std::vector<std::string> codes, CodesIn(db, table));
    std::set<std::string> all(codes.begin(), codes.end());
    const std::string prefix = std::string(table.name) + "/";
    for (auto it = chain.lower_bound(prefix); it != chain.end() && it->first.starts_with(prefix); ++it) {
      if (!it->second.image.empty()) all.insert(it->first.substr(prefix.size()));
    }
    codes.assign(all.begin(), all.end());
    BURSAR_ASSIGN_OR_RETURN(auto now, Compute(db, table, codes));
    for (const std::string& code : codes) {
      auto is = now.find(code);
      auto was = chain.find(prefix + code);
      Digest sealed;
      int64_t seq = 0;
      if (was != chain.end() && !was->second.image.empty()) {
        const json image = json::parse(was->second.image, nullptr, false);
        if (image.is_object()) {
          sealed.rows = image.value("row_count", int64_t{0});
          sealed.sha256 = image.value("sha256", std::string());
        }
        seq = was->second.seq;
      }
      if (is != now.end()) out->rows_checked += is->second.rows;
      const bool in_table = is != now.end(), in_chain = seq != 0;
      if (in_table && in_chain && is->second.rows == sealed.rows && is->second.sha256 == sealed.sha256) continue;
      RowDisagreement d;
      d.table = table.name;
      d.key = code;
      d.key_text = "credit_code=" + code;
      d.sealed_seq = seq;
      if (in_table) d.row = Shown(is->second.rows, is->second.sha256);
      if (in_chain) d.chain = Shown(sealed.rows, sealed.sha256);
      const std::string where = std::string(table.name) + " rows of enterprise " + code + ": ";
      const std::string by = " (sealed by entry " + std::to_string(seq) + ")";
      if (in_table && in_chain) {
        d.kind = "altered";
        d.field = "evidence_digest";
        d.message = where + d.row + " in the table, " + d.chain + " in the audit chain" + by +
                    ": a row was changed, inserted or deleted outside bursar";
      } else if (in_table) {
        d.kind = "inserted";
        d.message = where + d.row + " in the table, none in the audit chain: inserted outside bursar";
      } else {
        d.kind = "deleted";
        d.message = where + "none in the table, " + d.chain + " in the audit chain" + by + ": deleted outside bursar";
      }
      ++out->disagreeing;
      if (out->rows.size() < limit) out->rows.push_back(std::move(d));
    }
  }
  return OkStatus();
}

}  // namespace bursar::store
