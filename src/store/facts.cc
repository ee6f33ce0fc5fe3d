// Facts of CASES.md from stored evidence, with the rows behind each figure.
//
// Readings (docs/store-schema.md, "Facts from evidence"):
//  - listed_data_products: listings dated on or before 31 December of the
//    year, whatever their later status, except revoked ones (a revoked listing
//    never counted). Cumulative, as CASES.md says.
//  - registration_certificates: likewise, by issue date, except revoked ones.
//  - fs_inclusion_*: the year's inclusion; "first time" only when the row says
//    so and no earlier year has an inclusion.
//  - exchange_trading_volume: the year's trades at legally established
//    institutions, each on the enterprise's own side (one row per enterprise and
//    trade, so a trade counts once per enterprise).
//  - filed_trading_volume: the year's filings for market entry.
//  - compliant_export_first_time: the enterprise's earliest clearance falls in
//    the year; export_route is the route of the year's first clearance.
//  - platform_in_operation: a platform of the enterprise (completed, with an
//    operation period) operated on at least one day of the year.
#include <algorithm>
#include <map>
#include <utility>

#include "money/exact.h"
#include "store/case_batch.h"

namespace bursar::store {

namespace {

using ojson = nlohmann::ordered_json;

// Which rows count toward a fact: one SQL condition each, used both by the
// figure (an aggregate over many enterprises at once) and by the
// explanation's list of rows (its last column), so the two cannot disagree.
constexpr const char* kListingCounts = "status <> 'revoked'";
constexpr const char* kCertificateCounts = "status <> 'revoked'";
constexpr const char* kTradeCounts = "legally_established = 1";
// Measure 02's platform "completed and put into operation": operated on some
// day of the year. Two parameters: the year's last day, then its first.
constexpr const char* kPlatformOperates = "operation_start <= ? AND (operation_end IS NULL OR operation_end >= ?)";
// D-G10: a row the applicant declared counts only once an officer verified it.
constexpr const char* kVerified = "(source = 'official' OR verified_by IS NOT NULL)";

std::string Flag(const std::string& condition) { return "CASE WHEN " + condition + " THEN 1 ELSE 0 END"; }

// The columns an explanation reads after a row's own: whether it counts by
// its source (official, or declared and verified), its source and verifier.
std::string ProvenanceColumns() { return ", " + Flag(kVerified) + ", source, verified_by"; }

// Marks a row of an explanation with its provenance, read at column `at` of
// `r` (ProvenanceColumns): declared rows say so and who verified them.
// Returns whether the row counts by its source.
bool MarkProvenance(const Row& r, size_t at, ojson* ref) {
  if (r.Text(at + 1) == "declared") {
    (*ref)["source"] = "declared";
    (*ref)["verified_by"] = r.IsNull(at + 2) ? ojson(nullptr) : ojson(r.Text(at + 2));
  }
  if (r.Int(at) == 1) return true;
  (*ref)["why_excluded"] = "declared by the enterprise, not yet verified by an officer (D-G10)";
  return false;
}

// One list of rows in an explanation: every row is counted, the ones in the
// window are listed (FactsRows). Next() says whether the next row is listed,
// so rows outside the window are not even built.
struct RowList {
  explicit RowList(const FactsRows& w) : window(w) {}
  bool Next() {
    const bool listed = total >= window.offset && (window.limit < 0 || total < window.offset + window.limit);
    ++total;
    return listed;
  }
  const FactsRows& window;
  ojson items = ojson::array();
  int64_t total = 0;
};

// A cumulative count of registry rows (listings, certificates) up to the end
// of the year: the explanation lists the rows that count and the others.
// `sql` selects the fields `columns` names, then whether the row counts, then
// ProvenanceColumns().
Status ExplainRegistryRows(Database& db, const std::string& sql, const std::string& code, const std::string& last,
                           const std::vector<std::string>& columns, int64_t value, const std::string& rule,
                           const FactsRows& window, ojson* out) {
  BURSAR_ASSIGN_OR_RETURN(auto rows, db.Query(sql, {code, last}));
  RowList used(window), excluded(window);
  for (const Row& r : rows) {
    ojson ref = ojson::object();
    const bool verified = MarkProvenance(r, columns.size() + 1, &ref);
    RowList& list = r.Int(columns.size()) == 1 && verified ? used : excluded;
    if (!list.Next()) continue;
    for (size_t i = 0; i < columns.size(); ++i) ref[columns[i]] = r.Text(i);
    list.items.push_back(std::move(ref));
  }
  *out = {{"value", value},
          {"rule", rule},
          {"rows", std::move(used.items)},
          {"excluded", std::move(excluded.items)},
          {"rows_total", used.total},
          {"excluded_total", excluded.total}};
  return OkStatus();
}

}  // namespace

ojson Store::FactsOf(const FactFigures& f, int64_t year) {
  const std::string first = std::to_string(year) + "-01-01";
  ojson facts;
  facts["listed_data_products"] = f.listed;
  facts["registration_certificates"] = f.certificates;
  facts["fs_inclusion_first_time"] = f.fs_first();
  facts["fs_inclusion_amount"] = FenToMoneyString(f.fs_amount);
  facts["exchange_trading_volume"] = FenToMoneyString(f.trading);
  facts["filed_trading_volume"] = FenToMoneyString(f.filed);
  facts["compliant_export_first_time"] = !f.first_clearance.empty() && f.first_clearance >= first;
  facts["export_route"] = f.export_route.empty() ? ojson(nullptr) : ojson(f.export_route);
  facts["platform_in_operation"] = f.in_operation;
  return facts;
}

std::vector<Store::FigureQuery> Store::FigureQueries(int64_t year, size_t count, std::string_view first,
                                                    std::string_view last, bool with_declared) {
  // Every query below is of these enterprises' rows that count by their source.
  const std::string in = "credit_code IN (" + Placeholders(count) + ")" +
                         (with_declared ? std::string() : std::string(" AND ") + kVerified);
  const std::string first_day(first);
  std::vector<FigureQuery> q;
  q.push_back({"SELECT credit_code, COUNT(*) FROM listing WHERE " + in + " AND listing_date <= ? AND " +
                   kListingCounts + " GROUP BY credit_code",
               {last}, [](const Row& r, FactFigures& f) { f.listed = r.Int(1); }});
  q.push_back({"SELECT credit_code, COUNT(*) FROM certificate WHERE " + in + " AND issue_date <= ? AND " +
                   kCertificateCounts + " GROUP BY credit_code",
               {last}, [](const Row& r, FactFigures& f) { f.certificates = r.Int(1); }});
  q.push_back({"SELECT credit_code, year, amount_fen, first_time FROM fs_inclusion WHERE " + in + " AND year <= ?",
               {year}, [year](const Row& r, FactFigures& f) {
                 ++f.fs_rows;
                 if (r.Int(1) != year) return;
                 f.fs_row = true;
                 f.fs_amount = r.Int(2);
                 f.fs_row_first = r.Int(3) == 1;
               }});
  // Sums are cast to BIGINT on both engines: an overflow is an error, never a wrap.
  q.push_back({"SELECT credit_code, CAST(SUM(amount_fen) AS BIGINT) FROM trade WHERE " + in +
                   " AND trade_date >= ? AND trade_date <= ? AND " + kTradeCounts + " GROUP BY credit_code",
               {first, last}, [](const Row& r, FactFigures& f) { f.trading = r.Int(1); }});
  q.push_back({"SELECT credit_code, CAST(SUM(amount_fen) AS BIGINT) FROM filing WHERE " + in +
                   " AND filing_date >= ? AND filing_date <= ? GROUP BY credit_code",
               {first, last}, [](const Row& r, FactFigures& f) { f.filed = r.Int(1); }});
  q.push_back({"SELECT credit_code, route, clearance_date FROM export_clearance WHERE " + in +
                   " AND clearance_date <= ? ORDER BY credit_code, clearance_date, route, number",
               {last}, [first_day](const Row& r, FactFigures& f) {
                 if (f.first_clearance.empty()) f.first_clearance = r.Text(2);
                 if (f.export_route.empty() && r.Text(2) >= first_day) f.export_route = r.Text(1);
               }});
  q.push_back({"SELECT DISTINCT credit_code FROM platform_operation WHERE " + in + " AND " + kPlatformOperates,
               {last, first}, [](const Row&, FactFigures& f) { f.in_operation = true; }});
  return q;
}

Status Store::AddFigures(const FigureQuery& query, const std::vector<Row>& rows,
                         std::map<std::string, FactFigures>* out) {
  for (const Row& r : rows) {
    auto it = out->find(r.Text(0));
    if (it == out->end()) return Status(StatusCode::kInternal, "a row of an enterprise not asked for");
    query.each(r, it->second);
  }
  return OkStatus();
}

Status Store::FiguresOf(Database& db, int64_t year, const std::vector<std::string>& codes,
                        std::map<std::string, FactFigures>* out, bool with_declared) {
  if (codes.empty()) return OkStatus();
  const std::string first = std::to_string(year) + "-01-01";
  const std::string last = std::to_string(year) + "-12-31";
  for (const std::string& code : codes) (*out)[code];
  for (const FigureQuery& q : FigureQueries(year, codes.size(), first, last, with_declared)) {
    std::vector<Param> params;
    params.reserve(codes.size() + q.tail.size());
    for (const std::string& code : codes) params.emplace_back(std::string_view(code));
    params.insert(params.end(), q.tail.begin(), q.tail.end());
    std::vector<Row> rows;
    BURSAR_RETURN_IF_ERROR(db.QuerySpan(q.sql, params, &rows));
    BURSAR_RETURN_IF_ERROR(AddFigures(q, rows, out));
  }
  return OkStatus();
}

Result<int64_t> Store::DeclaredPending(const std::string& code) {
  // The tables of the kinds an enterprise may declare (export clearances never are).
  constexpr const char* kDeclarable[] = {"listing", "certificate",      "fs_inclusion",       "trade",
                                         "filing",  "scenario_project", "platform_operation", "figure"};
  std::string sql = "SELECT 0";
  std::vector<Param> params;
  for (const char* table : kDeclarable) {
    if (std::string_view(table) == "figure" && !programmes_) continue;  // from migration 28
    sql += std::string(" + (SELECT COUNT(*) FROM ") + table +
           " WHERE credit_code = ? AND source = 'declared' AND verified_by IS NULL)";
    params.emplace_back(std::string_view(code));
  }
  std::vector<Row> rows;
  BURSAR_RETURN_IF_ERROR(db_->QuerySpan(sql, params, &rows));
  return rows.empty() ? 0 : rows[0].Int(0);
}

Result<DerivedFacts> Store::DeriveFacts(const std::string& code, int64_t year, const FactsRows& window) {
  Database& db = *db_;
  BURSAR_ASSIGN_OR_RETURN(auto enterprise, db.QueryOne("SELECT 1 FROM enterprise WHERE credit_code = ?", {code}));
  if (!enterprise) return Status(StatusCode::kNotFound, "no enterprise " + code, "credit_code");
  const std::string first = std::to_string(year) + "-01-01";
  const std::string last = std::to_string(year) + "-12-31";
  std::map<std::string, FactFigures> figures;
  BURSAR_RETURN_IF_ERROR(FiguresOf(db, year, {code}, &figures));
  const FactFigures& f = figures[code];
  DerivedFacts out;
  out.facts = FactsOf(f, year);
  {
    std::map<std::string, FactFigures> declared;
    BURSAR_RETURN_IF_ERROR(FiguresOf(db, year, {code}, &declared, /*with_declared=*/true));
    out.facts_with_declared = FactsOf(declared[code], year);
    BURSAR_ASSIGN_OR_RETURN(out.declared_pending, DeclaredPending(code));
  }
  ojson& why = out.explanation;
  // The explanation: the figures above, and the rows behind each.
  BURSAR_RETURN_IF_ERROR(ExplainRegistryRows(
      db,
      std::string("SELECT exchange, listing_id, product, listing_date, status, ") + Flag(kListingCounts) +
          ProvenanceColumns() + " FROM listing WHERE credit_code = ? AND listing_date <= ? ORDER BY listing_date, exchange, listing_id",
      code, last, {"exchange", "listing_id", "product", "listing_date", "status"}, f.listed,
      "listings dated on or before " + last + ", except revoked ones", window, &why["listed_data_products"]));
  BURSAR_RETURN_IF_ERROR(ExplainRegistryRows(
      db,
      std::string("SELECT platform, number, registered_right, issue_date, status, ") + Flag(kCertificateCounts) +
          ProvenanceColumns() + " FROM certificate WHERE credit_code = ? AND issue_date <= ? ORDER BY issue_date, platform, number",
      code, last, {"platform", "number", "right", "issue_date", "status"}, f.certificates,
      "certificates issued on or before " + last + ", except revoked ones", window,
      &why["registration_certificates"]));
  {
    BURSAR_ASSIGN_OR_RETURN(auto rows, db.Query("SELECT year, amount_fen, first_time" + ProvenanceColumns() +
                                                    " FROM fs_inclusion WHERE credit_code = ? AND year = ?",
                                                {code, year}));
    RowList used(window), excluded(window);
    for (const Row& r : rows) {
      ojson ref = {{"year", r.Int(0)}, {"amount", FenToMoneyString(r.Int(1))}, {"first_time", r.Int(2) == 1}};
      RowList& list = MarkProvenance(r, 3, &ref) ? used : excluded;
      if (list.Next()) list.items.push_back(std::move(ref));
    }
    const std::string note = !f.fs_row       ? "no inclusion recorded for " + std::to_string(year)
                             : f.fs_first()  ? "the year's inclusion, the first recorded"
                             : f.fs_row_first ? "the row says first time, but an earlier year has an inclusion"
                                              : "the year's inclusion, not the first";
    why["fs_inclusion"] = {{"first_time", f.fs_first()},
                           {"amount", FenToMoneyString(f.fs_amount)},
                           {"rule", note},
                           {"rows", std::move(used.items)},
                           {"excluded", std::move(excluded.items)},
                           {"rows_total", used.total},
                           {"excluded_total", excluded.total}};
  }
  {
    BURSAR_ASSIGN_OR_RETURN(auto rows, db.Query(std::string("SELECT exchange, trade_id, trade_date, side, amount_fen, ") +
                                                    Flag(kTradeCounts) + ProvenanceColumns() +
                                                    " FROM trade WHERE credit_code = ? AND "
                                                    "trade_date >= ? AND trade_date <= ? "
                                                    "ORDER BY trade_date, exchange, trade_id",
                                                {code, first, last}));
    RowList used(window), excluded(window);
    for (const Row& r : rows) {
      const bool counts = r.Int(5) == 1;
      ojson ref = {{"exchange", r.Text(0)},
                   {"trade_id", r.Text(1)},
                   {"date", r.Text(2)},
                   {"side", r.Text(3)},
                   {"amount", FenToMoneyString(r.Int(4))}};
      const bool verified = MarkProvenance(r, 6, &ref);
      if (!counts) ref["why_excluded"] = "not at a legally established trading institution";
      RowList& list = counts && verified ? used : excluded;
      if (list.Next()) list.items.push_back(std::move(ref));
    }
    why["exchange_trading_volume"] = {
        {"value", FenToMoneyString(f.trading)},
        {"rule", "sum of the enterprise's own side of trades dated " + first + " to " + last +
                     " at legally established trading institutions; each trade once"},
        {"rows", std::move(used.items)},
        {"excluded", std::move(excluded.items)},
        {"rows_total", used.total},
        {"excluded_total", excluded.total}};
  }
  {
    BURSAR_ASSIGN_OR_RETURN(auto rows, db.Query("SELECT filing_id, filing_date, amount_fen" + ProvenanceColumns() +
                                                    " FROM filing WHERE credit_code = ? AND filing_date >= ? AND "
                                                    "filing_date <= ? ORDER BY filing_date, filing_id",
                                                {code, first, last}));
    RowList used(window), excluded(window);
    for (const Row& r : rows) {
      ojson ref = {{"filing_id", r.Text(0)}, {"date", r.Text(1)}, {"amount", FenToMoneyString(r.Int(2))}};
      RowList& list = MarkProvenance(r, 3, &ref) ? used : excluded;
      if (list.Next()) list.items.push_back(std::move(ref));
    }
    why["filed_trading_volume"] = {{"value", FenToMoneyString(f.filed)},
                                   {"rule", "sum of filings for market entry dated " + first + " to " + last},
                                   {"rows", std::move(used.items)},
                                   {"excluded", std::move(excluded.items)},
                                   {"rows_total", used.total},
                                   {"excluded_total", excluded.total}};
  }
  {
    // Clearances are never declared (Store::Import refuses them): only
    // official rows are listed, as only they count.
    BURSAR_ASSIGN_OR_RETURN(auto rows, db.Query(std::string("SELECT route, number, authority, clearance_date FROM "
                                                            "export_clearance WHERE credit_code = ? AND "
                                                            "clearance_date <= ? AND ") +
                                                    kVerified + " ORDER BY clearance_date, route, number",
                                                {code, last}));
    RowList used(window);
    for (const Row& r : rows) {
      if (used.Next()) {
        used.items.push_back(
            {{"route", r.Text(0)}, {"number", r.Text(1)}, {"authority", r.Text(2)}, {"date", r.Text(3)}});
      }
    }
    const bool first_time = out.facts["compliant_export_first_time"].get<bool>();
    const std::string note = f.first_clearance.empty() ? "no clearance on or before " + last
                             : first_time ? "the enterprise's first clearance is in " + std::to_string(year)
                                          : "the enterprise's first clearance was on " + f.first_clearance + ", before " +
                                                std::to_string(year);
    why["compliant_export"] = {{"first_time", first_time},
                               {"route", out.facts["export_route"]},
                               {"rule", note},
                               {"rows", std::move(used.items)},
                               {"rows_total", used.total}};
  }
  {
    BURSAR_ASSIGN_OR_RETURN(auto rows,
                            db.Query(std::string("SELECT platform_id, name, completed_date, operation_start, "
                                                 "operation_end, ") +
                                         Flag(kPlatformOperates) + ProvenanceColumns() +
                                         " FROM platform_operation WHERE credit_code = ? "
                                         "ORDER BY operation_start, platform_id",
                                     {last, first, code}));
    RowList used(window), excluded(window);
    for (const Row& r : rows) {
      const bool operating = r.Int(5) == 1;
      ojson ref = {{"platform_id", r.Text(0)},
                   {"name", r.Text(1)},
                   {"completed_date", r.Text(2)},
                   {"operation_start", r.Text(3)},
                   {"operation_end", r.IsNull(4) ? ojson(nullptr) : ojson(r.Text(4))}};
      const bool verified = MarkProvenance(r, 6, &ref);
      if (!operating) {
        ref["why_excluded"] = r.Text(3) > last ? "operation started after " + last : "operation ended before " + first;
      }
      RowList& list = operating && verified ? used : excluded;
      if (list.Next()) list.items.push_back(std::move(ref));
    }
    why["platform_in_operation"] = {{"value", f.in_operation},
                                    {"rule", "a completed platform of the enterprise in operation on some day from " +
                                                 first + " to " + last},
                                    {"rows", std::move(used.items)},
                                    {"excluded", std::move(excluded.items)},
                                    {"rows_total", used.total},
                                    {"excluded_total", excluded.total}};
  }
  return out;
}

Store::CaseBatch::CaseBatch(Store& store, Database& db, int64_t year, ScalingMemo* memo, bool with_declared,
                            std::string policy)
    : store_(store), db_(db), year_(year), memo_(memo), with_declared_(with_declared), policy_(std::move(policy)) {}

// What Send sent and Receive reads: the statements' rows in the order sent
// (the enterprises, their ledgers, then their figures: one query per kind of
// evidence, or another programme's stored figures), kept where the
// connection writes them when it reads the results.
struct Store::CaseBatch::Sent {
  std::vector<std::string> codes;
  std::string first, last;           // the year's first and last days, which `figures` read
  std::vector<FigureQuery> figures;  // the store's own programme
  std::vector<std::vector<Row>> rows;
};

Store::CaseBatch::~CaseBatch() = default;

Status Store::CaseBatch::Load(const std::vector<std::string>& codes) {
  BURSAR_RETURN_IF_ERROR(Send(codes));
  return Receive();
}

Status Store::CaseBatch::Send(const std::vector<std::string>& codes) {
  if (sent_) return Status(StatusCode::kInternal, "a case batch's reads were sent twice before being read");
  auto sent = std::make_unique<Sent>();
  sent->codes = codes;
  sent->first = std::to_string(year_) + "-01-01";
  sent->last = std::to_string(year_) + "-12-31";
  if (codes.empty()) {
    sent_ = std::move(sent);
    return OkStatus();
  }
  std::vector<Param> of_codes;
  of_codes.reserve(codes.size() + 2);
  for (const std::string& code : sent->codes) of_codes.emplace_back(std::string_view(code));
  std::vector<std::string> sql;
  std::vector<std::vector<Param>> params;
  sql.push_back("SELECT credit_code, name, registered_in_chaoyang, taxed_in_chaoyang, independent_legal_person, "
                "serious_dishonesty_record, tags FROM enterprise WHERE credit_code IN (" +
                Placeholders(codes.size()) + ")");
  params.push_back(of_codes);
  {
    std::vector<Param> with_year = of_codes, all;
    with_year.emplace_back(year_);
    sql.push_back(store_.LedgerStatement("a.credit_code IN (" + Placeholders(codes.size()) + ") AND a.year <= ?",
                                         with_year, policy_, &all));
    params.push_back(std::move(all));
  }
  if (policy_.empty()) {
    sent->figures = FigureQueries(year_, codes.size(), sent->first, sent->last, with_declared_);
    for (const FigureQuery& q : sent->figures) {
      sql.push_back(q.sql);
      params.push_back(of_codes);
      params.back().insert(params.back().end(), q.tail.begin(), q.tail.end());
    }
  } else {
    // Declared figures count once an officer verified them (D-G10).
    sql.push_back(std::string("SELECT credit_code, year, name, value, source FROM figure WHERE "
                              "policy = ? AND year <= ? AND credit_code IN (") +
                  Placeholders(codes.size()) + ")" +
                  (with_declared_ ? std::string() : std::string(" AND ") + kVerified) +
                  " ORDER BY credit_code, year, name");
    params.push_back({std::string_view(policy_), year_});
    params.back().insert(params.back().end(), of_codes.begin(), of_codes.end());
  }
  sent->rows.resize(sql.size());
  std::vector<Database::Step> steps;
  steps.reserve(sql.size());
  for (size_t i = 0; i < sql.size(); ++i) steps.push_back({sql[i], params[i], &sent->rows[i]});
  BURSAR_RETURN_IF_ERROR(db_.SendPipeline(steps));
  sent_ = std::move(sent);
  return OkStatus();
}

Status Store::CaseBatch::Receive() {
  if (!sent_) return OkStatus();
  const std::unique_ptr<Sent> sent = std::move(sent_);
  BURSAR_RETURN_IF_ERROR(db_.Drain());
  if (sent->codes.empty()) return OkStatus();
  for (Row& r : sent->rows[0]) {
    std::string code = r.Text(0);
    enterprises_.emplace(std::move(code), std::move(r));
  }
  // An enterprise without awards has an empty ledger.
  for (const std::string& code : sent->codes) ledgers_[code].clear();
  BURSAR_RETURN_IF_ERROR(store_.EachLedger(db_, sent->rows[1], policy_, memo_,
                                           [&](const std::string& code, std::vector<LedgerLine>&& lines) {
                                             ledgers_[code] = std::move(lines);
                                             return OkStatus();
                                           }));
  if (!policy_.empty()) return AddNamedFigures(sent->rows[2]);
  for (const std::string& code : sent->codes) figures_[code];
  for (size_t i = 0; i < sent->figures.size(); ++i) {
    BURSAR_RETURN_IF_ERROR(AddFigures(sent->figures[i], sent->rows[2 + i], &figures_));
  }
  return OkStatus();
}

Status Store::CaseBatch::AddNamedFigures(const std::vector<Row>& rows) {
  for (const Row& r : rows) {
    // And only a value an enterprise may declare: the policy, as it is now,
    // reads the declaration again (a value an authority gives, `given by`,
    // never counts from a declaration, whoever verified it and when).
    if (r.Text(4) == "declared") {
      if (!store_.figure_reader_) continue;
      auto read = store_.figure_reader_(policy_, r.Int(1), r.Text(0), r.Text(2), r.Text(3), true);
      if (!read.ok() && read.status().code() == StatusCode::kPermissionDenied) continue;
    }
    named_[r.Text(0)][r.Int(1)].emplace_back(r.Text(2), r.Text(3));
  }
  return OkStatus();
}

Result<ojson> Store::CaseBatch::FiguresCase(const std::string& code, const nlohmann::json& claims, int64_t deciding) {
  // A figure's name is its place in the case (imported as kind figures): "applicant.NAME"
  // or "facts.NAME"; its value the JSON the policy reads there.
  ojson c;
  c["year"] = year_;
  c["applicant"] = {{"id", code}};
  c["facts"] = ojson::object();
  ojson earlier = ojson::object();
  for (const auto& [year, named] : named_[code]) {
    for (const auto& [name, value] : named) {
      const size_t dot = name.find('.');
      const std::string section = name.substr(0, dot), field = name.substr(dot + 1);
      ojson v = ojson::parse(value, nullptr, false);
      if (dot == std::string::npos || v.is_discarded()) {
        return Status(StatusCode::kInternal, "figure " + name + " of " + code + " is not a case's value");
      }
      if (year == year_) {
        c[section][field] = std::move(v);
      } else if (section == "facts") {
        earlier[std::to_string(year)][field] = std::move(v);
      }
    }
  }
  if (!earlier.empty()) c["earlier"] = std::move(earlier);
  c["claims"] = claims.is_array() ? ojson(claims) : ojson::array();
  c["history"] = HistoryOf(ledgers_[code], year_, deciding);
  return c;
}

Result<ojson> Store::CaseBatch::Case(const std::string& code, const nlohmann::json& claims, int64_t deciding) {
  auto e = enterprises_.find(code);
  if (e == enterprises_.end()) return Status(StatusCode::kNotFound, "no enterprise " + code, "credit_code");
  if (!ledgers_.count(code)) BURSAR_RETURN_IF_ERROR(LoadLedgers({code}));
  if (!policy_.empty()) return FiguresCase(code, claims, deciding);
  const Row& r = e->second;
  ojson tags = ojson::parse(r.Text(6), nullptr, false);
  if (tags.is_discarded()) tags = ojson::array();
  ojson c;
  c["year"] = year_;
  c["applicant"] = {{"id", code},
                    {"name", r.Text(1)},
                    {"registered_in_chaoyang", r.Int(2) == 1},
                    {"taxed_in_chaoyang", r.Int(3) == 1},
                    {"independent_legal_person", r.Int(4) == 1},
                    {"serious_dishonesty_record", r.Int(5) == 1},
                    {"tags", std::move(tags)}};
  c["facts"] = FactsOf(figures_[code], year_);
  c["claims"] = claims.is_array() ? ojson(claims) : ojson::array();
  c["history"] = HistoryOf(ledgers_[code], year_, deciding);
  return c;
}

Status Store::CaseBatch::LoadLedgers(const std::vector<std::string>& codes) {
  for (const std::string& code : codes) ledgers_[code].clear();  // an enterprise without awards has an empty ledger
  std::vector<Param> params;
  for (const std::string& code : codes) params.emplace_back(std::string_view(code));
  params.emplace_back(year_);
  return store_.ReadLedgers(db_, "a.credit_code IN (" + Placeholders(codes.size()) + ") AND a.year <= ?",
                            params, policy_, memo_, [&](const std::string& code, std::vector<LedgerLine>&& lines) {
                              ledgers_[code] = std::move(lines);
                              return OkStatus();
                            });
}

Result<nlohmann::ordered_json> Store::BuildCase(const std::string& code, int64_t year, const nlohmann::json& claims,
                                                ScalingMemo* memo, int64_t deciding, bool with_declared,
                                                const std::string& policy) {
  CaseBatch batch(*this, *db_, year, memo, with_declared, policy);
  BURSAR_RETURN_IF_ERROR(batch.Load({code}));
  return batch.Case(code, claims, deciding);
}

Status Store::BuildCases(int64_t year, const std::vector<std::string>& codes,
                         const std::function<Status(const std::string&, nlohmann::ordered_json&&)>& each,
                         ScalingMemo* memo, size_t chunk, const std::string& policy, int64_t deciding) {
  std::vector<std::string> sorted = codes;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  if (sorted.empty()) return OkStatus();
  ScalingMemo own;
  chunk = std::max<size_t>(chunk, 1);
  auto batch_of = [&](size_t start, std::vector<std::string>* part) -> Result<std::unique_ptr<CaseBatch>> {
    part->assign(sorted.begin() + static_cast<std::ptrdiff_t>(start),
                 sorted.begin() + static_cast<std::ptrdiff_t>(std::min(sorted.size(), start + chunk)));
    auto batch = std::make_unique<CaseBatch>(*this, *db_, year, memo != nullptr ? memo : &own, false, policy);
    BURSAR_RETURN_IF_ERROR(batch->Send(*part));
    return batch;
  };
  // The next chunk's reads are sent before this chunk's cases are built: on
  // PostgreSQL the server reads the one while bursar decides the other.
  std::vector<std::string> part, next_part;
  BURSAR_ASSIGN_OR_RETURN(std::unique_ptr<CaseBatch> batch, batch_of(0, &part));
  for (size_t start = 0; start < sorted.size(); start += chunk) {
    BURSAR_RETURN_IF_ERROR(batch->Receive());
    std::unique_ptr<CaseBatch> next;
    if (start + chunk < sorted.size()) {
      BURSAR_ASSIGN_OR_RETURN(next, batch_of(start + chunk, &next_part));
    }
    for (const std::string& code : part) {
      BURSAR_ASSIGN_OR_RETURN(ojson c, batch->Case(code, nlohmann::json::array(), deciding));
      BURSAR_RETURN_IF_ERROR(each(code, std::move(c)));
    }
    batch = std::move(next);
    part.swap(next_part);
  }
  return OkStatus();
}

}  // namespace bursar::store
