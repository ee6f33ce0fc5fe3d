// Database: the one seam between the store and a SQL engine.
//
// The store's logic (schema, evidence, facts, applications, audit) is written
// once against this interface; two real backends implement it: SQLite (a file,
// the default) and PostgreSQL (libpq). Nothing else in bursar talks to a
// database library, and no exception or library error code crosses this line:
// every failure comes back as a Status.
//
// SQL given to Execute/Query uses `?` placeholders; the PostgreSQL backend
// rewrites them to $1, $2, ... Statements are prepared once per connection and
// cached by their text, so hot loops pay for binding and stepping only.
// Result cells come back as text (NULL as nullopt), the form both engines can
// give without loss for the types the schema uses (BIGINT, INTEGER, TEXT, DATE).
//
// Thread-safety: a Database is one connection; use it from one thread at a time.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/status.h"

namespace bursar::store {

enum class Dialect { kSqlite, kPostgres };

// A bound parameter. Text is borrowed and must outlive the call.
using Param = std::variant<std::nullptr_t, int64_t, std::string_view>;

// "?, ?, ?" for n parameters: the inside of `IN (...)`.
std::string Placeholders(size_t n);

// One result row, cells as text.
class Row {
 public:
  explicit Row(std::vector<std::optional<std::string>> cells) : cells_(std::move(cells)) {}
  size_t size() const { return cells_.size(); }
  bool IsNull(size_t i) const { return !cells_[i].has_value(); }
  // "" for NULL.
  const std::string& Text(size_t i) const;
  // 0 for NULL. REQUIRES: the cell holds an integer (checked by the schema).
  int64_t Int(size_t i) const;

 private:
  std::vector<std::optional<std::string>> cells_;
};

class Database {
 public:
  virtual ~Database() = default;

  virtual Dialect dialect() const = 0;
  // Where this connection points, without any password, for messages.
  virtual const std::string& display_name() const = 0;

  // Runs a script of statements without parameters or results (DDL).
  virtual Status ExecScript(const std::string& sql) = 0;
  // Runs `sql` now, and again on every new session of this connection
  // (PostgreSQL reconnects after losing the server): TEMP objects the store
  // keeps per session. A later call replaces the script.
  virtual Status SetSessionScript(const std::string& sql) { return ExecScript(sql); }
  // Runs one statement; returns the number of rows it changed.
  virtual Result<int64_t> ExecuteSpan(const std::string& sql, std::span<const Param> params) = 0;
  // Runs one statement once per row of `params` (rows of `width` parameters,
  // laid end to end) and sets (*changed)[i] to the rows run i changed. With
  // `returned` (a statement `RETURNING` an integer, such as a new row's id),
  // (*returned)[i] is what run i returned, or 0 when it returned no row (an
  // INSERT … ON CONFLICT DO NOTHING that did nothing).
  // PostgreSQL pipelines the runs (one round trip for the batch); the default
  // loops over ExecuteSpan. On error the transaction is unusable.
  virtual Status ExecuteBatch(const std::string& sql, std::span<const Param> params, size_t width,
                              std::vector<int64_t>* changed, std::vector<int64_t>* returned);
  // Bulk load: appends the rows (of `width` parameters laid end to end) to
  // `table`'s `columns` with PostgreSQL's COPY FROM STDIN (text format).
  // Internal error on SQLite, whose callers use prepared INSERTs instead.
  // On error the transaction is unusable.
  virtual Status CopyIn(const std::string& table, const std::vector<std::string>& columns,
                        std::span<const Param> params, size_t width);
  // One statement of a pipeline (RunPipeline): its rows are appended to
  // *rows when `rows` is set, and *changed (when set) is the count of rows
  // it changed (the rows it returned, when `rows` is set).
  struct Step {
    const std::string& sql;
    std::span<const Param> params;
    std::vector<Row>* rows = nullptr;
    int64_t* changed = nullptr;
  };
  // Runs `steps` in order and returns the first failure. PostgreSQL sends
  // them all before reading any result (one round trip: a later statement
  // must not need an earlier one's answer); the default runs them one by one.
  // On error the transaction is unusable.
  virtual Status RunPipeline(std::span<const Step> steps);
  // RunPipeline without waiting: PostgreSQL sends the steps and returns,
  // the server running them while the caller goes on; their results are read
  // (into the steps' rows and changed, which must outlive the wait) by
  // Drain, or by the next call on this connection, which drains first. At
  // most one pipeline waits: a second SendPipeline drains the first. Its
  // failure is returned by whichever call drained it. The default runs the
  // steps at once (RunPipeline).
  virtual Status SendPipeline(std::span<const Step> steps) { return RunPipeline(steps); }
  // Reads the results of a pipeline SendPipeline left (none: OK) and returns
  // its first failure.
  virtual Status Drain() { return OkStatus(); }
  // Runs one statement and appends its rows to *rows.
  virtual Status QuerySpan(const std::string& sql, std::span<const Param> params, std::vector<Row>* rows) = 0;

  // Transactions. Begin starts a write transaction that takes the write lock
  // at once (SQLite: BEGIN IMMEDIATE), so two writers never deadlock on upgrade.
  // REQUIRES: no transaction open for Begin; one open for Commit/Rollback.
  virtual Status Begin() = 0;
  virtual Status Commit() = 0;
  virtual Status Rollback() = 0;
  // Whether a transaction is open on the connection (Begin's, or one a
  // script left): a read inside it may see changes not yet committed.
  virtual bool InTransaction() const = 0;

  Result<int64_t> Execute(const std::string& sql, std::initializer_list<Param> params = {}) {
    return ExecuteSpan(sql, std::span<const Param>(params.begin(), params.size()));
  }
  Result<std::vector<Row>> Query(const std::string& sql, std::initializer_list<Param> params = {});
  // The single row of a query that must return at most one; nullopt when none.
  Result<std::optional<Row>> QueryOne(const std::string& sql, std::initializer_list<Param> params = {});
};

// Opens `url`: "postgresql://..." or "postgres://..." for PostgreSQL, anything
// else is a SQLite file path. A SQLite file is created only when `create` is
// true, so a mistyped --db path is an error rather than a new empty database.
Result<std::unique_ptr<Database>> OpenDatabase(const std::string& url, bool create);

bool IsPostgresUrl(std::string_view url);

// Backends; OpenDatabase chooses between them.
Result<std::unique_ptr<Database>> OpenSqlite(const std::string& path, bool create);
Result<std::unique_ptr<Database>> OpenPostgres(const std::string& url);

// Rolls back on scope exit unless Commit() was called: a failed step can
// return early without leaving a transaction open.
class Transaction {
 public:
  static Result<std::unique_ptr<Transaction>> Begin(Database* db);
  ~Transaction();
  Status Commit();

  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;
  bool open_ = true;
};

}  // namespace bursar::store
