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
#include <map>
#include <utility>

#include "money/exact.h"
#include "store/store.h"

namespace bursar::store {

namespace {

using ojson = nlohmann::ordered_json;


Status AddFen(int64_t* sum, int64_t v) {
  if (__builtin_add_overflow(*sum, v, sum)) return Status(StatusCode::kOutOfRange, "money sum overflows");
  return OkStatus();
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
// of the year: every row not revoked counts; the explanation lists both kinds.
// `columns` name the selected fields in order; the last one is the status.
Status CountRegistryRows(Database& db, const std::string& sql, const std::string& code, const std::string& last,
                         const std::vector<std::string>& columns, const std::string& fact, const std::string& rule,
                         const FactsRows& window, DerivedFacts* out) {
  BURSAR_ASSIGN_OR_RETURN(auto rows, db.Query(sql, {code, last}));
  RowList used(window), excluded(window);
  for (const Row& r : rows) {
    RowList& list = r.Text(columns.size() - 1) == "revoked" ? excluded : used;
    if (!list.Next()) continue;
    ojson ref = ojson::object();
    for (size_t i = 0; i < columns.size(); ++i) ref[columns[i]] = r.Text(i);
    list.items.push_back(std::move(ref));
  }
  out->facts[fact] = used.total;
  out->explanation[fact] = {{"value", used.total},         {"rule", rule},
                            {"rows", std::move(used.items)}, {"excluded", std::move(excluded.items)},
                            {"rows_total", used.total},      {"excluded_total", excluded.total}};
  return OkStatus();
}

}  // namespace

Result<DerivedFacts> Store::DeriveFacts(const std::string& code, int64_t year, const FactsRows& window) {
  Database& db = *db_;
  BURSAR_ASSIGN_OR_RETURN(auto enterprise, db.QueryOne("SELECT 1 FROM enterprise WHERE credit_code = ?", {code}));
  if (!enterprise) return Status(StatusCode::kNotFound, "no enterprise " + code, "credit_code");
  const std::string first = std::to_string(year) + "-01-01";
  const std::string last = std::to_string(year) + "-12-31";
  DerivedFacts out;
  ojson& facts = out.facts;
  ojson& why = out.explanation;

  BURSAR_RETURN_IF_ERROR(CountRegistryRows(
      db,
      "SELECT exchange, listing_id, product, listing_date, status FROM listing "
      "WHERE credit_code = ? AND listing_date <= ? ORDER BY listing_date, exchange, listing_id",
      code, last, {"exchange", "listing_id", "product", "listing_date", "status"}, "listed_data_products",
      "listings dated on or before " + last + ", except revoked ones", window, &out));
  BURSAR_RETURN_IF_ERROR(CountRegistryRows(
      db,
      "SELECT platform, number, registered_right, issue_date, status FROM certificate "
      "WHERE credit_code = ? AND issue_date <= ? ORDER BY issue_date, platform, number",
      code, last, {"platform", "number", "right", "issue_date", "status"}, "registration_certificates",
      "certificates issued on or before " + last + ", except revoked ones", window, &out));
  {
    BURSAR_ASSIGN_OR_RETURN(auto rows, db.Query("SELECT year, amount_fen, first_time FROM fs_inclusion "
                                                "WHERE credit_code = ? AND year <= ? ORDER BY year",
                                                {code, year}));
    bool first_time = false;
    int64_t amount = 0;
    RowList used(window);
    std::string note = "no inclusion recorded for " + std::to_string(year);
    for (const Row& r : rows) {
      if (r.Int(0) != year) continue;
      amount = r.Int(1);
      first_time = r.Int(2) == 1 && rows.size() == 1;
      if (used.Next()) {
        used.items.push_back(
            {{"year", r.Int(0)}, {"amount", FenToMoneyString(r.Int(1))}, {"first_time", r.Int(2) == 1}});
      }
      note = first_time      ? "the year's inclusion, the first recorded"
             : r.Int(2) == 1 ? "the row says first time, but an earlier year has an inclusion"
                             : "the year's inclusion, not the first";
    }
    facts["fs_inclusion_first_time"] = first_time;
    facts["fs_inclusion_amount"] = FenToMoneyString(amount);
    why["fs_inclusion"] = {{"first_time", first_time},
                           {"amount", FenToMoneyString(amount)},
                           {"rule", note},
                           {"rows", std::move(used.items)},
                           {"rows_total", used.total}};
  }
  {
    BURSAR_ASSIGN_OR_RETURN(auto rows, db.Query("SELECT exchange, trade_id, trade_date, side, amount_fen, "
                                                "legally_established FROM trade WHERE credit_code = ? AND "
                                                "trade_date >= ? AND trade_date <= ? "
                                                "ORDER BY trade_date, exchange, trade_id",
                                                {code, first, last}));
    int64_t sum = 0;
    RowList used(window), excluded(window);
    for (const Row& r : rows) {
      const bool counts = r.Int(5) == 1;
      if (counts) BURSAR_RETURN_IF_ERROR(AddFen(&sum, r.Int(4)));
      RowList& list = counts ? used : excluded;
      if (!list.Next()) continue;
      ojson ref = {{"exchange", r.Text(0)},
                   {"trade_id", r.Text(1)},
                   {"date", r.Text(2)},
                   {"side", r.Text(3)},
                   {"amount", FenToMoneyString(r.Int(4))}};
      if (!counts) ref["why_excluded"] = "not at a legally established trading institution";
      list.items.push_back(std::move(ref));
    }
    facts["exchange_trading_volume"] = FenToMoneyString(sum);
    why["exchange_trading_volume"] = {
        {"value", FenToMoneyString(sum)},
        {"rule", "sum of the enterprise's own side of trades dated " + first + " to " + last +
                     " at legally established trading institutions; each trade once"},
        {"rows", std::move(used.items)},
        {"excluded", std::move(excluded.items)},
        {"rows_total", used.total},
        {"excluded_total", excluded.total}};
  }
  {
    BURSAR_ASSIGN_OR_RETURN(auto rows, db.Query("SELECT filing_id, filing_date, amount_fen FROM filing "
                                                "WHERE credit_code = ? AND filing_date >= ? AND filing_date <= ? "
                                                "ORDER BY filing_date, filing_id",
                                                {code, first, last}));
    int64_t sum = 0;
    RowList used(window);
    for (const Row& r : rows) {
      BURSAR_RETURN_IF_ERROR(AddFen(&sum, r.Int(2)));
      if (used.Next()) {
        used.items.push_back({{"filing_id", r.Text(0)}, {"date", r.Text(1)}, {"amount", FenToMoneyString(r.Int(2))}});
      }
    }
    facts["filed_trading_volume"] = FenToMoneyString(sum);
    why["filed_trading_volume"] = {{"value", FenToMoneyString(sum)},
                                   {"rule", "sum of filings for market entry dated " + first + " to " + last},
                                   {"rows", std::move(used.items)},
                                   {"rows_total", used.total}};
  }
  {
    BURSAR_ASSIGN_OR_RETURN(auto rows, db.Query("SELECT route, number, authority, clearance_date FROM export_clearance "
                                                "WHERE credit_code = ? AND clearance_date <= ? "
                                                "ORDER BY clearance_date, route, number",
                                                {code, last}));
    bool first_time = !rows.empty() && rows.front().Text(3) >= first;
    ojson route = nullptr;
    RowList used(window);
    std::string note = "no clearance on or before " + last;
    for (const Row& r : rows) {
      if (used.Next()) {
        used.items.push_back(
            {{"route", r.Text(0)}, {"number", r.Text(1)}, {"authority", r.Text(2)}, {"date", r.Text(3)}});
      }
      if (route.is_null() && r.Text(3) >= first) route = r.Text(0);
    }
    if (!rows.empty()) {
      note = first_time ? "the enterprise's first clearance is in " + std::to_string(year)
                        : "the enterprise's first clearance was on " + rows.front().Text(3) + ", before " +
                              std::to_string(year);
    }
    facts["compliant_export_first_time"] = first_time;
    facts["export_route"] = route;
    why["compliant_export"] = {{"first_time", first_time},
                               {"route", route},
                               {"rule", note},
                               {"rows", std::move(used.items)},
                               {"rows_total", used.total}};
  }
  {
    // Measure 02: "a platform that has been completed and put into
    // operation": a platform whose operation covers some day of the year.
    BURSAR_ASSIGN_OR_RETURN(auto rows, db.Query("SELECT platform_id, name, completed_date, operation_start, "
                                                "operation_end FROM platform_operation WHERE credit_code = ? "
                                                "ORDER BY operation_start, platform_id",
                                                {code}));
    bool in_operation = false;
    RowList used(window), excluded(window);
    for (const Row& r : rows) {
      const bool operating = r.Text(3) <= last && (r.IsNull(4) || r.Text(4) >= first);
      if (operating) in_operation = true;
      RowList& list = operating ? used : excluded;
      if (!list.Next()) continue;
      ojson ref = {{"platform_id", r.Text(0)},
                   {"name", r.Text(1)},
                   {"completed_date", r.Text(2)},
                   {"operation_start", r.Text(3)},
                   {"operation_end", r.IsNull(4) ? ojson(nullptr) : ojson(r.Text(4))}};
      if (!operating) {
        ref["why_excluded"] = r.Text(3) > last ? "operation started after " + last : "operation ended before " + first;
      }
      list.items.push_back(std::move(ref));
    }
    facts["platform_in_operation"] = in_operation;
    why["platform_in_operation"] = {{"value", in_operation},
                                    {"rule", "a completed platform of the enterprise in operation on some day from " +
                                                 first + " to " + last},
                                    {"rows", std::move(used.items)},
                                    {"excluded", std::move(excluded.items)},
                                    {"rows_total", used.total},
                                    {"excluded_total", excluded.total}};
  }
  return out;
}

Result<nlohmann::ordered_json> Store::BuildCase(const std::string& code, int64_t year, const nlohmann::json& claims,
                                                ScalingMemo* memo, int64_t deciding) {
  BURSAR_ASSIGN_OR_RETURN(auto e, db_->QueryOne("SELECT name, registered_in_chaoyang, taxed_in_chaoyang, "
                                                "independent_legal_person, serious_dishonesty_record, tags "
                                                "FROM enterprise WHERE credit_code = ?",
                                                {code}));
  if (!e) return Status(StatusCode::kNotFound, "no enterprise " + code, "credit_code");
  // A case needs the figures only, not the rows behind them.
  BURSAR_ASSIGN_OR_RETURN(DerivedFacts derived, DeriveFacts(code, year, FactsRows{0, 0}));
  BURSAR_ASSIGN_OR_RETURN(ojson history, History(code, year, memo, deciding));
  ojson tags = ojson::parse(e->Text(5), nullptr, false);
  if (tags.is_discarded()) tags = ojson::array();
  ojson c;
  c["year"] = year;
  c["applicant"] = {{"id", code},
                    {"name", e->Text(0)},
                    {"registered_in_chaoyang", e->Int(1) == 1},
                    {"taxed_in_chaoyang", e->Int(2) == 1},
                    {"independent_legal_person", e->Int(3) == 1},
                    {"serious_dishonesty_record", e->Int(4) == 1},
                    {"tags", std::move(tags)}};
  c["facts"] = std::move(derived.facts);
  c["claims"] = claims.is_array() ? ojson(claims) : ojson::array();
  c["history"] = std::move(history);
  return c;
}

}  // namespace bursar::store
