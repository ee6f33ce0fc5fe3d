// The PostgreSQL backend, on libpq.
//
// Parameters travel as text with their types left for the server to infer
// from the statement, which is exactly what the schema's typed columns need.
// Statements are prepared once per connection (named s1, s2, ...).
// Server notices (e.g. "relation already exists, skipping") are dropped: the
// store reports what matters itself.
//
// A lost connection (the server restarted, the network dropped) is
// Unavailable; the next statement outside a transaction reconnects (and
// prepares its statements again). A transaction that lost its connection is
// never resumed: PostgreSQL rolled it back, the caller gets Unavailable, and
// nothing of it is stored. BEGIN and reads outside a transaction, which
// change nothing, are retried once on a fresh connection, so the first
// request after a restart succeeds.
#include <libpq-fe.h>

#include <charconv>
#include <string>
#include <unordered_map>

#include "store/database.h"

namespace bursar::store {

namespace {

// Rewrites `?` placeholders to $1, $2, ... outside quoted literals.
std::string NumberPlaceholders(const std::string& sql, int* count) {
  std::string out;
  out.reserve(sql.size() + 16);
  bool in_single = false, in_double = false;
  int n = 0;
  for (char c : sql) {
    if (c == '\'' && !in_double) in_single = !in_single;
    if (c == '"' && !in_single) in_double = !in_double;
    if (c == '?' && !in_single && !in_double) {
      out += '$';
      out += std::to_string(++n);
    } else {
      out += c;
    }
  }
  *count = n;
  return out;
}

// Removes the password from a URL for messages.
std::string Redact(const std::string& url) {
  auto scheme = url.find("://");
  auto at = url.find('@');
  if (scheme == std::string::npos || at == std::string::npos) return url;
  auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon) + ":***" + url.substr(at);
}

void IgnoreNotice(void*, const char*) {}

class PostgresDatabase final : public Database {
  struct Prepared {
    std::string name;
    int params;
  };

 public:
  PostgresDatabase(PGconn* conn, std::string name) : conn_(conn), name_(std::move(name)) {}
  ~PostgresDatabase() override { PQfinish(conn_); }

  Dialect dialect() const override { return Dialect::kPostgres; }
  const std::string& display_name() const override { return name_; }

  // The session settings every connection starts with.
  Status Configure() { return ExecScript("SET client_min_messages = warning; SET DateStyle = ISO; SET TimeZone = 'UTC'"); }

  Status SetSessionScript(const std::string& sql) override {
    session_script_ = sql;
    return ExecScript(sql);
  }

  Status ExecScript(const std::string& sql) override {
    BURSAR_RETURN_IF_ERROR(Drain());
    BURSAR_RETURN_IF_ERROR(EnsureConnected());
    PGresult* res = PQexec(conn_, sql.c_str());
    Status status = Check(res);
    PQclear(res);
    return status;
  }

  Result<int64_t> ExecuteSpan(const std::string& sql, std::span<const Param> params) override {
    BURSAR_ASSIGN_OR_RETURN(PGresult * res, Run(sql, params));
    int64_t changed = 0;
    const char* tuples = PQcmdTuples(res);
    if (tuples && *tuples) std::from_chars(tuples, tuples + std::char_traits<char>::length(tuples), changed);
    PQclear(res);
    return changed;
  }

  // Pipeline mode (RunPipeline): send every run, then read every result.
  // Batches are kept to about a thousand runs by the caller, so neither
  // side's socket buffer fills while the other is not reading.
  Status ExecuteBatch(const std::string& sql, std::span<const Param> params, size_t width,
                      std::vector<int64_t>* changed, std::vector<int64_t>* returned) override {
    changed->clear();
    if (returned != nullptr) returned->clear();
    if (width == 0 || params.empty()) return OkStatus();
    const size_t runs = params.size() / width;
    std::vector<int64_t> counts(runs);
    std::vector<std::vector<Row>> rows(returned != nullptr ? runs : 0);
    std::vector<Step> steps;
    steps.reserve(runs);
    for (size_t i = 0; i < runs; ++i) {
      steps.push_back({sql, params.subspan(i * width, width), returned != nullptr ? &rows[i] : nullptr, &counts[i]});
    }
    BURSAR_RETURN_IF_ERROR(RunPipeline(steps));
    *changed = std::move(counts);
    if (returned != nullptr) {
      returned->reserve(runs);
      for (const std::vector<Row>& r : rows) returned->push_back(r.empty() || r[0].IsNull(0) ? 0 : r[0].Int(0));
    }
    return OkStatus();
  }

  Status RunPipeline(std::span<const Step> steps) override {
    BURSAR_RETURN_IF_ERROR(SendPipeline(steps));
    return Drain();
  }

  // Every statement prepared first (PQprepare waits for its answer, which
  // pipeline mode does not allow), then sent; the results wait for Drain.
  Status SendPipeline(std::span<const Step> steps) override {
    BURSAR_RETURN_IF_ERROR(Drain());
    if (steps.empty()) return OkStatus();
    BURSAR_RETURN_IF_ERROR(EnsureConnected());
    std::vector<const Prepared*> prepared;
    prepared.reserve(steps.size());
    for (const Step& step : steps) {
      BURSAR_ASSIGN_OR_RETURN(const Prepared* p, Prepare(step.sql));
      if (static_cast<size_t>(p->params) != step.params.size()) {
        return Status(StatusCode::kInternal, "parameter count mismatch: " + step.sql);
      }
      prepared.push_back(p);
    }
    if (PQenterPipelineMode(conn_) != 1) return Status(StatusCode::kUnavailable, "PostgreSQL: cannot pipeline");
    pipelined_ = true;
    pending_.clear();
    pending_status_ = OkStatus();
    for (size_t i = 0; i < steps.size(); ++i) {
      Bind(steps[i].params);
      if (PQsendQueryPrepared(conn_, prepared[i]->name.c_str(), prepared[i]->params, values_.data(),
                              lengths_.data(), nullptr, 0) != 1) {
        pending_status_ = Status(StatusCode::kUnavailable, "PostgreSQL: " + std::string(PQerrorMessage(conn_)));
        break;
      }
      pending_.push_back({steps[i].rows, steps[i].changed});
    }
    PQpipelineSync(conn_);  // and flushes what was sent
    return OkStatus();
  }

  Status Drain() override {
    if (!pipelined_) return OkStatus();
    pipelined_ = false;
    Status status = std::exchange(pending_status_, OkStatus());
    for (const Pending& step : pending_) {
      PGresult* res = PQgetResult(conn_);
      if (status.ok()) {
        status = Check(res);
        if (status.ok()) {
          if (step.rows != nullptr) AppendRows(res, step.rows);
          if (step.changed != nullptr) {
            int64_t n = 0;
            const char* tuples = PQcmdTuples(res);
            if (tuples && *tuples) std::from_chars(tuples, tuples + std::char_traits<char>::length(tuples), n);
            *step.changed = n;
          }
        }
      }
      PQclear(res);
      PQclear(PQgetResult(conn_));  // the NULL that ends this statement's results
    }
    pending_.clear();
    while (PGresult* res = PQgetResult(conn_)) {
      const bool sync = PQresultStatus(res) == PGRES_PIPELINE_SYNC;
      PQclear(res);
      if (sync) break;
    }
    PQexitPipelineMode(conn_);
    return status;
  }

  // COPY text format: tab-separated fields, \N for NULL, and backslash,
  // tab, newline and carriage return escaped. Sent in blocks of ~256 KiB.
  Status CopyIn(const std::string& table, const std::vector<std::string>& columns, std::span<const Param> params,
                size_t width) override {
    if (width == 0 || columns.size() != width) return Status(StatusCode::kInternal, "COPY: column count mismatch");
    BURSAR_RETURN_IF_ERROR(Drain());
    std::string sql = "COPY " + table + " (";
    for (size_t i = 0; i < columns.size(); ++i) sql += (i ? ", " : "") + columns[i];
    sql += ") FROM STDIN";
    PGresult* res = PQexec(conn_, sql.c_str());
    if (res == nullptr || PQresultStatus(res) != PGRES_COPY_IN) {
      Status status = Check(res);
      PQclear(res);
      return status.ok() ? Status(StatusCode::kInternal, "COPY did not start") : status;
    }
    PQclear(res);
    std::string buffer;
    buffer.reserve(1 << 18);
    Status status;
    auto send = [&]() {
      if (status.ok() && !buffer.empty() && PQputCopyData(conn_, buffer.data(), static_cast<int>(buffer.size())) != 1) {
        status = Status(StatusCode::kUnavailable, "PostgreSQL: " + std::string(PQerrorMessage(conn_)));
      }
      buffer.clear();
    };
    char digits[24];
    for (size_t at = 0; at + width <= params.size() && status.ok(); at += width) {
      for (size_t i = 0; i < width; ++i) {
        if (i) buffer += '\t';
        const Param& p = params[at + i];
        if (const auto* v = std::get_if<int64_t>(&p)) {
          auto r = std::to_chars(digits, digits + sizeof digits, *v);
          buffer.append(digits, r.ptr);
        } else if (const auto* text = std::get_if<std::string_view>(&p)) {
          for (char c : *text) {
            switch (c) {
              case '\\': buffer += "\\\\"; break;
              case '\t': buffer += "\\t"; break;
              case '\n': buffer += "\\n"; break;
              case '\r': buffer += "\\r"; break;
              default: buffer += c;
            }
          }
        } else {
          buffer += "\\N";
        }
      }
      buffer += '\n';
      if (buffer.size() >= (1 << 18)) send();
    }
    send();
    if (PQputCopyEnd(conn_, status.ok() ? nullptr : "bursar: COPY abandoned") != 1 && status.ok()) {
      status = Status(StatusCode::kUnavailable, "PostgreSQL: " + std::string(PQerrorMessage(conn_)));
    }
    while (PGresult* r = PQgetResult(conn_)) {
      if (status.ok()) status = Check(r);
      PQclear(r);
    }
    return status;
  }

  Status QuerySpan(const std::string& sql, std::span<const Param> params, std::vector<Row>* rows) override {
    auto ran = Run(sql, params);
    if (!ran.ok() && !in_tx_ && Lost()) ran = Run(sql, params);  // a read: safe to send again
    BURSAR_ASSIGN_OR_RETURN(PGresult * res, std::move(ran));
    AppendRows(res, rows);
    PQclear(res);
    return OkStatus();
  }

  // READ COMMITTED is enough: every write transaction of the store first locks
  // the audit head row (audit.h), which serialises writers.
  Status Begin() override {
    static const std::string kBegin = "BEGIN ISOLATION LEVEL READ COMMITTED";
    Status status = ExecScript(kBegin);
    if (!status.ok() && Lost()) status = ExecScript(kBegin);  // BEGIN changes nothing: send it again
    in_tx_ = status.ok();
    return status;
  }
  // A COMMIT whose connection is lost may or may not have been applied (all
  // of it or none: PostgreSQL commits atomically); the caller gets Unavailable.
  Status Commit() override {
    Status status = ExecScript("COMMIT");
    in_tx_ = false;
    return status;
  }
  // Idle is outside a transaction; a pipeline in flight counts as inside.
  bool InTransaction() const override { return in_tx_ || PQtransactionStatus(conn_) != PQTRANS_IDLE; }
  Status Rollback() override {
    (void)Drain();  // a waiting pipeline's failure is what is being rolled back
    in_tx_ = false;
    // A lost connection's transaction was rolled back by the server.
    if (Lost() || PQtransactionStatus(conn_) == PQTRANS_IDLE) return OkStatus();
    return ExecScript("ROLLBACK");
  }

 private:
  static void AppendRows(PGresult* res, std::vector<Row>* rows) {
    const int nrows = PQntuples(res), ncols = PQnfields(res);
    for (int r = 0; r < nrows; ++r) {
      std::vector<std::optional<std::string>> cells;
      cells.reserve(static_cast<size_t>(ncols));
      for (int c = 0; c < ncols; ++c) {
        if (PQgetisnull(res, r, c)) {
          cells.emplace_back();
        } else {
          cells.emplace_back(std::string(PQgetvalue(res, r, c), static_cast<size_t>(PQgetlength(res, r, c))));
        }
      }
      rows->emplace_back(std::move(cells));
    }
  }

  // True when the connection is gone (the last statement failed for that).
  bool Lost() const { return PQstatus(conn_) != CONNECTION_OK; }

  // Reconnects a lost connection, unless a transaction was running on it:
  // that one is over, and the caller must learn so (Unavailable) and roll back.
  Status EnsureConnected() {
    if (!Lost()) return OkStatus();
    if (in_tx_) {
      return Status(StatusCode::kUnavailable,
                    "PostgreSQL: the connection was lost during a transaction; nothing of it was stored");
    }
    PQreset(conn_);
    if (Lost()) {
      std::string message = PQerrorMessage(conn_);
      while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
      return Status(StatusCode::kUnavailable, "PostgreSQL at " + name_ + " is unavailable: " + message);
    }
    PQsetNoticeProcessor(conn_, IgnoreNotice, nullptr);
    statements_.clear();  // prepared statements belonged to the old session
    BURSAR_RETURN_IF_ERROR(Configure());
    if (session_script_.empty()) return OkStatus();
    PGresult* res = PQexec(conn_, session_script_.c_str());
    Status status = Check(res);
    PQclear(res);
    return status;
  }

  Result<const Prepared*> Prepare(const std::string& sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
      int count = 0;
      std::string text = NumberPlaceholders(sql, &count);
      std::string name = "s" + std::to_string(statements_.size() + 1);
      PGresult* res = PQprepare(conn_, name.c_str(), text.c_str(), count, nullptr);
      Status status = Check(res);
      PQclear(res);
      if (!status.ok()) return status;
      it = statements_.emplace(sql, Prepared{name, count}).first;
    }
    return &it->second;
  }

  // Fills values_/lengths_ for one run; integers become text in numbers_,
  // which is reused so that a run allocates nothing once warm.
  void Bind(std::span<const Param> params) {
    numbers_.resize(params.size());
    values_.resize(params.size());
    lengths_.resize(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      if (const auto* v = std::get_if<int64_t>(&params[i])) {
        numbers_[i] = std::to_string(*v);
        values_[i] = numbers_[i].c_str();
        lengths_[i] = static_cast<int>(numbers_[i].size());
      } else if (const auto* s = std::get_if<std::string_view>(&params[i])) {
        // Text parameters must be NUL-terminated for libpq's text format.
        numbers_[i].assign(s->data(), s->size());
        values_[i] = numbers_[i].c_str();
        lengths_[i] = static_cast<int>(s->size());
      } else {
        values_[i] = nullptr;
        lengths_[i] = 0;
      }
    }
  }

  Result<PGresult*> Run(const std::string& sql, std::span<const Param> params) {
    BURSAR_RETURN_IF_ERROR(Drain());
    BURSAR_RETURN_IF_ERROR(EnsureConnected());
    BURSAR_ASSIGN_OR_RETURN(const Prepared* prepared, Prepare(sql));
    if (static_cast<size_t>(prepared->params) != params.size()) {
      return Status(StatusCode::kInternal, "parameter count mismatch: " + sql);
    }
    Bind(params);
    PGresult* res = PQexecPrepared(conn_, prepared->name.c_str(), static_cast<int>(params.size()), values_.data(),
                                   lengths_.data(), nullptr, 0);
    Status status = Check(res);
    if (!status.ok()) {
      PQclear(res);
      return status;
    }
    return res;
  }

  Status Check(PGresult* res) const {
    if (res == nullptr) return Status(StatusCode::kUnavailable, "PostgreSQL: " + std::string(PQerrorMessage(conn_)));
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) return OkStatus();
    const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    std::string code = state ? state : "";
    std::string message = "PostgreSQL: " + std::string(PQresultErrorMessage(res));
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    if (code == "23505") return Status(StatusCode::kAlreadyExists, message);
    if (code.starts_with("23")) return Status(StatusCode::kFailedPrecondition, message);
    if (code == "40001" || code == "40P01") return Status(StatusCode::kConflict, message);
    // Class 53, insufficient resources: disk_full (53100), out of memory, too
    // many connections. The transaction is rolled back; it may succeed later.
    if (code == "53100") {
      return Status(StatusCode::kUnavailable,
                    "PostgreSQL: disk full on the database server: the change was not stored; free space and run it "
                    "again (" + message.substr(std::string("PostgreSQL: ").size()) + ")");
    }
    if (code.starts_with("53")) return Status(StatusCode::kUnavailable, message);
    if (code.starts_with("08") || PQstatus(conn_) != CONNECTION_OK) return Status(StatusCode::kUnavailable, message);
    return Status(StatusCode::kInternal, message);
  }

  PGconn* conn_;
  std::string name_;
  // A pipeline SendPipeline sent and Drain has not read: where each step's
  // results go, and a failure met while sending.
  struct Pending {
    std::vector<Row>* rows;
    int64_t* changed;
  };
  bool pipelined_ = false;
  std::vector<Pending> pending_;
  Status pending_status_;
  bool in_tx_ = false;
  std::string session_script_;  // SetSessionScript, run again after a reconnect
  std::unordered_map<std::string, Prepared> statements_;
  std::vector<std::string> numbers_;
  std::vector<const char*> values_;
  std::vector<int> lengths_;
};

}  // namespace

Result<std::unique_ptr<Database>> OpenPostgres(const std::string& url) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    std::string message = conn ? PQerrorMessage(conn) : "out of memory";
    while (!message.empty() && message.back() == '\n') message.pop_back();
    PQfinish(conn);
    return Status(StatusCode::kUnavailable, "cannot connect to PostgreSQL at " + Redact(url) + ": " + message, "--db");
  }
  PQsetNoticeProcessor(conn, IgnoreNotice, nullptr);
  auto db = std::make_unique<PostgresDatabase>(conn, Redact(url));
  BURSAR_RETURN_IF_ERROR(db->Configure());
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace bursar::store
