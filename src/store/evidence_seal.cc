#include "store/evidence_seal.h"

#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <set>

#include <nlohmann/json.hpp>

namespace bursar::store {

namespace {

using json = nlohmann::json;
using Sum = EvidenceDelta::Sum;

// Enterprises named in one query's parameter (any engine takes it), and
// enterprises whose rows are read in one query (memory: a few hundred rows
// each at most, usually).
constexpr size_t kCodesPerQuery = 1000;
constexpr size_t kCodesPerRowsQuery = 50;

const SealedTable kDigestTable = {"evidence_digest", {"tbl", "credit_code"}, {}, {}};

bool Pg(const Database& db) { return db.dialect() == Dialect::kPostgres; }

bool Known(const std::string& table) {
  const auto& all = DigestedEvidenceTables();
  return std::find(all.begin(), all.end(), table) != all.end();
}

// `column IN (…)` of `values` (credit codes or row keys: no quotes, commas
// or braces) as SQL with one parameter, and that parameter.
std::pair<std::string, std::string> InList(const Database& db, const std::string& column,
                                           std::span<const std::string> values) {
  if (Pg(db)) {
    std::string list = "{";
    for (size_t i = 0; i < values.size(); ++i) list += (i ? "," : "") + values[i];
    return {column + " = ANY(CAST(? AS TEXT[]))", list + "}"};
  }
  return {column + " IN (SELECT value FROM json_each(?))", json(std::vector<std::string>(values.begin(), values.end())).dump()};
}

// The table's columns, as they are.
Result<std::vector<std::string>> Columns(Database& db, const std::string& table) {
  BURSAR_ASSIGN_OR_RETURN(
      auto rows, db.Query(Pg(db) ? "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND "
                                   "table_schema = current_schema() ORDER BY ordinal_position"
                                 : "SELECT name FROM pragma_table_info(?) ORDER BY cid",
                          {std::string_view(table)}));
  std::vector<std::string> out;
  for (const Row& r : rows) out.push_back(r.Text(0));
  if (out.empty()) return Status(StatusCode::kInternal, "the evidence table " + table + " does not exist");
  return out;
}

std::string SelectColumns(const std::vector<std::string>& columns) {
  std::string out = "credit_code";
  for (const std::string& c : columns) out += ", \"" + c + "\"";
  return out;
}

std::string LineOf(const Row& r, const std::vector<std::string>& columns) {
  EvidenceColumns values;
  values.reserve(columns.size());
  for (size_t i = 0; i < columns.size(); ++i) {
    values.emplace_back(columns[i], r.IsNull(i + 1) ? std::nullopt : std::optional<std::string_view>(r.Text(i + 1)));
  }
  return EvidenceLine(std::move(values));
}

std::array<uint64_t, 8> HashLimbs(std::string_view line) {
  // BLAKE2b-512 (libsodium): about twice as fast as SHA-512 on a short line,
  // and a plain call (OpenSSL 3's one-shot SHA512() fetches the algorithm on
  // every call).
  unsigned char h[64];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(line.data()), line.size(), nullptr, 0);
  std::array<uint64_t, 8> out{};
  for (size_t i = 0; i < 8; ++i) {
    for (size_t b = 0; b < 8; ++b) out[i] |= static_cast<uint64_t>(h[i * 8 + b]) << (8 * b);
  }
  return out;
}

void AddTo(Sum& s, const std::array<uint64_t, 8>& x, int64_t rows) {
  unsigned carry = 0;
  for (size_t i = 0; i < 8; ++i) {
    const uint64_t a = s.limbs[i], t = a + x[i];
    const uint64_t r = t + carry;
    carry = static_cast<unsigned>((t < a) || (r < t));
    s.limbs[i] = r;
  }
  s.rows += rows;
}

std::array<uint64_t, 8> Negated(const std::array<uint64_t, 8>& x) {
  std::array<uint64_t, 8> out{};
  unsigned carry = 1;  // two's complement: ~x + 1
  for (size_t i = 0; i < 8; ++i) {
    const uint64_t v = ~x[i];
    out[i] = v + carry;
    carry = static_cast<unsigned>(carry && out[i] == 0);
  }
  return out;
}

std::string Hex(const Sum& s) {
  std::string out;
  char buf[17];
  for (size_t i = 8; i-- > 0;) {
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(s.limbs[i]));
    out += buf;
  }
  return out;
}

bool FromHex(const std::string& hex, Sum* s) {
  if (hex.size() != 128) return false;
  for (size_t i = 0; i < 8; ++i) {
    uint64_t v = 0;
    for (char c : hex.substr((7 - i) * 16, 16)) {
      const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (d < 0) return false;
      v = v << 4 | static_cast<uint64_t>(d);
    }
    s->limbs[i] = v;
  }
  return true;
}

// The digests of `codes` computed from the table's rows (codes without rows
// are absent).
Result<std::map<std::string, Sum>> FromRows(Database& db, const std::string& table,
                                            const std::vector<std::string>& codes) {
  BURSAR_ASSIGN_OR_RETURN(std::vector<std::string> columns, Columns(db, table));
  std::map<std::string, Sum> out;
  for (size_t from = 0; from < codes.size(); from += kCodesPerRowsQuery) {
    const auto part = std::span(codes).subspan(from, std::min(kCodesPerRowsQuery, codes.size() - from));
    const auto [in, param] = InList(db, "credit_code", part);
    BURSAR_ASSIGN_OR_RETURN(auto rows, db.Query("SELECT " + SelectColumns(columns) + " FROM " + table + " WHERE " + in,
                                                {std::string_view(param)}));
    for (const Row& r : rows) AddTo(out[r.Text(0)], HashLimbs(LineOf(r, columns)), 1);
  }
  return out;
}

// The digest the chain holds for each of `codes` in `table` (the latest
// seal of its evidence_digest row; absent when none or sealed as deleted).
Result<std::map<std::string, Sum>> Sealed(Database& db, const std::string& table,
                                          const std::vector<std::string>& codes) {
  std::map<std::string, Sum> out;
  const std::string prefix = table + "/";
  for (size_t from = 0; from < codes.size(); from += kCodesPerQuery) {
    std::vector<std::string> keys;
    for (size_t i = from; i < std::min(codes.size(), from + kCodesPerQuery); ++i) keys.push_back(prefix + codes[i]);
    const auto [in, param] = InList(db, "a.row_key", keys);
    BURSAR_ASSIGN_OR_RETURN(
        auto rows, db.Query("SELECT a.row_key, a.image FROM audit_row a WHERE a.tbl = 'evidence_digest' AND " + in +
                                " AND a.seq = (SELECT MAX(b.seq) FROM audit_row b WHERE b.tbl = a.tbl AND "
                                "b.row_key = a.row_key)",
                            {std::string_view(param)}));
    for (const Row& r : rows) {
      if (r.IsNull(1)) continue;
      const json image = json::parse(r.Text(1), nullptr, false);
      Sum s;
      if (!image.is_object() || !FromHex(image.value("digest", ""), &s)) continue;  // reconciliation names it
      s.rows = image.value("row_count", int64_t{0});
      out[r.Text(0).substr(prefix.size())] = s;
    }
  }
  return out;
}

// Stores `digests` (rows 0: deleted), writing only those that changed.
Status StoreDigests(Database& db, const std::string& table, const std::map<std::string, Sum>& digests) {
  std::vector<Param> upsert, remove;
  std::vector<std::string> hex;
  hex.reserve(digests.size());
  for (const auto& [code, s] : digests) {
    if (s.rows <= 0) {
      remove.insert(remove.end(), {std::string_view(table), std::string_view(code)});
      continue;
    }
    hex.push_back(Hex(s));
    upsert.insert(upsert.end(),
                  {std::string_view(table), std::string_view(code), s.rows, std::string_view(hex.back())});
  }
  std::vector<int64_t> changed;
  if (!upsert.empty()) {
    BURSAR_RETURN_IF_ERROR(db.ExecuteBatch(
        "INSERT INTO evidence_digest (tbl, credit_code, row_count, digest) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (tbl, credit_code) DO UPDATE SET row_count = excluded.row_count, digest = excluded.digest "
        "WHERE evidence_digest.row_count <> excluded.row_count OR evidence_digest.digest <> excluded.digest",
        upsert, 4, &changed, nullptr));
  }
  if (!remove.empty()) {
    BURSAR_RETURN_IF_ERROR(
        db.ExecuteBatch("DELETE FROM evidence_digest WHERE tbl = ? AND credit_code = ?", remove, 2, &changed, nullptr));
  }
  return OkStatus();
}

Result<std::vector<std::string>> CodesIn(Database& db, const std::string& table) {
  BURSAR_ASSIGN_OR_RETURN(auto rows, db.Query("SELECT DISTINCT credit_code FROM " + table));
  std::vector<std::string> out;
  out.reserve(rows.size());
  for (const Row& r : rows) out.push_back(r.Text(0));
  return out;
}

std::string Shown(const Sum& s) {
  return std::to_string(s.rows) + (s.rows == 1 ? " row" : " rows") + ", digest " + Hex(s).substr(0, 16);
}

}  // namespace

Result<bool> EvidenceTableExists(Database& db, const std::string& table) {
  BURSAR_ASSIGN_OR_RETURN(auto row, db.QueryOne(Pg(db) ? "SELECT 1 WHERE to_regclass(?) IS NOT NULL"
                                                        : "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                                                {std::string_view(table)}));
  return row.has_value();
}

const std::vector<std::string>& DigestedEvidenceTables() {
  static const std::vector<std::string> tables = {"listing",          "certificate",        "fs_inclusion",
                                                  "trade",            "filing",             "export_clearance",
                                                  "scenario_project", "platform_operation", "figure"};
  return tables;
}

std::string EvidenceLine(EvidenceColumns columns) {
  std::sort(columns.begin(), columns.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  EvidenceLineSorted(columns, &out);
  return out;
}

void EvidenceLineSorted(const EvidenceColumns& columns, std::string* out) {
  out->clear();
  for (const auto& [name, value] : columns) {
    if (value) {
      *out += *value;
    } else {
      *out += '\x1d';
    }
    *out += '\x1f';
  }
}

Result<std::optional<StoredEvidenceRow>> ReadEvidenceRow(Database& db, const std::string& table,
                                                         const std::string& where, std::span<const Param> key) {
  if (!Known(table)) return Status(StatusCode::kInternal, "no evidence digest for the table " + table);
  BURSAR_ASSIGN_OR_RETURN(std::vector<std::string> columns, Columns(db, table));
  std::vector<Row> rows;
  BURSAR_RETURN_IF_ERROR(db.QuerySpan("SELECT " + SelectColumns(columns) + " FROM " + table + " WHERE " + where, key, &rows));
  if (rows.empty()) return std::optional<StoredEvidenceRow>();
  return std::optional<StoredEvidenceRow>(StoredEvidenceRow{rows[0].Text(0), LineOf(rows[0], columns)});
}

EvidenceDelta::Sum& EvidenceDelta::SumOf(std::string_view credit_code) {
  if (last_ != nullptr && last_code_ == credit_code) return *last_;
  auto it = sums_.find(credit_code);
  if (it == sums_.end()) it = sums_.emplace(std::string(credit_code), Sum{}).first;
  last_ = &it->second;  // std::map: stable
  last_code_ = credit_code;
  return *last_;
}

void EvidenceDelta::Add(std::string_view credit_code, std::string_view line) {
  AddTo(SumOf(credit_code), HashLimbs(line), 1);
}

void EvidenceDelta::Remove(std::string_view credit_code, std::string_view line) {
  AddTo(SumOf(credit_code), Negated(HashLimbs(line)), -1);
}

Status EvidenceDelta::Apply(Database& db) const {
  if (sums_.empty()) return OkStatus();
  if (!Known(table_)) return Status(StatusCode::kInternal, "no evidence digest for the table " + table_);
  std::vector<std::string> codes;
  for (const auto& [code, s] : sums_) codes.push_back(code);
  BURSAR_ASSIGN_OR_RETURN(auto sealed, Sealed(db, table_, codes));
  std::map<std::string, Sum> next;
  for (const auto& [code, delta] : sums_) {
    Sum s = sealed.count(code) ? sealed[code] : Sum{};
    AddTo(s, delta.limbs, delta.rows);
    next[code] = s;
  }
  return StoreDigests(db, table_, next);
}

Status RefreshAllEvidenceDigests(Database& db) {
  for (const std::string& table : DigestedEvidenceTables()) {
    BURSAR_ASSIGN_OR_RETURN(bool exists, EvidenceTableExists(db, table));
    if (!exists) continue;  // made by a later migration (figure: 28), empty then
    BURSAR_ASSIGN_OR_RETURN(auto codes, CodesIn(db, table));
    BURSAR_ASSIGN_OR_RETURN(auto digests, FromRows(db, table, codes));
    BURSAR_RETURN_IF_ERROR(StoreDigests(db, table, digests));
  }
  return OkStatus();
}

Status ReconcileEvidence(Database& db, size_t limit, Reconciliation* out) {
  BURSAR_ASSIGN_OR_RETURN(auto exists, db.QueryOne("SELECT 1 FROM schema_migrations WHERE version = ?",
                                                   {int64_t{kEvidenceDigestMigration}}));
  if (!exists) return OkStatus();
  BURSAR_ASSIGN_OR_RETURN(auto chain, ChainImages(db, kDigestTable));
  for (const std::string& table : DigestedEvidenceTables()) {
    BURSAR_ASSIGN_OR_RETURN(bool made, EvidenceTableExists(db, table));
    if (!made) continue;  // a store before the migration that makes it
    // Every enterprise the table or the chain knows for this table.
    BURSAR_ASSIGN_OR_RETURN(std::vector<std::string> codes, CodesIn(db, table));
    std::set<std::string> all(codes.begin(), codes.end());
    const std::string prefix = table + "/";
    for (auto it = chain.lower_bound(prefix); it != chain.end() && it->first.starts_with(prefix); ++it) {
      if (!it->second.image.empty()) all.insert(it->first.substr(prefix.size()));
    }
    codes.assign(all.begin(), all.end());
    BURSAR_ASSIGN_OR_RETURN(auto now, FromRows(db, table, codes));
    for (const std::string& code : codes) {
      auto is = now.find(code);
      auto was = chain.find(prefix + code);
      Sum sealed;
      int64_t seq = 0;
      bool readable = true;
      if (was != chain.end() && !was->second.image.empty()) {
        const json image = json::parse(was->second.image, nullptr, false);
        readable = image.is_object() && FromHex(image.value("digest", ""), &sealed);
        if (readable) sealed.rows = image.value("row_count", int64_t{0});
        seq = was->second.seq;
      }
      if (is != now.end()) out->rows_checked += is->second.rows;
      const bool in_table = is != now.end(), in_chain = seq != 0;
      if (in_table && in_chain && readable && is->second.rows == sealed.rows && is->second.limbs == sealed.limbs) {
        continue;
      }
      RowDisagreement d;
      d.table = table;
      d.key = code;
      d.key_text = "credit_code=" + code;
      d.sealed_seq = seq;
      if (in_table) d.row = Shown(is->second);
      if (in_chain) d.chain = readable ? Shown(sealed) : was->second.image;
      const std::string where = table + " rows of enterprise " + code + ": ";
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
