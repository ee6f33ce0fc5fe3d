#include "store/database.h"

#include <charconv>

namespace bursar::store {

namespace {
const std::string kEmpty;
}

const std::string& Row::Text(size_t i) const { return cells_[i] ? *cells_[i] : kEmpty; }

int64_t Row::Int(size_t i) const {
  if (!cells_[i]) return 0;
  const std::string& s = *cells_[i];
  int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

std::string Placeholders(size_t n) {
  std::string out;
  out.reserve(n * 3);
  for (size_t i = 0; i < n; ++i) out += i ? ", ?" : "?";
  return out;
}

Result<std::vector<Row>> Database::Query(const std::string& sql, std::initializer_list<Param> params) {
  std::vector<Row> rows;
  BURSAR_RETURN_IF_ERROR(QuerySpan(sql, std::span<const Param>(params.begin(), params.size()), &rows));
  return rows;
}

Result<std::optional<Row>> Database::QueryOne(const std::string& sql, std::initializer_list<Param> params) {
  std::vector<Row> rows;
  BURSAR_RETURN_IF_ERROR(QuerySpan(sql, std::span<const Param>(params.begin(), params.size()), &rows));
  if (rows.empty()) return std::optional<Row>();
  if (rows.size() > 1) return Status(StatusCode::kInternal, "query expected one row, got several: " + sql);
  return std::optional<Row>(std::move(rows.front()));
}

Status Database::ExecuteBatch(const std::string& sql, std::span<const Param> params, size_t width,
                              std::vector<int64_t>* changed, std::vector<int64_t>* returned) {
  changed->clear();
  if (returned != nullptr) returned->clear();
  std::vector<Row> rows;
  for (size_t at = 0; at + width <= params.size(); at += width) {
    if (returned == nullptr) {
      BURSAR_ASSIGN_OR_RETURN(int64_t n, ExecuteSpan(sql, params.subspan(at, width)));
      changed->push_back(n);
      continue;
    }
    rows.clear();
    BURSAR_RETURN_IF_ERROR(QuerySpan(sql, params.subspan(at, width), &rows));
    changed->push_back(static_cast<int64_t>(rows.size()));
    returned->push_back(rows.empty() ? 0 : rows.front().Int(0));
  }
  return OkStatus();
}

Status Database::RunPipeline(std::span<const Step> steps) {
  for (const Step& step : steps) {
    if (step.rows != nullptr) {
      const size_t before = step.rows->size();
      BURSAR_RETURN_IF_ERROR(QuerySpan(step.sql, step.params, step.rows));
      if (step.changed != nullptr) *step.changed = static_cast<int64_t>(step.rows->size() - before);
      continue;
    }
    BURSAR_ASSIGN_OR_RETURN(int64_t n, ExecuteSpan(step.sql, step.params));
    if (step.changed != nullptr) *step.changed = n;
  }
  return OkStatus();
}

Status Database::CopyIn(const std::string& table, const std::vector<std::string>&, std::span<const Param>, size_t) {
  return Status(StatusCode::kInternal, "COPY into " + table + " is PostgreSQL's; the SQLite path inserts");
}

bool IsPostgresUrl(std::string_view url) { return url.starts_with("postgresql://") || url.starts_with("postgres://"); }

Result<std::unique_ptr<Database>> OpenDatabase(const std::string& url, bool create) {
  if (url.empty()) return InvalidArgument("empty database location", "--db");
  if (IsPostgresUrl(url)) return OpenPostgres(url);
  return OpenSqlite(url, create);
}

Result<std::unique_ptr<Transaction>> Transaction::Begin(Database* db) {
  BURSAR_RETURN_IF_ERROR(db->Begin());
  return std::unique_ptr<Transaction>(new Transaction(db));
}

Transaction::~Transaction() {
  if (open_) (void)db_->Rollback();  // nothing more to do if even rollback fails
}

Status Transaction::Commit() {
  open_ = false;
  return db_->Commit();
}

}  // namespace bursar::store
