#include "store/seal.h"

#include <algorithm>
#include <set>

#include "money/exact.h"
#include "store/digest.h"
#include "store/evidence_seal.h"

namespace bursar::store {

namespace {

using json = nlohmann::json;

bool Pg(const Database& db) { return db.dialect() == Dialect::kPostgres; }

// "{a,b}": a PostgreSQL text[] literal of plain column names.
std::string ArrayLiteral(const std::vector<const char*>& names) {
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) out += (i ? "," : "") + std::string(names[i]);
  return out + "}";
}

bool Contains(const std::vector<const char*>& names, const std::string& name) {
  return std::any_of(names.begin(), names.end(), [&](const char* n) { return name == n; });
}

std::string Quoted(const std::string& name) { return "\"" + name + "\""; }

// SQLite: the key of `table`'s row `p` (NEW, OLD or a table alias), as text.
std::string SqliteKey(const SealedTable& table, const std::string& p) {
  std::string out;
  for (size_t i = 0; i < table.key.size(); ++i) {
    if (i) out += " || '/' || ";
    out += "CAST(" + p + "." + Quoted(table.key[i]) + " AS TEXT)";
  }
  return out;
}

Result<std::vector<std::string>> SqliteColumns(Database& db, const std::string& table) {
  BURSAR_ASSIGN_OR_RETURN(auto rows, db.Query("SELECT name FROM pragma_table_info(?) ORDER BY cid", {table}));
  std::vector<std::string> out;
  for (const Row& r : rows) out.push_back(r.Text(0));
  if (out.empty()) return Status(StatusCode::kInternal, "the sealed table " + table + " does not exist");
  return out;
}

// SQLite: the image of row `p` of `table`: json_object() of its columns as
// they are now, skipped ones left out, digested ones as their SHA-256.
Result<std::string> SqliteImage(Database& db, const SealedTable& table, const std::string& p) {
  BURSAR_ASSIGN_OR_RETURN(auto columns, SqliteColumns(db, table.name));
  std::string out = "json_object(";
  bool first = true;
  for (const std::string& c : columns) {
    if (Contains(table.skip, c)) continue;
    if (!first) out += ", ";
    first = false;
    const std::string value = p + "." + Quoted(c);
    out += "'" + c + "', " + (Contains(table.digest, c) ? "bursar_sha256(" + value + ")" : value);
  }
  return out + ")";
}

// The key and image of every row of `table`, as a query.
Result<std::string> ImagesQuery(Database& db, const SealedTable& table) {
  if (Pg(db)) {
    return "SELECT bursar_row_key(to_jsonb(t), CAST(? AS TEXT[])), "
           "bursar_row_image(to_jsonb(t), CAST(? AS TEXT[]), CAST(? AS TEXT[]))::text FROM " +
           Quoted(table.name) + " t";
  }
  BURSAR_ASSIGN_OR_RETURN(std::string image, SqliteImage(db, table, "t"));
  return "SELECT " + SqliteKey(table, "t") + ", " + image + " FROM main." + Quoted(table.name) + " t";
}

// A `_fen` amount also as money, for a person.
std::string Money(const std::string& field, const json& v) {
  if (!field.ends_with("_fen") || !v.is_number_integer()) return "";
  return " (" + FenToMoneyString(v.get<int64_t>()) + ")";
}

std::string Shown(const json& v) { return v.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string KeyText(const SealedTable& table, const std::string& key) {
  std::string out;
  size_t start = 0;
  for (size_t i = 0; i < table.key.size(); ++i) {
    size_t end = i + 1 == table.key.size() ? std::string::npos : key.find('/', start);
    std::string part = key.substr(start, end == std::string::npos ? std::string::npos : end - start);
    out += (i ? ", " : "") + std::string(table.key[i]) + "=" + part;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

Result<bool> TableExists(Database& db, const std::string& table) {
  BURSAR_ASSIGN_OR_RETURN(auto row, db.QueryOne(Pg(db) ? "SELECT 1 WHERE to_regclass(?) IS NOT NULL"
                                                        : "SELECT 1 FROM sqlite_master WHERE type = 'table' "
                                                          "AND name = ?",
                                                {table}));
  return row.has_value();
}

}  // namespace

const std::vector<SealedTable>& SealedTables() {
  // PostgreSQL's triggers (migrations.cc, kSeals) name the same lists.
  static const std::vector<SealedTable> tables = {
      {"enterprise", {"credit_code"}, {}, {}},
      {"application", {"id"}, {"version"}, {}},
      {"review", {"application_id", "reviewer"}, {}, {}},
      {"decision", {"id"}, {}, {"case_json", "output_json"}},
      {"objection", {"id"}, {}, {}},
      {"payment", {"application_id", "instalment"}, {}, {}},
      {"recovery", {"id"}, {}, {}},
      {"budget", {"year"}, {}, {}},
      {"account", {"id"}, {}, {"password_hash"}},
      {"session", {"id_hash"}, {"last_seen_at"}, {"csrf_token"}},
      {"api_token", {"id"}, {}, {}},
      {"document", {"kind", "year", "seq"}, {}, {}},
      {"document_setting", {"key"}, {}, {}},
      {"payment_order", {"id"}, {}, {}},  // from migration 16
      {"account_change", {"id"}, {}, {"password_hash"}},  // from migration 18
      {"master_change", {"id"}, {}, {}},                  // from migration 19
      {"evidence_digest", {"tbl", "credit_code"}, {}, {}},  // from migration 20 (evidence_seal.h)
      {"attachment", {"id"}, {}, {"content"}},               // from migration 24 (attachments.h)
      {"programme_budget", {"policy", "year"}, {}, {}},      // from migration 29
  };
  return tables;
}

Result<std::string> CaptureSetupSql(Database& db) {
  if (Pg(db)) {
    return std::string(
        "CREATE TEMP TABLE IF NOT EXISTS bursar_capture (n BIGINT GENERATED ALWAYS AS IDENTITY, tbl TEXT NOT NULL, "
        "row_key TEXT NOT NULL, image TEXT) ON COMMIT DELETE ROWS");
  }
  std::string sql =
      "CREATE TEMP TABLE IF NOT EXISTS bursar_capture (n INTEGER PRIMARY KEY, tbl TEXT NOT NULL, "
      "row_key TEXT NOT NULL, image TEXT);\n";
  for (const SealedTable& t : SealedTables()) {
    const std::string name = t.name;
    // A table a later migration makes (payment_order) is captured once it exists.
    BURSAR_ASSIGN_OR_RETURN(bool exists, TableExists(db, t.name));
    if (!exists) continue;
    BURSAR_ASSIGN_OR_RETURN(std::string image_new, SqliteImage(db, t, "NEW"));
    const std::string key_new = SqliteKey(t, "NEW"), key_old = SqliteKey(t, "OLD");
    const std::string into = "INSERT INTO bursar_capture (tbl, row_key, image) ";
    for (const char* op : {"i", "u", "d"}) sql += "DROP TRIGGER IF EXISTS temp.bursar_seal_" + name + "_" + op + ";\n";
    sql += "CREATE TEMP TRIGGER bursar_seal_" + name + "_i AFTER INSERT ON main." + Quoted(name) + " BEGIN " + into +
           "VALUES ('" + name + "', " + key_new + ", " + image_new + "); END;\n";
    sql += "CREATE TEMP TRIGGER bursar_seal_" + name + "_u AFTER UPDATE ON main." + Quoted(name) + " BEGIN " + into +
           "SELECT '" + name + "', " + key_old + ", NULL WHERE " + key_old + " IS NOT " + key_new + "; " + into +
           "VALUES ('" + name + "', " + key_new + ", " + image_new + "); END;\n";
    sql += "CREATE TEMP TRIGGER bursar_seal_" + name + "_d AFTER DELETE ON main." + Quoted(name) + " BEGIN " + into +
           "VALUES ('" + name + "', " + key_old + ", NULL); END;\n";
  }
  return sql;
}

Status ClearCaptured(Database& db) {
  if (Pg(db)) return OkStatus();
  return db.Execute("DELETE FROM temp.bursar_capture").status();
}

std::string SealLine(const std::string& table, const std::string& key, const std::optional<std::string>& image) {
  return table + '\x1f' + key + '\x1f' + (image ? *image : std::string("-")) + '\n';
}

json SealSummary(std::vector<std::string> lines) {
  std::sort(lines.begin(), lines.end());
  Sha256 sha;
  sha.Update("bursar-seal-v1\n");
  for (const std::string& line : lines) sha.Update(line);
  return json{{"rows", static_cast<int64_t>(lines.size())}, {"sha256", sha.FinishHex()}};
}

const std::string& PgSealCapturedSql() {
  // The captured images are taken out of the capture table (a transaction
  // may seal several entries: DecideRun), the last image of each row goes to
  // audit_row and comes back for the summary.
  static const std::string sql =
      "WITH d AS (DELETE FROM pg_temp.bursar_capture RETURNING n, tbl, row_key, image), "
      "c AS (SELECT DISTINCT ON (tbl, row_key) tbl, row_key, image FROM d "
      "ORDER BY tbl, row_key, n DESC), "
      "i AS (INSERT INTO audit_row (seq, tbl, row_key, image) SELECT CAST(? AS BIGINT), tbl, row_key, image "
      "FROM c RETURNING tbl, row_key, image) SELECT tbl, row_key, image FROM i";
  return sql;
}

std::optional<json> SealSummaryOfRows(const std::vector<Row>& rows) {
  if (rows.empty()) return std::nullopt;
  std::vector<std::string> lines;
  lines.reserve(rows.size());
  for (const Row& r : rows) {
    lines.push_back(SealLine(r.Text(0), r.Text(1), r.IsNull(2) ? std::nullopt : std::optional(r.Text(2))));
  }
  return SealSummary(std::move(lines));
}

Result<std::optional<json>> SealCaptured(Database& db, int64_t seq) {
  std::vector<std::string> lines;
  if (Pg(db)) {
    // One round trip.
    BURSAR_ASSIGN_OR_RETURN(auto rows, db.Query(PgSealCapturedSql(), {seq}));
    return SealSummaryOfRows(rows);
  }
  BURSAR_ASSIGN_OR_RETURN(auto rows, db.Query("SELECT tbl, row_key, image FROM temp.bursar_capture ORDER BY n"));
  if (rows.empty()) return std::optional<json>();
  std::map<std::pair<std::string, std::string>, std::optional<std::string>> last;
  for (const Row& r : rows) {
    last[{r.Text(0), r.Text(1)}] = r.IsNull(2) ? std::nullopt : std::optional(r.Text(2));
  }
  std::vector<Param> params;
  params.reserve(last.size() * 4);
  for (const auto& [id, image] : last) {
    params.push_back(seq);
    params.push_back(std::string_view(id.first));
    params.push_back(std::string_view(id.second));
    params.push_back(image ? Param(std::string_view(*image)) : Param(nullptr));
    lines.push_back(SealLine(id.first, id.second, image));
  }
  std::vector<int64_t> changed;
  BURSAR_RETURN_IF_ERROR(
      db.ExecuteBatch("INSERT INTO audit_row (seq, tbl, row_key, image) VALUES (?, ?, ?, ?)", params, 4, &changed, nullptr));
  BURSAR_RETURN_IF_ERROR(ClearCaptured(db));
  return std::optional<json>(SealSummary(std::move(lines)));
}

Result<std::map<std::string, std::string>> CurrentImages(Database& db, const SealedTable& table) {
  // A table a later migration creates (payment_order, migration 16) has no rows yet.
  BURSAR_ASSIGN_OR_RETURN(bool exists, TableExists(db, table.name));
  if (!exists) return std::map<std::string, std::string>{};
  BURSAR_ASSIGN_OR_RETURN(std::string sql, ImagesQuery(db, table));
  std::vector<Row> rows;
  if (Pg(db)) {
    const std::string key = ArrayLiteral(table.key), skip = ArrayLiteral(table.skip),
                      digest = ArrayLiteral(table.digest);
    BURSAR_ASSIGN_OR_RETURN(rows, db.Query(sql, {key, skip, digest}));
  } else {
    BURSAR_ASSIGN_OR_RETURN(rows, db.Query(sql));
  }
  std::map<std::string, std::string> out;
  for (const Row& r : rows) out[r.Text(0)] = r.Text(1);
  return out;
}

Result<std::map<std::string, ChainImage>> ChainImages(Database& db, const SealedTable& table) {
  BURSAR_ASSIGN_OR_RETURN(auto rows, db.Query("SELECT a.row_key, a.image, a.seq FROM audit_row a WHERE a.tbl = ? "
                                              "AND a.seq = (SELECT MAX(b.seq) FROM audit_row b "
                                              "WHERE b.tbl = a.tbl AND b.row_key = a.row_key)",
                                              {std::string_view(table.name)}));
  std::map<std::string, ChainImage> out;
  for (const Row& r : rows) out[r.Text(0)] = {r.IsNull(1) ? "" : r.Text(1), r.Int(2)};
  return out;
}

Status InsertSeals(Database& db, int64_t seq, const SealedTable& table,
                   const std::map<std::string, std::string>& images, std::vector<std::string>* lines) {
  std::vector<Param> params;
  params.reserve(images.size() * 4);
  for (const auto& [key, image] : images) {
    params.push_back(seq);
    params.push_back(std::string_view(table.name));
    params.push_back(std::string_view(key));
    params.push_back(image.empty() ? Param(nullptr) : Param(std::string_view(image)));
    lines->push_back(SealLine(table.name, key, image.empty() ? std::nullopt : std::optional(image)));
  }
  if (params.empty()) return OkStatus();
  // In batches, so that PostgreSQL's pipeline stays within its buffers.
  constexpr size_t kBatch = 1024 * 4;
  std::vector<int64_t> changed;
  for (size_t at = 0; at < params.size(); at += kBatch) {
    const size_t n = std::min(kBatch, params.size() - at);
    BURSAR_RETURN_IF_ERROR(db.ExecuteBatch("INSERT INTO audit_row (seq, tbl, row_key, image) VALUES (?, ?, ?, ?)",
                                           std::span<const Param>(params).subspan(at, n), 4, &changed, nullptr));
  }
  return OkStatus();
}

bool SameImage(const std::string& a, const std::string& b) {
  if (a == b) return true;
  const json x = json::parse(a, nullptr, false), y = json::parse(b, nullptr, false);
  return !x.is_discarded() && !y.is_discarded() && x == y;
}

namespace {

// The first entry whose sealed images do not match its summary, checked a
// page of entries at a time against audit_row.
Status CheckSealSummaries(Database& db, Reconciliation* out) {
  constexpr int64_t kPage = 10000;
  int64_t after = 0;
  while (true) {
    BURSAR_ASSIGN_OR_RETURN(auto entries, db.Query("SELECT seq, change FROM audit_log WHERE seq > ? ORDER BY seq "
                                                   "LIMIT ?",
                                                   {after, kPage}));
    if (entries.empty()) break;
    const int64_t last = entries.back().Int(0);
    BURSAR_ASSIGN_OR_RETURN(auto rows, db.Query("SELECT seq, tbl, row_key, image FROM audit_row WHERE seq > ? "
                                                "AND seq <= ? ORDER BY seq",
                                                {after, last}));
    std::map<int64_t, std::vector<std::string>> by_seq;
    for (const Row& r : rows) {
      by_seq[r.Int(0)].push_back(
          SealLine(r.Text(1), r.Text(2), r.IsNull(3) ? std::nullopt : std::optional(r.Text(3))));
    }
    std::set<int64_t> seen;
    for (const Row& e : entries) {
      const int64_t seq = e.Int(0);
      seen.insert(seq);
      const std::string& text = e.Text(1);
      auto it = by_seq.find(seq);
      json recorded;
      if (text.find("\"sealed\":") != std::string::npos) {
        const json change = json::parse(text, nullptr, false);
        if (change.is_object() && change.contains("sealed")) recorded = change["sealed"];
      }
      if (recorded.is_null() && it == by_seq.end()) continue;
      const std::string k = std::to_string(seq);
      if (recorded.is_null()) {
        out->bad_seal_seq = seq;
        out->seal_problem = "audit_row holds " + std::to_string(it->second.size()) + " row images under entry " + k +
                            ", which sealed none: they were inserted outside bursar";
        return OkStatus();
      }
      const json actual = SealSummary(it == by_seq.end() ? std::vector<std::string>() : it->second);
      if (actual != recorded) {
        out->bad_seal_seq = seq;
        out->seal_problem = "the row images entry " + k + " sealed were altered in audit_row (it sealed " +
                            Shown(recorded.value("rows", json())) + " rows, audit_row now holds " +
                            Shown(actual["rows"]) + " whose digest differs)";
        return OkStatus();
      }
    }
    for (const auto& [seq, lines] : by_seq) {
      if (!seen.count(seq)) {
        out->bad_seal_seq = seq;
        out->seal_problem = "audit_row holds row images under entry " + std::to_string(seq) +
                            ", which is not in the log: they were inserted outside bursar";
        return OkStatus();
      }
    }
    after = last;
    if (static_cast<int64_t>(entries.size()) < kPage) break;
  }
  BURSAR_ASSIGN_OR_RETURN(auto beyond, db.QueryOne("SELECT MIN(seq) FROM audit_row WHERE seq > ?", {after}));
  if (beyond && !beyond->IsNull(0)) {
    out->bad_seal_seq = beyond->Int(0);
    out->seal_problem = "audit_row holds row images under entry " + beyond->Text(0) +
                        ", past the end of the log: they were inserted outside bursar";
  }
  return OkStatus();
}

RowDisagreement About(const SealedTable& table, const std::string& key) {
  RowDisagreement d;
  d.table = table.name;
  d.key = key;
  d.key_text = KeyText(table, key);
  return d;
}

void Add(Reconciliation* out, size_t limit, RowDisagreement d) {
  ++out->disagreeing;
  if (out->rows.size() < limit) out->rows.push_back(std::move(d));
}

}  // namespace

Result<Reconciliation> ReconcileSeals(Database& db, size_t limit) {
  Reconciliation out;
  BURSAR_ASSIGN_OR_RETURN(bool sealed, TableExists(db, "audit_row"));
  if (!sealed) return out;
  BURSAR_ASSIGN_OR_RETURN(auto migrations, db.Query("SELECT seq, change FROM audit_log WHERE change LIKE ? "
                                                    "ORDER BY seq",
                                                    {"%\"op\":\"migrate\"%"}));
  for (const Row& r : migrations) {
    const json change = json::parse(r.Text(1), nullptr, false);
    if (change.is_object() && change.value("version", 0) == kSealMigration) out.baseline_seq = r.Int(0);
  }
  BURSAR_RETURN_IF_ERROR(CheckSealSummaries(db, &out));
  for (const SealedTable& table : SealedTables()) {
    BURSAR_ASSIGN_OR_RETURN(bool exists, TableExists(db, table.name));
    if (!exists) continue;
    BURSAR_ASSIGN_OR_RETURN(auto chain, ChainImages(db, table));
    BURSAR_ASSIGN_OR_RETURN(auto current, CurrentImages(db, table));
    for (const auto& [key, image] : current) {
      ++out.rows_checked;
      RowDisagreement d = About(table, key);
      const std::string where = std::string(table.name) + " " + d.key_text;
      auto it = chain.find(key);
      if (it == chain.end()) {
        d.kind = "inserted";
        d.row = image;
        d.message = where + ": not in the audit chain (no entry sealed it): the row was inserted outside bursar";
        Add(&out, limit, std::move(d));
        continue;
      }
      d.sealed_seq = it->second.seq;
      const std::string by = " (sealed by entry " + std::to_string(it->second.seq) + ")";
      if (it->second.image.empty()) {
        d.kind = "restored";
        d.row = image;
        d.message = where + ": the audit chain records the row as deleted" + by + ", but the table holds it";
        Add(&out, limit, std::move(d));
        continue;
      }
      if (SameImage(it->second.image, image)) continue;
      const json was = json::parse(it->second.image, nullptr, false), is = json::parse(image, nullptr, false);
      if (!was.is_object() || !is.is_object()) {
        d.kind = "altered";
        d.chain = it->second.image;
        d.row = image;
        d.message = where + ": differs from its seal" + by;
        Add(&out, limit, std::move(d));
        continue;
      }
      std::set<std::string> fields;
      for (const auto& [f, v] : was.items()) fields.insert(f);
      for (const auto& [f, v] : is.items()) fields.insert(f);
      for (const std::string& f : fields) {
        const json a = was.contains(f) ? was[f] : json(), b = is.contains(f) ? is[f] : json();
        if (was.contains(f) && is.contains(f) && a == b) continue;
        RowDisagreement field = d;
        field.kind = "altered";
        field.field = f;
        field.chain = was.contains(f) ? Shown(a) : "(no such field)";
        field.row = is.contains(f) ? Shown(b) : "(no such field)";
        field.message = where + ": " + f + " is " + field.row + Money(f, b) + " in the table, " + field.chain +
                        Money(f, a) + " in the audit chain" + by;
        Add(&out, limit, std::move(field));
      }
    }
    for (const auto& [key, sealed_image] : chain) {
      if (sealed_image.image.empty() || current.count(key)) continue;
      RowDisagreement d = About(table, key);
      d.kind = "deleted";
      d.sealed_seq = sealed_image.seq;
      d.chain = sealed_image.image;
      d.message = std::string(table.name) + " " + d.key_text + ": deleted from the table; the audit chain holds it" +
                  " (sealed by entry " + std::to_string(sealed_image.seq) + "): " + sealed_image.image;
      Add(&out, limit, std::move(d));
    }
  }
  BURSAR_RETURN_IF_ERROR(ReconcileEvidence(db, limit, &out));
  return out;
}

nlohmann::ordered_json DisagreementsJson(const std::vector<RowDisagreement>& rows) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& d : rows) {
    nlohmann::ordered_json row = {{"table", d.table}, {"key", d.key}, {"kind", d.kind}};
    if (!d.field.empty()) row["field"] = d.field;
    if (!d.chain.empty()) row["chain"] = d.chain;
    if (!d.row.empty()) row["row"] = d.row;
    if (d.sealed_seq) row["sealed_seq"] = d.sealed_seq;
    row["message"] = d.message;
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace bursar::store
