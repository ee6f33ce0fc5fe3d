// Read-side queries for the HTTP API (declared in the queries block of
// store.h, types in queries.h). Every list is one COUNT and one page query
// with LIMIT/OFFSET over a whitelisted ORDER BY; parameters are always bound.
// The application list also pages by key (PageRequest::after): a page starts
// after the sort key and id of the last row of the page before, so a deep page
// costs what the first does and rows added meanwhile neither repeat nor skip.
//
// The lists stay a page's work as the store grows (issue 7, "Load"): counts
// read the listed table alone (its joins neither add nor drop rows), and the
// sorts the clients use have an index that gives their order, so a page reads
// offset + limit rows instead of sorting the whole table (docs/store-schema.md,
// migration 8).
#include <sodium.h>

#include <cstring>
#include <map>

#include "money/exact.h"
#include "store/store.h"

namespace bursar::store {

namespace {

using ojson = nlohmann::ordered_json;

// The field of `sort` ("field" / "-field") from a whitelist of columns.
Result<std::pair<std::string, bool>> SortField(const std::string& sort,
                                               const std::map<std::string, std::string>& columns) {
  const bool desc = !sort.empty() && sort[0] == '-';
  const std::string name = desc ? sort.substr(1) : sort;
  if (!columns.count(name)) {
    std::string known;
    for (const auto& [k, v] : columns) known += (known.empty() ? "" : ", ") + k;
    return InvalidArgument("cannot sort by '" + name + "' (known: " + known + ", each with - for descending)",
                           "query.sort");
  }
  return std::make_pair(name, desc);
}

// A list of plain columns "a, b" -> "a DESC, b DESC" (or ASC).
std::string Directed(const std::string& columns, bool desc) {
  const char* dir = desc ? " DESC" : " ASC";
  std::string out;
  size_t start = 0;
  for (size_t comma; (comma = columns.find(", ", start)) != std::string::npos; start = comma + 2) {
    out += columns.substr(start, comma - start) + dir + ", ";
  }
  return out + columns.substr(start) + dir;
}

// ORDER BY for `sort` from a whitelist, with `tiebreak` (the natural key)
// appended so the order is total. The tiebreak runs in the sort's direction:
// "-field" is exactly the reverse of "field", so one index on (field, key)
// gives both orders.
Result<std::string> OrderBy(const std::string& sort, const std::map<std::string, std::string>& columns,
                            const std::string& default_order, const std::string& tiebreak) {
  if (sort.empty()) return " ORDER BY " + default_order + ", " + tiebreak;
  BURSAR_ASSIGN_OR_RETURN(auto field, SortField(sort, columns));
  return " ORDER BY " + columns.at(field.first) + (field.second ? " DESC" : " ASC") + ", " +
         Directed(tiebreak, field.second);
}

Status CheckPage(const PageRequest& p) {
  if (p.limit < 1 || p.limit > 500) return InvalidArgument("limit is 1 to 500", "query.limit");
  if (p.offset < 0) return InvalidArgument("offset is 0 or more", "query.offset");
  return OkStatus();
}

// A WHERE clause built from optional conditions; parameters kept as owned
// strings or integers until the query runs.
struct Where {
  std::string sql;
  std::vector<std::string> texts;  // owned; Params point into them
  std::vector<std::variant<int64_t, size_t>> order;  // int, or index into texts

  void Add(const std::string& condition) { sql += (sql.empty() ? " WHERE " : " AND ") + condition; }
  void Text(const std::string& condition, const std::string& value) {
    Add(condition);
    texts.push_back(value);
    order.emplace_back(texts.size() - 1);
  }
  void Int(const std::string& condition, int64_t value) {
    Add(condition);
    order.emplace_back(value);
  }
  void MoreText(const std::string& value) {  // a second placeholder in the same condition
    texts.push_back(value);
    order.emplace_back(texts.size() - 1);
  }
  std::vector<Param> Params() const {
    std::vector<Param> out;
    for (const auto& o : order) {
      if (std::holds_alternative<int64_t>(o)) {
        out.emplace_back(std::get<int64_t>(o));
      } else {
        out.emplace_back(std::string_view(texts[std::get<size_t>(o)]));
      }
    }
    return out;
  }
};

Result<int64_t> Count(Database& db, const std::string& from, const Where& where) {
  std::vector<Row> rows;
  std::vector<Param> params = where.Params();
  BURSAR_RETURN_IF_ERROR(db.QuerySpan("SELECT COUNT(*) " + from + where.sql, params, &rows));
  return rows.empty() ? 0 : rows[0].Int(0);
}

// Count(), kept by the audit head it was read at. A count reads every
// matching index entry (a district's year: 100,000; on PostgreSQL through
// the heap until VACUUM has marked the pages visible), and the office's
// dashboard asks the same counts again between changes. Every change of the
// store appends an audit entry in its transaction, so a query and a head
// name one count. The head is read first: a count read after it is as new as
// the head or newer, never older, and the next request reads the newer head.
// Inside a transaction, which may see its own changes not yet committed,
// the count is read and not kept.
// A query's FROM and WHERE with their bound values: the key of what is kept of it.
std::string QueryKey(const std::string& from, const Where& where) {
  std::string key = from + where.sql;
  for (const Param& p : where.Params()) {
    key += '\x1f';
    if (std::holds_alternative<int64_t>(p)) {
      key += std::to_string(std::get<int64_t>(p));
    } else if (std::holds_alternative<std::string_view>(p)) {
      key += '\'';
      key += std::get<std::string_view>(p);
    } else {
      key += "null";
    }
  }
  return key;
}

Result<int64_t> AuditHead(Database& db) {
  BURSAR_ASSIGN_OR_RETURN(auto head, db.QueryOne("SELECT seq FROM audit_head WHERE id = 1"));
  return head ? head->Int(0) : 0;
}

Result<int64_t> CountAtHead(Database& db, ListCache* cache, const std::string& from, const Where& where) {
  if (db.InTransaction()) return Count(db, from, where);
  BURSAR_ASSIGN_OR_RETURN(const int64_t seq, AuditHead(db));
  const std::string key = QueryKey(from, where);
  {
    std::lock_guard<std::mutex> lock(cache->mu);
    if (auto it = cache->counts.find(key); it != cache->counts.end() && it->second.first == seq) {
      return it->second.second;
    }
  }
  BURSAR_ASSIGN_OR_RETURN(int64_t count, Count(db, from, where));
  std::lock_guard<std::mutex> lock(cache->mu);
  if (cache->counts.size() >= 256) cache->counts.clear();
  // Another connection may have kept a newer head's count meanwhile.
  if (auto it = cache->counts.find(key); it == cache->counts.end() || it->second.first <= seq) {
    cache->counts[key] = {seq, count};
  }
  return count;
}

// The id at place (offset / kListAnchorEvery) × kListAnchorEvery of the
// applications matching `where` in id order (`desc`: from the highest), kept
// with every such anchor by the audit head, as counts are: a page at a deep
// offset then starts at the anchor below it and skips fewer than
// kListAnchorEvery rows. PostgreSQL walked the index one executor step a row,
// 16–24 ms for OFFSET 90,000. None when the offset is short, in a
// transaction, or past the end.
Result<std::optional<int64_t>> AnchorAtHead(Database& db, ListCache* cache, const Where& where, bool desc,
                                            int64_t offset) {
  if (offset < kListAnchorEvery || db.InTransaction()) return std::optional<int64_t>();
  BURSAR_ASSIGN_OR_RETURN(const int64_t seq, AuditHead(db));
  const std::string key = std::string(desc ? "-" : "+") + QueryKey("FROM application a", where);
  const auto at = static_cast<size_t>(offset / kListAnchorEvery);
  auto anchor_of = [&](const std::vector<int64_t>& every) {
    return at < every.size() ? std::optional<int64_t>(every[at]) : std::optional<int64_t>();
  };
  {
    std::lock_guard<std::mutex> lock(cache->mu);
    if (auto it = cache->anchors.find(key); it != cache->anchors.end() && it->second.first == seq) {
      return anchor_of(it->second.second);
    }
  }
  // PostgreSQL numbers the ids and sends every kListAnchorEvery-th (the
  // first, the 1,001st, ...), not the 100,000 of a district's year through
  // libpq; SQLite reads the ids in order ten times faster than it numbers
  // them (8 against 84 ms at 100,000), and keeps every kListAnchorEvery-th.
  const std::string dir = desc ? " DESC" : " ASC";
  const bool numbered = db.dialect() == Dialect::kPostgres;
  std::vector<Row> rows;
  std::vector<Param> params = where.Params();
  if (numbered) params.emplace_back(kListAnchorEvery);
  BURSAR_RETURN_IF_ERROR(db.QuerySpan(numbered ? "SELECT id FROM (SELECT a.id AS id, ROW_NUMBER() OVER (ORDER BY a.id" +
                                                     dir + ") AS n FROM application a" + where.sql +
                                                     ") t WHERE n % ? = 1 ORDER BY n"
                                               : "SELECT a.id FROM application a" + where.sql + " ORDER BY a.id" + dir,
                                      params, &rows));
  std::vector<int64_t> every;
  for (size_t i = 0; i < rows.size(); i += numbered ? 1 : static_cast<size_t>(kListAnchorEvery)) {
    every.push_back(rows[i].Int(0));
  }
  const std::optional<int64_t> anchor = anchor_of(every);
  std::lock_guard<std::mutex> lock(cache->mu);
  if (cache->anchors.size() >= 64) cache->anchors.clear();
  if (auto it = cache->anchors.find(key); it == cache->anchors.end() || it->second.first <= seq) {
    cache->anchors[key] = {seq, std::move(every)};
  }
  return anchor;
}

Result<std::vector<Row>> PageRows(Database& db, const std::string& select, const std::string& from,
                                  const Where& where, const std::string& order, const PageRequest& page) {
  std::vector<Row> rows;
  std::vector<Param> params = where.Params();
  params.emplace_back(page.limit);
  params.emplace_back(page.offset);
  BURSAR_RETURN_IF_ERROR(
      db.QuerySpan(select + " " + from + where.sql + order + " LIMIT ? OFFSET ?", params, &rows));
  return rows;
}

std::string LikePattern(const std::string& q) {
  std::string out = "%";
  for (char c : q) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

constexpr const char* kApplicationSelect =
    "SELECT a.id, a.credit_code, a.year, a.measure, a.item, a.project, a.claim, a.state, a.notice_until, "
    "a.created_at, a.updated_at, a.version, e.name, d.total_fen, a.policy";
constexpr const char* kApplicationFrom =
    "FROM application a JOIN enterprise e ON e.credit_code = a.credit_code "
    "LEFT JOIN decision d ON d.application_id = a.id AND d.in_force = 1";
// The joins of kApplicationFrom, after its table.
constexpr std::string_view kApplicationJoins =
    std::string_view(kApplicationFrom).substr(std::string_view("FROM application a ").size());

ApplicationRow ApplicationRowFrom(const Row& r) {
  ApplicationRow out;
  out.application = ApplicationFromRow(r, 14);
  out.version = r.Int(11);
  out.enterprise_name = r.Text(12);
  if (!r.IsNull(13)) out.total_fen = r.Int(13);
  return out;
}

EnterpriseRecord EnterpriseFrom(const Row& r) {
  return {r.Text(0), r.Text(1), r.Int(2) == 1, r.Int(3) == 1, r.Int(4) == 1, r.Int(5) == 1, r.Text(6)};
}

// The columns of kObjectionSelect, in order.
ObjectionRecord ObjectionFrom(const Row& r) {
  return {r.Int(0), r.Int(1), r.Text(2), r.Text(3), r.Text(4), r.Text(5), r.Text(6), r.Text(7), r.Text(8)};
}
constexpr const char* kObjectionSelect =
    "SELECT o.id, o.application_id, o.filed_by, o.reason, o.filed_at, o.state, o.resolution, o.resolved_at, "
    "(SELECT a.policy FROM application a WHERE a.id = o.application_id)";

// A page of applications in the order of COALESCE(d.total_fen, -1), then id,
// without sorting them all: the decided ones (total_fen >= 0) come from the
// index decision_by_total in (total_fen, application_id) order, the undecided
// ones (-1) by id; ascending, the undecided come first. `total` is the count
// of applications matching `w`.
Result<std::vector<Row>> ApplicationsByTotal(Database& db, const Where& w, int64_t total, bool desc,
                                             const PageRequest& page) {
  const std::string decided_from =
      "FROM decision d JOIN application a ON a.id = d.application_id "
      "JOIN enterprise e ON e.credit_code = a.credit_code";
  Where decided = w;
  decided.Add("d.in_force = 1");
  Where undecided = w;
  undecided.Add("d.application_id IS NULL");
  int64_t n_decided = 0;
  {
    std::vector<Row> count;
    std::vector<Param> params = decided.Params();
    // Without a filter on the application, the index alone answers.
    const std::string from =
        w.sql.empty() ? "FROM decision d" : "FROM decision d JOIN application a ON a.id = d.application_id";
    BURSAR_RETURN_IF_ERROR(db.QuerySpan("SELECT COUNT(*) " + from + decided.sql, params, &count));
    n_decided = count.empty() ? 0 : count[0].Int(0);
  }
  const char* dir = desc ? " DESC" : " ASC";
  struct Part {
    const Where* where;
    std::string from;
    std::string order;
    int64_t size;
  };
  const Part decided_part = {&decided, decided_from,
                             std::string(" ORDER BY d.total_fen") + dir + ", d.application_id" + dir, n_decided};
  const Part undecided_part = {&undecided, kApplicationFrom, std::string(" ORDER BY a.id") + dir,
                               total - n_decided};
  std::vector<Row> out;
  int64_t offset = page.offset;
  for (const Part* part : desc ? std::vector<const Part*>{&decided_part, &undecided_part}
                               : std::vector<const Part*>{&undecided_part, &decided_part}) {
    const int64_t want = page.limit - static_cast<int64_t>(out.size());
    if (want <= 0) break;
    if (offset >= part->size) {
      offset -= part->size;
      continue;
    }
    BURSAR_ASSIGN_OR_RETURN(auto rows, PageRows(db, kApplicationSelect, part->from, *part->where, part->order,
                                                PageRequest{want, offset, "", ""}));
    offset = 0;
    for (Row& r : rows) out.push_back(std::move(r));
  }
  return out;
}

// ---- keyset paging of the application list ---------------------------------
//
// A `next` token is base64url (unpadded) of the JSON array [sort, key, id]:
// the sort's field ("id" for the default order), the last row's value of that
// field and its id. Opaque to clients; checked on the way back in, since a
// client may send anything.

struct SortColumn {
  const char* sql;
  bool is_int;
};

// The application list's sorts by a plain column (all but total), each with
// the index that gives its order (migrations 8 and 9; id is the key).
const std::map<std::string, SortColumn>& ApplicationSortColumns() {
  static const std::map<std::string, SortColumn> columns = {
      {"id", {"a.id", true}},
      {"year", {"a.year", true}},
      {"measure", {"a.measure", false}},
      {"state", {"a.state", false}},
      {"credit_code", {"a.credit_code", false}},
      {"created_at", {"a.created_at", false}},
      {"updated_at", {"a.updated_at", false}},
      {"version", {"a.version", true}},
  };
  return columns;
}

// The value of sort field `field` in `row` (the column of ApplicationSortColumns).
nlohmann::json SortKey(const ApplicationRow& row, const std::string& field) {
  const Application& a = row.application;
  if (field == "id") return a.id;
  if (field == "year") return a.year;
  if (field == "measure") return a.measure;
  if (field == "state") return ApplicationStateName(a.state);
  if (field == "credit_code") return a.credit_code;
  if (field == "created_at") return a.created_at;
  if (field == "updated_at") return a.updated_at;
  return row.version;  // "version"
}

std::string EncodeCursor(const std::string& field, const nlohmann::json& key, int64_t id) {
  const std::string raw = nlohmann::json::array({field, key, id}).dump();
  std::string out(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()), raw.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

struct Cursor {
  nlohmann::json key;
  int64_t id = 0;
};

// The cursor of `token` for a list sorted by `field`.
Result<Cursor> DecodeCursor(const std::string& token, const std::string& field, bool is_int) {
  const Status bad = InvalidArgument(
      "after takes the `next` of a page of this list in the same sort (here " + field + ")", "query.after");
  if (token.size() > 1024) return bad;
  std::string raw(token.size(), '\0');
  size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(), token.data(), token.size(),
                        nullptr, &length, &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != token.data() + token.size()) {
    return bad;
  }
  raw.resize(length);
  const nlohmann::json j = nlohmann::json::parse(raw, nullptr, false);
  if (!j.is_array() || j.size() != 3 || j[0] != field || !j[2].is_number_integer() ||
      !(is_int ? j[1].is_number_integer() : j[1].is_string())) {
    return bad;
  }
  return Cursor{j[1], j[2].get<int64_t>()};
}

// Up to `limit` rows of the list in the order of `column` (then id, both in
// the direction `desc`) that come after `cursor`: first the rest of the
// cursor's key (key = k AND id past), then the keys past it; each part is one
// range of the index on (column, id). (A row-value comparison (column, id) >
// (k, i) would be one query, but SQLite 3.40 seeks on its first column only,
// and a key such as year holds thousands of rows.)
Result<std::vector<Row>> ApplicationsAfter(Database& db, const Where& w, const std::string& field,
                                           const SortColumn& column, bool desc, const Cursor& cursor,
                                           int64_t limit) {
  const char* past = desc ? " < ?" : " > ?";
  const char* dir = desc ? " DESC" : " ASC";
  const std::string key_text = cursor.key.is_string() ? cursor.key.get<std::string>() : "";
  auto add_key = [&](Where* where, const std::string& op) {
    if (column.is_int) {
      where->Int(std::string(column.sql) + op, cursor.key.get<int64_t>());
    } else {
      where->Text(std::string(column.sql) + op, key_text);
    }
  };
  std::vector<Row> out;
  if (field == "id") {
    Where rest = w;
    rest.Int(std::string("a.id") + past, cursor.id);
    return PageRows(db, kApplicationSelect, kApplicationFrom, rest, std::string(" ORDER BY a.id") + dir,
                    PageRequest{limit, 0, "", ""});
  }
  Where same = w;
  add_key(&same, " = ?");
  same.Int(std::string("a.id") + past, cursor.id);
  BURSAR_ASSIGN_OR_RETURN(out, PageRows(db, kApplicationSelect, kApplicationFrom, same,
                                        std::string(" ORDER BY a.id") + dir, PageRequest{limit, 0, "", ""}));
  const int64_t want = limit - static_cast<int64_t>(out.size());
  if (want <= 0) return out;
  Where later = w;
  add_key(&later, past);
  BURSAR_ASSIGN_OR_RETURN(auto rows, PageRows(db, kApplicationSelect, kApplicationFrom, later,
                                              std::string(" ORDER BY ") + column.sql + dir + ", a.id" + dir,
                                              PageRequest{want, 0, "", ""}));
  for (Row& r : rows) out.push_back(std::move(r));
  return out;
}

}  // namespace

Result<Page<ApplicationRow>> Store::ListApplications(const ApplicationQuery& q) {
  BURSAR_RETURN_IF_ERROR(CheckPage(q.page));
  if (!q.state.empty() && !ParseApplicationState(q.state)) {
    return InvalidArgument("unknown state '" + q.state +
                               "' (draft, submitted, in_review, decided, notice, final, paid, recovered)",
                           "query.state");
  }
  Where w;
  if (!q.state.empty()) w.Text("a.state = ?", q.state);
  if (q.year != 0) w.Int("a.year = ?", q.year);
  if (!q.measure.empty()) w.Text("a.measure = ?", q.measure);
  if (!q.credit_code.empty()) w.Text("a.credit_code = ?", q.credit_code);
  if (q.policy) w.Text("a.policy = ?", *q.policy);
  if (!q.review.empty() && q.review != "assigned" && q.review != "submitted" && q.review != "excluded") {
    return InvalidArgument("unknown review state '" + q.review + "' (assigned, submitted, excluded)", "query.review");
  }
  if (!q.review.empty() && q.reviewer.empty()) {
    return InvalidArgument("review filters one reviewer's reviews: give reviewer too", "query.review");
  }
  if (!q.reviewer.empty() && !q.review.empty()) {
    w.Text("a.id IN (SELECT r.application_id FROM review r WHERE r.reviewer = ? AND r.state = ?)", q.reviewer);
    w.MoreText(q.review);
  } else if (!q.reviewer.empty()) {
    w.Text("a.id IN (SELECT r.application_id FROM review r WHERE r.reviewer = ?)", q.reviewer);
  }
  static const std::map<std::string, std::string> kSort = [] {
    std::map<std::string, std::string> sort = {{"total", "COALESCE(d.total_fen, -1)"}};
    for (const auto& [name, column] : ApplicationSortColumns()) sort[name] = column.sql;
    return sort;
  }();
  if (!q.page.after.empty() && q.page.offset != 0) {
    return InvalidArgument("after continues from the page it came with: send it without offset", "query.offset");
  }
  Page<ApplicationRow> page;
  // The joins keep the row count: every application has its enterprise (a
  // foreign key) and at most one decision in force (a unique index).
  BURSAR_ASSIGN_OR_RETURN(page.total, CountAtHead(*db_, list_cache_.get(), "FROM application a", w));
  std::vector<Row> rows;
  if (q.page.sort == "total" || q.page.sort == "-total") {
    if (!q.page.after.empty()) {
      return InvalidArgument("the total sort pages by offset only (after works with every other sort)",
                             "query.after");
    }
    BURSAR_ASSIGN_OR_RETURN(rows, ApplicationsByTotal(*db_, w, page.total, q.page.sort[0] == '-', q.page));
    for (const Row& r : rows) page.items.push_back(ApplicationRowFrom(r));
    return page;
  }
  BURSAR_ASSIGN_OR_RETURN(auto field, SortField(q.page.sort.empty() ? "id" : q.page.sort, kSort));
  const SortColumn& column = ApplicationSortColumns().at(field.first);
  // One row more than the page: whether a next page exists.
  const int64_t want = q.page.limit + 1;
  if (q.page.after.empty()) {
    // The page's ids are cut from the application table alone (an index of
    // the order, read without its rows where it covers the filter), and only
    // the page's rows are read and joined to their enterprise and decision:
    // a deep offset no longer reads the whole join of every row before it
    // (PostgreSQL joined and sorted the whole year for OFFSET 15000).
    BURSAR_ASSIGN_OR_RETURN(std::string order, OrderBy(q.page.sort, kSort, "a.id", "a.id"));
    // In id order a deep page starts from the kept anchor below it.
    Where from = w;
    int64_t offset = q.page.offset;
    if (field.first == "id") {
      BURSAR_ASSIGN_OR_RETURN(std::optional<int64_t> anchor,
                              AnchorAtHead(*db_, list_cache_.get(), w, field.second, q.page.offset));
      if (anchor) {
        from.Int(field.second ? "a.id <= ?" : "a.id >= ?", *anchor);
        offset = q.page.offset % kListAnchorEvery;
      }
    }
    std::vector<Param> params = from.Params();
    params.emplace_back(want);
    params.emplace_back(offset);
    BURSAR_RETURN_IF_ERROR(db_->QuerySpan(std::string(kApplicationSelect) + " FROM (SELECT a.id FROM application a" +
                                              from.sql + order + " LIMIT ? OFFSET ?) p JOIN application a ON a.id = p.id " +
                                              std::string(kApplicationJoins) + order,
                                          params, &rows));
  } else {
    BURSAR_ASSIGN_OR_RETURN(Cursor cursor, DecodeCursor(q.page.after, field.first, column.is_int));
    BURSAR_ASSIGN_OR_RETURN(rows, ApplicationsAfter(*db_, w, field.first, column, field.second, cursor, want));
  }
  const bool more = static_cast<int64_t>(rows.size()) > q.page.limit;
  if (more) rows.pop_back();
  for (const Row& r : rows) page.items.push_back(ApplicationRowFrom(r));
  if (more && !page.items.empty()) {
    const ApplicationRow& last = page.items.back();
    page.next = EncodeCursor(field.first, SortKey(last, field.first), last.application.id);
  }
  return page;
}

Result<ApplicationRow> Store::GetApplicationRow(int64_t id) {
  BURSAR_ASSIGN_OR_RETURN(auto row, db_->QueryOne(std::string(kApplicationSelect) + " " + kApplicationFrom +
                                                      " WHERE a.id = ?",
                                                  {id}));
  if (!row) return Status(StatusCode::kNotFound, "no application " + std::to_string(id), "id");
  return ApplicationRowFrom(*row);
}

Result<bool> Store::IsReviewerOf(int64_t application_id, const std::string& reviewer) {
  BURSAR_ASSIGN_OR_RETURN(auto row, db_->QueryOne("SELECT 1 FROM review WHERE application_id = ? AND reviewer = ?",
                                                  {application_id, reviewer}));
  return row.has_value();
}

Result<Page<EnterpriseRecord>> Store::ListEnterprises(const EnterpriseQuery& q) {
  BURSAR_RETURN_IF_ERROR(CheckPage(q.page));
  Where w;
  if (!q.q.empty()) {
    w.Text("(LOWER(e.name) LIKE LOWER(?) ESCAPE '\\' OR e.credit_code LIKE ? ESCAPE '\\')", LikePattern(q.q));
    w.MoreText(LikePattern(q.q));
  }
  if (!q.credit_code.empty()) w.Text("e.credit_code = ?", q.credit_code);
  if (!q.reviewer.empty()) {
    w.Text("e.credit_code IN (SELECT a.credit_code FROM application a JOIN review r ON r.application_id = a.id "
           "WHERE r.reviewer = ?)",
           q.reviewer);
  }
  static const std::map<std::string, std::string> kSort = {{"credit_code", "e.credit_code"}, {"name", "e.name"}};
  BURSAR_ASSIGN_OR_RETURN(std::string order, OrderBy(q.page.sort, kSort, "e.credit_code", "e.credit_code"));
  const std::string from = "FROM enterprise e";
  Page<EnterpriseRecord> page;
  BURSAR_ASSIGN_OR_RETURN(page.total, Count(*db_, from, w));
  BURSAR_ASSIGN_OR_RETURN(
      auto rows, PageRows(*db_,
                          "SELECT e.credit_code, e.name, e.registered_in_chaoyang, e.taxed_in_chaoyang, "
                          "e.independent_legal_person, e.serious_dishonesty_record, e.tags",
                          from, w, order, q.page));
  for (const Row& r : rows) page.items.push_back(EnterpriseFrom(r));
  return page;
}

Result<std::optional<EnterpriseRecord>> Store::FindEnterprise(const std::string& code) {
  BURSAR_ASSIGN_OR_RETURN(auto row, db_->QueryOne("SELECT credit_code, name, registered_in_chaoyang, taxed_in_chaoyang, "
                                                  "independent_legal_person, serious_dishonesty_record, tags "
                                                  "FROM enterprise WHERE credit_code = ?",
                                                  {code}));
  if (!row) return std::optional<EnterpriseRecord>();
  return std::optional<EnterpriseRecord>(EnterpriseFrom(*row));
}

namespace {

enum class Cell { kText, kMoney, kInt, kBool, kJson };
struct EvidenceColumn {
  const char* name;    // as in the import file
  const char* column;  // in the table
  Cell cell;
};
struct EvidenceTable {
  const char* kind;
  const char* table;
  const char* year_condition;  // with one ? for the year as text or integer
  bool year_is_int;
  std::vector<EvidenceColumn> columns;
  const char* order;
};

// The read-side view of the evidence tables (docs/store-schema.md).
const std::vector<EvidenceTable>& EvidenceTables() {
  static const std::vector<EvidenceTable> tables = {
      {"listings", "listing", "SUBSTR(CAST(listing_date AS TEXT), 1, 4) = ?", false,
       {{"exchange", "exchange", Cell::kText},
        {"listing_id", "listing_id", Cell::kText},
        {"product", "product", Cell::kText},
        {"type", "type", Cell::kText},
        {"listing_date", "listing_date", Cell::kText},
        {"status", "status", Cell::kText}},
       "listing_date, exchange, listing_id"},
      {"certificates", "certificate", "SUBSTR(CAST(issue_date AS TEXT), 1, 4) = ?", false,
       {{"platform", "platform", Cell::kText},
        {"number", "number", Cell::kText},
        {"resource", "resource", Cell::kText},
        {"right", "registered_right", Cell::kText},
        {"issue_date", "issue_date", Cell::kText},
        {"valid_until", "valid_until", Cell::kText},
        {"status", "status", Cell::kText}},
       "issue_date, platform, number"},
      {"fs_inclusions", "fs_inclusion", "year = ?", true,
       {{"year", "year", Cell::kInt}, {"amount", "amount_fen", Cell::kMoney}, {"first_time", "first_time", Cell::kBool}},
       "year"},
      {"trades", "trade", "SUBSTR(CAST(trade_date AS TEXT), 1, 4) = ?", false,
       {{"exchange", "exchange", Cell::kText},
        {"trade_id", "trade_id", Cell::kText},
        {"date", "trade_date", Cell::kText},
        {"side", "side", Cell::kText},
        {"amount", "amount_fen", Cell::kMoney},
        {"legally_established", "legally_established", Cell::kBool}},
       "trade_date, exchange, trade_id"},
      {"filings", "filing", "SUBSTR(CAST(filing_date AS TEXT), 1, 4) = ?", false,
       {{"filing_id", "filing_id", Cell::kText}, {"date", "filing_date", Cell::kText}, {"amount", "amount_fen", Cell::kMoney}},
       "filing_date, filing_id"},
      {"exports", "export_clearance", "SUBSTR(CAST(clearance_date AS TEXT), 1, 4) = ?", false,
       {{"route", "route", Cell::kText},
        {"number", "number", Cell::kText},
        {"authority", "authority", Cell::kText},
        {"date", "clearance_date", Cell::kText}},
       "clearance_date, route, number"},
      {"projects", "scenario_project", "year = ?", true,
       {{"project_id", "project_id", Cell::kText},
        {"year", "year", Cell::kInt},
        {"investment", "investment_fen", Cell::kMoney},
        {"civil_construction", "civil_construction_fen", Cell::kMoney}},
       "year, project_id"},
      {"platforms", "platform_operation",
       "SUBSTR(CAST(operation_start AS TEXT), 1, 4) <= ?",  // in operation by that year
       false,
       {{"platform_id", "platform_id", Cell::kText},
        {"name", "name", Cell::kText},
        {"completed_date", "completed_date", Cell::kText},
        {"operation_start", "operation_start", Cell::kText},
        {"operation_end", "operation_end", Cell::kText}},
       "operation_start, platform_id"},
      {"figures", "figure", "year = ?", true,
       {{"policy", "policy", Cell::kText},
        {"year", "year", Cell::kInt},
        {"name", "name", Cell::kText},
        {"value", "value", Cell::kJson}},
       "policy, year, name"},
  };
  return tables;
}

}  // namespace

Result<ojson> Store::ListEvidence(const std::string& code, const std::string& kind, int64_t year) {
  // Every evidence row's provenance (D-G10, migration 17) after its fields.
  static const EvidenceColumn kProvenance[] = {{"source", "source", Cell::kText},
                                               {"supplied_by", "supplied_by", Cell::kText},
                                               {"verified_by", "verified_by", Cell::kText},
                                               {"verified_on", "verified_on", Cell::kText}};
  ojson out = ojson::object();
  bool found = kind.empty();
  for (const EvidenceTable& table : EvidenceTables()) {
    if (!kind.empty() && kind != table.kind) continue;
    if (std::string_view(table.table) == "figure" && !programmes_) continue;  // from migration 28
    found = true;
    EvidenceTable t = table;
    t.columns.insert(t.columns.end(), std::begin(kProvenance), std::end(kProvenance));
    std::string sql = "SELECT ";
    for (size_t i = 0; i < t.columns.size(); ++i) {
      sql += (i ? ", " : "") + std::string(t.columns[i].column);
    }
    sql += std::string(" FROM ") + t.table + " WHERE credit_code = ?";
    std::vector<Param> params = {std::string_view(code)};
    const std::string year_text = std::to_string(year);
    if (year != 0) {
      sql += std::string(" AND ") + t.year_condition;
      if (t.year_is_int) {
        params.emplace_back(year);
      } else {
        params.emplace_back(std::string_view(year_text));
      }
    }
    sql += std::string(" ORDER BY ") + t.order;
    std::vector<Row> rows;
    BURSAR_RETURN_IF_ERROR(db_->QuerySpan(sql, params, &rows));
    ojson items = ojson::array();
    for (const Row& r : rows) {
      ojson item;
      for (size_t i = 0; i < t.columns.size(); ++i) {
        const EvidenceColumn& c = t.columns[i];
        if (r.IsNull(i)) {
          item[c.name] = nullptr;
          continue;
        }
        switch (c.cell) {
          case Cell::kText: item[c.name] = r.Text(i); break;
          case Cell::kMoney: item[c.name] = Exact::Fen(r.Int(i)).ToMoneyString(); break;
          case Cell::kInt: item[c.name] = r.Int(i); break;
          case Cell::kBool: item[c.name] = r.Int(i) == 1; break;
          case Cell::kJson: item[c.name] = ojson::parse(r.Text(i), nullptr, false); break;
        }
      }
      items.push_back(std::move(item));
    }
    out[t.kind] = std::move(items);
  }
  if (!found) {
    return InvalidArgument("unknown evidence kind '" + kind +
                               "' (listings, certificates, fs_inclusions, trades, filings, exports, projects, platforms, figures)",
                           "query.kind");
  }
  return out;
}

Result<Page<ObjectionRecord>> Store::ListObjections(const ObjectionQuery& q) {
  BURSAR_RETURN_IF_ERROR(CheckPage(q.page));
  Where w;
  if (q.state == "resolved") {
    w.Add("o.state <> 'open'");
  } else if (q.state == "open" || q.state == "upheld" || q.state == "dismissed") {
    w.Text("o.state = ?", q.state);
  } else if (!q.state.empty()) {
    return InvalidArgument("unknown state '" + q.state + "' (open, resolved, upheld, dismissed)", "query.state");
  }
  if (q.application_id != 0) w.Int("o.application_id = ?", q.application_id);
  if (q.policy) w.Text("o.application_id IN (SELECT a.id FROM application a WHERE a.policy = ?)", *q.policy);
  static const std::map<std::string, std::string> kSort = {
      {"id", "o.id"}, {"filed_at", "o.filed_at"}, {"state", "o.state"}, {"application_id", "o.application_id"}};
  BURSAR_ASSIGN_OR_RETURN(std::string order, OrderBy(q.page.sort, kSort, "o.id", "o.id"));
  const std::string from = "FROM objection o";
  Page<ObjectionRecord> page;
  BURSAR_ASSIGN_OR_RETURN(page.total, Count(*db_, from, w));
  BURSAR_ASSIGN_OR_RETURN(auto rows, PageRows(*db_, kObjectionSelect, from, w, order, q.page));
  for (const Row& r : rows) page.items.push_back(ObjectionFrom(r));
  return page;
}

Result<std::optional<ObjectionRecord>> Store::FindObjection(int64_t id) {
  BURSAR_ASSIGN_OR_RETURN(auto row,
                          db_->QueryOne(std::string(kObjectionSelect) + " FROM objection o WHERE o.id = ?", {id}));
  if (!row) return std::optional<ObjectionRecord>();
  return std::optional<ObjectionRecord>(ObjectionFrom(*row));
}

Result<Page<PaymentRecord>> Store::ListPayments(const PaymentQuery& q) {
  BURSAR_RETURN_IF_ERROR(CheckPage(q.page));
  Where w;
  if (q.year != 0) w.Int("a.year = ?", q.year);
  if (!q.credit_code.empty()) w.Text("a.credit_code = ?", q.credit_code);
  if (q.policy) w.Text("a.policy = ?", *q.policy);
  static const std::map<std::string, std::string> kSort = {
      {"paid_on", "p.paid_on"}, {"amount", "p.amount_fen"}, {"application_id", "p.application_id"}};
  BURSAR_ASSIGN_OR_RETURN(std::string order,
                          OrderBy(q.page.sort, kSort, "p.paid_on", "p.application_id, p.instalment"));
  // Payments are at most the year's decided applications: SQLite is told to
  // read them first (CROSS JOIN fixes its join order), or it takes
  // `a.year = ?` for a few rows and reads the whole year's applications to
  // find them. PostgreSQL's statistics choose this order by themselves.
  const std::string from = std::string("FROM payment p ") +
                           (db_->dialect() == Dialect::kPostgres ? "JOIN" : "CROSS JOIN") +
                           " application a ON a.id = p.application_id JOIN enterprise e ON e.credit_code = a.credit_code";
  Page<PaymentRecord> page;
  BURSAR_ASSIGN_OR_RETURN(page.total, Count(*db_, from, w));
  BURSAR_ASSIGN_OR_RETURN(auto rows, PageRows(*db_,
                                              "SELECT p.application_id, a.credit_code, e.name, a.measure, a.year, "
                                              "p.instalment, p.amount_fen, p.paid_on, p.reference, a.policy",
                                              from, w, order, q.page));
  for (const Row& r : rows) {
    page.items.push_back({r.Int(0), r.Text(1), r.Text(2), r.Text(3), r.Int(4),
                          Payment{r.Int(5), r.Int(6), r.Text(7), r.Text(8)}, r.Text(9)});
  }
  return page;
}

Result<Page<NoticeRecord>> Store::ListNotices(const NoticeQuery& q) {
  BURSAR_RETURN_IF_ERROR(CheckPage(q.page));
  Where w;
  w.Add("a.state = 'notice'");
  if (q.year != 0) w.Int("a.year = ?", q.year);
  if (q.policy) w.Text("a.policy = ?", *q.policy);
  static const std::map<std::string, std::string> kSort = {{"id", "a.id"},
                                                           {"notice_until", "a.notice_until"},
                                                           {"total", "COALESCE(d.total_fen, 0)"},
                                                           {"credit_code", "a.credit_code"}};
  BURSAR_ASSIGN_OR_RETURN(std::string order, OrderBy(q.page.sort, kSort, "a.id", "a.id"));
  Page<NoticeRecord> page;
  BURSAR_ASSIGN_OR_RETURN(page.total, Count(*db_, "FROM application a", w));
  BURSAR_ASSIGN_OR_RETURN(auto rows, PageRows(*db_,
                                              "SELECT a.id, a.credit_code, e.name, a.measure, a.item, a.notice_until, "
                                              "a.year, COALESCE(d.total_fen, 0), a.policy",
                                              kApplicationFrom, w, order, q.page));
  for (const Row& r : rows) {
    page.items.push_back(
        {r.Int(0), r.Text(1), r.Text(2), r.Text(3), r.Text(4), r.Text(5), r.Int(6), r.Int(7), r.Text(8)});
  }
  return page;
}

Result<Page<AuditEntry>> Store::ListAuditNewestFirst(int64_t limit, int64_t offset) {
  BURSAR_RETURN_IF_ERROR(CheckPage({limit, offset, "", ""}));
  Page<AuditEntry> page;
  // The chain numbers its entries 1, 2, ... without a gap (`audit verify`
  // names a missing one), so the head's seq is the count and the page
  // starts at seq head - offset: a seek, where OFFSET walked `offset`
  // entries of the index (6-20 ms at 350,000 entries), and the page is the
  // one of the head it counted, whatever was appended since.
  BURSAR_ASSIGN_OR_RETURN(page.total, AuditHeadSeq());
  BURSAR_ASSIGN_OR_RETURN(auto rows, db_->Query("SELECT seq, prev_digest, actor, at, change, digest FROM audit_log "
                                                "WHERE seq <= ? ORDER BY seq DESC LIMIT ?",
                                                {page.total - offset, limit}));
  for (const Row& r : rows) page.items.push_back({r.Int(0), r.Text(1), r.Text(2), r.Text(3), r.Text(4), r.Text(5)});
  return page;
}

Result<Page<AuditEntry>> Store::ListAudit(const AuditQuery& q) {
  if (q.actor.empty() && q.op.empty() && q.application_id == 0 && q.at_from.empty() && q.at_before.empty()) {
    return ListAuditNewestFirst(q.limit, q.offset);
  }
  BURSAR_RETURN_IF_ERROR(CheckPage({q.limit, q.offset, "", ""}));
  const bool pg = db_->dialect() == Dialect::kPostgres;
  // A field of the change as text, and the change's "applications" array.
  auto field = [&](const char* name) {
    return pg ? "(change::jsonb ->> '" + std::string(name) + "')" : "json_extract(change, '$." + std::string(name) + "')";
  };
  Where w;
  if (!q.actor.empty()) w.Text("actor = ?", q.actor);
  if (!q.op.empty()) {
    if (q.op.back() == '.') {
      w.Text(field("op") + " LIKE ? ESCAPE '\\'", LikePattern(q.op).substr(1));  // a prefix, not a substring
    } else {
      w.Text(field("op") + " = ?", q.op);
    }
  }
  if (q.application_id != 0 && audit_by_application_) {
    w.Add("seq IN (SELECT seq FROM audit_application WHERE application_id = " + std::to_string(q.application_id) + ")");
  } else if (q.application_id != 0) {
    const std::string id = std::to_string(q.application_id);
    w.Add(pg ? "((change::jsonb ->> 'application') = '" + id + "' OR (change::jsonb -> 'applications') @> '[" + id +
                   "]'::jsonb)"
             : "(json_extract(change, '$.application') = " + id +
                   " OR EXISTS (SELECT 1 FROM json_each(change, '$.applications') WHERE value = " + id + "))");
  }
  if (!q.at_from.empty()) w.Text("at >= ?", q.at_from);
  if (!q.at_before.empty()) w.Text("at < ?", q.at_before);
  Page<AuditEntry> page;
  BURSAR_ASSIGN_OR_RETURN(page.total, CountAtHead(*db_, list_cache_.get(), "FROM audit_log", w));
  BURSAR_ASSIGN_OR_RETURN(auto rows, PageRows(*db_, "SELECT seq, prev_digest, actor, at, change, digest",
                                              "FROM audit_log", w, " ORDER BY seq DESC",
                                              PageRequest{q.limit, q.offset, "", ""}));
  for (const Row& r : rows) page.items.push_back({r.Int(0), r.Text(1), r.Text(2), r.Text(3), r.Text(4), r.Text(5)});
  return page;
}

Result<int64_t> Store::AuditHeadSeq() {
  BURSAR_ASSIGN_OR_RETURN(auto row, db_->QueryOne("SELECT seq FROM audit_head WHERE id = 1"));
  return row ? row->Int(0) : 0;
}

Result<std::vector<std::string>> Store::EnterpriseCodes() {
  BURSAR_ASSIGN_OR_RETURN(auto rows, db_->Query("SELECT credit_code FROM enterprise ORDER BY credit_code"));
  std::vector<std::string> out;
  out.reserve(rows.size());
  for (const Row& r : rows) out.push_back(r.Text(0));
  return out;
}

Result<std::vector<std::pair<std::string, nlohmann::json>>> Store::ClaimsOfYear(int64_t year,
                                                                               const std::optional<std::string>& policy) {
  std::vector<Row> rows;
  if (policy) {
    BURSAR_ASSIGN_OR_RETURN(rows, db_->Query("SELECT credit_code, claim FROM application WHERE year = ? AND policy = ? "
                                             "ORDER BY credit_code, id",
                                             {year, *policy}));
  } else {
    BURSAR_ASSIGN_OR_RETURN(rows, db_->Query("SELECT credit_code, claim FROM application WHERE year = ? "
                                             "ORDER BY credit_code, id",
                                             {year}));
  }
  std::vector<std::pair<std::string, nlohmann::json>> out;
  for (const Row& r : rows) {
    nlohmann::json claim = nlohmann::json::parse(r.Text(1), nullptr, false);
    if (!claim.is_object() || claim.value("apply_free", false)) continue;
    out.emplace_back(r.Text(0), std::move(claim));
  }
  return out;
}

}  // namespace bursar::store
